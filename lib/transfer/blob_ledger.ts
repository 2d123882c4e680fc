/**
 * The blob ledger of a run: which blobs each destination repository already has or is receiving, so a
 * blob shared between images is transferred once per destination, concurrent copies of the same blob
 * wait for one transfer, and later repositories can mount it instead of transferring it again.
 * @module
 */
import type { Digest } from "../oci/mod.ts";

/** Tracks blob transfers per destination store (by label) and repository. */
export class BlobLedger {
  #inFlight = new Map<string, Promise<void>>();
  #repos = new Map<string, Set<string>>();

  #key(store: string, repo: string, digest: Digest): string {
    return `${store}\u0000${repo}\u0000${digest}`;
  }

  /**
   * Runs `transfer` unless this blob already reached (or is reaching) this repository in this run; the
   * returned boolean says whether this call did the transfer. A failed transfer is forgotten so it can be
   * retried.
   */
  async ensure(store: string, repo: string, digest: Digest, transfer: () => Promise<void>): Promise<boolean> {
    const key = this.#key(store, repo, digest);
    const existing = this.#inFlight.get(key);
    if (existing) {
      await existing;
      return false;
    }
    const p = transfer();
    this.#inFlight.set(key, p);
    try {
      await p;
      this.#record(store, repo, digest);
      return true;
    } catch (e) {
      this.#inFlight.delete(key);
      throw e;
    }
  }

  #record(store: string, repo: string, digest: Digest): void {
    const k = `${store}\u0000${digest}`;
    let s = this.#repos.get(k);
    if (!s) this.#repos.set(k, s = new Set());
    s.add(repo);
  }

  /** Records that a repository is known to hold a blob (found present at the destination). */
  recordPresent(store: string, repo: string, digest: Digest): void {
    this.#record(store, repo, digest);
  }

  /** Repositories of `store` known to hold the blob, for cross-repository mounts. */
  reposWith(store: string, digest: Digest): string[] {
    return [...(this.#repos.get(`${store}\u0000${digest}`) ?? [])];
  }
}
