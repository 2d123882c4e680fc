/**
 * `copy(source, destination)`: the one way images move. Walks the source image (index → manifests →
 * config + layers), transfers every blob the destination lacks (once per run and destination repository,
 * mounting across repositories where the store can), streaming and verified by the destination store,
 * then writes manifests children-first so a manifest never lands before what it names.
 * @see https://github.com/oras-project/oras-go/blob/main/copy.go
 * @module
 */
import type { RunEvent } from "../context.ts";
import { CopyError, throwIfAborted } from "../errors.ts";
import type { Descriptor, Platform } from "../oci/mod.ts";
import type { DestinationStore, ImageAt, OpOptions, SourceStore } from "../store/mod.ts";
import { BlobLedger } from "./blob_ledger.ts";
import {
  describeImage,
  destinationSide,
  graphBlobs,
  type ImageGraph,
  manifestsBottomUp,
  sourceSide,
  walkImage,
} from "./image_graph.ts";
import { forEachLimited, Limiter } from "./limiter.ts";

/** Options of {@link copy}. */
export interface CopyOptions {
  /** Keep only these platforms of a multi-arch image (a filtered index is written); undefined keeps all. */
  platforms?: Platform[];
  /** Shared by the copies of one run, so shared blobs move once. @default a ledger for this call */
  ledger?: BlobLedger;
  /** Concurrent blob transfers of this image. @default 5 */
  parallelLayers?: number;
  /** Receives `bytes` events as blob data moves. */
  onEvent?: (e: RunEvent) => void;
  signal?: AbortSignal;
  /**
   * Attempts per blob: a streamed upload cannot be replayed, so a blob whose transfer failed midway
   * (reset, truncated, wrong bytes) is read from the source again. @default 3
   */
  blobAttempts?: number;
  /** Delay before the n-th retry is n times this. @default 250 */
  blobRetryDelayMs?: number;
  /** An already walked source graph (from a dry run or plan), to avoid reading the manifests twice. */
  graph?: ImageGraph;
}

/** What a copy did. */
export interface CopyResult {
  /** The root manifest at the source. */
  sourceRoot: Descriptor;
  /** The root manifest written to the destination (differs from `sourceRoot` when filtered). */
  root: Descriptor;
  /** True when platform filtering wrote a reduced index. */
  filteredIndex: boolean;
  blobsCopied: number;
  blobsSkipped: number;
  blobsMounted: number;
  /** Blob bytes transferred by this call. */
  bytesCopied: number;
  manifestsWritten: number;
}

/**
 * The source blob as a stream that opens the source only when first read (so a destination that writes
 * one blob at a time, like an archive, does not hold source connections open while others wait), emits
 * `bytes` events at most once per MiB, and records whether the source itself failed (so a failed
 * transfer is blamed on the right side).
 */
