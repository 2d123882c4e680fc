/**
 * Disk-to-mirror: `-c isc.yaml --from file://DIR docker://REG[/ns]`. Verifies the archive set before
 * anything is pushed (every part present, in order, from one set, every blob matching its digest),
 * restores the working-dir files the archive carries, re-runs the collectors against the archive (no
 * network: graphs, signatures and catalogs come from the archive) and pushes, skipping blobs the
 * registry has.
 * @module
 */
import { batchOptions, dryRunToRegistry, planRequest } from "./run_steps.ts";
import { resolve } from "node:path";
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import { ArchiveReader } from "../archive/mod.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import { lockWorkspace } from "../state/mod.ts";
import { batchItems } from "./batch_items.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { finishRegistryRun } from "./finish_registry_run.ts";
import { relativeSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { workingDir } from "./working_dir.ts";

/** Runs disk-to-mirror. */
export async function diskToMirror(
  ctx: RunContext,
  request: MirrorRequest,
  loaded: LoadedConfig<ImageSetConfig>,
  engine: "v1" | "v2",
): Promise<MirrorOutcome> {
  const started = ctx.now().getTime();
  const dest = request.destination as RegistryLocation;
  const dir = resolve(ctx.cwd, request.from ?? ".");
  const wd = workingDir(dir);
  await using _lock = await lockWorkspace(wd.lock);
  const reader = await ArchiveReader.open(dir, { ctx, signal: ctx.signal });
  log(ctx, "info", `Verifying ${reader.parts.length} archive part(s) in ${dir} before pushing anything`);
  await reader.verify({ signal: ctx.signal });
  const extracted = await reader.extractFiles("working-dir/", dir, { signal: ctx.signal });
  log(ctx, "debug", `Restored ${extracted.files} working-dir files from the archive`);
  await using stores = await openRegistryStores(ctx, request.registry, engine);
  const sources = relativeSources(reader);
  const plan = await planRequest(ctx, request, { loaded, engine, sources, wd });
  const root = { registry: dest.registry, namespace: dest.namespace, maxNestedPaths: request.maxNestedPaths };
  const destination = stores.destination(dest.registry);
  if (request.dryRun) {
    await dryRunToRegistry(ctx, request, { plan, sources, destination, root, wd });
    return { failed: [] };
  }
  const items = batchItems({ plan, sources, destination, root, build: false });
  const result = await runCopyBatch(items, { ...batchOptions(ctx, request), phase: "disk-to-mirror" });
  return await finishRegistryRun({ ctx, request, engine, wd, plan, items, result, root, started });
}
