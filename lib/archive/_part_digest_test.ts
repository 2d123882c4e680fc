import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ArchiveError } from "../errors.ts";
import { blobDataPath } from "../layout/mod.ts";
import { type Descriptor, digestOf, MediaType } from "../oci/mod.ts";
import { parsePartIndex, SET_MANIFEST_ENTRY_NAME } from "./archive_index.ts";
import { ArchiveReader } from "./archive_reader.ts";
import { type ArchiveSummary, ArchiveWriter } from "./archive_writer.ts";
import { type ScannedEntry, scanPart } from "./_part_scanner.ts";
import { BLOCK_SIZE, paddingSize } from "./_tar_header.ts";
import {
  downgradeSetToV1,
  recordingContext,
  seededBytes,
  tempDir,
  writeSampleImages,
} from "./_test_support.ts";

const MiB = 1024 * 1024;
const BLOB = seededBytes(21, 1000); // 24 bytes of padding after it
const FILE = seededBytes(22, 700);
const FILE_PATH = "working-dir/hold-release/image-references";
/** Not ASCII: written with a pax `x` header. */
const PAX_PATH = "working-dir/signatures/ünïcödé";

function blobOf(bytes: Uint8Array): Descriptor {
  return { mediaType: MediaType.ociLayerGzip, digest: digestOf(bytes), size: bytes.byteLength };
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

/** One part: a blob, a working-dir file, a file with a pax header, the links, the index and the set manifest. */
async function writeSmallSet(dir: string): Promise<ArchiveSummary> {
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir, { ctx, archiveSizeBytes: MiB });
  await writer.putBlob("ns/a", blobOf(BLOB), ReadableStream.from([BLOB.slice(0, 300), BLOB.slice(300)]));
  await writer.addFile(FILE_PATH, FILE, FILE.byteLength);
  await writer.addFile(PAX_PATH, seededBytes(23, 33), 33);
  return await writer.close();
}

async function entriesOf(path: string): Promise<ScannedEntry[]> {
  return (await scanPart({ path, name: path })).entries;
}

function fixChecksum(bytes: Uint8Array, block: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 32 : bytes[block + i] ?? 0;
  bytes.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), block + 148);
}

/** Offsets of every ustar header block (pax `x` headers included) of the entries. */
function headerBlocks(entries: ScannedEntry[]): Set<number> {
  return new Set(entries.flatMap((e) => [e.headerOffset, e.dataOffset - BLOCK_SIZE]));
}

/** Flips the bits of one byte; when it is in a header block (not its checksum), fixes the checksum. */
function flip(bytes: Uint8Array, offset: number, headers: Set<number>): Uint8Array {
  const out = bytes.slice();
  out[offset] = (out[offset] ?? 0) ^ 0xff;
  const block = offset - (offset % BLOCK_SIZE);
  const inChecksum = offset - block >= 148 && offset - block < 156;
  if (headers.has(block) && !inChecksum) fixChecksum(out, block);
  return out;
}

async function openAndVerify(dir: string): Promise<void> {
  const { ctx } = recordingContext();
  await (await ArchiveReader.open(dir, { ctx })).verify();
}

