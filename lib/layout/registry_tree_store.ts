/**
 * A {@link ContentStore} over the CNCF distribution registry's filesystem storage tree
 * (`<root>/docker/registry/v2/{blobs,repositories}`): the v2 cache, the unpacked content of mirror
 * archives, and what `oc-mirror serve` serves. A plain `docker-registry` pointed at the same root serves
 * what this store writes, and this store reads what `docker-registry` wrote.
 *
 * Blobs and manifests live once under `blobs/`; a repository has a blob when its `_layers` link exists,
 * a manifest when its `_manifests/revisions` link exists, and a tag is `_manifests/tags/<t>/current/link`.
 * Every file is written to a temp name beside its final place and renamed, so readers (and a crash) never
 * see half a blob or an empty link.
 * @see https://github.com/distribution/distribution/blob/main/registry/storage/paths.go
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { ImageReferenceError, NotFoundError, throwIfAborted } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  isDigest,
  parseManifest,
  verifyBytes,
  verifyStream,
} from "../oci/mod.ts";
import { isPathComponent, isTag } from "../reference/mod.ts";
import type { ContentStore, OpOptions, PutManifestOptions } from "../store/mod.ts";
import {
  fileRangeStream,
  fileSize,
  isNotFound,
  pathExists,
  readTextIfExists,
  removeQuietly,
  tempFileWriter,
  writeFileAtomic,
  writeStreamAtomic,
} from "./_fs.ts";
import { manifestMediaType, readManifestFile } from "./_manifest_file.ts";
import {
  blobDataPath,
  layerLinkPath,
  linkContent,
  manifestRevisionLinkPath,
  REGISTRY_TREE_ROOT,
  repositoryPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
} from "./registry_tree_paths.ts";

/** Options of {@link RegistryTreeStore}. */
export interface RegistryTreeStoreOptions {
  /** Names the store in messages. @default `oci-cache://<root>` */
  label?: string;
  /** Flush every blob, manifest and link to disk before it is renamed into place. @default false */
  fsync?: boolean;
}

/** Checks a repository name before it becomes a path (no `..`, no upper case, no empty components). */
function checkRepository(repo: string): void {
  if (repo === "" || !repo.split("/").every(isPathComponent)) {
    throw new ImageReferenceError(
      repo,
      `Repository name "${repo}" is invalid: want lower-case path components separated by "/"`,
    );
  }
}

function checkTag(repo: string, tag: string): void {
  if (!isTag(tag)) {
    throw new ImageReferenceError(
      `${repo}:${tag}`,
      `Tag "${tag}" of ${repo} is invalid: want up to 128 letters, digits, "_", "." and "-"`,
    );
  }
}

async function readLink(path: string): Promise<Digest | undefined> {
  const text = (await readTextIfExists(path))?.trim();
  return text !== undefined && isDigest(text) ? text : undefined;
}

