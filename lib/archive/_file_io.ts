/**
 * Positional reads and full writes on a `Deno.FsFile`, and the byte-range stream the reader serves blobs
 * from (≥ 1 MiB reads, one file handle per stream, closed at the end or on cancel).
 * @module
 */
import { abortReason, ArchiveError } from "../errors.ts";

/** Size of each read when streaming a byte range. */
export const RANGE_READ_BYTES = 256 * 1024;

/** Reads into `buffer` from `offset` until it is full or the file ends; returns the bytes read. */
export async function readAt(file: Deno.FsFile, offset: number, buffer: Uint8Array): Promise<number> {
  await file.seek(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < buffer.byteLength) {
    const n = await file.read(buffer.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/** Writes all of `bytes` at the file's current position. */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) written += await file.write(bytes.subarray(written));
}

/**
 * Reads a file at increasing offsets through a small window, so scanning many small tar entries costs
 * one read per window rather than one per header.
 */
export class WindowedReader {
  #file: Deno.FsFile;
  #start = 0;
  #window = new Uint8Array(0);

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Returns `length` bytes at `offset` (a view valid until the next call), or fewer at the end of the file.
   * `readAheadBytes` is how much to read on a miss: small after small entries, since the next header is
   * probably close, and just the header after a big blob.
   */
  async read(offset: number, length: number, readAheadBytes: number): Promise<Uint8Array> {
    const end = this.#start + this.#window.byteLength;
    if (offset >= this.#start && offset + length <= end) {
      return this.#window.subarray(offset - this.#start, offset - this.#start + length);
    }
    const buffer = new Uint8Array(Math.max(length, readAheadBytes));
    const n = await readAt(this.#file, offset, buffer);
    this.#start = offset;
    this.#window = buffer.subarray(0, n);
    return this.#window.subarray(0, Math.min(length, n));
  }
}

/** Options of {@link rangeStream}. */
export interface RangeStreamOptions {
  signal?: AbortSignal;
  /** Names the content in errors, e.g. `blob sha256:... in /dir/mirror_000001.tar`. */
  where: string;
}

/** Streams `size` bytes at `offset` of the file at `path`, in reads of {@link RANGE_READ_BYTES}. */
export async function rangeStream(
  path: string,
  offset: number,
  size: number,
  options: RangeStreamOptions,
): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  let position = offset;
  const end = offset + size;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  try {
    await file.seek(offset, Deno.SeekMode.Start);
  } catch (e) {
    close();
    throw e;
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (options.signal?.aborted) throw abortReason(options.signal);
        if (position >= end) {
          close();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(Math.min(RANGE_READ_BYTES, end - position));
        let filled = 0;
        while (filled < buffer.byteLength) {
          const n = await file.read(buffer.subarray(filled));
          if (n === null) {
            throw new ArchiveError(
              path,
              `Reading ${options.where} failed: ${path} ends at offset ${position + filled}, before the ` +
                `entry's end at ${end}: the file was truncated after it was opened`,
            );
          }
          filled += n;
        }
        position += filled;
        controller.enqueue(buffer);
        if (position >= end) {
          close();
          controller.close();
        }
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });
}
