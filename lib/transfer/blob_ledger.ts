/**
 * The blob ledger of a run: which blobs each destination repository already has or is receiving, so a
 * blob shared between images is transferred once per destination, concurrent copies of the same blob
 * wait for one transfer, and other repositories mount it instead of receiving it again.
 * @module
 */
import type { Digest } from "../oci/mod.ts";

/** Tracks blob transfers per destination store (by label) and repository. */
export class BlobLedger {
  #inFlight = new Map<string, Promise<void>>();
  #repos = new Map<string, Set<string>>();
  /** The upload of each blob under way per store (by digest), and the repository it goes to. */
  #claims = new Map<string, { repo: string; done: Promise<void> }>();

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

  /**
   * Claims the upload of a blob into a store: the first caller gets no `wait` and must `release()` once
   * its upload settled; a caller for another repository meanwhile gets the first one's `wait`, after
   * which it can mount the blob instead of sending it again. Check and claim are synchronous, so two
   * transfers never both send it and never wait on each other.
   */
  claim(store: string, digest: Digest, repo: string): { wait?: Promise<void>; release: () => void } {
    const key = `${store}\u0000${digest}`;
    const current = this.#claims.get(key);
    if (current && current.repo !== repo) return { wait: current.done, release: () => {} };
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = () => {
        if (this.#claims.get(key)?.done === done) this.#claims.delete(key);
        resolve();
      };
    });
    this.#claims.set(key, { repo, done });
    return { release };
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
