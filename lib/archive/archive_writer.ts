/**
 * {@link ArchiveWriter}: a destination store that writes a mirror archive set (the format is in
 * `mod.ts`). Blobs stream straight into the current part, verified as they pass; parts are written under
 * `.partial` names and renamed only when `close()` has written every index and the set manifest and
 * re-scanned the whole set, so an interrupted run never leaves a set that looks complete.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { log, type RunContext } from "../context.ts";
import {
  AbortedError,
  ArchiveError,
  ImageReferenceError,
  NotFoundError,
  throwIfAborted,
  UsageError,
} from "../errors.ts";
import {
  blobDataPath,
  layerLinkPath,
  linkContent,
  manifestRevisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
} from "../layout/mod.ts";
import {
  type Descriptor,
  type Digest,
  type Manifest,
  manifestChildren,
  MediaType,
  parseManifest,
  verifyBytes,
} from "../oci/mod.ts";
import type { DestinationStore, OpOptions, PutManifestOptions } from "../store/mod.ts";
import {
  ARCHIVE_INDEX_VERSION,
  type ArchiveSetManifest,
  encodeIndex,
  PART_INDEX_KIND,
  partIndexEntryName,
  SET_MANIFEST_ENTRY_NAME,
  SET_MANIFEST_KIND,
} from "./archive_index.ts";
import { type ArchiveNaming, parsePartFileName, partFileName, PARTIAL_SUFFIX } from "./part_naming.ts";
import { addablePathProblem, isRepositoryName } from "./_entry_name.ts";
import { type EntryBody, PartWriter } from "./_part_writer.ts";
import { scanArchiveSet } from "./_set_scanner.ts";
import { entrySize } from "./_tar_header.ts";

/** Options of {@link ArchiveWriter.create}. */
export interface ArchiveWriterOptions {
  ctx: RunContext;
  /** Largest part: a file that would overflow the current part starts a new one. */
  archiveSizeBytes: number;
  /** Refuse a single file larger than `archiveSizeBytes` instead of giving it its own part. @default false */
  strict?: boolean;
  /** Part names. @default { kind: "v2" } */
  naming?: ArchiveNaming;
  /**
   * Blobs shipped by earlier archives: `hasBlob` is true for them and their data is not written (their
   * repositories still get `_layers` links). Manifests are always written, so tags resolve from this
   * set alone.
   */
  skipBlobs?: ReadonlySet<Digest>;
  /** Identifies the set in its indexes. @default a random UUID */
  setId?: string;
}

/** One part of a finished set. */
export interface ArchivePartSummary {
  /** File name, e.g. `mirror_000001.tar`. */
  file: string;
  sizeBytes: number;
}

/** What {@link ArchiveWriter.close} wrote. */
export interface ArchiveSummary {
  setId: string;
  parts: ArchivePartSummary[];
  /** Every blob (manifests included) whose data this set holds, in write order. */
  blobsWritten: Digest[];
  /** Total size of the part files. */
  bytesWritten: number;
}

type WriterState = "open" | "closing" | "closed" | "aborted" | "failed";

const TAG_RE = /^[\w][\w.-]{0,127}$/;

function isForeign(d: Descriptor): boolean {
  return (d.urls?.length ?? 0) > 0 || d.mediaType === MediaType.dockerForeignLayerGzip ||
    d.mediaType.includes("nondistributable");
}

/**
 * Writes images and working-dir files into a split tar archive set in `dir`.
 *
 * Writes are serialised (a tar is sequential): concurrent `putBlob` calls wait their turn, so a copy
 * engine gains nothing from more than one or two concurrent puts into an archive. Old `mirror_*.tar`
 * files in `dir` are removed by `close()` only after the new set is complete, never at the start, so a
 * failed run keeps the previous good set. Stale `.partial` files of interrupted runs are removed at
 * `create()`.
 */
