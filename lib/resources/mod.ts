/**
 * Cluster resources a mirror hands to a cluster: ImageDigestMirrorSet, ImageTagMirrorSet,
 * ImageContentSourcePolicy, CatalogSource and ClusterCatalog, as plain objects and YAML text. Pure:
 * the workflow writes the files. Release-specific resources (UpdateService, signature ConfigMap) live
 * in lib/release.
 * @module
 */
export * from "./resource_meta.ts";
export * from "./mirror_sets.ts";
export * from "./catalog_source.ts";
