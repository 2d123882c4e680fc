/**
 * What the embedded registry needs from a store beyond {@link ContentStore}: optional blob methods that
 * make HEAD, Range and DELETE cheap. The registry checks for each method and falls back without it
 * (counting or skipping bytes, or answering 405).
 * @module
 */
import type { Descriptor, Digest } from "../oci/mod.ts";
import type { ContentStore, OpOptions } from "../store/mod.ts";

/** Optional blob methods a store may offer (both on-disk stores of lib/layout do). */
export interface BlobExtras {
  /** The size of a blob the repository has; rejects with `NotFoundError` otherwise. */
  statBlob(repo: string, digest: Digest, o?: OpOptions): Promise<Descriptor>;
  /** Streams bytes `[start, end)` of a blob (`end` undefined: to its end). */
  getBlobRange(
    repo: string,
    d: Pick<Descriptor, "digest">,
    start: number,
    end?: number,
    o?: OpOptions,
  ): Promise<ReadableStream<Uint8Array>>;
  /** Removes the blob from the repository; rejects with `NotFoundError` when it has none. */
  deleteBlob(repo: string, d: Pick<Descriptor, "digest">, o?: OpOptions): Promise<void>;
}

/** A store the embedded registry can serve: any content store, with any of the {@link BlobExtras}. */
export type ServableStore = ContentStore & Partial<BlobExtras>;