export class ArchiveWriter implements DestinationStore, AsyncDisposable {
  /** `file://<dir>`. */
  readonly label: string;
  /** The directory the set is written to. */
  readonly dir: string;
  /** The set's id, recorded in every part's index. */
  readonly setId: string;
  #ctx: RunContext;
  #limit: number;
  #strict: boolean;
  #naming: ArchiveNaming;
  #skip: ReadonlySet<Digest>;
  #mtimeSeconds: number;
  #parts: PartWriter[] = [];
  #blobs = new Set<Digest>();
  #blobOrder: Digest[] = [];
  #layers = new Map<string, Set<Digest>>();
  #revisions = new Map<string, Set<Digest>>();
  #tags = new Map<string, Map<string, Digest>>();
  #files = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  #state: WriterState = "open";
  #failure: unknown;
  #aborted = new AbortController();
  /** Aborted with the run or by `abort()`. */
  #baseSignal: AbortSignal;

  private constructor(dir: string, options: ArchiveWriterOptions) {
    this.dir = dir;
    this.label = `file://${dir}`;
    this.#ctx = options.ctx;
    this.#limit = options.archiveSizeBytes;
    this.#strict = options.strict ?? false;
    this.#naming = options.naming ?? { kind: "v2" };
    this.#skip = options.skipBlobs ?? new Set();
    this.setId = options.setId ?? crypto.randomUUID();
    this.#mtimeSeconds = Math.floor(options.ctx.now().getTime() / 1000);
    this.#baseSignal = AbortSignal.any([options.ctx.signal, this.#aborted.signal]);
  }

  /** Prepares `dir` (created if missing; stale `.partial` parts removed) for a new set. */
  static async create(dir: string, options: ArchiveWriterOptions): Promise<ArchiveWriter> {
    if (!Number.isSafeInteger(options.archiveSizeBytes) || options.archiveSizeBytes <= 0) {
      throw new UsageError(
        `Archive size ${options.archiveSizeBytes} is not valid: want a positive number of bytes`,
      );
    }
    const naming = options.naming ?? { kind: "v2" };
    if (naming.kind === "v1" && (!Number.isSafeInteger(naming.sequence) || naming.sequence < 1)) {
      throw new UsageError(`Archive sequence ${naming.sequence} is not valid: want a positive integer`);
    }
    throwIfAborted(options.ctx.signal);
    await Deno.mkdir(dir, { recursive: true });
    for await (const e of Deno.readDir(dir)) {
      if (
        e.isFile && e.name.endsWith(PARTIAL_SUFFIX) &&
        parsePartFileName(e.name.slice(0, -PARTIAL_SUFFIX.length))
      ) {
        await Deno.remove(join(dir, e.name));
        log(options.ctx, "debug", `Removed ${join(dir, e.name)}, left by an interrupted run`);
      }
    }
    return new ArchiveWriter(dir, options);
  }

