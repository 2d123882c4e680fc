/**
 * Moving images between content stores: `copy(source, destination)`, the image graph walk it uses (also
 * for dry runs and plans), the run-wide blob ledger and concurrency limiters. Owns no transport and no
 * storage format: it only talks to the store interfaces.
 * @module
 */
export * from "./copy.ts";
export * from "./image_graph.ts";
export * from "./blob_ledger.ts";
export * from "./limiter.ts";
