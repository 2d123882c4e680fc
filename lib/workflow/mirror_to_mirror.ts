/**
 * Mirror-to-mirror: `-c isc.yaml --workspace file://DIR docker://REG[/ns]`. Collects from the upstream
 * registries and copies straight into the destination registry (catalogs rebuilt and the graph image
 * built there), then writes the cluster resources into the workspace.
 * @module
 */
import { batchOptions, dryRunToRegistry, planRequest } from "./run_steps.ts";
import { resolve } from "node:path";
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import type { RunContext } from "../context.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import { lockWorkspace } from "../state/mod.ts";
import { batchItems } from "./batch_items.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { upstreamSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import { finishRegistryRun } from "./finish_registry_run.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
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
  const plan = await planRequest(ctx, request, { loaded, engine, sources, wd });
  const root = { registry: dest.registry, namespace: dest.namespace, maxNestedPaths: request.maxNestedPaths };
  const destination = stores.destination(dest.registry);
  if (request.dryRun) {
    await dryRunToRegistry(ctx, request, { plan, sources, destination, root, wd });
    return { failed: [] };
  }
  const items = batchItems({ plan, sources, destination, root, build: true });
  const result = await runCopyBatch(items, { ...batchOptions(ctx, request), phase: "mirror-to-mirror" });
  return await finishRegistryRun({ ctx, request, engine, wd, plan, items, result, root, started });
}
