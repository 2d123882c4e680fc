/**
 * Copies a plan's images: in the original's order (release content, payloads, graph, operator related
 * images, additional, Helm, bundles, catalogs last), a phase at a time with `--parallel-images` copies in
 * flight, each under `--image-timeout`. A failed release image stops the batch unless
 * `--continue-on-error`; other failures are collected. A bundle whose related images failed is skipped
 * (the original copied it anyway). Catalogs are still pushed after partial failures, with a warning
 * naming the bundles that will not install.
 * @module
 */
import type { RunContext } from "../context.ts";
import { AbortedError, CopyError, NotFoundError, OcMirrorError, RegistryError } from "../errors.ts";
import { type Digest, digestHex } from "../oci/mod.ts";
import { categoryOf, type ImageKind, type ImageMapping } from "../plan/mod.ts";
import { formatReference } from "../reference/mod.ts";
import type { DestinationStore, ImageAt, SourceStore } from "../store/mod.ts";
import { BlobLedger, copy, type CopyResult, forEachLimited } from "../transfer/mod.ts";

/** One image of a batch: its mapping and the stores to read and write. */
export interface BatchItem {
  mapping: ImageMapping;
  source: ImageAt<SourceStore>;
  destination: ImageAt<DestinationStore>;
  /**
   * Builds the image instead of copying it (rebuilt catalogs, the graph image): gets the run's ledger
   * and the image's signal, returns what a copy would.
   */
  build?: (o: { ledger: BlobLedger; signal: AbortSignal; parallelLayers: number }) => Promise<CopyResult>;
}

/** Options of {@link runCopyBatch}. */
export interface CopyBatchOptions {
  ctx: RunContext;
  /** @default 4 */
  parallelImages: number;
  /** @default 5 */
  parallelLayers: number;
  /** @default 600000 */
  imageTimeoutMs: number;
  continueOnError: boolean;
  ledger?: BlobLedger;
  /** Phase name for progress, e.g. `mirror-to-disk`. */
  phase: string;
  /**
   * Also copy each image's sigstore signature (the `sha256-<hex>.sig` tag next to it), as the original
   * does unless `--remove-signatures`. @default false
   */
  copySignatures?: boolean;
}

/** A failed image with the reason. */
export interface BatchFailure {
  item: BatchItem;
  error: Error;
  /** True when the image was not tried because something it depends on failed. */
  skipped: boolean;
}

/** What a batch did. */
export interface BatchResult {
  copied: { item: BatchItem; result: CopyResult }[];
  failures: BatchFailure[];
  bytesCopied: number;
}

const PHASES: ImageKind[][] = [
  ["ocpReleaseContent", "kubeVirtContainer"],
  ["ocpRelease"],
  ["cincinnatiGraph"],
  ["operatorRelatedImage"],
  ["generic"],
  ["helmImage"],
  ["operatorBundle"],
  ["operatorCatalog"],
];

function describe(item: BatchItem): { source: string; destination: string } {
  return {
    source: formatReference(item.mapping.origin),
    destination: formatReference(item.mapping.destination),
  };
}

