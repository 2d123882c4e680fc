/**
 * Writes images we assemble ourselves (rebuilt catalogs, the graph image, fixtures) into any
 * {@link DestinationStore}: blobs first, then the manifest, then the index. Content is small and held in
 * memory; big blobs are copied, never built here.
 * @module
 */
import { type Descriptor, digestOf, encodeJson, MediaType, type Platform } from "../oci/mod.ts";
import type { DestinationStore, OpOptions } from "./store.ts";

/** A layer to write: its bytes and media type. */
export interface LayerSpec {
  bytes: Uint8Array;
  /** @default MediaType.ociLayerGzip */
  mediaType?: string;
  annotations?: Record<string, string>;
}

/** An image to write. */
export interface ImageSpec {
  /** The image config object (serialised with `JSON.stringify`) or its exact bytes. */
  config: unknown;
  layers: LayerSpec[];
  /** @default MediaType.ociManifest */
  mediaType?: string;
  /** @default MediaType.ociConfig, or the Docker config type for Docker manifests */
  configMediaType?: string;
  annotations?: Record<string, string>;
  /** Tag to point at the manifest. */
  tag?: string;
  /** Platform recorded on the returned descriptor, for use in an index. */
  platform?: Platform;
}

/** Writes a blob held in memory unless the store has it; returns its descriptor. */
export async function writeBlob(
  store: DestinationStore,
  repo: string,
  bytes: Uint8Array,
  mediaType: string,
  o: OpOptions = {},
): Promise<Descriptor> {
  const d: Descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  if (!(await store.hasBlob(repo, d, o))) {
    await store.putBlob(repo, d, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), o);
  }
  return d;
}

/** Writes manifest bytes (tagging them) and returns the descriptor. */
export async function writeManifest(
  store: DestinationStore,
  repo: string,
  bytes: Uint8Array,
  mediaType: string,
  o: OpOptions & { tag?: string; platform?: Platform } = {},
): Promise<Descriptor> {
  const d: Descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  const put: { signal?: AbortSignal; tag?: string } = {};
  if (o.signal) put.signal = o.signal;
  if (o.tag !== undefined) put.tag = o.tag;
  await store.putManifest(repo, d, bytes, put);
  return o.platform ? { ...d, platform: o.platform } : d;
}

/** Writes config, layers and manifest of one image; returns the manifest descriptor. */
export async function writeImage(
  store: DestinationStore,
  repo: string,
  spec: ImageSpec,
  o: OpOptions = {},
): Promise<Descriptor> {
  const mediaType = spec.mediaType ?? MediaType.ociManifest;
  const isDocker = mediaType === MediaType.dockerManifest;
  const configBytes = spec.config instanceof Uint8Array ? spec.config : encodeJson(spec.config);
  const configType = spec.configMediaType ?? (isDocker ? MediaType.dockerConfig : MediaType.ociConfig);
  const config = await writeBlob(store, repo, configBytes, configType, o);
  const layers: Descriptor[] = [];
  for (const l of spec.layers) {
    const d = await writeBlob(
      store,
      repo,
      l.bytes,
      l.mediaType ?? (isDocker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip),
      o,
    );
    layers.push(l.annotations ? { ...d, annotations: l.annotations } : d);
  }
  const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType, config, layers };
  if (spec.annotations) manifest.annotations = spec.annotations;
  const opts: OpOptions & { tag?: string; platform?: Platform } = { ...o };
  if (spec.tag !== undefined) opts.tag = spec.tag;
  if (spec.platform) opts.platform = spec.platform;
  return await writeManifest(store, repo, encodeJson(manifest), mediaType, opts);
}

/** Writes an index over manifests already in the store; returns its descriptor. */
export async function writeIndex(
  store: DestinationStore,
  repo: string,
  manifests: Descriptor[],
  o: OpOptions & { tag?: string; mediaType?: string; annotations?: Record<string, string> } = {},
): Promise<Descriptor> {
  const mediaType = o.mediaType ?? MediaType.ociIndex;
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType, manifests };
  if (o.annotations) index.annotations = o.annotations;
  const opts: OpOptions & { tag?: string } = {};
  if (o.signal) opts.signal = o.signal;
  if (o.tag !== undefined) opts.tag = o.tag;
  return await writeManifest(store, repo, encodeJson(index), mediaType, opts);
}
