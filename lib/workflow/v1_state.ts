/**
 * The v1 state of a run: the metadata backend `storageConfig` names (or none: a stateless run, said
 * once), the metadata image at a target (`<registry>/<namespace>/oc-mirror:<uid>`), the metadata a run
 * records (ISC `mirror` section, pinned catalogs, channels, associations), and the pruning step shared
 * by disk-to-mirror and mirror-to-mirror (plan printed first, then deleted).
 * @module
 */
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ImageSetConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import type { DestinationRoot } from "../plan/mod.ts";
import { formatReference } from "../reference/mod.ts";
import type { RegistryStores } from "../registry/mod.ts";
import {
  formatPruningPlan,
  LocalMetadataBackend,
  type MetadataBackend,
  newV1Metadata,
  pruneImages,
  type PruneResult,
  pruningPlan,
  RegistryMetadataBackend,
  type V1Association,
  type V1Metadata,
} from "../state/mod.ts";
import type { ContentStore } from "../store/mod.ts";
import type { Plan } from "./collect_plan.ts";
import { rebaseReference } from "./collector.ts";

/** The warning of a run without `storageConfig`. */
export const STATELESS_WARNING = "no storageConfig: pruning and differential archives are off";

/**
 * The backend `storageConfig` names; undefined when there is none (with the stateless warning unless
 * `o.quiet`).
 */
export function openStorageBackend(
  ctx: RunContext,
  config: ImageSetConfig,
  stores: Pick<RegistryStores, "store">,
  o: { quiet?: boolean } = {},
): MetadataBackend | undefined {
  const storage = config.storageConfig;
  if (storage?.local) return new LocalMetadataBackend(resolve(ctx.cwd, storage.local.path));
  if (storage?.registry) {
    const ref = storage.registry.reference;
    if (ref.digest && !ref.tag) {
      throw new UsageError(
        `storageConfig.registry.imageURL "${storage.registry.imageURL}" names a digest: want a tag, which each run moves`,
      );
    }
    const store = stores.store(ref.registry, { tlsVerify: !storage.registry.skipTLS });
    return new RegistryMetadataBackend(store, ref.repository, ref.tag ?? "latest");
  }
  if (!o.quiet) log(ctx, "warn", STATELESS_WARNING);
  return undefined;
}

/** The repository of the metadata image under a target namespace: `<namespace>/oc-mirror`. */
export function metadataRepository(namespace: string): string {
  return namespace === "" ? "oc-mirror" : `${namespace}/oc-mirror`;
}

/** The metadata image of imageset `uid` at a target registry. */
export function targetMetadataBackend(store: ContentStore, namespace: string, uid: string): MetadataBackend {
  return new RegistryMetadataBackend(store, metadataRepository(namespace), uid);
}

/** The `mirror` section of the configuration file as written (recorded in the metadata). */
export async function readMirrorSection(file: string): Promise<unknown> {
  try {
    const doc = parseYaml(await Deno.readTextFile(file)) as { mirror?: unknown } | null;
    return doc?.mirror ?? {};
  } catch {
    return {};
  }
}

/** Input of {@link runMetadata}. */
export interface RunMetadataInput {
  previous: V1Metadata | undefined;
  sequence: number;
  singleUse: boolean;
  now: Date;
  mirror: unknown;
  plan: Plan;
  config: ImageSetConfig;
  associations: V1Association[];
}

/** The metadata a run records: the imageset's uid (new on the first run), its sequence and images. */
export function runMetadata(i: RunMetadataInput): V1Metadata {
  return newV1Metadata({
    uid: i.previous && !i.singleUse ? i.previous.uid : crypto.randomUUID(),
    sequence: i.sequence,
    singleUse: i.singleUse,
    now: i.now,
    mirror: i.mirror,
    operators: i.plan.catalogs.map((c) => ({
      catalog: formatReference(c.mapping.origin),
      imagePin: `${
        formatReference({ ...c.mapping.origin, tag: undefined, digest: undefined })
      }@${c.pinned.digest}`,
    })),
    platforms: i.config.mirror.platform.channels.map((c) => ({
      channel: c.name,
      ...(c.minVersion !== undefined ? { minVersion: c.minVersion } : {}),
    })),
    associations: i.associations,
  });
}

/** Options of {@link pruneTarget}. */
export interface PruneTargetOptions {
  ctx: RunContext;
  store: ContentStore;
  root: DestinationRoot;
  previous: readonly V1Association[];
  current: readonly V1Association[];
  continueOnError: boolean;
  /** Print the plan only. */
  dryRun: boolean;
}

/** Prints the pruning plan of a target, then (unless a dry run) deletes it; returns what was done. */
export async function pruneTarget(o: PruneTargetOptions): Promise<PruneResult | undefined> {
  const { ctx } = o;
  const plan = pruningPlan(o.previous, o.current);
  const repository = (path: string) => rebaseReference({ registry: "", repository: path }, o.root).repository;
  const where = `${o.root.registry}${o.root.namespace ? `/${o.root.namespace}` : ""}`;
  if (plan.targets.length === 0) {
    log(
      ctx,
      "info",
      `Pruning: nothing to prune at ${where} (${plan.kept} earlier images are still selected)`,
    );
    return undefined;
  }
  log(
    ctx,
    "info",
    `Pruning plan: ${plan.targets.length} manifests at ${where} are no longer selected by the configuration${
      o.dryRun ? " (dry run: nothing is deleted)" : ""
    }:`,
    { targets: plan.targets.length },
  );
  for (const line of formatPruningPlan(plan, (p) => `${o.root.registry}/${repository(p)}`)) {
    log(ctx, "info", `  ${line}`);
  }
  if (o.dryRun) return undefined;
  const result = await pruneImages(plan, {
    ctx,
    store: o.store,
    repository,
    continueOnError: o.continueOnError,
  });
  log(
    ctx,
    result.failed.length > 0 ? "warn" : "info",
    `Pruned ${result.deleted.length} of ${plan.targets.length} manifests at ${where}${
      result.alreadyGone.length ? ` (${result.alreadyGone.length} already gone)` : ""
    }${result.failed.length ? `; ${result.failed.length} could not be deleted` : ""}`,
  );
  return result;
}
