/**
 * Version information printed by `oc-mirror version`. The bundle and compile scripts replace the commit
 * placeholder in their output; a run from the source tree reports `dev`.
 * @module
 */

/** The version of this build. */
export const VERSION = "0.1.0";

/** The git commit this build was made from, or `dev`. */
export const COMMIT: string = "__OC_MIRROR_COMMIT__".startsWith("__") ? "dev" : "__OC_MIRROR_COMMIT__";
