/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in FIFO order. One limiter per
 * resource (images of a run, layers of an image, requests to a registry), never an unbounded
 * `Promise.all` over a user-sized list.
 * @module
 */

/** Runs async tasks with bounded concurrency. */
export class Limiter {
  readonly limit: number;
  #active = 0;
  #waiting: (() => void)[] = [];

  /** @param limit how many tasks may run at once (at least 1) */
  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Runs `task` when a slot is free; the slot is released when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

/** Runs `fn` over every item with at most `limit` in flight; rejects with the first error after all settle. */
export async function forEachLimited<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const limiter = new Limiter(limit);
  const results = await Promise.allSettled([...items].map((item) => limiter.run(() => fn(item))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
