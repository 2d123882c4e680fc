/**
 * Delete, phase 1: `delete -c delete-isc.yaml --workspace file://DIR --generate docker://REG[/ns]`.
 * Runs the collectors over the DeleteImageSetConfiguration reading the mirror itself (release payloads at
 * their mirrored destination, catalogs at their mirrored tag; saved graphs, signatures and charts from
 * the workspace of the earlier mirror-to-mirror or disk-to-mirror run), puts every mapping under the
 * destination and writes `working-dir/delete/delete-images[-<id>].yaml` plus a copy of the configuration.
 * Deletes nothing: the user reviews the list, then phase 2 runs it. Catalog images are never listed.
 * @module
 */
import { resolve } from "node:path";
import {
  type ConfigPath,
  type DeleteImageSetConfig,
  deleteToImageSetConfig,
  type ImageSetConfig,
  loadConfigFile,
  type LoadedConfig,
} from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import { formatConfigProblem, NotFoundError, StateError, UsageError } from "../errors.ts";
import {
  destinationRepository,
  type DestinationRoot,
  type ImageKind,
  type ImageMapping,
} from "../plan/mod.ts";
import { formatReference, type RegistryLocation } from "../reference/mod.ts";
import {
  DELETE_ID_PATTERN,
  deleteFilePaths,
  type DeleteImageItem,
  type DeleteImageList,
  deleteImageList,
  type DeleteImageType,
  lockWorkspace,
  writeDeleteFiles,
} from "../state/mod.ts";
import { collectPlan } from "./collect_plan.ts";
import { rebaseMapping } from "./collector.ts";
import { mirrorSources } from "./image_sources.ts";
import type { RegistryAccess } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import { workingDir } from "./working_dir.ts";

/** A parsed `delete --generate` invocation. */
export interface DeleteGenerateRequest {
  /** The DeleteImageSetConfiguration file. */
  configFile: string;
  /** The workspace of the earlier mirror-to-mirror run (or the `--from` folder of disk-to-mirror). */
  workspace: string;
  /** The mirror registry the images were mirrored to. */
  destination: RegistryLocation;
  /** `--delete-id`: suffix of the generated files. */
  deleteId?: string;
  /** `--max-nested-paths` of the mirror run. @default 0 */
  maxNestedPaths: number;
  /** As for the mirror run: releases mirrored without a verified signature. */
  ignoreReleaseSignature: boolean;
  /** As for the mirror run: conditional update edges count in release selection. */
  includeConditionalEdges: boolean;
  /** As for the mirror run: operator dependencies are selected too. */
  resolveDependencies: boolean;
  registry: RegistryAccess;
}

/** What phase 1 wrote. */
export interface DeleteGenerateResult {
  /** `working-dir/delete/delete-images[-<id>].yaml` */
  listFile: string;
  /** `working-dir/delete/delete-imageset-config[-<id>].yaml` */
  configCopy: string;
  list: DeleteImageList;
  /** Catalog images the configuration names, which are never deleted. */
  skippedCatalogs: string[];
}

/**
 * The DeleteImageSetConfiguration as the ImageSetConfiguration the collectors read; positions of
 * `mirror.…` paths point at the file's `delete.…` keys, so collectors' messages name the right line.
 */
export function deleteConfigAsMirror(
  loaded: LoadedConfig<DeleteImageSetConfig>,
): LoadedConfig<ImageSetConfig> {
  const inFile = (path: ConfigPath): ConfigPath => path[0] === "mirror" ? ["delete", ...path.slice(1)] : path;
  return {
    apiVersion: loaded.apiVersion,
    kind: "ImageSetConfiguration",
    config: deleteToImageSetConfig(loaded.config),
    warnings: loaded.warnings,
    file: loaded.file,
    positionOf: (path) => loaded.positionOf(inFile(path)),
    problemAt: (path, message, severity) => loaded.problemAt(inFile(path), message, severity),
  };
}

/** The delete-list type of a mapping's kind; undefined for catalogs, which are never deleted. */
export function deleteTypeOf(kind: ImageKind): DeleteImageType | undefined {
  switch (kind) {
    case "operatorCatalog":
      return undefined;
    case "kubeVirtContainer":
      // Mirrored into openshift/release beside the payload components, as the original types it.
      return "ocpReleaseContent";
    default:
      return kind;
  }
}

