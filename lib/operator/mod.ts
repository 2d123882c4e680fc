/**
 * Operator catalogs: the file-based catalog (FBC) model and its parsing (JSON streams, multi-document
 * YAML), reading a catalog image's FBC from its layers (whiteouts honoured, optional on-disk cache by
 * digest), filtering it as an ImageSetConfiguration asks (v2 and v1 semantics, dependencies), validating
 * FBC, rebuilding the catalog image around the filtered FBC, and the data for `list operators`.
 *
 * Does not own: copying images (transfer), destination naming and mapping.txt (plan), the
 * CatalogSource/ClusterCatalog resources (resources), or mapping the ISC onto a {@link CatalogSpec} and
 * formatting listings (workflow, cli).
 * @module
 */
export * from "./catalog.ts";
export * from "./catalog_file_error.ts";
export * from "./json_stream_splitter.ts";
export * from "./parse_fbc.ts";
export * from "./catalog_builder.ts";
export * from "./channel_graph.ts";
export * from "./validate_catalog.ts";
export * from "./filter_catalog.ts";
export * from "./filter_key.ts";
export * from "./list_operators.ts";
export * from "./catalog_cache.ts";
export * from "./read_catalog.ts";
export * from "./rebuild_catalog_image.ts";
