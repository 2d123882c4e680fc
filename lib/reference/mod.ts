/**
 * Image references and command-line locations: parsed once at the boundary into typed values, formatted
 * back for messages and files. Owns no I/O.
 * @module
 */
export * from "./image_reference.ts";
export * from "./location.ts";
