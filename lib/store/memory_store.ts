/**
 * An in-memory {@link ContentStore}: the reference implementation of the store contract, used in tests
 * and to assemble small images (rebuilt catalogs, graph images) before they are copied elsewhere.
 * @module
 */
import { NotFoundError } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  digestOf,
  isDigest,
  parseManifest,
  verifyBytes,
  verifyStream,
} from "../oci/mod.ts";
import type { ContentStore, OpOptions, PutManifestOptions } from "./store.ts";

interface Repo {
  manifests: Map<Digest, { bytes: Uint8Array; mediaType: string }>;
  tags: Map<string, Digest>;
  blobs: Set<Digest>;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** @default "memory://" */
  label?: string;
}

/** A content store held in memory. Blobs are shared; each repository links the blobs it has. */
export class MemoryStore implements ContentStore {
  readonly label: string;
  #repos = new Map<string, Repo>();
  #blobs = new Map<Digest, Uint8Array>();

  constructor(options: MemoryStoreOptions = {}) {
    this.label = options.label ?? "memory://";
  }

  #repo(name: string, create: boolean): Repo | undefined {
    let r = this.#repos.get(name);
    if (!r && create) {
      r = { manifests: new Map(), tags: new Map(), blobs: new Set() };
      this.#repos.set(name, r);
    }
    return r;
  }

  resolve(repo: string, reference: string, _o?: OpOptions): Promise<Descriptor> {
    const r = this.#repo(repo, false);
    const digest = isDigest(reference) ? reference : r?.tags.get(reference);
    const m = digest ? r?.manifests.get(digest) : undefined;
    if (!digest || !m) {
      return Promise.reject(
        new NotFoundError(this.label, `Manifest ${repo}:${reference} not found in ${this.label}`),
      );
    }
    return Promise.resolve({ mediaType: m.mediaType, digest, size: m.bytes.byteLength });
  }

  getManifest(repo: string, d: Descriptor, _o?: OpOptions): Promise<Uint8Array> {
    const m = this.#repo(repo, false)?.manifests.get(d.digest);
    if (!m) {
      return Promise.reject(
        new NotFoundError(this.label, `Manifest ${repo}@${d.digest} not found in ${this.label}`),
      );
    }
    return Promise.resolve(m.bytes.slice());
  }

  getBlob(repo: string, d: Descriptor, _o?: OpOptions): Promise<ReadableStream<Uint8Array>> {
    const has = this.#repo(repo, false)?.blobs.has(d.digest);
    const bytes = this.#blobs.get(d.digest);
    if (!has || !bytes) {
      return Promise.reject(
        new NotFoundError(this.label, `Blob ${repo}@${d.digest} not found in ${this.label}`),
      );
    }
    return Promise.resolve(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream());
  }

  hasBlob(repo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(this.#repo(repo, false)?.blobs.has(d.digest) ?? false);
  }

  async putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions): Promise<void> {
    const verified = body.pipeThrough(verifyStream(d, `${this.label}/${repo} blob ${d.digest}`), {
      signal: o?.signal,
    });
    const bytes = new Uint8Array(await new Response(verified).arrayBuffer());
    this.#blobs.set(d.digest, bytes);
    this.#repo(repo, true)?.blobs.add(d.digest);
  }

  hasManifest(repo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(this.#repo(repo, false)?.manifests.has(d.digest) ?? false);
  }

  putManifest(repo: string, d: Descriptor, bytes: Uint8Array, o?: PutManifestOptions): Promise<void> {
    try {
      verifyBytes(bytes, d, `${this.label}/${repo} manifest ${d.digest}`);
      const m = parseManifest(bytes, { mediaType: d.mediaType, where: `${repo}@${d.digest}` });
      const r = this.#repo(repo, true) as Repo;
      const children = m.kind === "index" ? m.manifests : [m.config, ...m.layers];
      for (const c of children) {
        const present = m.kind === "index" ? r.manifests.has(c.digest) : r.blobs.has(c.digest);
        if (!present) {
          throw new NotFoundError(
            this.label,
            `Manifest ${repo}@${d.digest} names ${c.digest}, which ${this.label}/${repo} does not have`,
          );
        }
      }
      r.manifests.set(d.digest, { bytes: bytes.slice(), mediaType: m.mediaType });
      if (o?.tag !== undefined) r.tags.set(o.tag, d.digest);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  mountBlob(repo: string, fromRepo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    if (!this.#repo(fromRepo, false)?.blobs.has(d.digest)) return Promise.resolve(false);
    this.#repo(repo, true)?.blobs.add(d.digest);
    return Promise.resolve(true);
  }

  deleteManifest(repo: string, d: Descriptor, _o?: OpOptions): Promise<void> {
    const r = this.#repo(repo, false);
    if (!r?.manifests.delete(d.digest)) {
      return Promise.reject(
        new NotFoundError(this.label, `Manifest ${repo}@${d.digest} not found in ${this.label}`),
      );
    }
    for (const [t, dg] of r.tags) if (dg === d.digest) r.tags.delete(t);
    return Promise.resolve();
  }

  async *listTags(repo: string, _o?: OpOptions): AsyncIterable<string> {
    yield* [...(this.#repo(repo, false)?.tags.keys() ?? [])].sort();
  }

  async *listRepositories(_o?: OpOptions): AsyncIterable<string> {
    yield* [...this.#repos.keys()].sort();
  }

  /** Test helper: adds bytes as a blob of `repo` and returns its descriptor. */
  addBlob(repo: string, bytes: Uint8Array, mediaType = "application/octet-stream"): Descriptor {
    const digest = digestOf(bytes);
    this.#blobs.set(digest, bytes.slice());
    this.#repo(repo, true)?.blobs.add(digest);
    return { mediaType, digest, size: bytes.byteLength };
  }
}
