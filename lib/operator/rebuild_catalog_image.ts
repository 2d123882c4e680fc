/**
 * Rebuilding a catalog image around a filtered catalog: for every platform manifest of the original,
 * append a whiteout layer (old FBC root and the stale `/tmp/cache`) and a layer with the filtered FBC
 * under `/configs`, and rewrite the config (label `operators.operatorframework.io.index.configs.v1=
 * /configs`, `Cmd ["serve", "/configs"]` so `opm` builds its cache at start, author `oc-mirror`, history,
 * diff_ids); then write configs, layers, manifests and the index to the destination.
 *
 * The original image's layers are NOT copied here: the caller copies the original catalog image to the
 * destination repository first (the new manifests name its layers). Everything is reproducible (same
 * filtered catalog, same digests), so a re-run writes nothing new and the caller can reuse a rebuilt
 * image found under its {@link filterKey}.
 * @module
 */
import { CatalogError } from "../errors.ts";
import {
  type Descriptor,
  encodeJson,
  formatPlatform,
  type ImageManifest,
  isIndexMediaType,
  MediaType,
  parseManifest,
  type Platform,
  platformMatches,
} from "../oci/mod.ts";
import {
  type DestinationStore,
  type SourceStore,
  writeBlob,
  writeIndex,
  writeManifest,
} from "../store/mod.ts";
import { type Catalog, CONFIGS_LABEL } from "./catalog.ts";
import { imageLabel, isAttestation, readSmallBlob } from "./read_catalog.ts";
import { configsLayer, whiteoutLayer } from "./_fbc_layers.ts";

/** The FBC root of a rebuilt catalog image. */
export const REBUILT_CONFIGS_ROOT = "/configs";

/** Options of {@link rebuildCatalogImage}. */
export interface RebuildCatalogImageOptions {
  /** The original catalog image (tag resolved to this descriptor). */
  source: { store: SourceStore; repo: string; descriptor: Descriptor };
  /** The filtered catalog to serve. */
  filtered: Catalog;
  /** Where to write; the original's layers must already be in `repo`. */
  destination: { store: DestinationStore; repo: string; tag?: string };
  /** Rebuild only these platforms of an index. @default every platform */
  platforms?: Platform[];
  signal?: AbortSignal;
}

interface PlatformImage {
  descriptor: Descriptor;
  manifest: ImageManifest;
  config: Record<string, unknown>;
}

function rewriteConfig(config: Record<string, unknown>, diffIds: string[]): Record<string, unknown> {
  const inner = { ...(config.config as Record<string, unknown> | undefined ?? {}) };
  inner.Labels = {
    ...(inner.Labels as Record<string, string> | undefined ?? {}),
    [CONFIGS_LABEL]: REBUILT_CONFIGS_ROOT,
  };
  inner.Cmd = ["serve", REBUILT_CONFIGS_ROOT];
  const rootfs = { ...(config.rootfs as Record<string, unknown> | undefined ?? { type: "layers" }) };
  rootfs.diff_ids = [...(rootfs.diff_ids as string[] | undefined ?? []), ...diffIds];
  const history = [
    ...(config.history as unknown[] | undefined ?? []),
    {
      created_by: "oc-mirror: remove the original file-based catalog and the pre-built /tmp/cache",
      author: "oc-mirror",
    },
    {
      created_by: `oc-mirror: add the filtered file-based catalog under ${REBUILT_CONFIGS_ROOT}`,
      author: "oc-mirror",
    },
  ];
  return { ...config, author: "oc-mirror", config: inner, rootfs, history };
}

/** Rebuilds the catalog image around `filtered` and returns the descriptor of the new index or manifest. */
export async function rebuildCatalogImage(o: RebuildCatalogImageOptions): Promise<Descriptor> {
  const { source, destination } = o;
  const op = o.signal ? { signal: o.signal } : {};
  const image = imageLabel(source.store.label, source.repo, source.descriptor.digest);
  const rootBytes = await source.store.getManifest(source.repo, source.descriptor, op);
  const root = parseManifest(rootBytes, { mediaType: source.descriptor.mediaType, where: image });

  const images: PlatformImage[] = [];
  const load = async (d: Descriptor, m?: ImageManifest) => {
    let manifest = m;
    if (!manifest) {
      const bytes = await source.store.getManifest(source.repo, d, op);
      const parsed = parseManifest(bytes, { mediaType: d.mediaType, where: `${source.repo}@${d.digest}` });
      if (parsed.kind !== "manifest") {
        throw new CatalogError(`Catalog image ${image} nests an index in its index`);
      }
      manifest = parsed;
    }
    const bytes = await readSmallBlob(source.store, source.repo, manifest.config, {
      ...op,
      where: `${image} config ${manifest.config.digest}`,
    });
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    } catch (cause) {
      throw new CatalogError(`Catalog image ${image} has a config that is not valid JSON`, { cause });
    }
    images.push({ descriptor: d, manifest, config });
  };
  if (root.kind === "index") {
    let chosen = root.manifests.filter((d) => !isAttestation(d));
    if (o.platforms && o.platforms.length > 0) {
      const wanted = o.platforms;
      chosen = chosen.filter((d) =>
        d.platform && wanted.some((w) => platformMatches(d.platform as Platform, w))
      );
      if (chosen.length === 0) {
        throw new CatalogError(
          `Catalog image ${image} has none of the platforms ${wanted.map(formatPlatform).join(", ")}`,
        );
      }
    }
    if (chosen.length === 0) {
      throw new CatalogError(`Catalog image ${image} is an index without image manifests`);
    }
    for (const d of chosen) await load(d);
  } else {
    await load(source.descriptor, root);
  }

  const oldRoots = images.map((i) => {
    const labels = (i.config.config as { Labels?: Record<string, unknown> } | undefined)?.Labels ?? {};
    const r = labels[CONFIGS_LABEL];
    return typeof r === "string" ? r : "";
  });
  const whiteouts = await whiteoutLayer(oldRoots);
  const configs = await configsLayer(o.filtered);

  const out = destination.store;
  const repo = destination.repo;
  const written: Descriptor[] = [];
  for (const img of images) {
    const docker = img.manifest.mediaType === MediaType.dockerManifest;
    const layerType = docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
    const wh = await writeBlob(out, repo, whiteouts.bytes, layerType, op);
    const cf = await writeBlob(out, repo, configs.bytes, layerType, op);
    const config = rewriteConfig(img.config, [whiteouts.diffId, configs.diffId]);
    const configDesc = await writeBlob(out, repo, encodeJson(config), img.manifest.config.mediaType, op);
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: img.manifest.mediaType,
      config: configDesc,
      layers: [...img.manifest.layers, wh, cf],
    };
    if (img.manifest.annotations) manifest.annotations = img.manifest.annotations;
    const isRoot = root.kind !== "index";
    const d = await writeManifest(out, repo, encodeJson(manifest), img.manifest.mediaType, {
      ...op,
      ...(isRoot && destination.tag !== undefined ? { tag: destination.tag } : {}),
      ...(img.descriptor.platform ? { platform: img.descriptor.platform } : {}),
    });
    if (isRoot) return { mediaType: d.mediaType, digest: d.digest, size: d.size };
    written.push(img.descriptor.annotations ? { ...d, annotations: img.descriptor.annotations } : d);
  }
  const mediaType = isIndexMediaType(root.mediaType) ? root.mediaType : MediaType.ociIndex;
  return await writeIndex(out, repo, written, {
    ...op,
    mediaType,
    ...(destination.tag !== undefined ? { tag: destination.tag } : {}),
    ...(root.annotations ? { annotations: root.annotations } : {}),
  });
}
