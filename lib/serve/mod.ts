/**
 * The embedded registry: an OCI distribution-spec registry (pull, push with chunked uploads and mounts,
 * tag and catalog listing, deletes, htpasswd auth, TLS) served with `Deno.serve` over any content store,
 * and the logic of `oc-mirror serve`. Owns the HTTP protocol of a registry server; the on-disk formats
 * belong to lib/layout and the registry client to lib/registry.
 * @module
 */
export * from "./servable_store.ts";
export * from "./htpasswd.ts";
export * from "./registry_handler.ts";
export * from "./serve_registry.ts";
export * from "./run_serve.ts";
