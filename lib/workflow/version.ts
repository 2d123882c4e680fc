/**
 * The version workflows record in the files they write (annotations, archive metadata). Kept here, not
 * in the CLI, because lib/ below the CLI must not import it.
 * @module
 */

/** The oc-mirror version. Keep in step with `lib/cli/build_info.ts`. */
export const VERSION = "0.1.0";
