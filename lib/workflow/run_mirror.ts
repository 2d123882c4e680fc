/**
 * Entry point of the mirror command: loads the configuration, chooses the engine (`--v1`/`--v2`, else
 * the file's apiVersion, saying which) and runs the workflow of the requested mode.
 * @module
 */
import { resolve } from "node:path";
import { formatConfigProblem, OcMirrorError } from "../errors.ts";
import { type ImageSetConfig, loadConfigFile, type LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { diskToMirror } from "./disk_to_mirror.ts";
import { mirrorToDisk } from "./mirror_to_disk.ts";
import { mirrorToMirror } from "./mirror_to_mirror.ts";
import { diskToMirrorV1 } from "./disk_to_mirror_v1.ts";
import { mirrorToDiskV1 } from "./mirror_to_disk_v1.ts";
import { mirrorToMirrorV1 } from "./mirror_to_mirror_v1.ts";

/** Image categories whose failures are reported in the exit code. */
export type ImageCategory = "release" | "operator" | "additional" | "helm";

/** The outcome of a mirror run that did not throw. */
export interface MirrorOutcome {
  /** Categories with failed images. */
  failed: ImageCategory[];
}

/** Loads the configuration file and reports its warnings. */
export async function loadImageSetConfig(
  ctx: RunContext,
  file: string,
): Promise<LoadedConfig<ImageSetConfig>> {
  const loaded = await loadConfigFile(resolve(ctx.cwd, file), {
    kind: "ImageSetConfiguration",
    file,
    signal: ctx.signal,
  });
  for (const w of loaded.warnings) log(ctx, "warn", formatConfigProblem(w));
  return loaded;
}

/** Errors that end a mirror run while resolving one kind of image, by their code. */
const ERROR_CATEGORY: Partial<Record<string, ImageCategory>> = {
  GRAPH: "release",
  SIGNATURE: "release",
  CATALOG: "operator",
  HELM: "helm",
};

/** Runs a mirror request; an error resolving releases, catalogs or charts carries its image category. */
export async function runMirror(ctx: RunContext, request: MirrorRequest): Promise<MirrorOutcome> {
  try {
    return await runMirrorRequest(ctx, request);
  } catch (e) {
    if (e instanceof OcMirrorError) e.category ??= ERROR_CATEGORY[e.code];
    throw e;
  }
}

async function runMirrorRequest(ctx: RunContext, request: MirrorRequest): Promise<MirrorOutcome> {
  const loaded = await loadImageSetConfig(ctx, request.configFile);
  let engine = request.engine;
  if (!engine) {
    engine = loaded.apiVersion === "v1alpha2" ? "v1" : "v2";
    log(
      ctx,
      "info",
      `Using the ${engine} engine (apiVersion mirror.openshift.io/${loaded.apiVersion} in ${request.configFile}; force one with --v1 or --v2)`,
    );
  }
  switch (request.mode) {
    case "mirrorToMirror":
      if (engine === "v1") return await mirrorToMirrorV1(ctx, request, loaded);
      return await mirrorToMirror(ctx, request, loaded, engine);
    case "mirrorToDisk":
      if (engine === "v1") return await mirrorToDiskV1(ctx, request, loaded);
      return await mirrorToDisk(ctx, request, loaded, engine);
    case "diskToMirror":
      if (engine === "v1") return await diskToMirrorV1(ctx, request, loaded);
      return await diskToMirror(ctx, request, loaded, engine);
  }
}
