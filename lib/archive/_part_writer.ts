/**
 * Writes the entries of one part file. Each entry gets its region (header, data, padding) reserved at
 * the part's end when it starts, so several blobs can stream in at once, each through a file handle of
 * its own writing at its own offsets, while small entries go through the part's main handle. Data is
 * hashed once, as it passes (blobs against their digest, other entries for the index); the part digest
 * of the set manifest (`_part_digest.ts`) is built from those hashes and the headers and padding.
 *
 * A failed entry gives its region back when nothing was reserved after it (the bytes already written
 * are overwritten by later entries or cut off by the trailer), and otherwise becomes a void entry: a
 * regular file `oc-mirror/void-<NNNNNN>` of zeros spanning the region, listed in the index like any
 * entry and ignored by readers. Either way the part stays a valid tar without the failed entry.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { abortReason, ArchiveError, DigestMismatchError } from "../errors.ts";
import { digestHex, type ExpectedContent, verifyBytes } from "../oci/mod.ts";
import type { ArchiveIndexEntry } from "./archive_index.ts";
import { voidEntryName } from "./_entry_name.ts";
import { writeAll } from "./_file_io.ts";
import { PartDigest } from "./_part_digest.ts";
import { BLOCK_SIZE, fileHeader, paddingSize } from "./_tar_header.ts";

/** Buffer of the main handle (small entries, trailer). */
const MAIN_BUFFER_BYTES = 1024 * 1024;
/** Buffer of each streaming entry (two of them each). */
const STREAM_BUFFER_BYTES = 512 * 1024;
const ZEROS = new Uint8Array(BLOCK_SIZE * 2);
const ZERO_MIB = new Uint8Array(1024 * 1024);

/** What an entry's body must be. */
export interface EntryBody {
  bytes: Uint8Array | ReadableStream<Uint8Array>;
  size: number;
  /** Verify the bytes against this digest (blobs); otherwise only the size is checked. */
  expected?: ExpectedContent;
  /** Names the content in errors. */
  where: string;
}

/** What the set manifest records of a sealed part. */
export interface SealedPart {
  /** Bytes before the index entry. */
  dataSizeBytes: number;
  /** The part digest (see `_part_digest.ts`), the index entry included. */
  partDigest: string;
  /** sha256 of the index entry's data. */
  indexSha256: string;
}

/** An entry's reserved place in the part. */
interface Region {
  /** Offset of its first header block. */
  start: number;
  header: Uint8Array;
  size: number;
  /** Offset after its padding. */
  end: number;
}

interface Committed {
  region: Region;
  entry: ArchiveIndexEntry;
}

/** Write buffers of finished entries, kept for the next ones (streaming many blobs churns no memory). */
export class BufferPool {
  #free: Uint8Array[] = [];
  #bytes: number;
  #keep: number;

  /** Buffers of `bytes` bytes; at most `keep` are kept. */
  constructor(bytes: number = STREAM_BUFFER_BYTES, keep = 8) {
    this.#bytes = bytes;
    this.#keep = keep;
  }

  /** A free buffer, or a new one. */
  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(this.#bytes);
  }

  /** Returns a buffer no write uses any more. */
  give(buffer: Uint8Array): void {
    if (this.#free.length < this.#keep && buffer.byteLength === this.#bytes) this.#free.push(buffer);
  }
}

/**
 * Positioned writes through one file handle: bytes contiguous with the buffered ones are coalesced; two
 * buffers alternate, so one fills while the other is written; at most one write is in flight.
 */
class Appender {
  /** Set when a write failed: what the file holds is unknown. */
  broken: unknown = undefined;
  #file: Deno.FsFile;
  #buffers: Uint8Array[];
  #current = 0;
  /** File offset of the buffer's first byte. */
  #runStart = 0;
  #buffered = 0;
  /** The handle's position once the write in flight is done. */
  #filePos = 0;
  #pending: Promise<void> | undefined;

  constructor(file: Deno.FsFile, buffers: [Uint8Array, Uint8Array]) {
    this.#file = file;
    this.#buffers = buffers;
  }

