/**
 * Steps the three mirror workflows share: the collector options a request implies, the copy-batch
 * options, and the dry run against a registry destination (size, mapping.txt, missing.txt).
 * @module
 */
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import type { DestinationRoot, ImageMapping } from "../plan/mod.ts";
import { formatReference, type ImageReference } from "../reference/mod.ts";
import type { ContentStore } from "../store/mod.ts";
import { collectPlan, type Plan } from "./collect_plan.ts";
import { type CatalogPlan, rebaseMapping, rebaseReference } from "./collector.ts";
import type { CopyBatchOptions } from "./copy_batch.ts";
import { formatBytes } from "./format_bytes.ts";
import type { ImageSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { type DryRunSize, measurePlan, writeDryRun } from "./run_outputs.ts";
import type { WorkingDir } from "./working_dir.ts";
import { v1ResultsDir, writeV1Results } from "./write_v1_results.ts";

/** Runs the collectors for a request. */
export function planRequest(
  ctx: RunContext,
  request: MirrorRequest,
  run: { loaded: LoadedConfig<ImageSetConfig>; engine: "v1" | "v2"; sources: ImageSources; wd: WorkingDir },
): Promise<Plan> {
  return collectPlan({
    ctx,
    ...run,
    options: {
      includeConditionalEdges: request.includeConditionalEdges,
      resolveDependencies: request.resolveDependencies,
      ignoreReleaseSignature: request.ignoreReleaseSignature,
    },
  });
}

/** The copy-batch options of a request (without the phase name). */
export function batchOptions(ctx: RunContext, request: MirrorRequest): Omit<CopyBatchOptions, "phase"> {
  return {
    ctx,
    parallelImages: request.parallelImages,
    parallelLayers: request.parallelLayers,
    imageTimeoutMs: request.imageTimeoutMs,
    continueOnError: request.continueOnError,
    copySignatures: !request.removeSignatures,
  };
}

/** Platform manifests per mapping index, for `--dry-run-manifest-lists`. */
export function manifestLists(
  request: MirrorRequest,
  plan: Plan,
  size: DryRunSize,
): Map<number, `sha256:${string}`[]> | undefined {
  return request.dryRunManifestLists
    ? new Map(plan.mappings.map((m, i) => [i, size.children.get(m) ?? []]))
    : undefined;
}

/** The dry run of a run into a registry: measures, writes mapping.txt and missing.txt, says the size. */
export async function dryRunToRegistry(
  ctx: RunContext,
  request: MirrorRequest,
  run: {
    plan: Plan;
    sources: ImageSources;
    destination: ContentStore;
    root: DestinationRoot;
    wd: WorkingDir;
  },
): Promise<void> {
  const { plan, root } = run;
  const final = plan.mappings.map((m) => rebaseMapping(m, root));
  const size = await measurePlan(plan.mappings, {
    ctx,
    parallelImages: request.parallelImages,
    locate: (m) => run.sources.locate(m),
    hasBlob: (m, digest) =>
      run.destination.hasBlob(rebaseMapping(m, root).destination.repository, {
        mediaType: "",
        digest,
        size: 0,
      }, {
        signal: ctx.signal,
      }),
  });
  const missing = new Set(size.missing);
  const files = await writeDryRun(
    run.wd.dryRun,
    final,
    final.filter((_, i) => missing.has(plan.mappings[i] as never)),
    {},
    manifestLists(request, plan, size),
  );
  log(
    ctx,
    "info",
    `Dry run: ${size.images} images, ${formatBytes(size.totalBytes)} in all, ${
      formatBytes(size.missingBytes)
    } to copy (${size.missing.length} images missing at ${root.registry})`,
  );
  for (const u of size.unreadable) log(ctx, "warn", `Cannot read ${u.mapping.source.repository}: ${u.error}`);
  for (const f of files) log(ctx, "info", `Wrote ${f}`);
}

/** The catalogs of a plan that reached the destination, with their final destinations. */
export function mirroredCatalogs(
  plan: Plan,
  mirrored: readonly ImageMapping[],
  root: DestinationRoot,
): { plan: CatalogPlan; destination: ImageReference }[] {
  const keys = new Set(mirrored.map((m) => `${m.kind} ${formatReference(m.destination)}`));
  return plan.catalogs
    .map((c) => ({ plan: c, destination: rebaseReference(c.mapping.destination, root) }))
    .filter((c) => keys.has(`operatorCatalog ${formatReference(c.destination)}`));
}

/** Writes the v1 results directory of a registry run (mapping, ICSP, catalog sources...); returns it. */
export async function writeV1RunResults(
  ctx: RunContext,
  request: MirrorRequest,
  run: { workspace: string; plan: Plan; mirrored: ImageMapping[]; root: DestinationRoot },
): Promise<string> {
  const dir = v1ResultsDir(run.workspace, ctx.now());
  const written = await writeV1Results({
    dir,
    mirrored: run.mirrored,
    catalogs: mirroredCatalogs(run.plan, run.mirrored, run.root).map((c) => c.destination),
    signatures: request.ignoreReleaseSignature ? [] : run.plan.signatures,
    forceRepositoryScope: request.maxNestedPaths > 0,
  });
  log(ctx, "info", `Results in ${dir}: ${written.join(", ")}`, { dir, files: written });
  return dir;
}
