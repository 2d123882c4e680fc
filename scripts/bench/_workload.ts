/**
 * The benchmark's synthetic workloads, written straight into a `docker-registry` filesystem storage tree
 * (no HTTP, so setting up a GiB costs a few seconds): every layer is a gzip (stored deflate blocks, so
 * incompressible by construction) of a tar holding one file of seeded AES-CTR bytes, the config lists the
 * real diff IDs, and the same seed gives the same digests on every machine. Blobs stream through to disk
 * in 4 MiB chunks; nothing is held whole in memory.
 * @module
 */
import { createCipheriv, createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { dirname, join } from "node:path";
import {
  blobDataPath,
  layerLinkPath,
  linkContent,
  manifestRevisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
} from "../../lib/layout/mod.ts";
import { type Digest, digestOf, encodeJson, MediaType } from "../../lib/oci/mod.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const CHUNK = 4 * MiB;

/** The benchmark's workload names. */
export type WorkloadName = "small" | "big" | "many";

/** All workloads, in the order they run. */
export const WORKLOAD_NAMES: readonly WorkloadName[] = ["small", "big", "many"];

/** The shape of one workload. */
export interface WorkloadSpec {
  name: WorkloadName;
  images: number;
  layersPerImage: number;
  /** How many of each image's layers are the same for every image (shared base layers). */
  sharedLayers: number;
  /** Size of the random file inside each layer (the gzip adds ~0.01%). */
  layerBytes: number;
}

/** The workloads: small = 20 × 4 × 16 MiB (half shared), big = 1 × 1 GiB, many = 200 × 3 small. */
export const FULL_WORKLOADS: Record<WorkloadName, WorkloadSpec> = {
  small: { name: "small", images: 20, layersPerImage: 4, sharedLayers: 2, layerBytes: 16 * MiB },
  big: { name: "big", images: 1, layersPerImage: 1, sharedLayers: 0, layerBytes: GiB },
  many: { name: "many", images: 200, layersPerImage: 3, sharedLayers: 0, layerBytes: 128 * KiB },
};

/** Tiny versions for `--quick` (CI): same shapes, a few MiB in all. */
export const QUICK_WORKLOADS: Record<WorkloadName, WorkloadSpec> = {
  small: { name: "small", images: 4, layersPerImage: 2, sharedLayers: 1, layerBytes: MiB },
  big: { name: "big", images: 1, layersPerImage: 1, sharedLayers: 0, layerBytes: 16 * MiB },
  many: { name: "many", images: 20, layersPerImage: 3, sharedLayers: 0, layerBytes: 16 * KiB },
};

/** A blob written to the tree. */
export interface BuiltBlob {
  digest: Digest;
  size: number;
}

/** One image written to the tree. */
export interface BuiltImage {
  /** `bench/small-000`. */
  repository: string;
  tag: string;
  manifest: Digest;
  /** Config first, then the layers. */
  blobs: BuiltBlob[];
}

/** A workload written to the tree. */
export interface BuiltWorkload {
  spec: WorkloadSpec;
  images: BuiltImage[];
  /** Distinct layer and config blobs of all images. */
  uniqueBlobs: Map<Digest, number>;
  /** Sum of the sizes in `uniqueBlobs`. */
  uniqueBlobBytes: number;
}

/** `bench/<workload>-007`. */
export function repositoryName(workload: WorkloadName, index: number): string {
  return `bench/${workload}-${String(index).padStart(3, "0")}`;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function tarHeader(name: string, size: number): Uint8Array {
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, "        ");
  put(156, "0");
  put(257, "ustar\x0000");
  let sum = 0;
  for (const b of header) sum += b;
  put(148, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** Appends `data` to `out` as stored deflate blocks (at most 65535 bytes each, never final). */
function storedBlocks(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.byteLength / 65535);
  const out = new Uint8Array(data.byteLength + blocks * 5);
  let o = 0;
  for (let i = 0; i < data.byteLength; i += 65535) {
    const len = Math.min(65535, data.byteLength - i);
    out[o] = 0;
    out[o + 1] = len & 0xff;
    out[o + 2] = len >>> 8;
    out[o + 3] = ~len & 0xff;
    out[o + 4] = (~len >>> 8) & 0xff;
    out.set(data.subarray(i, i + len), o + 5);
    o += 5 + len;
  }
  return out;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.byteLength) off += await file.write(bytes.subarray(off));
}

async function writeText(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, text);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Writes bytes as a blob of the tree unless present; returns its descriptor. */
async function putSmallBlob(root: string, bytes: Uint8Array): Promise<BuiltBlob> {
  const digest = digestOf(bytes);
  const path = join(root, blobDataPath(digest));
  if (!(await exists(path))) {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path, bytes);
  }
  return { digest, size: bytes.byteLength };
}

/**
 * Streams one layer (gzip of a one-file tar of `size` seeded bytes) into the tree; returns the layer
 * blob and the diff ID (sha256 of the tar).
 */