/** Copies every item; never throws for an image failure (see `failures`), only for cancellation. */
export async function runCopyBatch(items: readonly BatchItem[], o: CopyBatchOptions): Promise<BatchResult> {
  const { ctx } = o;
  const ledger = o.ledger ?? new BlobLedger();
  const result: BatchResult = { copied: [], failures: [], bytesCopied: 0 };
  const failedBundles = new Set<string>();
  const failedCatalogs = new Set<string>();
  let stop: Error | undefined;
  ctx.report({ kind: "phase", name: o.phase, total: items.length });
  for (const kinds of PHASES) {
    const phaseItems = items.filter((i) => kinds.includes(i.mapping.kind));
    await forEachLimited(phaseItems, o.parallelImages, async (item) => {
      const names = describe(item);
      if (stop || ctx.signal.aborted) return;
      const blockedBy = item.mapping.kind === "operatorBundle"
        ? (item.mapping.bundles ?? []).find((b) => failedBundles.has(b))
        : undefined;
      if (blockedBy !== undefined) {
        const why = `skipping operator bundle ${names.source} because one of its related images failed`;
        result.failures.push({ item, error: new OcMirrorError(why), skipped: true });
        ctx.report({ kind: "image", state: "failed", ...names, error: why });
        return;
      }
      if (
        item.mapping.kind === "operatorCatalog" && item.mapping.catalog &&
        failedCatalogs.has(item.mapping.catalog)
      ) {
        ctx.report({
          kind: "log",
          level: "warn",
          message:
            `Catalog ${names.source} lists operator bundles whose images failed to mirror; those bundles will not install`,
        });
      }
      ctx.report({ kind: "image", state: "start", ...names });
      const timeout = AbortSignal.timeout(o.imageTimeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      try {
        const r = item.build
          ? await item.build({ ledger, signal, parallelLayers: o.parallelLayers })
          : await copy(item.source, item.destination, {
            ledger,
            parallelLayers: o.parallelLayers,
            onEvent: ctx.report,
            signal,
            ...(item.mapping.platforms ? { platforms: item.mapping.platforms } : {}),
          });
        result.copied.push({ item, result: r });
        result.bytesCopied += r.bytesCopied;
        if (o.copySignatures && !item.build && !r.filteredIndex) {
          const signatureBytes = await copySignature(item, r.sourceRoot.digest, {
            ledger,
            signal,
            parallelLayers: o.parallelLayers,
          });
          result.bytesCopied += signatureBytes;
        }
        ctx.report({ kind: "image", state: "done", ...names, bytes: r.bytesCopied });
      } catch (e) {
        if (ctx.signal.aborted) throw interrupted(ctx.signal, e);
        const error = timeout.aborted
          ? new CopyError(
            names.source,
            "source",
            `Copying ${names.source} took longer than --image-timeout (${
              Math.round(o.imageTimeoutMs / 1000)
            }s)`,
            { cause: e },
          )
          : e instanceof Error
          ? e
          : new Error(String(e));
        result.failures.push({ item, error, skipped: false });
        ctx.report({ kind: "image", state: "failed", ...names, error: error.message });
        for (const b of item.mapping.bundles ?? []) failedBundles.add(b);
        if (item.mapping.catalog) failedCatalogs.add(item.mapping.catalog);
        if (categoryOf(item.mapping.kind) === "release" && !o.continueOnError) stop = error;
      }
    });
    if (stop) break;
  }
  if (ctx.signal.aborted) throw interrupted(ctx.signal);
  return result;
}

/** Copies the sigstore signature tag of an image when the source has one; returns the bytes moved. */
async function copySignature(
  item: BatchItem,
  digest: Digest,
  o: { ledger: BlobLedger; signal: AbortSignal; parallelLayers: number },
): Promise<number> {
  const tag = `sha256-${digestHex(digest)}.sig`;
  try {
    await item.source.store.resolve(item.source.repository, tag, { signal: o.signal });
  } catch (e) {
    if (e instanceof NotFoundError || (e instanceof RegistryError && e.status === 404)) return 0;
    throw e;
  }
  const r = await copy({ ...item.source, reference: tag }, { ...item.destination, reference: tag }, o);
  return r.bytesCopied;
}

/** The error that ends an interrupted run: what stopped it, and that a rerun finishes the job. */
export function interrupted(signal: AbortSignal, cause?: unknown): AbortedError {
  const reason = signal.reason instanceof Error ? signal.reason.message : "The run was interrupted";
  return new AbortedError(`${reason}: nothing half-written was kept; run the same command again to finish`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The line the errors file gets for a failure, in the original's format. */
export function failureLine(f: BatchFailure): string {
  const m = f.item.mapping;
  const origin = formatReference(m.origin);
  const operator = m.kind === "operatorBundle" || m.kind === "operatorRelatedImage"
    ? ` (Operator bundles: [${(m.bundles ?? []).join(" ")}] - Operators: [${(m.packages ?? []).join(" ")}])`
    : "";
  return `error mirroring image ${origin}${operator} error: ${f.error.message.replace(/\n/g, " ")}`;
}
