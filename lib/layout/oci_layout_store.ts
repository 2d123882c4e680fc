/**
 * A {@link ContentStore} over an OCI image layout directory (`oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`), interoperable with skopeo's `oci:DIR:REF`: a tag is the
 * `org.opencontainers.image.ref.name` annotation of an `index.json` entry.
 *
 * A layout holds one namespace of content, so the `repo` argument of every method is ignored: all
 * repositories share the blobs and the tags. Untagged manifests (e.g. the per-platform manifests of an
 * index) are stored as blobs only; `index.json` lists tagged manifests.
 * @see https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 * @module
 */
import { join } from "node:path";
import { ManifestError, NotFoundError, throwIfAborted } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  digestHex,
  isDigest,
  parseDescriptor,
  parseManifest,
  verifyBytes,
  verifyStream,
} from "../oci/mod.ts";
import type { ContentStore, OpOptions, PutManifestOptions } from "../store/mod.ts";
import {
  fileRangeStream,
  fileSize,
  isNotFound,
  readTextIfExists,
  removeQuietly,
  writeFileAtomic,
  writeStreamAtomic,
} from "./_fs.ts";
import { manifestMediaType, readManifestFile } from "./_manifest_file.ts";

/** The annotation that carries a tag in `index.json`. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

/** Options of {@link OciLayoutStore}. */
export interface OciLayoutStoreOptions {
  /** Names the store in messages. @default `oci://<dir>` */
  label?: string;
  /** Flush every blob and `index.json` to disk before it is renamed into place. @default false */
  fsync?: boolean;
}

interface IndexFile {
  /** The whole JSON object, to keep fields we do not manage. */
  json: Record<string, unknown>;
  manifests: Descriptor[];
}

/** An OCI image layout directory as a content store; the `repo` arguments are ignored. */
export class OciLayoutStore implements ContentStore {
  readonly label: string;
  /** The layout directory. */
  readonly dir: string;
  #fsync: boolean;
  /** Serialises read-modify-write cycles of index.json within this store. */
  #indexQueue: Promise<unknown> = Promise.resolve();
  #layoutReady: Promise<void> | undefined;

  /** `dir` is the layout directory (created on the first write); pass an absolute path. */
  constructor(dir: string, options: OciLayoutStoreOptions = {}) {
    this.dir = dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
    this.label = options.label ?? `oci://${this.dir}`;
    this.#fsync = options.fsync ?? false;
  }

  /** Absolute path of a blob's file (it may not exist). */
  blobPath(digest: Digest): string {
    return join(this.dir, "blobs", "sha256", digestHex(digest));
  }

  /** True when the layout holds the blob's bytes. */
  async hasBlobData(digest: Digest, _o?: OpOptions): Promise<boolean> {
    return (await fileSize(this.blobPath(digest))) !== undefined;
  }

  #opts(o?: OpOptions): { fsync: boolean; signal?: AbortSignal } {
    const opts: { fsync: boolean; signal?: AbortSignal } = { fsync: this.#fsync };
    if (o?.signal) opts.signal = o.signal;
    return opts;
  }

