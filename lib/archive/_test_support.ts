/**
 * Test support for this folder's tests (never imported by non-test code): seeded bytes, temp
 * directories, hand-built tar files (for hostile archives) and a small set of images written into a
 * store.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type RunContext, type RunEvent, testContext } from "../context.ts";
import { type Descriptor, digestOf } from "../oci/mod.ts";
import { type DestinationStore, writeImage, writeIndex } from "../store/mod.ts";
import {
  type ArchiveSetManifest,
  type ArchiveSetManifestV1,
  encodeIndex,
  parsePartIndex,
  SET_MANIFEST_ENTRY_NAME,
} from "./archive_index.ts";
import { scanPart } from "./_part_scanner.ts";
import { BLOCK_SIZE, fileHeader, paddingSize, paxRecord } from "./_tar_header.ts";

/** Deterministic pseudo-random bytes (mulberry32). */
export function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A temp directory removed on dispose. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "oc-mirror-archive-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** A test context that records its events. */
export function recordingContext(): { ctx: RunContext; events: RunEvent[] } {
  const events: RunEvent[] = [];
  return { ctx: testContext({ report: (e) => events.push(e) }), events };
}

/** One entry of a hand-built tar. */
export interface RawEntry {
  name: string;
  data?: Uint8Array | string;
  /** Type flag. @default "0" */
  type?: string;
  linkName?: string;
  /** Declared size (defaults to the data's length). */
  declaredSize?: number;
  /** Pax records to put in an `x` header before the entry. */
  pax?: Record<string, string>;
  /** Prefix field (ustar). */
  prefix?: string;
}

const enc = new TextEncoder();

