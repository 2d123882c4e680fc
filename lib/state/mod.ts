/**
 * Mirror state between runs: the v2 archive history and `--since`, the v1 metadata with sequence numbers
 * and pruning plans, v2 delete plans, and the workspace lock. Owns the state files' formats, not the
 * images.
 * @module
 */
export * from "./history.ts";
export * from "./workspace_lock.ts";
export * from "./delete_plan.ts";
export * from "./v1_metadata.ts";
export * from "./v1_metadata_backend.ts";
export * from "./v1_sequence.ts";
export * from "./pruning_plan.ts";
export * from "./prune_images.ts";
