/**
 * Writes the entries of one part file: tar header, data streamed through a 1 MiB buffer, padding. Keeps
 * the sha256 of everything committed so far (the set manifest records it), and on a failed entry
 * (wrong bytes, errored body, abort) truncates the file back to the entry's start, so the part stays a
 * valid tar without that entry.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { abortReason, ArchiveError } from "../errors.ts";
import { digestHex, type ExpectedContent, verifyBytes, verifyStream } from "../oci/mod.ts";
import type { ArchiveIndexEntry } from "./archive_index.ts";
import { writeAll } from "./_file_io.ts";
import { BLOCK_SIZE, fileHeader, paddingSize } from "./_tar_header.ts";

const BUFFER_BYTES = 1024 * 1024;
const ZEROS = new Uint8Array(BLOCK_SIZE * 2);

/** What an entry's body must be. */
export interface EntryBody {
  bytes: Uint8Array | ReadableStream<Uint8Array>;
  size: number;
  /** Verify the bytes against this digest (blobs); otherwise only the size is checked. */
  expected?: ExpectedContent;
  /** Names the content in errors. */
  where: string;
}

/** One part being written. */
export class PartWriter {
  /** Where the part is written (a `.partial` name). */
  readonly path: string;
  /** Its final name in the set. */
  readonly name: string;
  /** True once it holds an oversized entry alone: the next entry starts a new part. */
  isolated = false;
  /** Set when a failed entry could not be truncated away: the part is unusable. */
  broken: unknown = undefined;
  #file: Deno.FsFile | undefined;
  #size = 0;
  #hash: Hash = createHash("sha256");
  #dataSha256: string | undefined;
  #entries: ArchiveIndexEntry[] = [];
  #buffer = new Uint8Array(BUFFER_BYTES);
  #buffered = 0;
  /** Bytes already written to the file; the buffer holds what follows. */
  #flushed = 0;
  #mtimeSeconds: number;

  private constructor(path: string, name: string, file: Deno.FsFile, mtimeSeconds: number) {
    this.path = path;
    this.name = name;
    this.#file = file;
    this.#mtimeSeconds = mtimeSeconds;
  }