  /** The two buffers, for reuse once everything is written (or discarded) and settled. */
  get buffers(): Uint8Array[] {
    return this.#buffers;
  }

  /** Waits for the write in flight. */
  async settle(): Promise<void> {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    await pending;
  }

  /** Starts writing `bytes` at `offset` once the write in flight is done; `owned` bytes may be written later. */
  async #write(offset: number, bytes: Uint8Array, owned: boolean): Promise<void> {
    await this.settle();
    const file = this.#file;
    const seek = this.#filePos !== offset;
    this.#filePos = offset + bytes.byteLength;
    const pending = (async () => {
      if (seek) await file.seek(offset, Deno.SeekMode.Start);
      await writeAll(file, bytes);
    })().catch((e) => {
      this.broken ??= e;
      throw e;
    });
    if (!owned) return await pending;
    pending.catch(() => {}); // awaited by settle(); this only keeps it from counting as unhandled
    this.#pending = pending;
  }

  /** Hands the buffer to the file and switches to the other one. */
  async flush(): Promise<void> {
    if (this.#buffered === 0) return;
    const full = (this.#buffers[this.#current] as Uint8Array).subarray(0, this.#buffered);
    const at = this.#runStart;
    this.#current = 1 - this.#current;
    this.#buffered = 0;
    await this.#write(at, full, true);
  }

  /** Writes out everything. */
  async drain(): Promise<void> {
    await this.flush();
    await this.settle();
  }

  /** Writes `bytes` at `offset`; `owned` bytes (stream chunks) are not changed later and need no copy. */
  async writeAt(offset: number, bytes: Uint8Array, owned: boolean): Promise<void> {
    if (this.#buffered > 0 && offset !== this.#runStart + this.#buffered) await this.flush();
    const capacity = (this.#buffers[this.#current] as Uint8Array).byteLength;
    if (this.#buffered + bytes.byteLength > capacity) await this.flush();
    if (bytes.byteLength >= capacity / 2) return await this.#write(offset, bytes, owned);
    if (this.#buffered === 0) this.#runStart = offset;
    (this.#buffers[this.#current] as Uint8Array).set(bytes, this.#buffered);
    this.#buffered += bytes.byteLength;
    if (this.#buffered === capacity) await this.flush();
  }

  /** Drops unwritten bytes at or after `offset` and waits for the write in flight (errors ignored). */
  async discardFrom(offset: number): Promise<void> {
    if (this.#buffered > 0 && offset < this.#runStart + this.#buffered) {
      this.#buffered = Math.max(0, offset - this.#runStart);
    }
    await this.settle().catch(() => {});
  }
}

/** One part being written. */
export class PartWriter {
  /** Where the part is written (a `.partial` name). */
  readonly path: string;
  /** Its final name in the set. */
  readonly name: string;
  /** True once it holds an oversized entry alone: the next entry starts a new part. */
  isolated = false;
  /** Set when a failed write left the file in an unknown state: the part is unusable. */
  broken: unknown = undefined;
  #file: Deno.FsFile | undefined;
  #main: Appender | undefined;
  /** Everything below is reserved. */
  #end = 0;
  #committed: Committed[] = [];
  #streaming = new Set<Promise<unknown>>();
  #voids = 0;
  #frozen = false;
  /** Abandoned (the set is aborted): nothing more is written. */
  #closed = false;
  #index: { header: Uint8Array; bytes: Uint8Array } | undefined;
  #mtimeSeconds: number;
  #pool: BufferPool;

  private constructor(path: string, name: string, file: Deno.FsFile, mtimeSeconds: number, pool: BufferPool) {
    this.path = path;
    this.name = name;
    this.#file = file;
    this.#main = new Appender(file, mainBuffers());
    this.#mtimeSeconds = mtimeSeconds;
    this.#pool = pool;
  }

  /** Creates (or truncates) the part file; streaming entries take their buffers from `pool`. */
  static async create(
    path: string,
    name: string,
    mtimeSeconds: number,
    pool: BufferPool = new BufferPool(),
  ): Promise<PartWriter> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true, mode: 0o644 });
    return new PartWriter(path, name, file, mtimeSeconds, pool);
  }

  #streamAppender(file: Deno.FsFile): Appender {
    return new Appender(file, [this.#pool.take(), this.#pool.take()]);
  }

  #giveBack(out: Appender | undefined): void {
    for (const b of out?.buffers ?? []) this.#pool.give(b);
  }

  /** Bytes reserved so far (committed entries and those being written). */
  get sizeBytes(): number {
    return this.#end;
  }

  /** The entries committed so far (void entries included), in file order. */
  get entries(): ArchiveIndexEntry[] {
    return this.#sorted().map((c) => c.entry);
  }

  #sorted(): Committed[] {
    return [...this.#committed].sort((a, b) => a.region.start - b.region.start);
  }

  #checkOpen(): void {
    if (this.#frozen || this.#closed || this.broken !== undefined) {
      throw new ArchiveError(this.path, `Archive part ${this.path} takes no more entries`);
    }
  }

  #reserve(name: string, size: number): Region {
    const header = fileHeader(name, size, this.#mtimeSeconds);
    const start = this.#end;
    this.#end = start + header.byteLength + size + paddingSize(size);
    return { start, header, size, end: this.#end };
  }

  #commit(region: Region, name: string, sha256: string): ArchiveIndexEntry {
    const entry: ArchiveIndexEntry = {
      name,
      offset: region.start + region.header.byteLength,
      size: region.size,
      sha256,
    };
    this.#committed.push({ region, entry });
    return entry;
  }

  #fail(e: unknown): void {
    this.broken ??= e;
  }

  /**
   * Writes one entry through the part's main handle. The caller runs these one at a time (the main
   * handle buffers); on failure the region is given back and the error rethrown.
   */
  async writeEntry(name: string, body: EntryBody, signal?: AbortSignal): Promise<ArchiveIndexEntry> {
    this.#checkOpen();
    const main = this.#main;
    if (!main) throw new ArchiveError(this.path, `Archive part ${this.path} is closed`);
    const region = this.#reserve(name, body.size);
    try {
      const sha256 = await this.#fill(main, region, body, signal);
      return this.#commit(region, name, sha256);
    } catch (e) {
      await main.discardFrom(region.start);
      if (main.broken !== undefined) this.#fail(main.broken);
      await this.#release(region, undefined);
      throw e;
    }
  }

  /**
   * Reserves the entry's region now and streams the body into it through a file handle of its own, so
   * other entries can be written meanwhile; on failure the region is given back or made void and the
   * error rethrown.
   */
  startEntry(
    name: string,
    body: EntryBody & { bytes: ReadableStream<Uint8Array> },
    signal?: AbortSignal,
  ): Promise<ArchiveIndexEntry> {
    this.#checkOpen();
    const region = this.#reserve(name, body.size);
    const writing = this.#writeRegion(region, name, body, signal);
    const done = () => this.#streaming.delete(writing);
    this.#streaming.add(writing);
    writing.then(done, done);
    return writing;
  }

  async #writeRegion(
    region: Region,
    name: string,
    body: EntryBody,
    signal?: AbortSignal,
  ): Promise<ArchiveIndexEntry> {
    let file: Deno.FsFile | undefined;
    let out: Appender | undefined;
    try {
      file = await Deno.open(this.path, { write: true });
      if (this.#closed) throw new ArchiveError(this.path, `Archive part ${this.path} was abandoned`);
      out = this.#streamAppender(file);
      const sha256 = await this.#fill(out, region, body, signal);
      await out.drain();
      return this.#commit(region, name, sha256);
    } catch (e) {
      if (out) {
        await out.discardFrom(region.start);
        if (out.broken !== undefined) this.#fail(out.broken);
      }
      await this.#release(region, out);
      throw e;
    } finally {
      await out?.settle().catch(() => {}); // no write uses its buffers any more: they can be reused
      this.#giveBack(out);
      file?.close();
    }
  }

  /** Writes header, data and padding of the region; returns the data's sha256. */
  async #fill(out: Appender, region: Region, body: EntryBody, signal?: AbortSignal): Promise<string> {
    const dataStart = region.start + region.header.byteLength;
    await out.writeAt(region.start, region.header, false);
    const sha256 = body.bytes instanceof Uint8Array
      ? await writeBytes(out, dataStart, body.bytes, body)
      : await writeStream(out, dataStart, body.bytes, body, signal);
    await out.writeAt(dataStart + body.size, ZEROS.subarray(0, paddingSize(body.size)), false);
    return sha256;
  }

  /**
   * Takes back a failed entry's region: given back when it is the last one reserved, else filled with a
   * void entry (through `out`, the region's own handle, when it has one).
   */
  async #release(region: Region, out: Appender | undefined): Promise<void> {
    if (this.#closed) return;
    if (this.#end === region.end) {
      this.#end = region.start;
      return;
    }
    if (this.broken !== undefined) return;
    let file: Deno.FsFile | undefined;
    try {
      if (!out) {
        file = await Deno.open(this.path, { write: true });
        out = new Appender(file, [new Uint8Array(STREAM_BUFFER_BYTES), new Uint8Array(STREAM_BUFFER_BYTES)]);
      }
      const name = voidEntryName(++this.#voids);
      const length = region.end - region.start;
      let size = length - BLOCK_SIZE;
      let header = fileHeader(name, size, this.#mtimeSeconds);
      if (header.byteLength !== BLOCK_SIZE) {
        size = length - header.byteLength; // over 8 GiB: the size goes to a pax header
        header = fileHeader(name, size, this.#mtimeSeconds);
      }
      const hash = createHash("sha256");
      await out.writeAt(region.start, header, false);
      for (let at = 0; at < size && !this.#closed;) {
        const zeros = ZERO_MIB.subarray(0, Math.min(ZERO_MIB.byteLength, size - at));
        hash.update(zeros);
        await out.writeAt(region.start + header.byteLength + at, zeros, false);
        at += zeros.byteLength;
      }
      await out.drain();
      if (this.#closed) return;
      this.#commit({ start: region.start, header, size, end: region.end }, name, hash.digest("hex"));
    } catch (e) {
      this.#fail(e);
    } finally {
      file?.close();
    }
  }

  /** Waits until no entry is streaming in. */
  async idle(): Promise<void> {
    while (this.#streaming.size > 0) await Promise.allSettled([...this.#streaming]);
  }

  /** Takes no more entries (the next ones go to a new part). */
  freeze(): void {
    this.#frozen = true;
  }

  /**
   * Freezes the part and fixes its index entry (written by {@link writeTrailer}): returns what the set
   * manifest records of the part, its digest covering the index entry too. Call it once {@link idle}.
   */
  seal(indexName: string, index: Uint8Array): SealedPart {
    if (this.#index) throw new ArchiveError(this.path, `Archive part ${this.path} is already sealed`);
    if (this.#streaming.size > 0) {
      throw new ArchiveError(this.path, `Archive part ${this.path} still has entries being written`);
    }
    this.#frozen = true;
    const digest = new PartDigest();
    let at = 0;
    for (const { region, entry } of this.#sorted()) {
      if (region.start !== at) {
        throw new ArchiveError(this.path, `Archive part ${this.path} has a gap at offset ${at}`);
      }
      digest.structure(region.header);
      digest.entry(entry.sha256);
      digest.structure(ZEROS.subarray(0, paddingSize(region.size)));
      at = region.end;
    }
    if (at !== this.#end) {
      throw new ArchiveError(this.path, `Archive part ${this.path} has a gap at offset ${at}`);
    }
    const header = fileHeader(indexName, index.byteLength, this.#mtimeSeconds);
    const indexSha256 = createHash("sha256").update(index).digest("hex");
    digest.structure(header);
    digest.entry(indexSha256);
    digest.structure(ZEROS.subarray(0, paddingSize(index.byteLength)));
    this.#index = { header, bytes: index };
    return { dataSizeBytes: this.#end, partDigest: digest.hex(), indexSha256 };
  }

  /** Writes out the main handle's buffers and closes it (entries still streaming in keep their own). */
  async suspend(): Promise<void> {
    const main = this.#main;
    this.#main = undefined;
    try {
      if (main) await main.drain();
    } catch (e) {
      this.#fail(e);
      throw e;
    } finally {
      this.#file?.close();
      this.#file = undefined;
    }
  }

  /**
   * Appends the sealed index entry, then `extra` (the set manifest, in the last part) and the
   * end-of-archive marker, cuts off anything after them (left by failed entries), and syncs; returns the
   * part's size.
   */
  async writeTrailer(extra?: { name: string; bytes: Uint8Array }): Promise<number> {
    const index = this.#index;
    if (!index) throw new ArchiveError(this.path, `Archive part ${this.path} was not sealed`);
    if (this.broken !== undefined) {
      throw new ArchiveError(this.path, `Archive part ${this.path} could not be written`, {
        cause: this.broken,
      });
    }
    if (this.#main) await this.suspend();
    const file = await Deno.open(this.path, { write: true });
    this.#file = file;
    const out = new Appender(file, mainBuffers());
    const entries = [index];
    if (extra) {
      entries.push({ header: fileHeader(extra.name, extra.bytes.byteLength, this.#mtimeSeconds), ...extra });
    }
    let at = this.#end;
    for (const e of entries) {
      await out.writeAt(at, e.header, false);
      at += e.header.byteLength;
      await out.writeAt(at, e.bytes, false);
      at += e.bytes.byteLength;
      const padding = ZEROS.subarray(0, paddingSize(e.bytes.byteLength));
      await out.writeAt(at, padding, false);
      at += padding.byteLength;
    }
    await out.writeAt(at, ZEROS, false);
    at += ZEROS.byteLength;
    await out.drain();
    await file.truncate(at);
    await file.syncData();
    file.close();
    this.#file = undefined;
    return at;
  }

  /**
   * Abandons the part (the set is aborted or failed): closes the main handle; entries still streaming in
   * (stopped by the writer's signal) give nothing back and leave no void entry. The file stays.
   */
  close(): void {
    this.#closed = true;
    this.#main = undefined;
    this.#file?.close();
    this.#file = undefined;
  }
}

function mainBuffers(): [Uint8Array, Uint8Array] {
  return [new Uint8Array(MAIN_BUFFER_BYTES), new Uint8Array(MAIN_BUFFER_BYTES)];
}

async function writeBytes(out: Appender, at: number, bytes: Uint8Array, body: EntryBody): Promise<string> {
  if (body.expected) verifyBytes(bytes, body.expected, body.where);
  else checkSize(bytes.byteLength, body, true);
  await out.writeAt(at, bytes, false);
  return body.expected ? digestHex(body.expected.digest) : createHash("sha256").update(bytes).digest("hex");
}

/** Streams the body in, hashing each chunk once: the digest check of blobs and the index sha256. */
async function writeStream(
  out: Appender,
  at: number,
  stream: ReadableStream<Uint8Array>,
  body: EntryBody,
  signal?: AbortSignal,
): Promise<string> {
  const hash: Hash = createHash("sha256");
  const reader = stream.getReader();
  // A stalled body must not hold up an abort: cancelling ends the pending read.
  const onAbort = () => void reader.cancel(signal && abortReason(signal)).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let count = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const { done, value } = await reader.read();
      if (signal?.aborted) throw abortReason(signal);
      if (done) break;
      checkSize(count + value.byteLength, body, false);
      hash.update(value);
      await out.writeAt(at + count, value, true);
      count += value.byteLength;
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  checkSize(count, body, true);
  const sha256 = hash.digest("hex");
  if (body.expected && `sha256:${sha256}` !== body.expected.digest) {
    throw new DigestMismatchError(body.expected.digest, `sha256:${sha256}`, body.where);
  }
  return sha256;
}

function checkSize(count: number, body: EntryBody, final: boolean): void {
  if (count <= body.size && (!final || count === body.size)) return;
  const got = final ? `${count}` : `more than ${body.size}`;
  if (body.expected) {
    throw new DigestMismatchError(
      body.expected.digest,
      `${got}${final ? ` of ${body.size}` : ""} bytes`,
      body.where,
    );
  }
  throw new ArchiveError(
    body.where,
    `Content of ${body.where} has ${got} bytes, but ${body.size} were declared`,
  );
}
