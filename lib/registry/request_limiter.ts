/**
 * A counting semaphore bounding the requests in flight to one registry host. Owned by the store
 * factory (one per host, shared by that host's source and destination stores), never module state.
 * @module
 */
import { abortReason } from "../errors.ts";

/** Limits concurrent requests; `acquire()` resolves to a release function (call it exactly once). */
export class RequestLimiter {
  /** Most requests in flight at once. */
  readonly max: number;
  #active = 0;
  #waiting: { grant: () => void; reject: (e: Error) => void; signal?: AbortSignal; onAbort: () => void }[] =
    [];

  /** @param max most concurrent holders; values below 1 mean 1. */
  constructor(max: number) {
    this.max = Math.max(1, Math.floor(max));
  }

  /** Requests currently holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Waits for a slot; rejects with the abort reason if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#active < this.max) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener("abort", entry.onAbort);
          resolve(this.#releaser());
        },
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiting.indexOf(entry);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(abortReason(signal as AbortSignal));
        },
      };
      signal?.addEventListener("abort", entry.onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next.grant(); // the slot passes straight to the next waiter
      else this.#active--;
    };
  }
}