async function listDir(path: string): Promise<Deno.DirEntry[]> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(path)) entries.push(e);
  } catch (e) {
    if (isNotFound(e) || e instanceof Deno.errors.NotADirectory) return [];
    throw e;
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** True when a process with this PID runs (signal 0 probes; EPERM means it exists but is not ours). */
function isProcessAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** The distribution registry's storage tree as a content store. */
export class RegistryTreeStore implements ContentStore {
  readonly label: string;
  /** The storage root: the directory holding `docker/registry/v2`. */
  readonly root: string;
  #fsync: boolean;

  /** `root` is the directory that holds (or will hold) `docker/registry/v2`; pass an absolute path. */
  constructor(root: string, options: RegistryTreeStoreOptions = {}) {
    this.root = root.length > 1 ? root.replace(/\/+$/, "") : root;
    this.label = options.label ?? `oci-cache://${this.root}`;
    this.#fsync = options.fsync ?? false;
  }

  #abs(relative: string): string {
    return join(this.root, relative);
  }

  /** Absolute path of a blob's `data` file (it may not exist). */
  blobPath(digest: Digest): string {
    return this.#abs(blobDataPath(digest));
  }

  /**
   * Removes the temp files that writers which no longer run left in the tree (a killed run's
   * half-written blobs and links); files of live processes are kept, since a cache may be shared by
   * several runs.
   * Returns how many files were removed.
   */
  async sweepTemporaryFiles(o: OpOptions = {}): Promise<number> {
    let removed = 0;
    const sweep = async (dir: string): Promise<void> => {
      throwIfAborted(o.signal);
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      for (const e of entries) {
        if (e.isDirectory) {
          await sweep(join(dir, e.name));
          continue;
        }
        const pid = e.isFile ? tempFileWriter(e.name) : undefined;
        if (pid === undefined || isProcessAlive(pid)) continue;
        await removeQuietly(join(dir, e.name));
        removed++;
      }
    };
    // Blob data and the small link files of repositories are both written through temp files.
    await sweep(this.#abs(REGISTRY_TREE_ROOT));
    return removed;
  }

  /** True when the blob's bytes are in the tree, whichever repositories link them. */
  async hasBlobData(digest: Digest, _o?: OpOptions): Promise<boolean> {
    return (await fileSize(this.blobPath(digest))) !== undefined;
  }

  async #linked(repo: string, digest: Digest, kinds: "layer" | "manifest" | "either"): Promise<boolean> {
    checkRepository(repo);
    if (kinds !== "manifest" && await pathExists(this.#abs(layerLinkPath(repo, digest)))) return true;
    if (kinds !== "layer" && await pathExists(this.#abs(manifestRevisionLinkPath(repo, digest)))) {
      return true;
    }
    return false;
  }

  #write(relative: string, content: string | Uint8Array, o?: OpOptions): Promise<void> {
    const opts: { fsync: boolean; signal?: AbortSignal } = { fsync: this.#fsync };
    if (o?.signal) opts.signal = o.signal;
    return writeFileAtomic(this.#abs(relative), content, opts);
  }

  #blobNotFound(repo: string, digest: Digest): NotFoundError {
    return new NotFoundError(this.label, `Blob ${repo}@${digest} not found in ${this.label}`);
  }

  #manifestNotFound(repo: string, reference: string): NotFoundError {
    const sep = isDigest(reference) ? "@" : ":";
    return new NotFoundError(this.label, `Manifest ${repo}${sep}${reference} not found in ${this.label}`);
  }

  async resolve(repo: string, reference: string, o?: OpOptions): Promise<Descriptor> {
    checkRepository(repo);
    throwIfAborted(o?.signal);
    let digest: Digest | undefined;
    if (isDigest(reference)) {
      digest = reference;
    } else {
      checkTag(repo, reference);
      digest = await readLink(this.#abs(tagCurrentLinkPath(repo, reference)));
    }
    if (digest === undefined || !(await this.#linked(repo, digest, "manifest"))) {
      throw this.#manifestNotFound(repo, reference);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readManifestFile(this.blobPath(digest), `${repo}@${digest}`);
    } catch (e) {
      if (isNotFound(e)) throw this.#manifestNotFound(repo, reference);
      throw e;
    }
    return {
      mediaType: manifestMediaType(bytes, `${this.label}/${repo}@${digest}`),
      digest,
      size: bytes.byteLength,
    };
  }

  async getManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<Uint8Array> {
    throwIfAborted(o?.signal);
    if (!(await this.#linked(repo, d.digest, "manifest"))) throw this.#manifestNotFound(repo, d.digest);
    let bytes: Uint8Array;
    try {
      bytes = await readManifestFile(this.blobPath(d.digest), `${repo}@${d.digest}`);
    } catch (e) {
      if (isNotFound(e)) throw this.#manifestNotFound(repo, d.digest);
      throw e;
    }
    verifyBytes(bytes, { digest: d.digest, size: bytes.byteLength }, `${this.label}/${repo}@${d.digest}`);
    return bytes;
  }

  /** The size of a blob the repository links (layers, configs, and manifests read as blobs). */
  async statBlob(repo: string, digest: Digest, o?: OpOptions): Promise<Descriptor> {
    throwIfAborted(o?.signal);
    const size = (await this.#linked(repo, digest, "either"))
      ? await fileSize(this.blobPath(digest))
      : undefined;
    if (size === undefined) throw this.#blobNotFound(repo, digest);
    return { mediaType: "application/octet-stream", digest, size };
  }

  getBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<ReadableStream<Uint8Array>> {
    return this.getBlobRange(repo, d, 0, undefined, o);
  }

  /** Streams bytes `[start, end)` of a blob (`end` undefined: to its end), for HTTP Range requests. */
  async getBlobRange(
    repo: string,
    d: Pick<Descriptor, "digest">,
    start: number,
    end?: number,
    o?: OpOptions,
  ): Promise<ReadableStream<Uint8Array>> {
    throwIfAborted(o?.signal);
    if (!(await this.#linked(repo, d.digest, "either"))) throw this.#blobNotFound(repo, d.digest);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.blobPath(d.digest), { read: true });
    } catch (e) {
      if (isNotFound(e)) throw this.#blobNotFound(repo, d.digest);
      throw e;
    }
    return fileRangeStream(file, start, end);
  }

  /** True when the repository links the blob and its bytes are present. */
  async hasBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<boolean> {
    throwIfAborted(o?.signal);
    return (await this.#linked(repo, d.digest, "layer")) && (await this.hasBlobData(d.digest));
  }

  /**
   * Stores a blob: streams it to a temp file beside `data`, verifying size and digest, renames it into
   * place and links it into the repository. When the tree already holds the bytes (another repository
   * has them) the body is cancelled unread and only the link is written.
   */
  async putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions): Promise<void> {
    try {
      checkRepository(repo);
      throwIfAborted(o?.signal);
    } catch (e) {
      await body.cancel(e).catch(() => {});
      throw e;
    }
    const path = this.blobPath(d.digest);
    if ((await fileSize(path)) === d.size) {
      await body.cancel().catch(() => {});
    } else {
      const where = `${this.label}/${repo} blob ${d.digest}`;
      const opts: { fsync: boolean; signal?: AbortSignal } = { fsync: this.#fsync };
      if (o?.signal) opts.signal = o.signal;
      try {
        await writeStreamAtomic(path, body.pipeThrough(verifyStream(d, where)), opts);
      } catch (e) {
        // Leave no empty blob folder behind (fails harmlessly when a concurrent put filled it).
        await removeQuietly(path.slice(0, path.lastIndexOf("/")));
        throw e;
      }
    }
    await this.#write(layerLinkPath(repo, d.digest), linkContent(d.digest), o);
  }

  /** True when the repository has a revision link for the manifest and its bytes are present. */
  async hasManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<boolean> {
    throwIfAborted(o?.signal);
    return (await this.#linked(repo, d.digest, "manifest")) && (await this.hasBlobData(d.digest));
  }

  async putManifest(repo: string, d: Descriptor, bytes: Uint8Array, o?: PutManifestOptions): Promise<void> {
    checkRepository(repo);
    if (o?.tag !== undefined) checkTag(repo, o.tag);
    throwIfAborted(o?.signal);
    const where = `${repo}@${d.digest}`;
    verifyBytes(bytes, d, `${this.label}/${where} manifest`);
    const m = parseManifest(bytes, { mediaType: d.mediaType, where });
    const children = m.kind === "index"
      ? m.manifests
      : [m.config, ...m.layers.filter((l) => !l.urls?.length)];
    for (const c of children) {
      const present = m.kind === "index"
        ? await this.hasManifest(repo, c, o)
        : await this.hasBlob(repo, c, o);
      if (!present) {
        throw new NotFoundError(
          this.label,
          `Manifest ${where} names ${c.digest}, which ${this.label}/${repo} does not have`,
        );
      }
    }
    if ((await fileSize(this.blobPath(d.digest))) !== bytes.byteLength) {
      await this.#write(blobDataPath(d.digest), bytes, o);
    }
    await this.#write(manifestRevisionLinkPath(repo, d.digest), linkContent(d.digest), o);
    if (o?.tag !== undefined) {
      await this.#write(tagIndexLinkPath(repo, o.tag, d.digest), linkContent(d.digest), o);
      await this.#write(tagCurrentLinkPath(repo, o.tag), linkContent(d.digest), o);
    }
  }

  /** Links a blob that `fromRepo` has into `repo`; false when `fromRepo` does not have it. */
  async mountBlob(repo: string, fromRepo: string, d: Descriptor, o?: OpOptions): Promise<boolean> {
    checkRepository(repo);
    if (!(await this.hasBlob(fromRepo, d, o))) return false;
    await this.#write(layerLinkPath(repo, d.digest), linkContent(d.digest), o);
    return true;
  }

  /** Unlinks a blob from a repository (the bytes stay until garbage collection). */
  async deleteBlob(repo: string, d: Pick<Descriptor, "digest">, o?: OpOptions): Promise<void> {
    throwIfAborted(o?.signal);
    if (!(await this.#linked(repo, d.digest, "layer"))) throw this.#blobNotFound(repo, d.digest);
    await Deno.remove(this.#abs(layerLinkPath(repo, d.digest)).replace(/\/link$/, ""), { recursive: true });
  }

  /**
   * Removes the manifest's revision link and every tag currently pointing at it. The bytes stay under
   * `blobs/` until garbage collection, as in distribution.
   */
  async deleteManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<void> {
    throwIfAborted(o?.signal);
    if (!(await this.#linked(repo, d.digest, "manifest"))) throw this.#manifestNotFound(repo, d.digest);
    const tagsDir = this.#abs(`${repositoryPath(repo)}/_manifests/tags`);
    for (const e of await listDir(tagsDir)) {
      if (!e.isDirectory) continue;
      if ((await readLink(join(tagsDir, e.name, "current", "link"))) === d.digest) {
        await Deno.remove(join(tagsDir, e.name), { recursive: true });
      }
    }
    const revision = this.#abs(manifestRevisionLinkPath(repo, d.digest)).replace(/\/link$/, "");
    await Deno.remove(revision, { recursive: true });
  }

  /** Lists the repository's tags (those whose `current/link` exists), sorted. */
  async *listTags(repo: string, o?: OpOptions): AsyncIterable<string> {
    checkRepository(repo);
    const tagsDir = this.#abs(`${repositoryPath(repo)}/_manifests/tags`);
    for (const e of await listDir(tagsDir)) {
      throwIfAborted(o?.signal);
      if (e.isDirectory && (await pathExists(join(tagsDir, e.name, "current", "link")))) yield e.name;
    }
  }

  /** Lists repositories (folders holding `_manifests`), sorted by name. */
  async *listRepositories(o?: OpOptions): AsyncIterable<string> {
    const found: string[] = [];
    const walk = async (relative: string): Promise<void> => {
      throwIfAborted(o?.signal);
      const entries = await listDir(this.#abs(`${REGISTRY_TREE_ROOT}/repositories/${relative}`));
      if (relative !== "" && entries.some((e) => e.isDirectory && e.name === "_manifests")) {
        found.push(relative);
      }
      for (const e of entries) {
        if (e.isDirectory && !e.name.startsWith("_") && !e.name.startsWith(".")) {
          await walk(relative === "" ? e.name : `${relative}/${e.name}`);
        }
      }
    };
    await walk("");
    yield* found.sort();
  }
}