function refusedWith(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ArchiveError, `want ArchiveError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  };
}

Deno.test("partDigest is the sha256 of the part up to its index's padding, each entry's data replaced by its sha256", async () => {
  await using dir = await tempDir();
  const writer = await ArchiveWriter.create(dir.path, {
    ctx: recordingContext().ctx,
    archiveSizeBytes: 8 * 1024,
  });
  await writeSampleImages(writer);
  const { parts } = await writer.close();
  assert.ok(parts.length >= 3);
  const last = join(dir.path, parts[parts.length - 1]?.file as string);
  const lastBytes = await Deno.readFile(last);
  const setEntry = (await entriesOf(last)).find((e) => e.name === SET_MANIFEST_ENTRY_NAME) as ScannedEntry;
  const manifest = JSON.parse(
    new TextDecoder().decode(lastBytes.subarray(setEntry.dataOffset, setEntry.dataOffset + setEntry.size)),
  );
  assert.equal(manifest.version, 2);
  for (const [i, p] of parts.entries()) {
    const path = join(dir.path, p.file);
    const bytes = await Deno.readFile(path);
    const indexEntry = (await entriesOf(path)).find((e) =>
      e.name.startsWith("oc-mirror/part-")
    ) as ScannedEntry;
    const indexBytes = bytes.subarray(indexEntry.dataOffset, indexEntry.dataOffset + indexEntry.size);
    const index = parsePartIndex(indexBytes, path, indexEntry.name);
    // The definition in mod.ts, computed independently of the writer and the reader.
    const regions = [
      ...index.entries.map((e) => ({ offset: e.offset, size: e.size })),
      { offset: indexEntry.dataOffset, size: indexEntry.size },
    ];
    const hash = createHash("sha256");
    let pos = 0;
    for (const r of regions) {
      hash.update(bytes.subarray(pos, r.offset));
      hash.update(sha256(bytes.subarray(r.offset, r.offset + r.size)));
      pos = r.offset + r.size;
    }
    hash.update(bytes.subarray(pos, indexEntry.dataOffset + indexEntry.size + paddingSize(indexEntry.size)));
    assert.equal(manifest.parts[i].partDigest, hash.digest("hex"), p.file);
    assert.equal(manifest.parts[i].sha256, undefined);
  }
});

Deno.test("ArchiveReader.verify detects a flipped byte in a header, in padding, in a blob, in a working-dir file and in the index entry", async (t) => {
  const partDigest =
    /mirror_000001\.tar does not match the set manifest: its part digest .* is [a-f0-9]{64}, the manifest says [a-f0-9]{64}$/;
  const step = (
    title: string,
    offset: (entries: ScannedEntry[], byName: (name: string) => ScannedEntry) => number,
    error: RegExp,
  ) =>
    t.step(title, async () => {
      await using dir = await tempDir();
      await writeSmallSet(dir.path);
      await openAndVerify(dir.path); // intact
      const path = join(dir.path, "mirror_000001.tar");
      const entries = await entriesOf(path);
      const byName = (name: string) => entries.find((e) => e.name === name) as ScannedEntry;
      const at = offset(entries, byName);
      await Deno.writeFile(path, flip(await Deno.readFile(path), at, headerBlocks(entries)));
      // open() checks only the structure, and accepts each of these parts.
      const { ctx } = recordingContext();
      const reader = await ArchiveReader.open(dir.path, { ctx });
      await assert.rejects(reader.verify(), refusedWith(error));
    });
  const blob = blobDataPath(digestOf(BLOB));
  await step(
    "the mtime of a blob's header (checksum fixed)",
    (_, e) => e(blob).dataOffset - 512 + 137,
    partDigest,
  );
  await step(
    "the unused end of a file's header block (checksum fixed)",
    (_, e) => e(FILE_PATH).headerOffset + 505,
    partDigest,
  );
  await step("the mode of the index entry's header (checksum fixed)", (es) => {
    const index = es.find((x) => x.name.startsWith("oc-mirror/part-")) as ScannedEntry;
    return index.dataOffset - 512 + 102;
  }, partDigest);
  await step(
    "the padding after a blob's data",
    (_, e) => e(blob).dataOffset + BLOB.byteLength + 3,
    partDigest,
  );
  await step("the padding after the index's data", (es) => {
    const index = es.find((x) => x.name.startsWith("oc-mirror/part-")) as ScannedEntry;
    assert.ok(paddingSize(index.size) > 0);
    return index.dataOffset + index.size;
  }, partDigest);
  await step("the padding after a pax header's records", (_, e) => {
    const file = e(PAX_PATH);
    assert.ok(file.dataOffset - file.headerOffset > 1024, "the entry has a pax header");
    return file.dataOffset - 512 - 1; // the last byte of the pax records' block
  }, partDigest);
  await step(
    "a blob's data",
    (_, e) => e(blob).dataOffset + 999,
    new RegExp(
      `entry "${blob}" does not match its digest: expected sha256:[a-f0-9]{64}, got sha256:[a-f0-9]{64}$`,
    ),
  );
  await step(
    "a working-dir file's data",
    (_, e) => e(FILE_PATH).dataOffset + 10,
    /entry "working-dir\/hold-release\/image-references" does not match its index: expected sha256:[a-f0-9]{64}, got sha256:[a-f0-9]{64}$/,
  );
});

Deno.test("every byte up to the end of the index entry is covered: flipping any one makes open() or verify() refuse the set", async () => {
  await using dir = await tempDir();
  await writeSmallSet(dir.path);
  const path = join(dir.path, "mirror_000001.tar");
  const original = await Deno.readFile(path);
  const entries = await entriesOf(path);
  const headers = headerBlocks(entries);
  const index = entries.find((x) => x.name.startsWith("oc-mirror/part-")) as ScannedEntry;
  const end = index.dataOffset + index.size + paddingSize(index.size);
  let tried = 0;
  for (let offset = 0; offset < end; offset += 5) {
    const bytes = flip(original, offset, headers);
    if (bytes.every((b, i) => b === original[i])) continue; // the checksum fix undid the flip
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      openAndVerify(dir.path),
      ArchiveError,
      `flipped byte at offset ${offset} not detected`,
    );
    tried++;
  }
  assert.ok(tried > end / 5 - 10, `${tried} offsets tried`);
  await Deno.writeFile(path, original);
  await openAndVerify(dir.path);
});

Deno.test("a set of format version 1 (part sha256) is read and verified the old way", async (t) => {
  const step = (title: string, tamper: (dir: string) => Promise<void>, error?: RegExp) =>
    t.step(title, async () => {
      await using dir = await tempDir();
      const { ctx } = recordingContext();
      const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 8 * 1024 });
      const sample = await writeSampleImages(writer);
      const { parts } = await writer.close();
      await downgradeSetToV1(dir.path, parts.map((p) => p.file));
      await tamper(dir.path);
      if (!error) {
        const reader = await ArchiveReader.open(dir.path, { ctx });
        assert.equal((await reader.verify()).parts, parts.length);
        assert.equal((await reader.resolve("ns/app", "v1")).digest, sample.app.digest);
        return;
      }
      await assert.rejects(openAndVerify(dir.path), refusedWith(error));
    });
  await step("intact", async () => {});
  await step(
    "an altered header field (caught by the part sha256)",
    async (d) => {
      const path = join(d, "mirror_000002.tar");
      const bytes = await Deno.readFile(path);
      bytes.set(new TextEncoder().encode("00000000001"), 136);
      fixChecksum(bytes, 0);
      await Deno.writeFile(path, bytes);
    },
    /mirror_000002\.tar does not match the set manifest: the sha256 of its first \d+ bytes is [a-f0-9]{64}, the manifest says [a-f0-9]{64}$/,
  );
  await step(
    "a flipped byte in blob data",
    async (d) => {
      const path = join(d, "mirror_000001.tar");
      const blob = (await entriesOf(path)).find((e) => e.size >= 1000) as ScannedEntry;
      const bytes = await Deno.readFile(path);
      bytes[blob.dataOffset + 7] ^= 1;
      await Deno.writeFile(path, bytes);
    },
    /mirror_000001\.tar entry "docker\/registry\/v2\/blobs\/sha256\/.*\/data" does not match its digest/,
  );
});

Deno.test("a set manifest of version 2 over part indexes of version 1 is refused", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  await writeSampleImages(writer);
  await writer.close();
  const path = join(dir.path, "mirror_000001.tar");
  const bytes = await Deno.readFile(path);
  const index = (await entriesOf(path)).find((e) => e.name.startsWith("oc-mirror/part-")) as ScannedEntry;
  const text = new TextDecoder().decode(bytes.subarray(index.dataOffset, index.dataOffset + index.size));
  assert.ok(text.includes('"version":2'));
  // Same length, so the tar stays valid; the manifest's indexSha256 no longer matches either.
  bytes.set(new TextEncoder().encode(text.replace('"version":2', '"version":1')), index.dataOffset);
  await Deno.writeFile(path, bytes);
  await assert.rejects(
    ArchiveReader.open(dir.path, { ctx }),
    refusedWith(
      /mirror_000001\.tar does not match the set manifest in .*: the part's index has another sha256; it has format version 2, the part's index 1$/,
    ),
  );
});
