/**
 * Walking an image at a source store: the root manifest, its children (for an index), their configs and
 * layers, with optional platform filtering of indexes. Manifests are read (verified, capped) into memory;
 * blobs are only listed. `copy()` walks first and then transfers; dry runs, archives and delete plans use
 * the walk alone.
 * @module
 */
import { CopyError, ManifestError, OcMirrorError } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  digestOf,
  encodeJson,
  formatPlatform,
  type Manifest,
  parseManifest,
  type Platform,
  platformMatches,
} from "../oci/mod.ts";
import type { ImageAt, SourceStore } from "../store/mod.ts";
import { forEachLimited } from "./limiter.ts";

/** Deepest index nesting we follow (an index of indexes of manifests is depth 2). */
export const MAX_IMAGE_DEPTH = 4;

/** Most manifests one image may reference in total; more is treated as hostile. */
export const MAX_IMAGE_MANIFESTS = 4096;

/** A manifest of the walked image, with its exact bytes. */
export interface ImageNode {
  descriptor: Descriptor;
  bytes: Uint8Array;
  manifest: Manifest;
  /** Child manifests of an index, in index order (after filtering). */
  children: ImageNode[];
}

/** The walked image. */
export interface ImageGraph {
  /** The root as the source has it. */
  sourceRoot: Descriptor;
  /** The root to write: the source root, or a filtered index built from it. */
  root: ImageNode;
  /** True when platform filtering removed children, so `root` differs from the source. */
  filtered: boolean;
}

/** Options of {@link walkImage}. */
export interface WalkOptions {
  /** Keep only index children matching one of these; undefined keeps all. */
  platforms?: Platform[];
  signal?: AbortSignal;
  /** Concurrent manifest reads. @default 4 */
  parallelManifests?: number;
}

/** Formats an image for messages: `docker://host/repo:tag`. */
export function describeImage(at: ImageAt<{ label: string }>): string {
  const sep = at.reference.startsWith("sha256:") ? "@" : ":";
  const label = at.store.label.endsWith("/") ? at.store.label : `${at.store.label}/`;
  return `${label}${at.repository}${sep}${at.reference}`;
}

/** Reads the manifest graph of an image from a source store. */
export async function walkImage(
  source: ImageAt<SourceStore>,
  options: WalkOptions = {},
): Promise<ImageGraph> {
  const image = describeImage(source);
  const o = options.signal ? { signal: options.signal } : {};
  let count = 0;
  const read = async (d: Descriptor, path: Digest[]): Promise<ImageNode> => {
    if (path.includes(d.digest)) {
      throw new CopyError(image, "source", `Image ${image} is invalid: index ${d.digest} references itself`);
    }
    if (path.length >= MAX_IMAGE_DEPTH) {
      throw new CopyError(
        image,
        "source",
        `Image ${image} nests indexes deeper than ${MAX_IMAGE_DEPTH} levels`,
      );
    }
    if (++count > MAX_IMAGE_MANIFESTS) {
      throw new CopyError(
        image,
        "source",
        `Image ${image} references more than ${MAX_IMAGE_MANIFESTS} manifests`,
      );
    }
    const bytes = await sourceSide(image, () => source.store.getManifest(source.repository, d, o));
    const manifest = sourceParse(image, bytes, d);
    // The manifest's own mediaType wins over the one the registry's Content-Type suggested.
    const descriptor = manifest.mediaType === d.mediaType ? d : { ...d, mediaType: manifest.mediaType };
    const node: ImageNode = { descriptor, bytes, manifest, children: [] };
    if (manifest.kind === "index") {
      if (count + manifest.manifests.length > MAX_IMAGE_MANIFESTS) {
        throw new CopyError(
          image,
          "source",
          `Image ${image} references more than ${MAX_IMAGE_MANIFESTS} manifests`,
        );
      }
      const wanted = path.length === 0 && options.platforms
        ? manifest.manifests.filter((c) =>
          !c.platform || options.platforms?.some((p) => platformMatches(c.platform as Platform, p))
        )
        : manifest.manifests;
      const children: ImageNode[] = new Array(wanted.length);
      await forEachLimited(
        wanted.map((c, i) => [c, i] as const),
        options.parallelManifests ?? 4,
        async ([c, i]) => {
          children[i] = await read(c, [...path, d.digest]);
        },
      );
      node.children = children;
    }
    return node;
  };
  const sourceRoot = await sourceSide(
    image,
    () => source.store.resolve(source.repository, source.reference, o),
  );
  const root = await read(sourceRoot, []);
  if (root.manifest.kind !== "index" || root.children.length === root.manifest.manifests.length) {
    return { sourceRoot, root, filtered: false };
  }
  if (root.children.length === 0) {
    const have = root.manifest.manifests.map((c) => (c.platform ? formatPlatform(c.platform) : "unknown"))
      .join(", ");
    const want = (options.platforms ?? []).map(formatPlatform).join(", ");
    throw new CopyError(
      image,
      "source",
      `Image ${image} has no manifest for platforms ${want}: it has ${have}`,
    );
  }
  return { sourceRoot, root: filteredIndex(root), filtered: true };
}