function header(
  fullName: string,
  size: number,
  type: string,
  linkName = "",
  explicitPrefix?: string,
): Uint8Array {
  let name = fullName;
  let prefix = explicitPrefix ?? "";
  if (explicitPrefix === undefined && name.length > 100) {
    // ustar: the part before a slash goes to the 155-byte prefix field, as Go's and GNU tar do.
    const slash = name.lastIndexOf("/", 155);
    prefix = name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  const b = new Uint8Array(BLOCK_SIZE);
  const put = (offset: number, length: number, value: string) =>
    b.set(enc.encode(value).subarray(0, length), offset);
  const octal = (offset: number, length: number, value: number) =>
    put(offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
  put(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  if (size <= 0o77777777777) octal(124, 12, size);
  else {
    // GNU base-256
    let v = size;
    for (let i = 135; i > 124; i--) {
      b[i] = v % 256;
      v = Math.floor(v / 256);
    }
    b[124] = 0x80;
  }
  octal(136, 12, 1_700_000_000);
  put(156, 1, type);
  put(157, 100, linkName);
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  put(345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 32 : b[i] ?? 0;
  put(148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return b;
}

/** Builds tar bytes from raw entries, ending with the end-of-archive marker unless `end` is false. */
export function rawTar(entries: RawEntry[], options: { end?: boolean } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data ?? new Uint8Array(0);
    if (e.pax) {
      const records = Object.entries(e.pax).map(([k, v]) => paxRecord(k, v));
      const paxData = new Uint8Array(records.reduce((n, r) => n + r.byteLength, 0));
      let o = 0;
      for (const r of records) {
        paxData.set(r, o);
        o += r.byteLength;
      }
      chunks.push(
        header("PaxHeaders/x", paxData.byteLength, "x"),
        paxData,
        new Uint8Array(paddingSize(paxData.byteLength)),
      );
    }
    chunks.push(header(e.name, e.declaredSize ?? data.byteLength, e.type ?? "0", e.linkName, e.prefix));
    chunks.push(data, new Uint8Array(paddingSize(data.byteLength)));
  }
  if (options.end ?? true) chunks.push(new Uint8Array(BLOCK_SIZE * 2));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/** What {@link writeSampleImages} wrote. */
export interface SampleImages {
  app: Descriptor;
  multi: Descriptor;
  /** Layer bytes by digest. */
  layers: Map<string, Uint8Array>;
}

/** Writes a tagged image and a tagged two-platform index (seeded layers of `layerBytes` each). */
export async function writeSampleImages(store: DestinationStore, layerBytes = 3000): Promise<SampleImages> {
  const layers = new Map<string, Uint8Array>();
  const layer = (seed: number) => {
    const bytes = seededBytes(seed, layerBytes);
    layers.set(digestOf(bytes), bytes);
    return { bytes };
  };
  const l1 = layer(1);
  const l2 = layer(2);
  const app = await writeImage(store, "ns/app", {
    config: { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } },
    layers: [l1, l2],
    tag: "v1",
  });
  const a = await writeImage(store, "ns/multi", {
    config: { architecture: "amd64", os: "linux" },
    layers: [layer(3)],
    platform: { os: "linux", architecture: "amd64" },
  });
  const b = await writeImage(store, "ns/multi", {
    config: { architecture: "arm64", os: "linux" },
    layers: [layer(4), l1],
    platform: { os: "linux", architecture: "arm64" },
  });
  const multi = await writeIndex(store, "ns/multi", [a, b], { tag: "latest" });
  return { app, multi, layers };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function tarEntry(name: string, data: Uint8Array): Uint8Array[] {
  return [
    fileHeader(name, data.byteLength, 1_700_000_000),
    data,
    new Uint8Array(paddingSize(data.byteLength)),
  ];
}

function concatAll(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

/**
 * Rewrites a set we wrote (parts `files` in `dir`, in order) as the first format version wrote it: part
 * indexes of version 1, and a version 1 set manifest pinning each part by the sha256 of its bytes before
 * the index (instead of the part digest).
 */
export async function downgradeSetToV1(dir: string, files: string[]): Promise<void> {
  const rebuilt: { path: string; data: Uint8Array; indexName: string; index: Uint8Array }[] = [];
  let manifest: ArchiveSetManifest | undefined;
  for (const file of files) {
    const path = join(dir, file);
    const bytes = await Deno.readFile(path);
    const entries = (await scanPart({ path, name: file })).entries;
    const indexEntry = entries.find((e) => e.name.startsWith("oc-mirror/part-"));
    if (!indexEntry) throw new Error(`${file} has no index`);
    const indexBytes = bytes.subarray(indexEntry.dataOffset, indexEntry.dataOffset + indexEntry.size);
    const index = { ...parsePartIndex(indexBytes, path, indexEntry.name), version: 1 as const };
    const setEntry = entries.find((e) => e.name === SET_MANIFEST_ENTRY_NAME);
    if (setEntry) {
      const json = bytes.subarray(setEntry.dataOffset, setEntry.dataOffset + setEntry.size);
      manifest = JSON.parse(new TextDecoder().decode(json)) as ArchiveSetManifest;
    }
    rebuilt.push({
      path,
      data: bytes.slice(0, indexEntry.headerOffset),
      indexName: indexEntry.name,
      index: encodeIndex(index),
    });
  }
  if (!manifest) throw new Error(`no ${SET_MANIFEST_ENTRY_NAME} in ${dir}`);
  const v1: ArchiveSetManifestV1 = {
    kind: manifest.kind,
    version: 1,
    setId: manifest.setId,
    createdAt: manifest.createdAt,
    partCount: manifest.partCount,
    parts: manifest.parts.map((p, i) => {
      const r = rebuilt[i] as (typeof rebuilt)[number];
      return {
        part: p.part,
        file: p.file,
        dataSizeBytes: r.data.byteLength,
        sha256: sha256Hex(r.data),
        indexSha256: sha256Hex(r.index),
        entryCount: p.entryCount,
      };
    }),
  };
  for (const [i, r] of rebuilt.entries()) {
    const chunks = [r.data, ...tarEntry(r.indexName, r.index)];
    if (i === rebuilt.length - 1) chunks.push(...tarEntry(SET_MANIFEST_ENTRY_NAME, encodeIndex(v1)));
    chunks.push(new Uint8Array(BLOCK_SIZE * 2));
    await Deno.writeFile(r.path, concatAll(chunks));
  }
}
