/**
 * Carrying out a v1 pruning plan against the target: one manifest DELETE per target (roots before
 * children), best effort. A manifest already gone (404) is a warning. A registry that refuses deletes
 * (405) stops pruning with an error saying how to enable them, unless `--continue-on-error`. Other
 * failures are listed and fail the run at the end, unless `--continue-on-error`.
 * @module
 */
import { log, type RunContext } from "../context.ts";
import { NotFoundError, OcMirrorError, RegistryError, StateError } from "../errors.ts";
import type { ContentStore } from "../store/mod.ts";
import { forEachLimited } from "../transfer/mod.ts";
import type { PruneTarget, PruningPlan } from "./pruning_plan.ts";

/** Options of {@link pruneImages}. */
export interface PruneOptions {
  ctx: RunContext;
  /** The target registry (must have `deleteManifest`). */
  store: Pick<ContentStore, "label" | "deleteManifest">;
  /** The repository at the target of a relative path (namespace and `--max-nested-paths` applied). */
  repository: (path: string) => string;
  /** Tolerate failed deletes (also 405): warn instead of failing the run. */
  continueOnError: boolean;
  /** Deletes in flight. @default 4 */
  parallel?: number;
}

/** What pruning did. */
export interface PruneResult {
  deleted: PruneTarget[];
  /** Targets the registry no longer had (404). */
  alreadyGone: PruneTarget[];
  failed: { target: PruneTarget; error: Error }[];
}

function isStatus(e: unknown, status: number): boolean {
  return e instanceof RegistryError && e.status === status;
}

/** Deletes the plan's manifests from the target; see the module doc for the error rules. */
export async function pruneImages(plan: PruningPlan, o: PruneOptions): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], alreadyGone: [], failed: [] };
  if (plan.targets.length === 0) return result;
  const del = o.store.deleteManifest?.bind(o.store);
  if (!del) {
    throw new StateError(`Cannot prune ${o.store.label}: it does not support deleting manifests`, {
      hint: "Rerun with --skip-pruning",
    });
  }
  let refused: Error | undefined;
  const signal = o.ctx.signal;
  const prune = async (t: PruneTarget) => {
    const repo = o.repository(t.path);
    const shown = `${o.store.label.replace(/^docker:\/\//, "")}/${repo}@${t.digest}`;
    if (refused) {
      result.failed.push({ target: t, error: refused });
      return;
    }
    try {
      await del(repo, { mediaType: "", digest: t.digest, size: 0 }, { signal });
      result.deleted.push(t);
      log(o.ctx, "info", `Pruned ${shown}`, { repository: repo, digest: t.digest });
    } catch (e) {
      if (signal.aborted || (e instanceof OcMirrorError && e.code === "ABORTED")) throw e;
      if (e instanceof NotFoundError || isStatus(e, 404)) {
        result.alreadyGone.push(t);
        log(o.ctx, "warn", `Manifest ${shown} is already gone (404): nothing to prune`);
        return;
      }
      const error = e instanceof Error ? e : new Error(String(e));
      if (isStatus(e, 405)) {
        refused = new StateError(
          `Registry ${o.store.label} does not allow deleting manifests (HTTP 405 deleting ${shown})`,
          {
            cause: e,
            hint: "Enable deletes on the registry (docker-registry: storage.delete.enabled: true, or " +
              "REGISTRY_STORAGE_DELETE_ENABLED=true), or publish with --skip-pruning",
          },
        );
        result.failed.push({ target: t, error: refused });
        if (!o.continueOnError) throw refused;
        log(o.ctx, "warn", `${refused.message}: nothing is pruned (--continue-on-error)`);
        return;
      }
      result.failed.push({ target: t, error });
      log(o.ctx, "warn", `Cannot prune ${shown}: ${error.message}`);
    }
  };
  const parallel = o.parallel ?? 4;
  await forEachLimited(plan.targets.filter((t) => !t.child), parallel, prune);
  await forEachLimited(plan.targets.filter((t) => t.child), parallel, prune);
  if (result.failed.length > 0 && !o.continueOnError) {
    const first = result.failed[0] as { target: PruneTarget; error: Error };
    throw new StateError(
      `Pruning ${o.store.label} failed for ${result.failed.length} of ${plan.targets.length} manifests: ` +
        `${o.repository(first.target.path)}@${first.target.digest}: ${first.error.message}`,
      {
        cause: first.error,
        hint: "Fix the registry and publish the same archive again, or rerun with --continue-on-error",
      },
    );
  }
  return result;
}
