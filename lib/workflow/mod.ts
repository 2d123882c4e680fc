/**
 * The workflows: mirror-to-disk, disk-to-mirror, mirror-to-mirror and delete. Each builds a plan from
 * the configuration through the collectors, chooses the stores, runs `copy()` and writes the outputs
 * (archives, cluster resources, mapping files, state). Owns no byte handling: stores and transfer do.
 * @module
 */
export * from "./mirror_request.ts";
export * from "./run_mirror.ts";
export * from "./version.ts";
export * from "./format_bytes.ts";
export * from "./registry_access.ts";
export * from "./verify_mirrored_paths.ts";
export * from "./delete_generate.ts";
export * from "./delete_execute.ts";
export * from "./plan_deletion.ts";
export * from "./describe_archive.ts";
