/**
 * Version information printed by `oc-mirror version`. The bundle and compile scripts replace the commit
 * placeholder in their output; a run from the source tree reports `dev`.
 * @module
 */

export { VERSION } from "../workflow/mod.ts";

/** The git commit this build was made from, or `dev`. */
export const COMMIT: string = "__OC_MIRROR_COMMIT__".startsWith("__") ? "dev" : "__OC_MIRROR_COMMIT__";
