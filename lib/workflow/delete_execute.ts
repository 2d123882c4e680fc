/**
 * Delete, phase 2: `delete --delete-yaml-file F docker://REG[/ns]`. Checks every item of the list
 * against the destination first (§1.3 of the reference: under `REG[/ns]/`, release payloads in
 * `openshift/release-images`, components in `openshift/release`; catalogs are never deleted), plans with
 * the keep rule ({@link planDeletion}: a manifest another tag still references stays), prints the plan,
 * then deletes manifests by digest, parents before children. Only manifests: the registry frees the
 * blobs when its garbage collection runs, which is the user's job. A manifest already gone is a warning;
 * a registry that does not allow deletes (HTTP 405) stops the run with a hint.
 * @module
 */
import { resolve } from "node:path";
import { log, type RunContext } from "../context.ts";
import { ConfigError, type ConfigProblem, NotFoundError, OcMirrorError, RegistryError } from "../errors.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import { type LoadedDeleteImageList, readDeleteImageList } from "../state/mod.ts";
import type { ContentStore } from "../store/mod.ts";
import { forEachLimited } from "../transfer/mod.ts";
import type { RegistryAccess } from "./mirror_request.ts";
import { type DeletionPlan, type ListedImage, planDeletion, type PlannedManifest } from "./plan_deletion.ts";
import { openRegistryStores } from "./registry_access.ts";

/** A parsed `delete --delete-yaml-file` invocation. */
export interface DeleteExecuteRequest {
  /** The delete list written by phase 1. */
  listFile: string;
  /** The mirror registry to delete from. */
  destination: RegistryLocation;
  /** Also delete the sigstore `.sig` tags of deleted images. */
  deleteSignatures: boolean;
  /** Also delete from the local cache (there is none in this build: only reported). */
  forceCacheDelete: boolean;
  /** Print the plan, delete nothing. */
  dryRun: boolean;
  /** Registry requests in flight. @default 4 */
  parallel: number;
  registry: RegistryAccess;
}

/** What phase 2 did. */
export interface DeleteOutcome {
  plan: DeletionPlan;
  /** Manifests deleted (0 on a dry run). */
  deleted: number;
  /** Manifests that were gone by the time they were deleted. */
  alreadyGone: number;
  /** Catalog items of the list, never deleted. */
  skippedCatalogs: number;
}

const RELEASE_REPOSITORY = "openshift-release-images";
const COMPONENT_REPOSITORY = "openshift-release";

/** Repository `path` is `openshift/<name>` under any namespace, also when `--max-nested-paths` flattened it. */
function isReleaseRepository(path: string, flatName: string): boolean {
  const flat = path.replaceAll("/", "-");
  return flat === flatName || flat.endsWith(`-${flatName}`);
}

function isUnder(repository: string, namespace: string): boolean {
  if (namespace === "") return true;
  if (repository.startsWith(`${namespace}/`)) return true;
  // --max-nested-paths may have joined the namespace with what follows.
  return repository.replaceAll("/", "-").startsWith(`${namespace.replaceAll("/", "-")}-`);
}

/**
 * Checks every item against the destination (all problems at once, located in the list) and returns the
 * images to plan; catalog items are left out with a warning.
 */
export function checkDeleteList(
  ctx: Pick<RunContext, "report">,
  loaded: LoadedDeleteImageList,
  destination: RegistryLocation,
): { images: ListedImage[]; skippedCatalogs: number } {
  const root = `docker://${destination.registry}${destination.namespace ? `/${destination.namespace}` : ""}`;
  const problems: ConfigProblem[] = [];
  const images: ListedImage[] = [];
  let skippedCatalogs = 0;
  loaded.list.items.forEach((item, i) => {
    const ref = loaded.references[i];
    if (!ref) return;
    const quoted = `"${item.imageReference}"`;
    if (ref.registry !== destination.registry || !isUnder(ref.repository, destination.namespace)) {
      problems.push(
        loaded.problemAt(["items", i, "imageReference"], `${quoted} is not under the destination ${root}`),
      );
      return;
    }
    if (item.type === "ocpRelease" && !isReleaseRepository(ref.repository, RELEASE_REPOSITORY)) {
      problems.push(loaded.problemAt(
        ["items", i, "imageReference"],
        `${quoted} is a release payload (ocpRelease) outside ${root}/openshift/release-images`,
      ));
      return;
    }
    if (item.type === "ocpReleaseContent" && !isReleaseRepository(ref.repository, COMPONENT_REPOSITORY)) {
      problems.push(loaded.problemAt(
        ["items", i, "imageReference"],
        `${quoted} is a release component (ocpReleaseContent) outside ${root}/openshift/release`,
      ));
      return;
    }
    if (item.type === "operatorCatalog") {
      log(ctx, "warn", `Catalog ${item.imageReference} is never deleted: skipped`);
      skippedCatalogs++;
      return;
    }
    images.push({ repository: ref.repository, reference: ref.digest ?? ref.tag ?? "latest" });
  });
  if (problems.length > 0) {
    throw new ConfigError(problems, {
      hint:
        `Nothing was deleted. Generate the list for ${root} with oc-mirror delete --generate, or fix the items`,
    });
  }
  return { images, skippedCatalogs };
}

