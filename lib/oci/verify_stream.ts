/**
 * Hashing blobs as they stream: a TransformStream that passes bytes through unchanged, counts them and
 * hashes them with `node:crypto`, and fails the stream (instead of completing it) when the size or
 * digest does not match. Whoever consumes the stream must treat an errored stream as "publish nothing".
 * @module
 */
import { createHash } from "node:crypto";
import { DigestMismatchError } from "../errors.ts";
import { type Digest, digestOf } from "./digest.ts";

/** What the bytes must add up to. */
export interface ExpectedContent {
  digest: Digest;
  size: number;
}

/**
 * Returns a transform that verifies the bytes against `expected`; `where` names the blob in errors.
 * Too many bytes fail as soon as they arrive; a wrong digest or too few bytes fail at the end.
 */
export function verifyStream(
  expected: ExpectedContent,
  where: string,
): TransformStream<Uint8Array, Uint8Array> {
  const hash = createHash("sha256");
  let size = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > expected.size) {
        controller.error(
          new DigestMismatchError(expected.digest, `more than ${expected.size} bytes`, where),
        );
        return;
      }
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (size !== expected.size) {
        controller.error(
          new DigestMismatchError(expected.digest, `${size} of ${expected.size} bytes`, where),
        );
        return;
      }
      const actual = `sha256:${hash.digest("hex")}`;
      if (actual !== expected.digest) {
        controller.error(new DigestMismatchError(expected.digest, actual, where));
      }
    },
  });
}

/** Returns a transform that computes the digest and size of whatever passes; read them after the end. */
export function digestingStream(): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  result: () => ExpectedContent;
} {
  const hash = createHash("sha256");
  let size = 0;
  let digest: Digest | undefined;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush() {
      digest = `sha256:${hash.digest("hex")}`;
    },
  });
  return {
    stream,
    result: () => {
      if (digest === undefined) throw new Error("digestingStream result read before the stream ended");
      return { digest, size };
    },
  };
}

/** Checks bytes in memory against a descriptor; throws {@link DigestMismatchError}. */
export function verifyBytes(bytes: Uint8Array, expected: ExpectedContent, where: string): void {
  if (bytes.byteLength !== expected.size) {
    throw new DigestMismatchError(expected.digest, `${bytes.byteLength} of ${expected.size} bytes`, where);
  }
  const actual = digestOf(bytes);
  if (actual !== expected.digest) throw new DigestMismatchError(expected.digest, actual, where);
}
