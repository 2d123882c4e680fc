/**
 * Small, valid, deterministic images for store and registry tests: each layer is a gzip tar holding one
 * file of seeded pseudo-random bytes, and the config lists the real diff IDs, so skopeo and
 * docker-registry accept them as real images.
 * @module
 */
import { gzipSync } from "node:zlib";
import { type Descriptor, digestOf, MediaType } from "../../lib/oci/mod.ts";
import { type DestinationStore, writeImage, writeIndex } from "../../lib/store/mod.ts";

/** Deterministic bytes from a seed (mulberry32). */
export function seededBytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let a = seed >>> 0;
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** A tar archive with one regular file. */
export function tarOf(name: string, content: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(content.byteLength, 12));
  put(136, octal(0, 12));
  put(148, "        ");
  put(156, "0");
  put(257, "ustar\x0000");
  let sum = 0;
  for (const b of header) sum += b;
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  const padded = Math.ceil(content.byteLength / 512) * 512;
  const out = new Uint8Array(512 + padded + 1024);
  out.set(header, 0);
  out.set(content, 512);
  return out;
}

/** Options of {@link writeTestImage}. */
export interface TestImageOptions {
  /** Seed of the layer contents. */
  seed: number;
  tag?: string;
  /** @default "amd64" */
  architecture?: string;
  /** @default 2 */
  layers?: number;
  /** Bytes of random content per layer. @default 2048 */
  layerBytes?: number;
  /** @default MediaType.ociManifest */
  mediaType?: string;
}

/** Writes a small valid image (gzip tar layers, real diff IDs) and returns its manifest descriptor. */
export async function writeTestImage(
  store: DestinationStore,
  repo: string,
  options: TestImageOptions,
): Promise<Descriptor> {
  const architecture = options.architecture ?? "amd64";
  const tars = Array.from(
    { length: options.layers ?? 2 },
    (_, i) => tarOf(`file-${i}`, seededBytes(options.seed * 100 + i, options.layerBytes ?? 2048)),
  );
  const mediaType = options.mediaType ?? MediaType.ociManifest;
  const spec: Parameters<typeof writeImage>[2] = {
    config: {
      architecture,
      os: "linux",
      created: "2026-01-01T00:00:00Z",
      config: { Labels: { seed: String(options.seed) } },
      rootfs: { type: "layers", diff_ids: tars.map((t) => digestOf(t)) },
    },
    layers: tars.map((t) => ({ bytes: new Uint8Array(gzipSync(t, { level: 1 })) })),
    mediaType,
    platform: { os: "linux", architecture },
  };
  if (options.tag !== undefined) spec.tag = options.tag;
  return await writeImage(store, repo, spec);
}

/** Writes a two-platform (amd64, arm64) index with its images and returns the index descriptor. */
export async function writeTestIndex(
  store: DestinationStore,
  repo: string,
  options: { seed: number; tag?: string; mediaType?: string },
): Promise<Descriptor> {
  const docker = options.mediaType === MediaType.dockerManifestList;
  const manifestType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const amd = await writeTestImage(store, repo, { seed: options.seed, mediaType: manifestType });
  const arm = await writeTestImage(store, repo, {
    seed: options.seed + 1,
    architecture: "arm64",
    mediaType: manifestType,
  });
  const o: { tag?: string; mediaType?: string } = {};
  if (options.tag !== undefined) o.tag = options.tag;
  if (options.mediaType !== undefined) o.mediaType = options.mediaType;
  return await writeIndex(store, repo, [amd, arm], o);
}
