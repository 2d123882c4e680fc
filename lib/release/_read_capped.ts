/**
 * Reading an HTTP body into memory with a size cap, failing as soon as the cap is passed.
 * @module
 */

/** Reads `body` into one array; calls `tooLarge` (which throws) once more than `max` bytes arrive. */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  max: number,
  tooLarge: () => never,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
