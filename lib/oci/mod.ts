/**
 * The OCI model: digests, media types, descriptors, platforms, manifests and indexes (parsed from their
 * exact bytes), and hashing streams. Owns no I/O: stores move the bytes, this folder names and checks
 * them.
 * @module
 */
export * from "./digest.ts";
export * from "./media_types.ts";
export * from "./descriptor.ts";
export * from "./platform.ts";
export * from "./manifest.ts";
export * from "./verify_stream.ts";