  /** Runs `fn` after every earlier write, one at a time. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      this.#checkOpen();
      return fn();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #checkOpen(): void {
    if (this.#state === "open") return;
    const why = this.#state === "failed" ? "failed earlier" : `is ${this.#state}`;
    throw new ArchiveError(
      this.dir,
      `Archive set in ${this.dir} ${why}: nothing more can be written to it`,
      this.#failure === undefined ? {} : { cause: this.#failure },
    );
  }

  #signal(o?: OpOptions): AbortSignal {
    return o?.signal ? AbortSignal.any([this.#baseSignal, o.signal]) : this.#baseSignal;
  }

  #checkRepository(repo: string): void {
    if (!isRepositoryName(repo)) {
      throw new ImageReferenceError(
        repo,
        `Repository name "${repo}" cannot be stored in an archive: want lower-case components of letters, ` +
          `digits and separators (. _ __ -) joined by slashes`,
      );
    }
  }

  static #link(map: Map<string, Set<Digest>>, repo: string, digest: Digest): void {
    let set = map.get(repo);
    if (!set) {
      set = new Set();
      map.set(repo, set);
    }
    set.add(digest);
  }

  async #newPart(): Promise<PartWriter> {
    const usable = () => this.#state === "open" || this.#state === "closing";
    if (!usable()) this.#checkOpen();
    const current = this.#parts[this.#parts.length - 1];
    if (current) {
      current.finishData();
      await current.suspend();
    }
    const name = partFileName(this.#naming, this.#parts.length);
    const part = await PartWriter.create(join(this.dir, name + PARTIAL_SUFFIX), name, this.#mtimeSeconds);
    if (!usable()) {
      // abort() ran while the file was being created: it must not outlive the abort.
      part.close();
      await Deno.remove(part.path).catch(() => {});
      this.#checkOpen();
    }
    this.#parts.push(part);
    log(this.#ctx, "debug", `Writing archive part ${join(this.dir, name)}`);
    return part;
  }

  /** Writes one entry into the right part (splitting at the size limit). */
  async #writeEntry(name: string, body: EntryBody, signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const size = entrySize(name, body.size);
    const oversized = size > this.#limit;
    if (oversized) {
      const message = `Archive entry "${name}" (${body.size} bytes) is larger than the archive size ` +
        `limit (${this.#limit} bytes)`;
      if (this.#strict) {
        throw new ArchiveError(this.dir, message, {
          hint: "Raise archiveSize, or run without --strict-archive",
        });
      }
      log(
        this.#ctx,
        "warn",
        `${message}: it gets a part of its own; consider an archiveSize of at least ` +
          `${Math.ceil(size / 2 ** 30)} GiB`,
        { entry: name, sizeBytes: body.size, archiveSizeBytes: this.#limit },
      );
    }
    let part = this.#parts[this.#parts.length - 1];
    if (
      !part ||
      (part.entries.length > 0 && (part.isolated || oversized || part.sizeBytes + size > this.#limit))
    ) {
      part = await this.#newPart();
    }
    try {
      await part.writeEntry(name, body, signal);
    } catch (e) {
      if (part.broken !== undefined && this.#state !== "aborted") {
        this.#state = "failed";
        this.#failure = part.broken;
      }
      throw e;
    }
    if (oversized) part.isolated = true;
  }

  /** True when this set holds the blob's data or it is in `skipBlobs`. */
  hasBlob(_repo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(this.#blobs.has(d.digest) || this.#skip.has(d.digest));
  }

  /** Streams the blob into the archive, verifying it; a failed blob leaves no trace in the part. */
  putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions): Promise<void> {
    const signal = this.#signal(o);
    const run = this.#exclusive(async () => {
      this.#checkRepository(repo);
      if (this.#blobs.has(d.digest) || this.#skip.has(d.digest)) {
        await body.cancel().catch(() => {});
      } else {
        const where = `${this.label} blob ${d.digest} (${repo})`;
        await this.#writeEntry(
          blobDataPath(d.digest),
          { bytes: body, size: d.size, expected: d, where },
          signal,
        );
        this.#blobs.add(d.digest);
        this.#blobOrder.push(d.digest);
      }
      ArchiveWriter.#link(this.#layers, repo, d.digest);
    });
    return run.catch(async (e) => {
      await body.cancel(e).catch(() => {});
      throw e;
    });
  }

  /** Links a blob this set has (or skips) into another repository. */
  mountBlob(repo: string, _fromRepo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return this.#exclusive(() => {
      this.#checkRepository(repo);
      if (!this.#blobs.has(d.digest) && !this.#skip.has(d.digest)) return Promise.resolve(false);
      ArchiveWriter.#link(this.#layers, repo, d.digest);
      return Promise.resolve(true);
    });
  }

  /** True when this set has written the manifest into `repo` (skipped manifests are written again). */
  hasManifest(repo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(this.#revisions.get(repo)?.has(d.digest) ?? false);
  }

  /** Writes the manifest blob (once per set), links it into `repo`, and tags it with `o.tag`. */
  putManifest(repo: string, d: Descriptor, bytes: Uint8Array, o?: PutManifestOptions): Promise<void> {
    const signal = this.#signal(o);
    return this.#exclusive(async () => {
      this.#checkRepository(repo);
      if (o?.tag !== undefined && !TAG_RE.test(o.tag)) {
        throw new ImageReferenceError(
          o.tag,
          `Tag "${o.tag}" of ${repo} is not valid: want [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`,
        );
      }
      const where = `${this.label}/${repo} manifest ${d.digest}`;
      verifyBytes(bytes, d, where);
      const manifest = parseManifest(bytes, { mediaType: d.mediaType, where: `${repo}@${d.digest}` });
      this.#checkChildren(repo, d, manifest);
      if (!this.#blobs.has(d.digest)) {
        await this.#writeEntry(blobDataPath(d.digest), { bytes, size: d.size, expected: d, where }, signal);
        this.#blobs.add(d.digest);
        this.#blobOrder.push(d.digest);
      }
      ArchiveWriter.#link(this.#revisions, repo, d.digest);
      if (manifest.kind === "manifest") {
        for (const c of manifestChildren(manifest)) {
          if (!isForeign(c)) ArchiveWriter.#link(this.#layers, repo, c.digest);
        }
      }
      if (o?.tag !== undefined) {
        let tags = this.#tags.get(repo);
        if (!tags) {
          tags = new Map();
          this.#tags.set(repo, tags);
        }
        tags.set(o.tag, d.digest);
      }
    });
  }

  #checkChildren(repo: string, d: Descriptor, manifest: Manifest): void {
    for (const c of manifestChildren(manifest)) {
      const present = manifest.kind === "index"
        ? this.#revisions.get(repo)?.has(c.digest) ?? false
        : isForeign(c) || this.#blobs.has(c.digest) || this.#skip.has(c.digest);
      if (!present) {
        throw new NotFoundError(
          this.label,
          `Manifest ${repo}@${d.digest} names ${c.digest}, which ${this.label}/${repo} does not have: ` +
            `write blobs and child manifests before the manifest that names them`,
        );
      }
    }
  }

  /**
   * Adds a working-dir file (`working-dir/...`) or the ISC (`isc_<timestamp>.yaml`) with exactly `size`
   * bytes.
   */
  addFile(
    path: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    size: number,
    o?: OpOptions,
  ): Promise<void> {
    const signal = this.#signal(o);
    const problem = addablePathProblem(path);
    if (problem !== undefined) {
      if (body instanceof ReadableStream) body.cancel().catch(() => {});
      return Promise.reject(
        new ArchiveError(this.dir, `File "${path}" cannot be added to the archive: ${problem}`),
      );
    }
    const run = this.#exclusive(async () => {
      if (this.#files.has(path)) {
        throw new ArchiveError(
          this.dir,
          `File "${path}" was already added to the archive set in ${this.dir}`,
        );
      }
      await this.#writeEntry(path, { bytes: body, size, where: `file "${path}"` }, signal);
      this.#files.add(path);
    });
    return run.catch(async (e) => {
      if (body instanceof ReadableStream) await body.cancel(e).catch(() => {});
      throw e;
    });
  }

  /**
   * Finishes the set: writes the repository links, each part's index and the set manifest, re-scans the
   * set, renames the parts into place and only then removes the older `mirror_*.tar` files in the
   * directory.
   */
  close(): Promise<ArchiveSummary> {
    const run = this.#exclusive(async () => {
      this.#state = "closing";
      try {
        const summary = await this.#finish();
        this.#state = "closed";
        return summary;
      } catch (e) {
        if (this.#state === "closing") {
          this.#state = "failed";
          this.#failure = e;
        }
        await this.#removePartials();
        throw e;
      }
    });
    return run.catch(async (e) => {
      // A writer that failed earlier still must not leave its partial parts behind.
      if (this.#state === "failed") await this.#removePartials();
      throw e;
    });
  }

  async #finish(): Promise<ArchiveSummary> {
    const signal = this.#signal();
    await this.#writeLinks(signal);
    if (this.#parts.length === 0) await this.#newPart();
    const last = this.#parts[this.#parts.length - 1] as PartWriter;
    if (this.#parts.length > 1 && last.entries.length === 0) {
      last.close();
      await Deno.remove(last.path);
      this.#parts.pop();
    }
    const parts = this.#parts;
    const indexes = parts.map((p, i) =>
      encodeIndex({
        kind: PART_INDEX_KIND,
        version: ARCHIVE_INDEX_VERSION,
        setId: this.setId,
        part: i + 1,
        partCount: parts.length,
        file: p.name,
        entries: [...p.entries],
      })
    );
    const manifest: ArchiveSetManifest = {
      kind: SET_MANIFEST_KIND,
      version: ARCHIVE_INDEX_VERSION,
      setId: this.setId,
      createdAt: this.#ctx.now().toISOString(),
      partCount: parts.length,
      parts: parts.map((p, i) => ({
        part: i + 1,
        file: p.name,
        ...p.finishData(),
        indexSha256: createHash("sha256").update(indexes[i] as Uint8Array).digest("hex"),
        entryCount: p.entries.length,
      })),
    };
    const sizes: number[] = [];
    for (const [i, p] of parts.entries()) {
      throwIfAborted(signal);
      const trailer = [{ name: partIndexEntryName(i + 1), bytes: indexes[i] as Uint8Array }];
      if (i === parts.length - 1) {
        trailer.push({ name: SET_MANIFEST_ENTRY_NAME, bytes: encodeIndex(manifest) });
      }
      sizes.push(await p.writeTrailer(trailer));
    }
    await scanArchiveSet(parts.map((p) => ({ path: p.path, name: p.name })), { where: this.dir, signal });
    throwIfAborted(signal);
    for (const p of parts) await Deno.rename(p.path, join(this.dir, p.name));
    await this.#removeOldParts(new Set(parts.map((p) => p.name)));
    await syncDirectory(this.dir);
    const bytesWritten = sizes.reduce((a, b) => a + b, 0);
    log(
      this.#ctx,
      "info",
      `Archive set written to ${this.dir}: ${parts.length} part(s), ${bytesWritten} bytes`,
      {
        setId: this.setId,
        parts: parts.map((p) => p.name),
      },
    );
    return {
      setId: this.setId,
      parts: parts.map((p, i) => ({ file: p.name, sizeBytes: sizes[i] ?? 0 })),
      blobsWritten: [...this.#blobOrder],
      bytesWritten,
    };
  }

  async #writeLinks(signal: AbortSignal): Promise<void> {
    const link = (digest: Digest) => new TextEncoder().encode(linkContent(digest));
    const write = (name: string, digest: Digest) => {
      const bytes = link(digest);
      return this.#writeEntry(name, { bytes, size: bytes.byteLength, where: `link "${name}"` }, signal);
    };
    const repos = new Set([...this.#layers.keys(), ...this.#revisions.keys(), ...this.#tags.keys()]);
    for (const repo of [...repos].sort()) {
      for (const digest of [...(this.#layers.get(repo) ?? [])].sort()) {
        await write(layerLinkPath(repo, digest), digest);
      }
      for (const digest of [...(this.#revisions.get(repo) ?? [])].sort()) {
        await write(manifestRevisionLinkPath(repo, digest), digest);
      }
      for (const [tag, digest] of [...(this.#tags.get(repo) ?? [])].sort(([a], [b]) => a < b ? -1 : 1)) {
        await write(tagCurrentLinkPath(repo, tag), digest);
        await write(tagIndexLinkPath(repo, tag, digest), digest);
      }
    }
  }

  async #removeOldParts(keep: Set<string>): Promise<void> {
    const naming = this.#naming;
    for await (const e of Deno.readDir(this.dir)) {
      const parsed = e.isFile && !keep.has(e.name) ? parsePartFileName(e.name) : undefined;
      if (!parsed) continue;
      const old = naming.kind === "v2" || (parsed.kind === "v1" && parsed.sequence === naming.sequence);
      if (!old) continue;
      await Deno.remove(join(this.dir, e.name));
      log(this.#ctx, "info", `Removed ${join(this.dir, e.name)} of an earlier archive set`);
    }
  }

  async #removePartials(): Promise<void> {
    for (const p of this.#parts) {
      p.close();
      await Deno.remove(p.path).catch(() => {});
    }
  }

  /**
   * Abandons the set: closes and removes every `.partial` part; the directory's earlier set (if any) is
   * left untouched. Safe to call at any time, also while writes are in flight (they then fail).
   */
  async abort(): Promise<void> {
    if (this.#state === "closed" || this.#state === "aborted") return;
    this.#state = "aborted";
    this.#aborted.abort(new AbortedError(`Archive set in ${this.dir} was aborted`));
    await this.#removePartials();
  }

  /** Aborts the set unless it was closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.abort();
  }
}

/** Makes the renames durable (best effort: not every platform can sync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    using d = await Deno.open(dir, { read: true });
    await d.sync();
  } catch {
    // best effort
  }
}