function short(digest: string): string {
  return digest.slice(0, 19);
}

function describeDeletion(registry: string, m: PlannedManifest): string {
  const what = m.reason === "child"
    ? `child of ${short(m.of ?? "")}`
    : m.reason === "signature"
    ? `signature of ${short(m.of ?? "")}`
    : m.listed.join(", ");
  return `${registry}/${m.repository}@${m.descriptor.digest} (${what})`;
}

/** The plan as lines for people: what will be deleted, what is kept and why, what is already gone. */
export function describeDeletionPlan(plan: DeletionPlan, registry: string): string[] {
  const lines: string[] = [];
  for (const d of plan.deletions) lines.push(`delete: ${describeDeletion(registry, d)}`);
  for (const k of plan.kept) {
    const names = k.listed.length > 0
      ? k.listed.map((l) => `${registry}/${k.repository}${l.startsWith("sha256:") ? "@" : ":"}${l}`).join(
        ", ",
      )
      : `${registry}/${k.repository}@${k.descriptor.digest} (child of ${short(k.of ?? "")})`;
    const via = k.via ? ` (as a child of index ${short(k.via)})` : "";
    lines.push(
      `kept: ${names} (${k.descriptor.digest}): still referenced by ${registry}/${k.referencedBy}${via}`,
    );
  }
  for (const g of plan.missing) {
    const sep = g.reference.startsWith("sha256:") ? "@" : ":";
    lines.push(
      `gone: ${registry}/${g.repository}${sep}${g.reference}: not in the registry (already deleted?)`,
    );
  }
  return lines;
}

/** Options of {@link applyDeletionPlan}. */
export interface ApplyDeletionOptions {
  ctx: Pick<RunContext, "report" | "signal">;
  /** Deletes in flight. @default 4 */
  parallel?: number;
}

/** What {@link applyDeletionPlan} did. */
export interface AppliedDeletion {
  deleted: PlannedManifest[];
  alreadyGone: PlannedManifest[];
}

/** The error for a registry that refuses deletes. */
function deletesDisabled(label: string, e: RegistryError): RegistryError {
  return new RegistryError(
    `Registry ${label} does not allow deleting manifests: HTTP 405${
      e.registryCode ? ` (${e.registryCode})` : ""
    }`,
    {
      registry: e.registry,
      status: e.status,
      operation: e.operation,
      ...(e.registryCode !== undefined ? { registryCode: e.registryCode } : {}),
    },
    {
      cause: e,
      hint:
        "Enable deletes in the registry: for distribution (docker-registry) set storage.delete.enabled: true in its config (REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it",
    },
  );
}

/**
 * Deletes the plan's manifests by digest, index nesting level by level (parents first). A manifest gone
 * meanwhile is reported and counted; HTTP 405 stops at once; other failures are collected and thrown
 * together after every other delete was tried.
 */