function filteredIndex(root: ImageNode): ImageNode {
  const json = JSON.parse(new TextDecoder().decode(root.bytes)) as Record<string, unknown>;
  json.manifests = root.children.map((c) => c.descriptor);
  const bytes = encodeJson(json);
  const descriptor: Descriptor = {
    mediaType: root.descriptor.mediaType,
    digest: digestOf(bytes),
    size: bytes.byteLength,
  };
  const manifest = { ...root.manifest, manifests: root.children.map((c) => c.descriptor) } as Manifest;
  return { descriptor, bytes, manifest, children: root.children };
}

function sourceParse(image: string, bytes: Uint8Array, d: Descriptor): Manifest {
  try {
    return parseManifest(bytes, { mediaType: d.mediaType, where: `${image} (${d.digest})` });
  } catch (e) {
    if (e instanceof ManifestError) throw new CopyError(image, "source", e.message, { cause: e });
    throw e;
  }
}

/** Runs a source-side operation, wrapping failures in a {@link CopyError} naming the image. */
export async function sourceSide<T>(image: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw wrap(image, "source", e);
  }
}

/** Runs a destination-side operation, wrapping failures in a {@link CopyError} naming the image. */
export async function destinationSide<T>(image: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw wrap(image, "destination", e);
  }
}

function wrap(image: string, side: "source" | "destination", e: unknown): Error {
  if (e instanceof CopyError) return e;
  if (e instanceof OcMirrorError && e.code === "ABORTED") return e;
  const message = e instanceof Error ? e.message : String(e);
  const hint = e instanceof OcMirrorError ? e.hint : undefined;
  return new CopyError(image, side, message, hint === undefined ? { cause: e } : { cause: e, hint });
}

/** Every manifest of the graph, children before parents (the order they must be written). */
export function manifestsBottomUp(graph: ImageGraph): ImageNode[] {
  const out: ImageNode[] = [];
  const seen = new Set<Digest>();
  const visit = (n: ImageNode) => {
    for (const c of n.children) visit(c);
    if (!seen.has(n.descriptor.digest)) {
      seen.add(n.descriptor.digest);
      out.push(n);
    }
  };
  visit(graph.root);
  return out;
}

/** Every distinct blob (configs and layers) of the graph. */
export function graphBlobs(graph: ImageGraph): Descriptor[] {
  const out = new Map<Digest, Descriptor>();
  for (const n of manifestsBottomUp(graph)) {
    if (n.manifest.kind === "manifest") {
      for (const d of [n.manifest.config, ...n.manifest.layers]) if (!out.has(d.digest)) out.set(d.digest, d);
    }
  }
  return [...out.values()];
}
