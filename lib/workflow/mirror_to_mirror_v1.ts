/**
 * v1 mirror-to-mirror: `-c isc.yaml docker://REG[/ns]` (optionally `--workspace file://DIR`) with
 * apiVersion v1alpha2 or `--v1`. Plans the images and their associations, copies them to the target,
 * prunes what the metadata in `storageConfig` recorded and this run no longer selects (plan printed
 * first; not with `--skip-pruning` or without storageConfig), writes `<workspace>/results-<epoch>/` and
 * records the new metadata (next sequence) in `storageConfig`.
 * @module
 */
import { resolve } from "node:path";
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import { lockWorkspace, nextSequence } from "../state/mod.ts";
import { batchItems } from "./batch_items.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { checkUpgradePaths } from "./finish_registry_run.ts";
import { upstreamSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { planAssociations, selectedAssociations } from "./plan_associations.ts";
import { openRegistryStores } from "./registry_access.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { summarize, writeErrorsFile } from "./run_outputs.ts";
import { batchOptions, dryRunToRegistry, planRequest, writeV1RunResults } from "./run_steps.ts";
import { openStorageBackend, pruneTarget, readMirrorSection, runMetadata } from "./v1_state.ts";
import { workingDir } from "./working_dir.ts";
import { V1_WORKSPACE } from "./write_v1_results.ts";

/** Runs v1 mirror-to-mirror. */
export async function mirrorToMirrorV1(
  ctx: RunContext,
  request: MirrorRequest,
  loaded: LoadedConfig<ImageSetConfig>,
): Promise<MirrorOutcome> {
  const started = ctx.now().getTime();
  const dest = request.destination as RegistryLocation;
  const workspace = resolve(ctx.cwd, request.workspace ?? V1_WORKSPACE);
  const wd = workingDir(workspace);
  await using _lock = await lockWorkspace(wd.lock);
  await using stores = await openRegistryStores(ctx, request.registry, "v1");
  const backend = openStorageBackend(ctx, loaded.config, stores);
  const previous = backend ? await backend.read({ signal: ctx.signal }) : undefined;
  const sequence = nextSequence(previous);
  const sources = upstreamSources((host) => stores.source(host));
  const plan = await planRequest(ctx, request, { loaded: loaded, engine: "v1", sources, wd });
  const root = { registry: dest.registry, namespace: dest.namespace, maxNestedPaths: request.maxNestedPaths };
  const target = stores.destination(dest.registry);
  const prune = previous !== undefined && !request.v1.skipPruning;
  const planOptions = {
    ctx,
    sources,
    build: true,
    parallelImages: request.parallelImages,
    parallelLayers: request.parallelLayers,
    imageTimeoutMs: request.imageTimeoutMs,
  };

  if (request.dryRun) {
    await dryRunToRegistry(ctx, request, { plan, sources, destination: target, root, wd });
    if (prune) {
      const planned = await planAssociations(plan, planOptions);
      await pruneTarget({
        ctx,
        store: target,
        root,
        previous: previous.pastAssociations,
        current: selectedAssociations(plan, planned, previous.pastAssociations),
        continueOnError: request.continueOnError,
        dryRun: true,
      });
    }
    return { failed: [] };
  }

  const planned = await planAssociations(plan, planOptions);
  const associations = selectedAssociations(plan, planned, previous?.pastAssociations ?? []);
  const items = batchItems({ plan, sources, destination: target, root, build: true });
  const result = await runCopyBatch(items, {
    ...batchOptions(ctx, request),
    phase: "mirror-to-mirror",
  });
  const errors = await writeErrorsFile(wd.logs, result.failures, ctx.now());
  const mirrored = result.copied.map((c) => c.item.mapping);
  await writeV1RunResults(ctx, request, { workspace: workspace, plan, mirrored, root });
  const summary = () => summarize(ctx, items.map((i) => i.mapping), result, ctx.now().getTime() - started);
  if (result.failures.length > 0 && !request.continueOnError) {
    log(
      ctx,
      "error",
      `${result.failures.length} images failed${errors ? ` (see ${errors})` : ""}: nothing was pruned and ` +
        `the metadata is unchanged`,
    );
    return { failed: summary() };
  }
  if (prune) {
    await pruneTarget({
      ctx,
      store: target,
      root,
      previous: previous.pastAssociations,
      current: associations,
      continueOnError: request.continueOnError,
      dryRun: false,
    });
  } else if (previous && request.v1.skipPruning) {
    log(ctx, "info", "Not pruning (--skip-pruning)");
  }
  if (backend) {
    const metadata = runMetadata({
      previous,
      sequence,
      singleUse: false,
      now: ctx.now(),
      mirror: await readMirrorSection(resolve(ctx.cwd, request.configFile)),
      plan,
      config: loaded.config,
      associations,
    });
    await backend.write(metadata, { signal: ctx.signal });
    log(ctx, "info", `Metadata ${backend.label}: imageset ${metadata.uid} at sequence ${sequence}`);
  }
  checkUpgradePaths(ctx, plan, request.includeConditionalEdges);
  const failed = summary();
  if (errors) log(ctx, "warn", `${result.failures.length} images failed: see ${errors}`);
  return { failed };
}