async function putLayer(root: string, seed: string, size: number): Promise<BuiltBlob & { diffId: Digest }> {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), key.subarray(16, 32));
  const tmp = join(root, `tmp-layer-${crypto.randomUUID()}`);
  const file = await Deno.open(tmp, { write: true, createNew: true });
  const blobHash = createHash("sha256");
  const diffHash = createHash("sha256");
  let crc = 0;
  let total = 0;
  let tarBytes = 0;
  const emit = async (bytes: Uint8Array) => {
    blobHash.update(bytes);
    await writeAll(file, bytes);
    total += bytes.byteLength;
  };
  const feed = async (tarPiece: Uint8Array) => {
    diffHash.update(tarPiece);
    crc = crc32(tarPiece, crc);
    tarBytes += tarPiece.byteLength;
    await emit(storedBlocks(tarPiece));
  };
  try {
    // gzip header: deflate, no flags, mtime 0, no extra flags, OS unknown.
    await emit(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]));
    await feed(tarHeader("random.bin", size));
    const zeros = new Uint8Array(Math.min(CHUNK, size));
    for (let done = 0; done < size;) {
      const n = Math.min(CHUNK, size - done);
      await feed(new Uint8Array(cipher.update(zeros.subarray(0, n))));
      done += n;
    }
    // Pad the file to 512 bytes, then the two zero blocks that end a tar.
    await feed(new Uint8Array((512 - (size % 512)) % 512 + 1024));
    // A final, empty stored block, then CRC32 and ISIZE (little endian).
    const trailer = new Uint8Array([1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    const view = new DataView(trailer.buffer);
    view.setUint32(5, crc >>> 0, true);
    view.setUint32(9, tarBytes % 2 ** 32, true);
    await emit(trailer);
  } finally {
    file.close();
  }
  const digest = `sha256:${blobHash.digest("hex")}` as Digest;
  const path = join(root, blobDataPath(digest));
  if (await exists(path)) {
    await Deno.remove(tmp);
  } else {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.rename(tmp, path);
  }
  return { digest, size: total, diffId: `sha256:${diffHash.digest("hex")}` as Digest };
}

/** Options of {@link buildWorkload}. */
export interface BuildOptions {
  /** Only (re)build these image indexes. @default all */
  only?: readonly number[];
  /** Changes the unique layers' seeds: generation 1 is the "10% changed" content. @default 0 */
  generation?: number;
}

/**
 * Writes a workload's images (tag `latest`) into the registry storage tree at `root` (the directory a
 * `docker-registry` serves). Shared layers are written once; rewriting an image moves its tag.
 */
export async function buildWorkload(
  root: string,
  spec: WorkloadSpec,
  options: BuildOptions = {},
): Promise<BuiltImage[]> {
  await Deno.mkdir(root, { recursive: true });
  const generation = options.generation ?? 0;
  const shared = new Map<number, BuiltBlob & { diffId: Digest }>();
  const images: BuiltImage[] = [];
  const indexes = options.only ?? Array.from({ length: spec.images }, (_, i) => i);
  for (const i of indexes) {
    const repository = repositoryName(spec.name, i);
    const layers: (BuiltBlob & { diffId: Digest })[] = [];
    for (let j = 0; j < spec.layersPerImage; j++) {
      if (j < spec.sharedLayers) {
        let l = shared.get(j);
        if (!l) {
          l = await putLayer(root, `oc-mirror-bench/${spec.name}/shared/${j}`, spec.layerBytes);
          shared.set(j, l);
        }
        layers.push(l);
      } else {
        const seed = `oc-mirror-bench/${spec.name}/image/${i}/layer/${j}/gen/${generation}`;
        layers.push(await putLayer(root, seed, spec.layerBytes));
      }
    }
    const config = await putSmallBlob(
      root,
      encodeJson({
        architecture: "amd64",
        os: "linux",
        config: { Labels: { "oc-mirror.bench": `${repository} generation ${generation}` } },
        rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      }),
    );
    const manifestBytes = encodeJson({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: MediaType.ociLayerGzip, digest: l.digest, size: l.size })),
    });
    const manifest = await putSmallBlob(root, manifestBytes);
    for (const b of [config, ...layers]) {
      await writeText(join(root, layerLinkPath(repository, b.digest)), linkContent(b.digest));
    }
    await writeText(
      join(root, manifestRevisionLinkPath(repository, manifest.digest)),
      linkContent(manifest.digest),
    );
    await writeText(
      join(root, tagIndexLinkPath(repository, "latest", manifest.digest)),
      linkContent(manifest.digest),
    );
    await writeText(join(root, tagCurrentLinkPath(repository, "latest")), linkContent(manifest.digest));
    images.push({
      repository,
      tag: "latest",
      manifest: manifest.digest,
      blobs: [config, ...layers.map(({ digest, size }) => ({ digest, size }))],
    });
  }
  return images;
}

/** The distinct blobs of some images and their total size. */
export function uniqueBlobsOf(images: readonly BuiltImage[]): { blobs: Map<Digest, number>; bytes: number } {
  const blobs = new Map<Digest, number>();
  for (const img of images) for (const b of img.blobs) blobs.set(b.digest, b.size);
  let bytes = 0;
  for (const size of blobs.values()) bytes += size;
  return { blobs, bytes };
}

/** Bundles images with their unique-blob totals. */
export function workloadOf(spec: WorkloadSpec, images: BuiltImage[]): BuiltWorkload {
  const { blobs, bytes } = uniqueBlobsOf(images);
  return { spec, images, uniqueBlobs: blobs, uniqueBlobBytes: bytes };
}

/** Indexes of the images the "10% change" rerun replaces: every tenth image, at least one. */
export function changedIndexes(spec: WorkloadSpec): number[] {
  const count = Math.max(1, Math.round(spec.images / 10));
  const step = Math.floor(spec.images / count);
  return Array.from({ length: count }, (_, k) => k * step);
}