  /** Creates (or truncates) the part file. */
  static async create(path: string, name: string, mtimeSeconds: number): Promise<PartWriter> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true, mode: 0o644 });
    return new PartWriter(path, name, file, mtimeSeconds);
  }

  /** Bytes committed so far. */
  get sizeBytes(): number {
    return this.#size;
  }

  /** The entries committed so far. */
  get entries(): readonly ArchiveIndexEntry[] {
    return this.#entries;
  }

  #open(): Deno.FsFile {
    if (!this.#file) throw new ArchiveError(this.path, `Archive part ${this.path} is closed`);
    return this.#file;
  }

  async #flush(): Promise<void> {
    if (this.#buffered === 0) return;
    await writeAll(this.#open(), this.#buffer.subarray(0, this.#buffered));
    this.#flushed += this.#buffered;
    this.#buffered = 0;
  }

  async #append(bytes: Uint8Array, hash: Hash | undefined): Promise<void> {
    hash?.update(bytes);
    if (this.#buffered + bytes.byteLength <= BUFFER_BYTES) {
      this.#buffer.set(bytes, this.#buffered);
      this.#buffered += bytes.byteLength;
      if (this.#buffered === BUFFER_BYTES) await this.#flush();
      return;
    }
    await this.#flush();
    if (bytes.byteLength >= BUFFER_BYTES / 2) {
      await writeAll(this.#open(), bytes);
      this.#flushed += bytes.byteLength;
    } else {
      this.#buffer.set(bytes, 0);
      this.#buffered = bytes.byteLength;
    }
  }

  /** Writes one regular-file entry; on any failure the part is truncated back and the error rethrown. */
  async writeEntry(name: string, body: EntryBody, signal?: AbortSignal): Promise<ArchiveIndexEntry> {
    if (this.#dataSha256 !== undefined || this.broken !== undefined) {
      throw new ArchiveError(this.path, `Archive part ${this.path} takes no more entries`);
    }
    const start = this.#size;
    const header = fileHeader(name, body.size, this.#mtimeSeconds);
    const partHash = this.#hash.copy();
    try {
      await this.#append(header, partHash);
      const sha256 = body.bytes instanceof Uint8Array
        ? await this.#writeBytes(body.bytes, body, partHash)
        : await this.#writeStream(body.bytes, body, partHash, signal);
      await this.#append(ZEROS.subarray(0, paddingSize(body.size)), partHash);
      const entry: ArchiveIndexEntry = { name, offset: start + header.byteLength, size: body.size, sha256 };
      this.#size = start + header.byteLength + body.size + paddingSize(body.size);
      this.#hash = partHash;
      this.#entries.push(entry);
      return entry;
    } catch (e) {
      await this.#rollback(start);
      throw e;
    }
  }

  async #writeBytes(bytes: Uint8Array, body: EntryBody, partHash: Hash): Promise<string> {
    if (body.expected) verifyBytes(bytes, body.expected, body.where);
    else checkSize(bytes.byteLength, body, true);
    await this.#append(bytes, partHash);
    return body.expected ? digestHex(body.expected.digest) : createHash("sha256").update(bytes).digest("hex");
  }

  async #writeStream(
    stream: ReadableStream<Uint8Array>,
    body: EntryBody,
    partHash: Hash,
    signal?: AbortSignal,
  ): Promise<string> {
    const entryHash = body.expected ? undefined : createHash("sha256");
    const source = body.expected ? stream.pipeThrough(verifyStream(body.expected, body.where)) : stream;
    const reader = source.getReader();
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
        count += value.byteLength;
        if (!body.expected) checkSize(count, body, false);
        entryHash?.update(value);
        await this.#append(value, partHash);
      }
    } catch (e) {
      await reader.cancel(e).catch(() => {});
      throw e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      reader.releaseLock();
    }
    if (!body.expected) checkSize(count, body, true);
    return body.expected ? digestHex(body.expected.digest) : (entryHash as Hash).digest("hex");
  }

  /** Drops everything after `start`: from the buffer if it was not written yet, else from the file. */
  async #rollback(start: number): Promise<void> {
    if (start >= this.#flushed) {
      this.#buffered = start - this.#flushed;
      return;
    }
    this.#buffered = 0;
    try {
      const file = this.#open();
      await file.truncate(start);
      await file.seek(start, Deno.SeekMode.Start);
      this.#flushed = start;
    } catch (e) {
      this.broken = e;
    }
  }

  /** Freezes the data: no more entries; returns the size and sha256 of the bytes written. */
  finishData(): { dataSizeBytes: number; sha256: string } {
    this.#dataSha256 ??= this.#hash.digest("hex");
    return { dataSizeBytes: this.#size, sha256: this.#dataSha256 };
  }

  /** Writes out the buffer and closes the file handle (a finished part waits for its trailer without one). */
  async suspend(): Promise<void> {
    if (this.#file) await this.#flush();
    this.close();
  }

  /** Appends the index entries (not part of the data hash) and the end-of-archive marker, and syncs. */
  async writeTrailer(entries: { name: string; bytes: Uint8Array }[]): Promise<number> {
    const { dataSizeBytes } = this.finishData();
    if (this.#file) await this.#flush();
    else this.#file = await Deno.open(this.path, { write: true });
    if (this.#flushed !== dataSizeBytes) {
      throw new ArchiveError(
        this.path,
        `Archive part ${this.path} holds ${this.#flushed} bytes, want ${dataSizeBytes}`,
      );
    }
    await this.#file.seek(dataSizeBytes, Deno.SeekMode.Start);
    let size = dataSizeBytes;
    for (const e of entries) {
      const header = fileHeader(e.name, e.bytes.byteLength, this.#mtimeSeconds);
      await this.#append(header, undefined);
      await this.#append(e.bytes, undefined);
      await this.#append(ZEROS.subarray(0, paddingSize(e.bytes.byteLength)), undefined);
      size += header.byteLength + e.bytes.byteLength + paddingSize(e.bytes.byteLength);
    }
    await this.#append(ZEROS, undefined);
    await this.#flush();
    await this.#file.syncData();
    this.close();
    return size + ZEROS.byteLength;
  }

  /** Closes the handle, dropping unwritten bytes; the file stays. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
    this.#buffered = 0;
  }
}

function checkSize(count: number, body: EntryBody, final: boolean): void {
  if (count > body.size || (final && count !== body.size)) {
    throw new ArchiveError(
      body.where,
      `Content of ${body.where} has ${
        final ? count : `more than ${body.size}`
      } bytes, but ${body.size} were ` +
        `declared`,
    );
  }
}
