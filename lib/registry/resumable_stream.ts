/**
 * A blob download that survives a reset connection or a truncated body: when the body fails or ends
 * before the expected size, the download is reopened at the byte reached with a `Range` request; a
 * server that ignores the range sends the whole blob again and the bytes already delivered are
 * skipped. Waits between attempts follow the {@link RetryPolicy}. The consumer still verifies the
 * digest: this only makes sure it gets all the bytes.
 * @module
 */
import { abortReason, OcMirrorError } from "../errors.ts";
import type { RetryPolicy } from "./retry_policy.ts";

/** A (re)opened body and how many of its first bytes were already delivered. */
export interface ReopenedBody {
  body: ReadableStream<Uint8Array>;
  /** Bytes at the start of `body` to drop (0 when the server honoured the range). */
  skip: number;
}

/** Options of {@link resumableStream}. */
export interface ResumableStreamOptions {
  /** The size the body must reach. */
  expectedSize: number;
  /** Reopens the download at `offset`. */
  reopen: (offset: number) => Promise<ReopenedBody>;
  retry: RetryPolicy;
  /** Decides whether a body error is worth resuming after (connection-level failures). */
  isResumable: (e: unknown) => boolean;
  /** Builds the error reported when resuming is impossible or exhausted. */
  fail: (cause: unknown, received: number) => Error;
  /** Called before each resume (for debug logs). */
  onResume?: (received: number, resume: number, cause: unknown) => void;
  signal?: AbortSignal;
}

class TruncatedBody extends Error {
  constructor(received: number, expected: number) {
    super(`Body ended after ${received} of ${expected} bytes`);
    this.name = "TruncatedBody";
  }
}

/** Wraps the first body of a download in a stream that resumes it on failure. */
export function resumableStream(
  first: ReadableStream<Uint8Array>,
  options: ResumableStreamOptions,
): ReadableStream<Uint8Array> {
  const { expectedSize, signal } = options;
  let reader = first.getReader();
  let received = 0;
  let skip = 0;
  let resumes = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            if (received >= expectedSize) {
              controller.close();
              return;
            }
            throw new TruncatedBody(received, expectedSize);
          }
          let chunk = value;
          if (skip > 0) {
            if (chunk.byteLength <= skip) {
              skip -= chunk.byteLength;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          received += chunk.byteLength;
          controller.enqueue(chunk);
          return;
        } catch (e) {
          if (signal?.aborted) {
            controller.error(abortReason(signal));
            return;
          }
          const resumable = e instanceof TruncatedBody || options.isResumable(e);
          if (!resumable || resumes >= options.retry.retryTimes) {
            controller.error(options.fail(e, received));
            return;
          }
          resumes++;
          await reader.cancel().catch(() => {});
          options.onResume?.(received, resumes, e);
          try {
            await options.retry.wait(resumes, signal ? { signal } : {});
            const next = await options.reopen(received);
            reader = next.body.getReader();
            skip = next.skip;
          } catch (e2) {
            controller.error(
              signal?.aborted
                ? abortReason(signal)
                : e2 instanceof OcMirrorError
                ? e2
                : options.fail(e2, received),
            );
            return;
          }
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
