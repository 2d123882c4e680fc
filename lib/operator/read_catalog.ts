/**
 * Reading a catalog image into a {@link Catalog}: pick the platform manifest, find the FBC root through
 * the `operators.operatorframework.io.index.configs.v1` label, stream every layer (verified, gzip or
 * zstd) keeping only the parsed FBC files under the root, with whiteouts honoured. Optionally caches the
 * parsed catalog on disk by manifest digest. SQLite-based catalogs (no label) are rejected.
 * @module
 */
import { CatalogError } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  formatPlatform,
  type ImageManifest,
  MAX_CONFIG_BYTES,
  parseManifest,
  type Platform,
  platformMatches,
  verifyStream,
} from "../oci/mod.ts";
import type { SourceStore } from "../store/mod.ts";
import { type Catalog, CONFIGS_LABEL } from "./catalog.ts";
import { CatalogBuilder } from "./catalog_builder.ts";
import { readCachedCatalog, writeCachedCatalog } from "./catalog_cache.ts";
import { CatalogFileError } from "./catalog_file_error.ts";
import { LayerFileCollector, uncompressedLayer } from "./_layer_files.ts";

/** Options of {@link readCatalog}. */
export interface ReadCatalogOptions {
  /** The platform to read from an index. @default linux/amd64, else the first manifest */
  platform?: Platform;
  signal?: AbortSignal;
  /** Directory of the parsed-catalog cache; no caching when unset. */
  cacheDir?: string;
  /** Largest FBC file accepted, in bytes. @default 1 GiB */
  maxFileBytes?: number;
}

/** What {@link inspectCatalogImage} finds out about a catalog image. */
export interface CatalogImageInfo {
  /** The platform manifest read (the root itself when it is not an index). */
  manifest: Descriptor;
  /** The parsed platform manifest. */
  parsed: ImageManifest;
  /** The parsed image config. */
  config: Record<string, unknown>;
  /** The FBC root directory from the label, e.g. `/configs`. */
  configsRoot: string;
  /** Names the image in messages. */
  image: string;
}

/** Names an image of a store in messages: `docker://quay.io/ns/repo@sha256:...`. */
export function imageLabel(storeLabel: string, repo: string, digest: string): string {
  return `${storeLabel}${storeLabel.endsWith("/") ? "" : "/"}${repo}@${digest}`;
}

/** True for index entries that are build attestations, not runnable images. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" ||
    (d.platform?.os === "unknown" && d.platform?.architecture === "unknown");
}

/** Reads a small blob (a config) into memory, verified and capped. */
export async function readSmallBlob(
  store: SourceStore,
  repo: string,
  d: Descriptor,
  o: { signal?: AbortSignal; maxBytes?: number; where: string },
): Promise<Uint8Array> {
  const max = o.maxBytes ?? MAX_CONFIG_BYTES;
  if (d.size > max) throw new CatalogError(`Blob ${o.where} is ${d.size} bytes: the limit is ${max}`);
  const body = await store.getBlob(repo, d, o.signal ? { signal: o.signal } : {});
  const verified = body.pipeThrough(verifyStream(d, o.where), o.signal ? { signal: o.signal } : {});
  return new Uint8Array(await new Response(verified).arrayBuffer());
}

function chooseManifest(manifests: Descriptor[], image: string, platform?: Platform): Descriptor {
  const runnable = manifests.filter((d) => !isAttestation(d));
  const available = () =>
    runnable.map((d) => (d.platform ? formatPlatform(d.platform) : "unknown")).join(", ");
  if (platform) {
    const found = runnable.find((d) => d.platform && platformMatches(d.platform, platform));
    if (!found) {
      throw new CatalogError(
        `Catalog image ${image} has no manifest for platform ${
          formatPlatform(platform)
        }: it has ${available()}`,
      );
    }
    return found;
  }
  const amd64 = runnable.find((d) =>
    d.platform && platformMatches(d.platform, { os: "linux", architecture: "amd64" })
  );
  const chosen = amd64 ?? runnable[0];
  if (!chosen) throw new CatalogError(`Catalog image ${image} is an index without image manifests`);
  return chosen;
}

/** Resolves the platform manifest, config and FBC root of a catalog image. */
export async function inspectCatalogImage(
  store: SourceStore,
  repo: string,
  descriptor: Descriptor,
  o: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<CatalogImageInfo> {
  const op = o.signal ? { signal: o.signal } : {};
  const image = imageLabel(store.label, repo, descriptor.digest);
  const rootBytes = await store.getManifest(repo, descriptor, op);
  const root = parseManifest(rootBytes, { mediaType: descriptor.mediaType, where: image });
  let manifest = descriptor;
  let parsed: ImageManifest;
  if (root.kind === "index") {
    manifest = chooseManifest(root.manifests, image, o.platform);
    const bytes = await store.getManifest(repo, manifest, op);
    const m = parseManifest(bytes, { mediaType: manifest.mediaType, where: `${repo}@${manifest.digest}` });
    if (m.kind !== "manifest") throw new CatalogError(`Catalog image ${image} nests an index in its index`);
    parsed = m;
  } else parsed = root;
  const configBytes = await readSmallBlob(store, repo, parsed.config, { ...op, where: `${image} config` });
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>;
  } catch (cause) {
    throw new CatalogError(`Catalog image ${image} has a config that is not valid JSON`, { cause });
  }
  const labels = (config.config as { Labels?: Record<string, unknown> } | undefined)?.Labels ?? {};
  const configsRoot = labels[CONFIGS_LABEL];
  if (typeof configsRoot !== "string" || configsRoot === "") {
    throw new CatalogError(
      `Catalog image ${image} has no "${CONFIGS_LABEL}" label: it is not a file-based catalog, and ` +
        `SQLite-based catalogs are not supported`,
      { hint: "Use a file-based catalog (OpenShift 4.11 and later), or convert this one with `opm migrate`" },
    );
  }
  return { manifest, parsed, config, configsRoot, image };
}

/** Reads and parses the file-based catalog inside a catalog image. */
export async function readCatalog(
  store: SourceStore,
  repo: string,
  descriptor: Descriptor,
  o: ReadCatalogOptions = {},
): Promise<Catalog> {
  const op = o.signal ? { signal: o.signal } : {};
  const info = await inspectCatalogImage(store, repo, descriptor, {
    ...op,
    ...(o.platform ? { platform: o.platform } : {}),
  });
  const digest: Digest = info.manifest.digest;
  if (o.cacheDir) {
    const cached = await readCachedCatalog(o.cacheDir, digest, op);
    if (cached) return cached;
  }
  const collector = new LayerFileCollector({
    root: info.configsRoot,
    ...op,
    ...(o.maxFileBytes ? { maxFileBytes: o.maxFileBytes } : {}),
  });
  const builder = new CatalogBuilder();
  try {
    for (const [i, layer] of info.parsed.layers.entries()) {
      const where = `${info.image} layer ${layer.digest}`;
      const body = await store.getBlob(repo, layer, op);
      const verified = body.pipeThrough(verifyStream(layer, where), op);
      await collector.applyLayer(i, await uncompressedLayer(verified, where));
    }
    for (const f of collector.files()) builder.addAll(f.objects);
  } catch (e) {
    if (e instanceof CatalogFileError) throw e.inImage(info.image);
    throw e;
  }
  const catalog = builder.build();
  if (o.cacheDir) await writeCachedCatalog(o.cacheDir, digest, catalog, op);
  return catalog;
}
