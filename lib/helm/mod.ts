/**
 * Helm charts: repository indexes (fetch, parse, choose versions), chart download with digest checks,
 * loading charts from `.tgz` or directories, a Go text/template engine with sprig and Helm's functions to
 * render them with default values, and finding the images the rendered manifests name (fixed container
 * paths plus user JSONPaths, with a scan of values and template text when a template cannot render).
 * Owns no image copying and no destination naming: collectors in lib/plan turn the images into mappings.
 * @module
 */
export * from "./chart.ts";
export * from "./chart_loader.ts";
export * from "./chart_values.ts";
export * from "./chart_renderer.ts";
export * from "./chart_images.ts";
export * from "./chart_download.ts";
export * from "./helm_spec.ts";
export * from "./kube_json_path.ts";
export * from "./repository_index.ts";
export * from "./template_error.ts";
export * from "./template_functions.ts";
export * from "./template_set.ts";
