/**
 * File helpers for charts and indexes: atomic writes (temp name next to the target, rename on success,
 * nothing left behind on failure) and hashing a file as it streams.
 * @module
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { type Digest } from "../oci/mod.ts";

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

function tempPathFor(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${crypto.randomUUID()}.tmp`;
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone.
  }
}

/**
 * Writes a stream to `path` through a temp file; `check` runs after the last byte and before the rename,
 * so a failed check (or stream) leaves nothing at `path`. Returns the bytes written.
 */
export async function writeStreamAtomic(
  path: string,
  body: ReadableStream<Uint8Array>,
  options: { signal?: AbortSignal; check?: () => void | Promise<void> } = {},
): Promise<number> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  let written = 0;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        written += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    await counted.pipeTo(file.writable, options.signal === undefined ? {} : { signal: options.signal });
    await options.check?.();
    await Deno.rename(temp, path);
    return written;
  } catch (e) {
    await removeQuietly(temp);
    throw e;
  }
}

/** Writes small content atomically. */
export async function writeFileAtomic(path: string, content: Uint8Array): Promise<void> {
  await writeStreamAtomic(path, new Blob([content as Uint8Array<ArrayBuffer>]).stream());
}

/** The sha256 digest of a file, read as a stream. */
export async function digestFile(path: string, signal?: AbortSignal): Promise<Digest> {
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  for await (const chunk of file.readable) {
    signal?.throwIfAborted();
    hash.update(chunk);
  }
  return `sha256:${hash.digest("hex")}`;
}
