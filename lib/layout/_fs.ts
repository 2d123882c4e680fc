/**
 * File helpers shared by the on-disk stores: atomic writes (temp name, then rename), streaming a verified
 * blob into place, and reading a byte range of a file as a stream.
 * @module
 */
import { dirname } from "node:path";
import { abortReason, throwIfAborted } from "../errors.ts";

/** True for the error Deno throws when a path does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound;
}

/** Size of a regular file, or undefined when it does not exist (or is not a file). */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const st = await Deno.stat(path);
    return st.isFile ? st.size : undefined;
  } catch (e) {
    if (isNotFound(e) || e instanceof Deno.errors.NotADirectory) return undefined;
    throw e;
  }
}

/** True when a file or directory exists. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (isNotFound(e) || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/**
 * A temp file name next to `path`, unique per call, hidden from directory listings by its dot, and
 * naming the writing process (`.<name>.<pid>-<uuid>.tmp`) so a later run can sweep what a killed one left.
 */
export function tempPathFor(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${Deno.pid}-${crypto.randomUUID()}.tmp`;
}

/** Removes a file, ignoring that it is already gone. */
export async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone, or a directory that is not empty: both fine for a cleanup.
  }
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.byteLength) off += await file.write(chunk.subarray(off));
}

/** Opens a new file for writing, creating its directory (again, if a concurrent cleanup removed it). */
async function createFile(path: string): Promise<Deno.FsFile> {
  for (let attempt = 0;; attempt++) {
    await Deno.mkdir(dirname(path), { recursive: true });
    try {
      return await Deno.open(path, { write: true, createNew: true });
    } catch (e) {
      if (!isNotFound(e) || attempt >= 2) throw e;
    }
  }
}

/** Options of {@link writeFileAtomic} and {@link writeStreamAtomic}. */
export interface AtomicWriteOptions {
  /** Flush the file to disk before renaming it into place. @default false */
  fsync?: boolean;
  signal?: AbortSignal;
}

/**
 * Writes a stream to `path` through a temp file next to it, renaming only when the stream ends without
 * error; on any failure the temp file is removed and nothing appears at `path`.
 */
export async function writeStreamAtomic(
  path: string,
  body: ReadableStream<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<number> {
  const temp = tempPathFor(path);
  let file: Deno.FsFile | undefined;
  let written = 0;
  const reader = body.getReader();
  const onAbort = () => {
    reader.cancel(abortReason(options.signal as AbortSignal)).catch(() => {});
  };
  try {
    throwIfAborted(options.signal);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    file = await createFile(temp);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      throwIfAborted(options.signal);
      await writeAll(file, value);
      written += value.byteLength;
    }
    throwIfAborted(options.signal);
    if (options.fsync) await file.syncData();
    file.close();
    file = undefined;
    await Deno.rename(temp, path);
    return written;
  } catch (e) {
    reader.cancel(e).catch(() => {});
    try {
      file?.close();
    } catch {
      // Already closed.
    }
    await removeQuietly(temp);
    throw e;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/** Writes small content (a link, index.json) atomically: temp file next to `path`, then rename. */
export async function writeFileAtomic(
  path: string,
  content: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const temp = tempPathFor(path);
  let file: Deno.FsFile | undefined;
  try {
    throwIfAborted(options.signal);
    file = await createFile(temp);
    await writeAll(file, bytes);
    if (options.fsync) await file.syncData();
    file.close();
    file = undefined;
    await Deno.rename(temp, path);
  } catch (e) {
    try {
      file?.close();
    } catch {
      // Already closed.
    }
    await removeQuietly(temp);
    throw e;
  }
}

/** Reads a small file as text, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (isNotFound(e) || e instanceof Deno.errors.NotADirectory) return undefined;
    throw e;
  }
}

const CHUNK_BYTES = 256 * 1024;

/**
 * Streams bytes `[start, end)` of an open file and closes it when the stream ends or is cancelled.
 * `end` undefined means to the end of the file.
 */
export function fileRangeStream(file: Deno.FsFile, start: number, end?: number): ReadableStream<Uint8Array> {
  let position = start;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      try {
        file.close();
      } catch {
        // Already closed.
      }
    }
  };
  return new ReadableStream<Uint8Array>({
    async start() {
      try {
        if (start > 0) await file.seek(start, Deno.SeekMode.Start);
      } catch (e) {
        close();
        throw e;
      }
    },
    async pull(controller) {
      const want = end === undefined ? CHUNK_BYTES : Math.min(CHUNK_BYTES, end - position);
      if (want <= 0) {
        close();
        controller.close();
        return;
      }
      const buf = new Uint8Array(want);
      try {
        const n = await file.read(buf);
        if (n === null || n === 0) {
          close();
          controller.close();
          return;
        }
        position += n;
        controller.enqueue(n === want ? buf : buf.subarray(0, n));
      } catch (e) {
        close();
        throw e;
      }
    },
    cancel() {
      close();
    },
  });
}

/** The PID a temp file name of {@link tempPathFor} records, if it is one. */
export function tempFileWriter(name: string): number | undefined {
  const m = /^\..+\.(\d+)-[0-9a-f-]{36}\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