  #ensureLayout(): Promise<void> {
    this.#layoutReady ??= (async () => {
      await Deno.mkdir(join(this.dir, "blobs", "sha256"), { recursive: true });
      if ((await fileSize(join(this.dir, "oci-layout"))) === undefined) {
        await writeFileAtomic(join(this.dir, "oci-layout"), '{"imageLayoutVersion": "1.0.0"}', this.#opts());
      }
      if ((await fileSize(join(this.dir, "index.json"))) === undefined) {
        await this.#serialized(async () => {
          if ((await fileSize(join(this.dir, "index.json"))) === undefined) {
            await this.#writeIndex({ json: { schemaVersion: 2 }, manifests: [] });
          }
        });
      }
    })();
    const ready = this.#layoutReady;
    ready.catch(() => {
      if (this.#layoutReady === ready) this.#layoutReady = undefined;
    });
    return ready;
  }

  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#indexQueue.then(fn, fn);
    this.#indexQueue = run.catch(() => {});
    return run;
  }

  /** Reads `index.json`; a missing file is an empty index. */
  async #readIndex(): Promise<IndexFile> {
    const path = join(this.dir, "index.json");
    const text = await readTextIfExists(path);
    if (text === undefined) return { json: { schemaVersion: 2 }, manifests: [] };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new ManifestError(`Index ${path} of ${this.label} is not valid JSON`, { cause });
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new ManifestError(`Index ${path} of ${this.label} is not a JSON object`);
    }
    const obj = json as Record<string, unknown>;
    const raw = Array.isArray(obj.manifests) ? obj.manifests : [];
    const manifests = raw.map((m, i) => parseDescriptor(m, `${path} manifests[${i}]`));
    return { json: obj, manifests };
  }

  async #writeIndex(index: IndexFile): Promise<void> {
    const json: Record<string, unknown> = { ...index.json, schemaVersion: 2, manifests: index.manifests };
    await writeFileAtomic(join(this.dir, "index.json"), JSON.stringify(json), this.#opts());
  }

  /** The entries of `index.json` (tagged and untagged top-level manifests). */
  async indexEntries(o?: OpOptions): Promise<Descriptor[]> {
    throwIfAborted(o?.signal);
    return (await this.#readIndex()).manifests;
  }

  #manifestNotFound(reference: string): NotFoundError {
    return new NotFoundError(this.label, `Manifest ${reference} not found in ${this.label}`);
  }

  #blobNotFound(digest: Digest): NotFoundError {
    return new NotFoundError(this.label, `Blob ${digest} not found in ${this.label}`);
  }

  /** Resolves a tag (ref name annotation) or a digest; `repo` is ignored. */
  async resolve(_repo: string, reference: string, o?: OpOptions): Promise<Descriptor> {
    throwIfAborted(o?.signal);
    const entries = (await this.#readIndex()).manifests;
    if (!isDigest(reference)) {
      const entry = entries.findLast((m) => m.annotations?.[REF_NAME_ANNOTATION] === reference);
      if (!entry) throw this.#manifestNotFound(reference);
      return { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
    }
    const listed = entries.find((m) => m.digest === reference);
    const size = await fileSize(this.blobPath(reference));
    if (size === undefined) throw this.#manifestNotFound(reference);
    if (listed) return { mediaType: listed.mediaType, digest: reference, size };
    // An untagged manifest: its blob must be manifest JSON.
    const bytes = await this.#readManifest(reference);
    try {
      return { mediaType: manifestMediaType(bytes, reference), digest: reference, size: bytes.byteLength };
    } catch {
      throw this.#manifestNotFound(reference);
    }
  }

  async #readManifest(digest: Digest): Promise<Uint8Array> {
    try {
      return await readManifestFile(this.blobPath(digest), `${this.label}@${digest}`);
    } catch (e) {
      if (isNotFound(e)) throw this.#manifestNotFound(digest);
      throw e;
    }
  }

  async getManifest(_repo: string, d: Descriptor, o?: OpOptions): Promise<Uint8Array> {
    throwIfAborted(o?.signal);
    const bytes = await this.#readManifest(d.digest);
    verifyBytes(bytes, { digest: d.digest, size: bytes.byteLength }, `${this.label}@${d.digest}`);
    return bytes;
  }

  /** The size of a blob, for HEAD requests. */
  async statBlob(_repo: string, digest: Digest, o?: OpOptions): Promise<Descriptor> {
    throwIfAborted(o?.signal);
    const size = await fileSize(this.blobPath(digest));
    if (size === undefined) throw this.#blobNotFound(digest);
    return { mediaType: "application/octet-stream", digest, size };
  }

  getBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<ReadableStream<Uint8Array>> {
    return this.getBlobRange(repo, d, 0, undefined, o);
  }

  /** Streams bytes `[start, end)` of a blob (`end` undefined: to its end). */
  async getBlobRange(
    _repo: string,
    d: Pick<Descriptor, "digest">,
    start: number,
    end?: number,
    o?: OpOptions,
  ): Promise<ReadableStream<Uint8Array>> {
    throwIfAborted(o?.signal);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.blobPath(d.digest), { read: true });
    } catch (e) {
      if (isNotFound(e)) throw this.#blobNotFound(d.digest);
      throw e;
    }
    return fileRangeStream(file, start, end);
  }

  hasBlob(_repo: string, d: Descriptor, o?: OpOptions): Promise<boolean> {
    throwIfAborted(o?.signal);
    return this.hasBlobData(d.digest);
  }

  /**
   * Streams a blob to a temp file beside its final place, verifying size and digest, and renames it in.
   * When the layout already has the bytes the body is cancelled unread.
   */
  async putBlob(
    _repo: string,
    d: Descriptor,
    body: ReadableStream<Uint8Array>,
    o?: OpOptions,
  ): Promise<void> {
    const path = this.blobPath(d.digest);
    try {
      throwIfAborted(o?.signal);
      if ((await fileSize(path)) === d.size) {
        await body.cancel().catch(() => {});
        return;
      }
      await this.#ensureLayout();
    } catch (e) {
      await body.cancel(e).catch(() => {});
      throw e;
    }
    const where = `${this.label} blob ${d.digest}`;
    await writeStreamAtomic(path, body.pipeThrough(verifyStream(d, where)), this.#opts(o));
  }

  hasManifest(_repo: string, d: Descriptor, o?: OpOptions): Promise<boolean> {
    throwIfAborted(o?.signal);
    return this.hasBlobData(d.digest);
  }

  /** Stores manifest bytes as a blob; with `o.tag`, points that ref name at it in `index.json`. */
  async putManifest(_repo: string, d: Descriptor, bytes: Uint8Array, o?: PutManifestOptions): Promise<void> {
    throwIfAborted(o?.signal);
    verifyBytes(bytes, d, `${this.label} manifest ${d.digest}`);
    const m = parseManifest(bytes, { mediaType: d.mediaType, where: `${this.label}@${d.digest}` });
    const children = m.kind === "index"
      ? m.manifests
      : [m.config, ...m.layers.filter((l) => !l.urls?.length)];
    for (const c of children) {
      if (!(await this.hasBlobData(c.digest))) {
        throw new NotFoundError(
          this.label,
          `Manifest ${d.digest} names ${c.digest}, which ${this.label} does not have`,
        );
      }
    }
    await this.#ensureLayout();
    if ((await fileSize(this.blobPath(d.digest))) !== bytes.byteLength) {
      await writeFileAtomic(this.blobPath(d.digest), bytes, this.#opts(o));
    }
    const tag = o?.tag;
    if (tag === undefined) return;
    await this.#serialized(async () => {
      const index = await this.#readIndex();
      index.manifests = index.manifests.filter((e) => e.annotations?.[REF_NAME_ANNOTATION] !== tag);
      index.manifests.push({
        mediaType: m.mediaType,
        digest: d.digest,
        size: d.size,
        annotations: { [REF_NAME_ANNOTATION]: tag },
      });
      await this.#writeIndex(index);
    });
  }

  /** Always succeeds when the layout has the bytes: a layout has one namespace. */
  mountBlob(repo: string, _fromRepo: string, d: Descriptor, o?: OpOptions): Promise<boolean> {
    return this.hasBlob(repo, d, o);
  }

  /** Removes the manifest's `index.json` entries (its tags) and its blob. */
  async deleteManifest(_repo: string, d: Descriptor, o?: OpOptions): Promise<void> {
    throwIfAborted(o?.signal);
    const removed = await this.#serialized(async () => {
      const index = await this.#readIndex();
      const kept = index.manifests.filter((e) => e.digest !== d.digest);
      if (kept.length === index.manifests.length) return false;
      await this.#writeIndex({ ...index, manifests: kept });
      return true;
    });
    const had = await this.hasBlobData(d.digest);
    if (!removed && !had) throw this.#manifestNotFound(d.digest);
    if (had) await removeQuietly(this.blobPath(d.digest));
  }

  /** Lists the ref names of `index.json`, sorted and without duplicates. */
  async *listTags(_repo: string, o?: OpOptions): AsyncIterable<string> {
    throwIfAborted(o?.signal);
    const names = new Set<string>();
    for (const e of (await this.#readIndex()).manifests) {
      const name = e.annotations?.[REF_NAME_ANNOTATION];
      if (name !== undefined) names.add(name);
    }
    yield* [...names].sort();
  }
}
