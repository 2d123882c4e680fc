/**
 * Mirror-to-mirror: `-c isc.yaml --workspace file://DIR docker://REG[/ns]`. Collects from the upstream
 * registries and copies straight into the destination registry (catalogs rebuilt and the graph image
 * built there), then writes the cluster resources into the workspace.
 * @module
 */
import { resolve } from "node:path";
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import { lockWorkspace } from "../state/mod.ts";
import { batchItems } from "./batch_items.ts";
import { collectPlan } from "./collect_plan.ts";
import { rebaseMapping, RELATIVE_ROOT } from "./collector.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { upstreamSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import { finishRegistryRun } from "./finish_registry_run.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { measurePlan, writeDryRun } from "./run_outputs.ts";
import { formatBytes } from "./format_bytes.ts";
import { workingDir } from "./working_dir.ts";

/** Runs mirror-to-mirror. */
export async function mirrorToMirror(
  ctx: RunContext,
  request: MirrorRequest,
  loaded: LoadedConfig<ImageSetConfig>,
  engine: "v1" | "v2",
): Promise<MirrorOutcome> {
  const started = ctx.now().getTime();
  const dest = request.destination as RegistryLocation;
  const wd = workingDir(resolve(ctx.cwd, request.workspace ?? "oc-mirror-workspace"));
  await using _lock = await lockWorkspace(wd.lock);
  await using stores = await openRegistryStores(ctx, request.registry, engine);
  const sources = upstreamSources((host) => stores.source(host));
  const plan = await collectPlan({
    ctx,
    loaded,
    engine,
    sources,
    wd,
    options: {
      includeConditionalEdges: request.includeConditionalEdges,
      resolveDependencies: request.resolveDependencies,
      ignoreReleaseSignature: request.ignoreReleaseSignature,
    },
  });
  const root = { registry: dest.registry, namespace: dest.namespace, maxNestedPaths: request.maxNestedPaths };
  const destination = stores.destination(dest.registry);
  if (request.dryRun) {
    const final = plan.mappings.map((m) => rebaseMapping(m, root));
    const size = await measurePlan(plan.mappings, {
      ctx,
      parallelImages: request.parallelImages,
      locate: (m) => sources.locate(m),
      hasBlob: (m, digest) => {
        const r = rebaseMapping(m, root).destination.repository;
        return destination.hasBlob(r, { mediaType: "", digest, size: 0 }, { signal: ctx.signal });
      },
    });
    const missingSet = new Set(size.missing);
    const lists = request.dryRunManifestLists
      ? new Map(plan.mappings.map((m, i) => [i, size.children.get(m) ?? []]))
      : undefined;
    const files = await writeDryRun(
      wd.dryRun,
      final,
      final.filter((_, i) => missingSet.has(plan.mappings[i] as never)),
      {},
      lists,
    );
    log(
      ctx,
      "info",
      `Dry run: ${size.images} images, ${formatBytes(size.totalBytes)} in all, ${
        formatBytes(size.missingBytes)
      } to copy (${size.missing.length} images missing at ${dest.registry})`,
    );
    for (const f of files) log(ctx, "info", `Wrote ${f}`);
    return { failed: [] };
  }
  void RELATIVE_ROOT;
  const items = batchItems({ plan, sources, destination, root, build: true });
  const result = await runCopyBatch(items, {
    ctx,
    parallelImages: request.parallelImages,
    parallelLayers: request.parallelLayers,
    imageTimeoutMs: request.imageTimeoutMs,
    continueOnError: request.continueOnError,
    copySignatures: !request.removeSignatures,
    phase: "mirror-to-mirror",
  });
  return await finishRegistryRun({ ctx, request, engine, wd, plan, items, result, root, started });
}
