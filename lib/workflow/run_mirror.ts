/**
 * Entry point of the mirror command: loads the configuration, chooses the engine and runs the workflow
 * of the requested mode.
 * @module
 */
import type { RunContext } from "../context.ts";
import { NotImplementedError } from "../errors.ts";
import type { MirrorRequest } from "./mirror_request.ts";

/** Image categories whose failures are reported in the exit code. */
export type ImageCategory = "release" | "operator" | "additional" | "helm";

/** The outcome of a mirror run that did not throw. */
export interface MirrorOutcome {
  /** Categories with failed images (with --continue-on-error). */
  failed: ImageCategory[];
}

/** Runs a mirror request. */
export function runMirror(_ctx: RunContext, request: MirrorRequest): Promise<MirrorOutcome> {
  return Promise.reject(new NotImplementedError(`The ${request.mode} workflow is not implemented yet`));
}
