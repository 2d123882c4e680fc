/**
 * When and how long to wait before retrying a registry request: 429 (honouring `Retry-After`), 5xx
 * except 501, and connection failures, with exponential backoff and jitter or a fixed delay
 * (`--retry-times`, `--retry-delay`). The clock and the randomness are injectable so tests never sleep.
 * @module
 */
import { abortReason } from "../errors.ts";

/** Options of {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /** Retries after the first attempt. @default 5 */
  retryTimes?: number;
  /** Fixed delay between attempts; 0 means exponential backoff from {@link BASE_DELAY_MS}. @default 0 */
  retryDelayMs?: number;
  /** Waits `ms` milliseconds, rejecting when `signal` aborts. @default a `setTimeout` sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Returns a number in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  /** Current time, to interpret an HTTP-date `Retry-After`. @default () => new Date() */
  now?: () => Date;
}

/** First exponential backoff delay. */
export const BASE_DELAY_MS = 200;
/** Longest exponential backoff delay. */
export const MAX_BACKOFF_MS = 30_000;
/** Longest wait a `Retry-After` header can impose. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** True for statuses worth retrying: 408, 429 and 5xx other than 501 (Not Implemented). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Parses `Retry-After` (seconds or HTTP-date) into milliseconds from `now`; undefined when absent/bad. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now.getTime());
}

/** Waits `ms` milliseconds with `setTimeout`; rejects with the abort reason when `signal` aborts. */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Retry timing shared by every request of a set of stores. */
export class RetryPolicy {
  /** Retries after the first attempt. */
  readonly retryTimes: number;
  /** Fixed delay, or 0 for exponential backoff. */
  readonly retryDelayMs: number;
  #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #random: () => number;
  #now: () => Date;

  constructor(options: RetryPolicyOptions = {}) {
    this.retryTimes = Math.max(0, options.retryTimes ?? 5);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 0);
    this.#sleep = options.sleep ?? sleepMs;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * The delay before retry number `retry` (1-based). A `Retry-After` header value wins (capped at
   * {@link MAX_RETRY_AFTER_MS}); otherwise the fixed delay, or exponential backoff with jitter
   * (between half and all of `BASE_DELAY_MS * 2^(retry-1)`, capped at {@link MAX_BACKOFF_MS}).
   */
  delayMs(retry: number, retryAfter?: string | null): number {
    const after = parseRetryAfter(retryAfter, this.#now());
    if (after !== undefined) return Math.min(after, MAX_RETRY_AFTER_MS);
    if (this.retryDelayMs > 0) return this.retryDelayMs;
    const full = Math.min(BASE_DELAY_MS * 2 ** Math.max(0, retry - 1), MAX_BACKOFF_MS);
    return Math.round(full / 2 + (full / 2) * this.#random());
  }

  /** Waits before retry number `retry`; rejects when `signal` aborts. */
  wait(retry: number, options: { retryAfter?: string | null; signal?: AbortSignal } = {}): Promise<void> {
    return this.#sleep(this.delayMs(retry, options.retryAfter), options.signal);
  }
}