export async function applyDeletionPlan(
  store: Pick<ContentStore, "label"> & Required<Pick<ContentStore, "deleteManifest">>,
  plan: DeletionPlan,
  o: ApplyDeletionOptions,
): Promise<AppliedDeletion> {
  const { ctx } = o;
  const done: AppliedDeletion = { deleted: [], alreadyGone: [] };
  const failures: { m: PlannedManifest; e: Error }[] = [];
  let fatal: Error | undefined;
  const depths = [...new Set(plan.deletions.map((d) => d.depth))].sort((a, b) => a - b);
  for (const depth of depths) {
    const wave = plan.deletions.filter((d) => d.depth === depth);
    await forEachLimited(wave, o.parallel ?? 4, async (m) => {
      if (fatal || ctx.signal.aborted) return;
      const name = `${store.label}/${m.repository}@${m.descriptor.digest}`;
      try {
        await store.deleteManifest(m.repository, m.descriptor, { signal: ctx.signal });
        done.deleted.push(m);
        log(ctx, "debug", `Deleted ${name}`);
      } catch (e) {
        const gone = e instanceof NotFoundError ||
          (e instanceof RegistryError && e.registryCode === "MANIFEST_UNKNOWN");
        if (gone) {
          log(ctx, "warn", `Manifest ${name} was already gone`);
          done.alreadyGone.push(m);
          return;
        }
        if (e instanceof RegistryError && e.status === 405) {
          fatal ??= deletesDisabled(store.label, e);
          return;
        }
        if (ctx.signal.aborted) throw e;
        const err = e instanceof Error ? e : new Error(String(e));
        failures.push({ m, e: err });
        log(ctx, "error", `Cannot delete ${name}: ${err.message}`);
      }
    });
    if (fatal) throw fatal;
    if (ctx.signal.aborted) throw ctx.signal.reason;
  }
  if (failures.length > 0) {
    const first = failures[0] as { m: PlannedManifest; e: Error };
    throw new OcMirrorError(
      `${failures.length} of ${plan.deletions.length} manifests could not be deleted from ${store.label}: ${
        failures.slice(0, 5).map((f) => `${f.m.repository}@${short(f.m.descriptor.digest)}: ${f.e.message}`)
          .join("; ")
      }`,
      {
        cause: first.e,
        hint: "Run the same delete again: deleted manifests are reported as gone, the rest is retried",
      },
    );
  }
  return done;
}

/** Runs phase 2: checks the list, plans with the keep rule, prints the plan and deletes. */
export async function executeDeleteList(
  ctx: RunContext,
  request: DeleteExecuteRequest,
): Promise<DeleteOutcome> {
  const loaded = await readDeleteImageList(resolve(ctx.cwd, request.listFile), {
    file: request.listFile,
    signal: ctx.signal,
  });
  const dest = request.destination;
  const root = `docker://${dest.registry}${dest.namespace ? `/${dest.namespace}` : ""}`;
  const { images, skippedCatalogs } = checkDeleteList(ctx, loaded, dest);
  if (request.forceCacheDelete) {
    log(
      ctx,
      "info",
      "--force-cache-delete: this build keeps no local cache registry (mirror-to-disk streams into the archive), so there is no cache to delete from",
    );
  }
  await using stores = await openRegistryStores(ctx, request.registry, "v2");
  const store = stores.destination(dest.registry);
  log(ctx, "info", `Planning the deletion of ${images.length} images from ${root}`);
  const plan = await planDeletion(store, images, {
    deleteSignatures: request.deleteSignatures,
    parallel: request.parallel,
    signal: ctx.signal,
  });
  log(
    ctx,
    "info",
    `Delete plan for ${root}: ${plan.deletions.length} manifests to delete, ${plan.kept.length} kept (still referenced), ${plan.missing.length} already gone; ${plan.tagsChecked} other tags checked`,
    {
      deletions: plan.deletions.length,
      kept: plan.kept.length,
      missing: plan.missing.length,
    },
  );
  for (const line of describeDeletionPlan(plan, dest.registry)) log(ctx, "info", `  ${line}`);
  if (request.dryRun) {
    log(ctx, "info", "Dry run: nothing was deleted");
    return { plan, deleted: 0, alreadyGone: 0, skippedCatalogs };
  }
  const applied = await applyDeletionPlan(store, plan, { ctx, parallel: request.parallel });
  log(
    ctx,
    "info",
    `Deleted ${applied.deleted.length} manifests from ${root} (${plan.kept.length} kept, ${
      plan.missing.length + applied.alreadyGone.length
    } already gone). Only manifests are deleted: the blobs stay on the registry's disk until its garbage collection runs (for distribution: registry garbage-collect <config.yml>)`,
    { deleted: applied.deleted.length },
  );
  return { plan, deleted: applied.deleted.length, alreadyGone: applied.alreadyGone.length, skippedCatalogs };
}
