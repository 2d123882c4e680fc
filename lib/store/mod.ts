/**
 * Content stores: the interfaces every place images live implements, the in-memory store, helpers that
 * write images we assemble, and the contract suite every store passes. Owns no transport: registries,
 * layouts and archives implement these interfaces in their own folders.
 * @module
 */
export * from "./store.ts";
export * from "./memory_store.ts";
export * from "./image_writer.ts";
export * from "./store_contract.ts";