function lazySource(
  open: () => Promise<ReadableStream<Uint8Array>>,
  onEvent: ((e: RunEvent) => void) | undefined,
  failed: { source: boolean },
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let pending = 0;
  const flush = () => {
    if (onEvent && pending > 0) onEvent({ kind: "bytes", count: pending });
    pending = 0;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        reader ??= (await open()).getReader();
        const { done, value } = await reader.read();
        if (done) {
          flush();
          controller.close();
          return;
        }
        pending += value.byteLength;
        if (pending >= 1 << 20) flush();
        controller.enqueue(value);
      } catch (e) {
        failed.source = true;
        flush();
        controller.error(e);
      }
    },
    cancel(reason) {
      return reader?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** True when the destination can tell, and tells, that `tag` already names `d` (a rerun skips the PUT). */
async function tagPointsAt(
  dst: DestinationStore,
  repo: string,
  tag: string,
  d: Descriptor,
  o: OpOptions,
): Promise<boolean> {
  const resolve = (dst as Partial<SourceStore>).resolve;
  if (!resolve) return false;
  try {
    return (await resolve.call(dst, repo, tag, o)).digest === d.digest;
  } catch {
    return false;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Copies one image (and everything it references) from a source store to a destination store. */
export async function copy(
  source: ImageAt<SourceStore>,
  destination: ImageAt<DestinationStore>,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const { signal } = options;
  const o = signal ? { signal } : {};
  const image = describeImage(source);
  const ledger = options.ledger ?? new BlobLedger();
  const walkOptions = { ...o, ...(options.platforms ? { platforms: options.platforms } : {}) };
  const graph = options.graph ?? await walkImage(source, walkOptions);
  const dst = destination.store;
  const dRepo = destination.repository;
  const result: CopyResult = {
    sourceRoot: graph.sourceRoot,
    root: graph.root.descriptor,
    filteredIndex: graph.filtered,
    blobsCopied: 0,
    blobsSkipped: 0,
    blobsMounted: 0,
    bytesCopied: 0,
    manifestsWritten: 0,
  };
  const layers = new Limiter(options.parallelLayers ?? 5);

  /** One attempt at streaming a blob from the source into the destination. */
  const streamBlob = async (d: Descriptor) => {
    const failed = { source: false };
    try {
      const open = () => source.store.getBlob(source.repository, d, o);
      await dst.putBlob(dRepo, d, lazySource(open, options.onEvent, failed), o);
    } catch (e) {
      // Wrong bytes or a broken read are the source's fault; anything else is the destination's.
      const isMismatch = e instanceof Error && "code" in e && e.code === "DIGEST_MISMATCH";
      const side = failed.source || isMismatch ? sourceSide : destinationSide;
      await side(image, () => Promise.reject(e));
    }
  };

  const transferBlob = async (d: Descriptor) => {
    throwIfAborted(signal);
    if (await destinationSide(image, () => dst.hasBlob(dRepo, d, o))) {
      result.blobsSkipped++;
      return;
    }
    // Another image may be sending this blob to another repository right now: wait, then mount it.
    const claim = dst.mountBlob ? ledger.claim(dst.label, d.digest, dRepo) : { release: () => {} };
    if (claim.wait) await claim.wait;
    if (dst.mountBlob) {
      for (const from of ledger.reposWith(dst.label, d.digest)) {
        if (from === dRepo) continue;
        if (
          await destinationSide(image, () => dst.mountBlob?.(dRepo, from, d, o) ?? Promise.resolve(false))
        ) {
          claim.release();
          result.blobsMounted++;
          return;
        }
      }
    }
    const upload = async () => {
      const attempts = Math.max(1, options.blobAttempts ?? 3);
      for (let attempt = 1;; attempt++) {
        try {
          await streamBlob(d);
          break;
        } catch (e) {
          // A blob the source does not have stays missing; a 404 of the destination (an upload session
          // it forgot) is worth another attempt.
          const missingAtSource = e instanceof CopyError && e.side === "source" &&
            (e.cause as { code?: unknown } | undefined)?.code === "NOT_FOUND";
          const code = e instanceof Error && "code" in e ? e.code : undefined;
          if (attempt >= attempts || signal?.aborted || missingAtSource || code === "ABORTED") throw e;
          options.onEvent?.({
            kind: "log",
            level: "debug",
            message: `Retrying blob ${d.digest} of ${image} (attempt ${attempt + 1} of ${attempts}): ${
              (e as Error).message
            }`,
          });
          await delay((options.blobRetryDelayMs ?? 250) * attempt, signal);
          // The failed attempt may have landed after all (a lost answer to the final PUT).
          if (await destinationSide(image, () => dst.hasBlob(dRepo, d, o))) break;
        }
      }
    };
    try {
      await upload();
      ledger.recordPresent(dst.label, dRepo, d.digest);
    } finally {
      claim.release();
    }
    result.blobsCopied++;
    result.bytesCopied += d.size;
  };

  await forEachLimited(graphBlobs(graph), layers.limit, async (d) => {
    const did = await ledger.ensure(dst.label, dRepo, d.digest, () => layers.run(() => transferBlob(d)));
    if (!did) result.blobsSkipped++;
  });

  const nodes = manifestsBottomUp(graph);
  const tag = destination.reference.startsWith("sha256:") ? undefined : destination.reference;
  for (const node of nodes) {
    throwIfAborted(signal);
    const isRoot = node === graph.root;
    if (!isRoot || tag === undefined) {
      if (await destinationSide(image, () => dst.hasManifest(dRepo, node.descriptor, o))) continue;
    } else if (await tagPointsAt(dst, dRepo, tag, node.descriptor, o)) {
      continue;
    }
    const put = isRoot && tag !== undefined ? { ...o, tag } : o;
    await destinationSide(image, () => dst.putManifest(dRepo, node.descriptor, node.bytes, put));
    result.manifestsWritten++;
  }
  return result;
}
