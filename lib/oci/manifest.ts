/**
 * Parsing image manifests and indexes from their exact bytes. The bytes are kept by callers: a manifest
 * is always stored and pushed as received, because its digest is the digest of those bytes.
 * @see https://github.com/opencontainers/image-spec/blob/main/manifest.md
 * @see https://github.com/opencontainers/image-spec/blob/main/image-index.md
 * @module
 */
import { ManifestError } from "../errors.ts";
import { type Descriptor, parseDescriptor } from "./descriptor.ts";
import { IMAGE_MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES, MediaType } from "./media_types.ts";

/** Largest manifest we read into memory (the distribution registry's own limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Largest image config we read into memory. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** A single-image manifest (OCI or Docker v2s2). */
export interface ImageManifest {
  kind: "manifest";
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An index of manifests (OCI index or Docker manifest list). */
export interface ImageIndex {
  kind: "index";
  mediaType: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Either kind of manifest. */
export type Manifest = ImageManifest | ImageIndex;

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /** The media type the store reported (Content-Type or descriptor), used when the JSON has none. */
  mediaType?: string;
  /** Names the manifest in errors, e.g. `quay.io/ns/repo@sha256:...`. */
  where: string;
}

/** Parses manifest bytes; rejects schema 1, unknown media types and malformed JSON with a clear error. */
export function parseManifest(bytes: Uint8Array, options: ParseManifestOptions): Manifest {
  const { where } = options;
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`Manifest ${where} is ${bytes.length} bytes: the limit is ${MAX_MANIFEST_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ManifestError(`Manifest ${where} is not valid JSON`, { cause });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ManifestError(`Manifest ${where} is not a JSON object`);
  }
  const m = json as Record<string, unknown>;
  if (m.schemaVersion === 1) {
    throw new ManifestError(
      `Manifest ${where} uses Docker schema 1, which is not supported: re-push it as schema 2 or OCI`,
    );
  }
  if (m.schemaVersion !== 2) {
    throw new ManifestError(`Manifest ${where} has schemaVersion ${JSON.stringify(m.schemaVersion)}: want 2`);
  }
  let mediaType = typeof m.mediaType === "string" ? m.mediaType : options.mediaType;
  if (mediaType === undefined || mediaType === "" || mediaType === "application/json") {
    mediaType = Array.isArray(m.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
  }
  const common: { subject?: Descriptor; artifactType?: string; annotations?: Record<string, string> } = {};
  if (m.subject !== undefined) common.subject = parseDescriptor(m.subject, `${where} subject`);
  if (typeof m.artifactType === "string") common.artifactType = m.artifactType;
  if (typeof m.annotations === "object" && m.annotations !== null) {
    common.annotations = m.annotations as Record<string, string>;
  }
  if (INDEX_MEDIA_TYPES.includes(mediaType)) {
    if (!Array.isArray(m.manifests)) throw new ManifestError(`Index ${where} has no manifests array`);
    const manifests = m.manifests.map((d, i) => parseDescriptor(d, `${where} manifests[${i}]`));
    return { kind: "index", mediaType, manifests, ...common };
  }
  if (IMAGE_MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    if (m.config === undefined) throw new ManifestError(`Manifest ${where} has no config`);
    if (!Array.isArray(m.layers)) throw new ManifestError(`Manifest ${where} has no layers array`);
    const config = parseDescriptor(m.config, `${where} config`);
    const layers = m.layers.map((d, i) => parseDescriptor(d, `${where} layers[${i}]`));
    return { kind: "manifest", mediaType, config, layers, ...common };
  }
  throw new ManifestError(`Manifest ${where} has unsupported media type "${mediaType}"`);
}

/** The descriptors a manifest points at: the children of an index, or config then layers. */
export function manifestChildren(m: Manifest): Descriptor[] {
  return m.kind === "index" ? m.manifests : [m.config, ...m.layers];
}

/** Serialises a manifest object we build ourselves (catalog rebuild, graph image, filtered index). */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
