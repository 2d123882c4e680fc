/**
 * Reading a release payload image: its `release-manifests/` files, streamed out of the layers (never
 * unpacked to disk), stacked with whiteouts honoured, and the component images, metadata and KubeVirt
 * boot images parsed from them.
 * @module
 */
import { ManifestError } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  formatPlatform,
  type ImageManifest,
  parseManifest,
  type Platform,
  platformMatches,
} from "../oci/mod.ts";
import type { OpOptions, SourceStore } from "../store/mod.ts";
import { applyLayer, scanLayer } from "./_layer_files.ts";
import {
  BOOT_IMAGES_FILE,
  type BootImages,
  ESSENTIAL_RELEASE_FILES,
  IMAGE_REFERENCES_FILE,
  parseBootImages,
  parseImageReferences,
  parseReleaseMetadata,
  RELEASE_MANIFESTS_DIR,
  RELEASE_METADATA_FILE,
  type ReleaseImageReference,
  type ReleaseMetadata,
} from "./release_manifests.ts";

/** Options of {@link readReleasePayload}. */
export interface ReadReleasePayloadOptions extends OpOptions {
  /** For a multi-arch payload (an index), the platform whose manifest is read. @default linux/amd64 */
  platform?: Platform;
  /** Keep every `release-manifests/` file instead of the three mirroring needs. @default false */
  allManifests?: boolean;
  /** Largest single file kept. @default 16 MiB */
  maxFileBytes?: number;
  /** Largest total of kept files. @default 256 MiB */
  maxTotalBytes?: number;
  /** Names the payload in messages. @default `<store label>/<repo>@<digest>` */
  name?: string;
}

/** What a release payload says about itself. */
export interface ReleasePayload {
  /** From `release-metadata`, else the ImageStream name. */
  version: string;
  /** The digest given (an index for multi-arch payloads). */
  digest: Digest;
  /** The single-platform manifest whose layers were read. */
  manifestDigest: Digest;
  /** The component images (`image-references` tags). */
  imageReferences: ReleaseImageReference[];
  /** `release-metadata`, when the payload has it. */
  metadata?: ReleaseMetadata;
  /** KubeVirt containers from the boot-images ConfigMap, when the payload has it. */
  bootImages?: BootImages;
  /** The `release-manifests/` files read, by path (`release-manifests/...`), for `working-dir/hold-release`. */
  files: Map<string, Uint8Array>;
}

/** The platform read from multi-arch payloads unless another is asked for. */
export const DEFAULT_PAYLOAD_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

async function singleManifest(
  store: SourceStore,
  repo: string,
  d: Descriptor,
  platform: Platform,
  where: string,
  o: OpOptions,
): Promise<{ manifest: ImageManifest; digest: Digest }> {
  const m = parseManifest(await store.getManifest(repo, d, o), { mediaType: d.mediaType, where });
  if (m.kind === "manifest") return { manifest: m, digest: d.digest };
  const child = m.manifests.find((c) => c.platform !== undefined && platformMatches(c.platform, platform));
  if (!child) {
    const have = m.manifests.map((c) => (c.platform ? formatPlatform(c.platform) : "unknown")).join(", ");
    throw new ManifestError(
      `Release payload ${where} has no manifest for ${formatPlatform(platform)}: it has ${have || "none"}`,
    );
  }
  const childWhere = `${where} (${formatPlatform(platform)})`;
  const cm = parseManifest(await store.getManifest(repo, child, o), {
    mediaType: child.mediaType,
    where: childWhere,
  });
  if (cm.kind !== "manifest") throw new ManifestError(`Release payload ${childWhere} is a nested index`);
  return { manifest: cm, digest: child.digest };
}

/**
 * Reads a payload's `release-manifests/` from `store` by streaming its layers bottom-up (each verified
 * against its digest), keeping only the wanted files, and parses them. Errors name the payload.
 */
export async function readReleasePayload(
  store: SourceStore,
  repo: string,
  manifest: Descriptor,
  options: ReadReleasePayloadOptions = {},
): Promise<ReleasePayload> {
  const where = options.name ?? `${store.label}/${repo}@${manifest.digest}`;
  const o: OpOptions = options.signal ? { signal: options.signal } : {};
  const platform = options.platform ?? DEFAULT_PAYLOAD_PLATFORM;
  const { manifest: image, digest } = await singleManifest(store, repo, manifest, platform, where, o);
  const keep = options.allManifests
    ? () => true
    : (path: string) => (ESSENTIAL_RELEASE_FILES as string[]).includes(path);
  const budget = { remaining: options.maxTotalBytes ?? 256 * 1024 * 1024 };
  const files = new Map<string, Uint8Array>();
  for (const layer of image.layers) {
    const blob = await store.getBlob(repo, layer, o);
    const scan = await scanLayer(blob, layer, {
      where,
      scope: RELEASE_MANIFESTS_DIR,
      keep,
      maxFileBytes: options.maxFileBytes ?? 16 * 1024 * 1024,
      budget,
      ...o,
    });
    applyLayer(files, scan);
  }
  const refs = files.get(IMAGE_REFERENCES_FILE);
  if (!refs) {
    throw new ManifestError(
      `Release payload ${where} has no ${IMAGE_REFERENCES_FILE}: it is not an OpenShift release image`,
    );
  }
  const imageStream = parseImageReferences(refs, where);
  const metaBytes = files.get(RELEASE_METADATA_FILE);
  const metadata = metaBytes ? parseReleaseMetadata(metaBytes, where) : undefined;
  const version = metadata?.version ?? imageStream.version;
  if (version === undefined || version === "") {
    throw new ManifestError(
      `Release payload ${where} names no version: neither ${RELEASE_METADATA_FILE} nor the ImageStream has one`,
    );
  }
  const payload: ReleasePayload = {
    version,
    digest: manifest.digest,
    manifestDigest: digest,
    imageReferences: imageStream.images,
    files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  if (metadata) payload.metadata = metadata;
  const boot = files.get(BOOT_IMAGES_FILE);
  if (boot) payload.bootImages = parseBootImages(boot, where);
  return payload;
}
