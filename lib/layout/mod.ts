/**
 * Stores on the local disk: the distribution registry's storage tree (the v2 cache, extracted archives,
 * what `oc-mirror serve` serves) and OCI image layout directories (`oci://`). Owns the on-disk formats;
 * does not know about archives or HTTP.
 * @module
 */
export * from "./registry_tree_paths.ts";
export * from "./registry_tree_store.ts";
export * from "./oci_layout_store.ts";
