/**
 * The mirror plan: collectors' image mappings, destination naming, blocked images, de-duplication, copy
 * order and `mapping.txt`. Pure data: no I/O.
 * @module
 */
export * from "./image_mapping.ts";
export * from "./destination_naming.ts";
export * from "./blocked_images.ts";
export * from "./dedupe_mappings.ts";