/** The delete-list items of a plan's mappings (destinations already under the mirror). */
export function deleteItemsOf(mappings: readonly ImageMapping[]): DeleteImageItem[] {
  const items: DeleteImageItem[] = [];
  for (const m of mappings) {
    const type = deleteTypeOf(m.kind);
    if (type === undefined) continue;
    items.push({
      imageName: formatReference(m.origin),
      imageReference: `docker://${formatReference(m.destination)}`,
      type,
    });
  }
  return items;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function count(items: readonly DeleteImageItem[], type: DeleteImageType): number {
  return items.filter((i) => i.type === type).length;
}

/** Runs phase 1 and writes the delete list; deletes nothing. */
export async function generateDeleteList(
  ctx: RunContext,
  request: DeleteGenerateRequest,
): Promise<DeleteGenerateResult> {
  if (request.deleteId !== undefined && !DELETE_ID_PATTERN.test(request.deleteId)) {
    throw new UsageError(
      `Flag --delete-id is "${request.deleteId}": want up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  const configPath = resolve(ctx.cwd, request.configFile);
  const loaded = await loadConfigFile(configPath, {
    kind: "DeleteImageSetConfiguration",
    file: request.configFile,
    signal: ctx.signal,
  });
  for (const w of loaded.warnings) log(ctx, "warn", formatConfigProblem(w));
  const configText = await Deno.readTextFile(configPath, { signal: ctx.signal });

  const workspace = resolve(ctx.cwd, request.workspace);
  const wd = workingDir(workspace);
  if (!(await isDirectory(wd.root))) {
    throw new StateError(`Workspace ${request.workspace} has no working-dir: ${wd.root} does not exist`, {
      hint:
        "Give --workspace the workspace of the mirror-to-mirror run (or the --from folder of disk-to-mirror) that mirrored these images",
    });
  }
  await using _lock = await lockWorkspace(wd.lock);
  await using stores = await openRegistryStores(ctx, request.registry, "v2");
  const dest = request.destination;
  const root: DestinationRoot = {
    registry: dest.registry,
    namespace: dest.namespace,
    maxNestedPaths: request.maxNestedPaths,
  };
  const destination = stores.destination(dest.registry);
  log(ctx, "info", `Collecting the images of ${request.configFile} as mirrored at ${destination.label}`);
  let plan;
  try {
    plan = await collectPlan({
      ctx,
      loaded: deleteConfigAsMirror(loaded),
      engine: "v2",
      sources: mirrorSources(destination, (repository) => destinationRepository(root, repository)),
      wd,
      options: {
        includeConditionalEdges: request.includeConditionalEdges,
        resolveDependencies: request.resolveDependencies,
        ignoreReleaseSignature: request.ignoreReleaseSignature,
      },
    });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    throw new NotFoundError(e.store, e.message, {
      cause: e,
      hint:
        `The configuration names an image that is not at ${destination.label}: it was deleted already, or mirrored to another registry or namespace`,
    });
  }
  const mappings = plan.mappings.map((m) => rebaseMapping(m, root));
  const skippedCatalogs = mappings.filter((m) => m.kind === "operatorCatalog").map((m) =>
    formatReference(m.destination)
  );
  for (const c of skippedCatalogs) {
    log(ctx, "info", `Catalog ${c} is never deleted: it is left out of the delete list`);
  }
  const list = deleteImageList(deleteItemsOf(mappings));
  const paths = deleteFilePaths(wd.delete, request.deleteId);
  await writeDeleteFiles(paths, list, configText, { signal: ctx.signal });
  const items = list.items;
  log(
    ctx,
    "info",
    `Wrote ${paths.list}: ${items.length} images to delete (${count(items, "ocpRelease")} release payloads, ${
      count(items, "ocpReleaseContent")
    } release components, ${
      count(items, "operatorBundle") + count(items, "operatorRelatedImage")
    } operator images, ${count(items, "generic")} additional images, ${
      count(items, "helmImage")
    } Helm images${count(items, "cincinnatiGraph") > 0 ? ", the graph image" : ""}); nothing was deleted`,
    { file: paths.list, config: paths.config, items: items.length },
  );
  log(
    ctx,
    "info",
    `Review it, then run: oc-mirror delete --delete-yaml-file ${paths.list} docker://${dest.registry}${
      dest.namespace ? `/${dest.namespace}` : ""
    }`,
  );
  return { listFile: paths.list, configCopy: paths.config, list, skippedCatalogs };
}
