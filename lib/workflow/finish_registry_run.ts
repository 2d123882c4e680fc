/**
 * The end of a run that wrote into a registry (mirror-to-mirror, disk-to-mirror): errors file, cluster
 * resources for what reached the registry, the upgrade-path check and the summary.
 * @module
 */
import { join } from "node:path";
import { log, type RunContext } from "../context.ts";
import type { DestinationRoot } from "../plan/mod.ts";
import { verifyUpgradePaths } from "../release/mod.ts";
import { writeClusterResources } from "./cluster_resources.ts";
import type { Plan } from "./collect_plan.ts";
import type { BatchItem, BatchResult } from "./copy_batch.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { summarize, writeErrorsFile } from "./run_outputs.ts";
import { mirroredCatalogs } from "./run_steps.ts";
import { VERSION } from "./version.ts";
import type { WorkingDir } from "./working_dir.ts";

/** Input of {@link finishRegistryRun}. */
export interface FinishInput {
  ctx: RunContext;
  request: MirrorRequest;
  engine: "v1" | "v2";
  wd: WorkingDir;
  plan: Plan;
  items: BatchItem[];
  result: BatchResult;
  root: DestinationRoot;
  started: number;
}

/** Writes the outputs of a registry run and returns its outcome. */
export async function finishRegistryRun(i: FinishInput): Promise<MirrorOutcome> {
  const { ctx, wd, plan, result } = i;
  const errors = await writeErrorsFile(wd.logs, result.failures, ctx.now());
  const mirrored = result.copied.map((c) => c.item.mapping);
  await Deno.remove(wd.clusterResources, { recursive: true }).catch(() => {});
  const catalogs = mirroredCatalogs(plan, mirrored, i.root);
  const written = await writeClusterResources({
    dir: wd.clusterResources,
    engine: i.engine,
    mirrored,
    catalogs,
    signatures: i.request.ignoreReleaseSignature ? [] : plan.signatures,
    stamp: { now: ctx.now(), version: VERSION },
    forceRepositoryScope: i.request.maxNestedPaths > 0,
  });
  if (written.length > 0) {
    log(ctx, "info", `Cluster resources in ${wd.clusterResources}: ${written.join(", ")}`, {
      files: written.map((f) => join(wd.clusterResources, f)),
    });
  }
  checkUpgradePaths(ctx, plan, i.request.includeConditionalEdges);
  const failed = summarize(ctx, i.items.map((x) => x.mapping), result, ctx.now().getTime() - i.started);
  if (errors) log(ctx, "warn", `${result.failures.length} images failed: see ${errors}`);
  return { failed };
}

/** Logs the result of the upgrade-path check for the mirrored releases (our addition). */
export function checkUpgradePaths(ctx: RunContext, plan: Plan, includeConditionalEdges = false): boolean {
  let ok = true;
  for (const r of plan.releases) {
    const report = verifyUpgradePaths(r.graphs, r.versions, { includeConditionalEdges });
    if (report.ok) {
      log(
        ctx,
        "info",
        `Upgrade paths (${r.arch}): every mirrored release reaches every higher mirrored release`,
      );
      continue;
    }
    ok = false;
    for (const f of report.failures.slice(0, 20)) log(ctx, "warn", `Upgrade paths (${r.arch}): ${f.message}`);
    if (report.failures.length > 20) {
      log(ctx, "warn", `Upgrade paths (${r.arch}): ${report.failures.length - 20} more gaps`);
    }
  }
  return ok;
}
