/**
 * {@link ArchiveWriter}: a destination store that writes a mirror archive set (the format is in
 * `mod.ts`). Blobs stream straight into the current part, several at once (each into its own reserved
 * place), verified as they pass; parts are written under `.partial` names and renamed only when
 * `close()` has written every index and the set manifest and re-scanned the whole set, so an interrupted
 * run never leaves a set that looks complete.
 * @module
 */
import { join } from "node:path";
import { log, type RunContext } from "../context.ts";
import {
  AbortedError,
  abortReason,
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
import { BufferPool, type EntryBody, PartWriter, type SealedPart } from "./_part_writer.ts";
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
  /**
   * Blobs streamed into the set at the same time, each into a region of the part reserved when it
   * starts; further `putBlob` calls wait for one of them to end. @default 4
   */
  parallelBlobs?: number;
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
 * Concurrent `putBlob` calls (up to `parallelBlobs`) stream at the same time: each blob's place in the
 * part (header, data, padding) is reserved when it starts, and it is written there through a file handle
 * of its own; a blob that fails gives its place back, or leaves a void entry when later entries were
 * already placed after it. Manifests, files and links are written one at a time. Old `mirror_*.tar`
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
  /** Blobs streaming in now; each promise settles once the blob is recorded (or failed). */
  #inflight = new Map<Digest, Promise<void>>();
  #slots: Slots;
  #buffers: BufferPool;
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
    this.#slots = new Slots(options.parallelBlobs ?? 4);
    this.#buffers = new BufferPool(undefined, 2 * (options.parallelBlobs ?? 4));
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
    const parallel = options.parallelBlobs;
    if (parallel !== undefined && (!Number.isSafeInteger(parallel) || parallel < 1)) {
      throw new UsageError(`Parallel blobs ${parallel} is not valid: want a positive integer`);
    }
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
      current.freeze();
      await current.suspend();
    }
    const name = partFileName(this.#naming, this.#parts.length);
    const part = await PartWriter.create(
      join(this.dir, name + PARTIAL_SUFFIX),
      name,
      this.#mtimeSeconds,
      this.#buffers,
    );
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

  /** Marks the set failed when a part's file is in an unknown state (a write failed). */
  #noteBroken(): void {
    const broken = this.#parts.find((p) => p.broken !== undefined)?.broken;
    if (broken !== undefined && (this.#state === "open" || this.#state === "closing")) {
      this.#state = "failed";
      this.#failure = broken;
    }
  }

  /** The part an entry goes to: the current one, or a new one at the size limit. */
  async #partFor(name: string, bodySize: number, signal: AbortSignal): Promise<PartWriter> {
    throwIfAborted(signal);
    const size = entrySize(name, bodySize);
    const oversized = size > this.#limit;
    if (oversized) {
      const message = `Archive entry "${name}" (${bodySize} bytes) is larger than the archive size ` +
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
        { entry: name, sizeBytes: bodySize, archiveSizeBytes: this.#limit },
      );
    }
    let part = this.#parts[this.#parts.length - 1];
    if (part && part.sizeBytes === 0) part.isolated = false; // its oversized entry failed
    try {
      if (
        !part ||
        (part.sizeBytes > 0 && (part.isolated || oversized || part.sizeBytes + size > this.#limit))
      ) {
        part = await this.#newPart();
      }
    } catch (e) {
      this.#noteBroken();
      throw e;
    }
    if (oversized) part.isolated = true;
    return part;
  }

  /** Writes one entry (not a streamed blob) into the right part, one at a time. */
  async #writeEntry(name: string, body: EntryBody, signal: AbortSignal): Promise<void> {
    const part = await this.#partFor(name, body.size, signal);
    try {
      await part.writeEntry(name, body, signal);
    } catch (e) {
      this.#noteBroken();
      throw e;
    }
  }

  /** True when this set holds the blob's data or it is in `skipBlobs`. */
  hasBlob(_repo: string, d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(this.#blobs.has(d.digest) || this.#skip.has(d.digest));
  }

  /**
   * Streams the blob into the archive, verifying it, alongside other blobs being put; a failed blob
   * leaves nothing readers see (its place is given back, or becomes a void entry).
   */
  putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions): Promise<void> {
    const signal = this.#signal(o);
    return this.#putBlob(repo, d, body, signal).catch(async (e) => {
      await body.cancel(e).catch(() => {});
      throw e;
    });
  }

  async #putBlob(
    repo: string,
    d: Descriptor,
    body: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void> {
    for (;;) {
      this.#checkOpen();
      await this.#slots.acquire(signal);
      let writing: Promise<void> | undefined;
      let other: Promise<void> | undefined;
      try {
        await this.#exclusive(async () => {
          this.#checkRepository(repo);
          if (this.#blobs.has(d.digest) || this.#skip.has(d.digest)) {
            await body.cancel().catch(() => {});
            ArchiveWriter.#link(this.#layers, repo, d.digest);
            return;
          }
          other = this.#inflight.get(d.digest);
          if (!other) writing = (await this.#startBlob(repo, d, body, signal)).writing;
        });
        if (writing) return await writing;
        if (!other) return;
      } finally {
        this.#slots.release();
      }
      // The same blob is streaming in for another put: wait, then look again (it may have failed).
      await (other as Promise<void>).catch(() => {});
    }
  }

  /** Reserves the blob's place and starts streaming it in; the promise settles once it is recorded. */
  async #startBlob(
    repo: string,
    d: Descriptor,
    body: ReadableStream<Uint8Array>,
    signal: AbortSignal,
  ): Promise<{ writing: Promise<void> }> {
    const name = blobDataPath(d.digest);
    const part = await this.#partFor(name, d.size, signal);
    const where = `${this.label} blob ${d.digest} (${repo})`;
    const started = part.startEntry(name, { bytes: body, size: d.size, expected: d, where }, signal);
    const writing = (async () => {
      try {
        await started;
        this.#blobs.add(d.digest);
        this.#blobOrder.push(d.digest);
        ArchiveWriter.#link(this.#layers, repo, d.digest);
      } catch (e) {
        this.#noteBroken();
        throw e;
      } finally {
        this.#inflight.delete(d.digest);
      }
    })();
    writing.catch(() => {}); // the caller awaits it; waiters and close() only wait for it to settle
    this.#inflight.set(d.digest, writing);
    return { writing }; // wrapped: awaiting a promise would wait for the whole blob
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
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight.values()]);
    for (const p of this.#parts) await p.idle();
    this.#checkNotBroken();
    await this.#writeLinks(signal);
    if (this.#parts.length === 0) await this.#newPart();
    const last = this.#parts[this.#parts.length - 1] as PartWriter;
    if (this.#parts.length > 1 && last.sizeBytes === 0) {
      last.close();
      await Deno.remove(last.path);
      this.#parts.pop();
    }
    const parts = this.#parts;
    const sealed = parts.map((p, i) =>
      p.seal(
        partIndexEntryName(i + 1),
        encodeIndex({
          kind: PART_INDEX_KIND,
          version: ARCHIVE_INDEX_VERSION,
          setId: this.setId,
          part: i + 1,
          partCount: parts.length,
          file: p.name,
          entries: [...p.entries],
        }),
      )
    );
    const manifest: ArchiveSetManifest = {
      kind: SET_MANIFEST_KIND,
      version: ARCHIVE_INDEX_VERSION,
      setId: this.setId,
      createdAt: this.#ctx.now().toISOString(),
      partCount: parts.length,
      parts: parts.map((p, i) => {
        const s = sealed[i] as SealedPart;
        return {
          part: i + 1,
          file: p.name,
          dataSizeBytes: s.dataSizeBytes,
          partDigest: s.partDigest,
          indexSha256: s.indexSha256,
          entryCount: p.entries.length,
        };
      }),
    };
    const sizes: number[] = [];
    for (const [i, p] of parts.entries()) {
      throwIfAborted(signal);
      const last = i === parts.length - 1;
      sizes.push(
        await p.writeTrailer(
          last ? { name: SET_MANIFEST_ENTRY_NAME, bytes: encodeIndex(manifest) } : undefined,
        ),
      );
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

  #checkNotBroken(): void {
    const broken = this.#parts.find((p) => p.broken !== undefined);
    if (broken) {
      throw new ArchiveError(broken.path, `Archive part ${broken.path} could not be written`, {
        cause: broken.broken,
      });
    }
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
    for (const p of this.#parts) p.close();
    if (this.#inflight.size > 0 && !this.#aborted.signal.aborted) {
      // Blobs still streaming in stop: their parts are gone.
      this.#aborted.abort(
        new ArchiveError(this.dir, `Archive set in ${this.dir} failed: nothing more can be written to it`),
      );
    }
    for (const p of this.#parts) await Deno.remove(p.path).catch(() => {});
  }

  /**
   * Abandons the set: closes and removes every `.partial` part; the directory's earlier set (if any) is
   * left untouched. Safe to call at any time, also while writes are in flight (they then fail).
   */
  async abort(): Promise<void> {
    if (this.#state === "closed" || this.#state === "aborted") return;
    this.#state = "aborted";
    for (const p of this.#parts) p.close(); // blobs streaming in stop writing before they see the signal
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

/** A counting semaphore whose waits end when their signal aborts. */
class Slots {
  #free: number;
  #waiters: (() => void)[] = [];

  constructor(count: number) {
    this.#free = count;
  }

  acquire(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(abortReason(signal));
      };
      const wake = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}
