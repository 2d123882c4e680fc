import assert from "node:assert/strict";
import { join } from "node:path";
import { ArchiveError, DigestMismatchError, ImageReferenceError, NotFoundError } from "../errors.ts";
import { blobDataPath, layerLinkPath, tagCurrentLinkPath } from "../layout/mod.ts";
import { type Descriptor, digestOf, encodeJson, MediaType } from "../oci/mod.ts";
import { writeBlob, writeImage } from "../store/mod.ts";
import { ArchiveReader } from "./archive_reader.ts";
import { ArchiveWriter } from "./archive_writer.ts";
import { scanPart } from "./_part_scanner.ts";
import { recordingContext, seededBytes, tempDir, writeSampleImages } from "./_test_support.ts";

const MiB = 1024 * 1024;

function stream(bytes: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 0));
      if (offset >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function read(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

function blobOf(bytes: Uint8Array): Descriptor {
  return { mediaType: MediaType.ociLayerGzip, digest: digestOf(bytes), size: bytes.byteLength };
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

async function entryNames(path: string): Promise<string[]> {
  return (await scanPart({ path, name: path })).entries.map((e) => e.name);
}

Deno.test("ArchiveWriter round trip: images resolve by tag and digest, manifests keep their bytes, blobs stream back", async () => {
  await using dir = await tempDir();
  const { ctx, events } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  const sample = await writeSampleImages(writer);
  const empty = blobOf(new Uint8Array(0));
  await writer.putBlob("ns/app", empty, stream(new Uint8Array(0)));
  const summary = await writer.close();
  assert.deepEqual(summary.parts.map((p) => p.file), ["mirror_000001.tar"]);
  assert.equal(summary.bytesWritten, (await Deno.stat(join(dir.path, "mirror_000001.tar"))).size);
  assert.deepEqual(await names(dir.path), ["mirror_000001.tar"]);

  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal(reader.setId, summary.setId);
  const app = await reader.resolve("ns/app", "v1");
  assert.deepEqual(app, sample.app);
  assert.deepEqual(await reader.resolve("ns/app", sample.app.digest), sample.app);
  const multi = await reader.resolve("ns/multi", "latest");
  assert.equal(multi.digest, sample.multi.digest);
  assert.equal(multi.mediaType, MediaType.ociIndex);
  const bytes = await reader.getManifest("ns/app", app);
  assert.equal(digestOf(bytes), app.digest);
  const manifest = JSON.parse(new TextDecoder().decode(bytes)) as { layers: Descriptor[] };
  for (const l of manifest.layers) {
    assert.deepEqual(await read(await reader.getBlob("ns/app", l)), sample.layers.get(l.digest));
  }
  const tags: string[] = [];
  for await (const t of reader.listTags("ns/multi")) tags.push(t);
  assert.deepEqual(tags, ["latest"]);
  const repos: string[] = [];
  for await (const r of reader.listRepositories()) repos.push(r);
  assert.deepEqual(repos, ["ns/app", "ns/multi"]);
  assert.deepEqual(await read(await reader.getBlob("ns/app", empty)), new Uint8Array(0));
  await assert.rejects(reader.resolve("ns/app", "v2"), NotFoundError);
  const verified = await reader.verify();
  assert.equal(verified.parts, 1);
  assert.ok(verified.entries >= summary.blobsWritten.length);
  assert.ok(verified.bytes > 0 && verified.bytes < summary.bytesWritten);
  assert.deepEqual(events.filter((e) => e.kind === "phase"), [
    { kind: "phase", name: "verify-archive", total: 1, totalBytes: summary.bytesWritten },
  ]);
  assert.equal(
    events.filter((e) => e.kind === "bytes").reduce((n, e) => n + (e.kind === "bytes" ? e.count : 0), 0),
    verified.bytes,
  );
});

Deno.test("ArchiveWriter splits at archiveSizeBytes: several parts, each within the limit", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const limit = 8 * 1024;
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: limit });
  await writeSampleImages(writer, 3000);
  const summary = await writer.close();
  assert.ok(summary.parts.length >= 3, `${summary.parts.length} parts`);
  assert.deepEqual(
    summary.parts.map((p) => p.file),
    summary.parts.map((_, i) => `mirror_${String(i + 1).padStart(6, "0")}.tar`),
  );
  for (const p of summary.parts) {
    const scanned = await scanPart({ path: join(dir.path, p.file), name: p.file });
    const index = scanned.entries.find((e) => e.name.startsWith("oc-mirror/part-"));
    assert.ok(index, `${p.file} has an index`);
    assert.ok(index.headerOffset <= limit, `${p.file}: ${index.headerOffset} bytes of entries`);
  }
  const reader = await ArchiveReader.open(dir.path, { ctx });
  await reader.verify();
  assert.equal((await reader.resolve("ns/multi", "latest")).mediaType, MediaType.ociIndex);
});

Deno.test("ArchiveWriter gives an entry larger than archiveSizeBytes its own part and reports a warning", async () => {
  await using dir = await tempDir();
  const { ctx, events } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 4096 });
  const small = seededBytes(10, 100);
  const big = seededBytes(11, 10_000);
  await writer.putBlob("ns/a", blobOf(small), stream(small));
  await writer.putBlob("ns/a", blobOf(big), stream(big));
  await writer.putBlob("ns/a", blobOf(seededBytes(12, 100)), stream(seededBytes(12, 100)));
  const summary = await writer.close();
  const warnings = events.filter((e) => e.kind === "log" && e.level === "warn");
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]?.kind === "log" ? warnings[0].message : "",
    /\(10000 bytes\) is larger than the archive size limit \(4096 bytes\): it gets a part of its own/,
  );
  assert.deepEqual(await entryNames(join(dir.path, "mirror_000002.tar")), [
    blobDataPath(digestOf(big)),
    "oc-mirror/part-000002.json",
  ]);
  assert.ok(summary.parts.length >= 3);
  await (await ArchiveReader.open(dir.path, { ctx })).verify();
});

Deno.test("ArchiveWriter with strict refuses an oversized entry and writes nothing of it", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 4096, strict: true });
  const big = seededBytes(11, 10_000);
  await assert.rejects(
    writer.putBlob("ns/a", blobOf(big), stream(big)),
    (e: unknown) =>
      e instanceof ArchiveError && e.code === "ARCHIVE_INVALID" &&
      /^Archive entry "docker\/registry\/v2\/blobs\/sha256\/.*" \(10000 bytes\) is larger than the archive size limit \(4096 bytes\)$/
        .test(e.message),
  );
  assert.equal(await writer.hasBlob("ns/a", blobOf(big)), false);
  await writer.close();
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal(reader.containsBlob(digestOf(big)), false);
});

Deno.test("ArchiveWriter leaves skipBlobs out, answers hasBlob for them, and still links them into the repository", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const shipped = seededBytes(1, 3000); // the first layer of writeSampleImages
  const skipped = digestOf(shipped);
  const writer = await ArchiveWriter.create(dir.path, {
    ctx,
    archiveSizeBytes: MiB,
    skipBlobs: new Set([skipped]),
  });
  assert.equal(await writer.hasBlob("ns/app", blobOf(shipped)), true);
  const sample = await writeSampleImages(writer);
  const summary = await writer.close();
  assert.ok(!summary.blobsWritten.includes(skipped));
  assert.ok(summary.blobsWritten.includes(sample.app.digest));
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal(reader.containsBlob(skipped), false);
  await assert.rejects(reader.getBlob("ns/app", blobOf(shipped)), NotFoundError);
  assert.equal((await reader.resolve("ns/app", "v1")).digest, sample.app.digest);
  const entries = await entryNames(join(dir.path, "mirror_000001.tar"));
  assert.ok(entries.includes(layerLinkPath("ns/app", skipped)));
  assert.ok(entries.includes(layerLinkPath("ns/multi", skipped)));
  assert.ok(!entries.includes(blobDataPath(skipped)));
});

Deno.test("ArchiveWriter serialises concurrent putBlob calls; a digest put twice at once is stored once", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 64 * 1024 });
  const blobs = Array.from({ length: 24 }, (_, i) => seededBytes(100 + i, 5000 + i * 97));
  await Promise.all([
    ...blobs.map((b, i) => writer.putBlob(`ns/r${i % 3}`, blobOf(b), stream(b, 777))),
    writer.putBlob("ns/dup", blobOf(blobs[0] as Uint8Array), stream(blobs[0] as Uint8Array, 333)),
  ]);
  const summary = await writer.close();
  assert.equal(summary.blobsWritten.length, blobs.length);
  const reader = await ArchiveReader.open(dir.path, { ctx });
  for (const b of blobs) assert.deepEqual(await read(await reader.getBlob("ns/r0", blobOf(b))), b);
  await reader.verify();
});

Deno.test("ArchiveWriter: a putBlob with wrong, short, long or failing bytes rejects and leaves a valid tar without it", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  const good1 = seededBytes(1, 4000);
  const good2 = seededBytes(2, 4000);
  const bad = seededBytes(3, 4000);
  const d = blobOf(bad);
  await writer.putBlob("ns/a", blobOf(good1), stream(good1));
  const wrong = bad.slice();
  wrong[3999] ^= 1;
  await assert.rejects(writer.putBlob("ns/a", d, stream(wrong)), DigestMismatchError);
  await assert.rejects(writer.putBlob("ns/a", d, stream(bad.slice(0, 2000))), DigestMismatchError);
  const longer = new Uint8Array(5000);
  longer.set(bad);
  await assert.rejects(writer.putBlob("ns/a", d, stream(longer)), DigestMismatchError);
  const failing = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bad.slice(0, 1500));
      c.error(new Error("connection reset"));
    },
  });
  await assert.rejects(writer.putBlob("ns/a", d, failing), /connection reset/);
  assert.equal(await writer.hasBlob("ns/a", d), false);
  await writer.putBlob("ns/a", blobOf(good2), stream(good2));
  await writer.close();
  const entries = await entryNames(join(dir.path, "mirror_000001.tar"));
  assert.ok(!entries.includes(blobDataPath(d.digest)));
  const listing = await new Deno.Command("tar", { args: ["-tf", join(dir.path, "mirror_000001.tar")] })
    .output();
  assert.equal(listing.code, 0);
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.deepEqual(await read(await reader.getBlob("ns/a", blobOf(good2))), good2);
  await reader.verify();
});

Deno.test("ArchiveWriter.addFile writes working-dir files and the ISC, and refuses unsafe paths and duplicates", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  const graph = new TextEncoder().encode('{"nodes":[]}');
  await writer.addFile(
    "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
    graph,
    graph.byteLength,
  );
  const isc = new TextEncoder().encode("kind: ImageSetConfiguration\n");
  await writer.addFile("isc_2026-01-02T03:04:05Z.yaml", stream(isc, 5), isc.byteLength);
  for (
    const [path, why] of [
      ["../escape", /contains a "\.\." component/],
      ["working-dir/../../etc/passwd", /contains a "\.\." component/],
      ["/etc/passwd", /is an absolute path/],
      ["working-dir//x", /empty or "\." component/],
      ["docker/registry/v2/blobs/x", /only working-dir\/\.\.\. and isc_\* files can be added/],
      ["notes.txt", /only working-dir\/\.\.\. and isc_\* files can be added/],
    ] as const
  ) {
    await assert.rejects(
      writer.addFile(path, new Uint8Array(1), 1),
      (e: unknown) =>
        e instanceof ArchiveError && e.message.startsWith(`File "${path}" cannot be added`) &&
        why.test(e.message),
    );
  }
  await assert.rejects(
    writer.addFile(
      "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
      graph,
      graph.byteLength,
    ),
    /was already added/,
  );
  await assert.rejects(
    writer.addFile("working-dir/short", stream(isc), isc.byteLength + 1),
    /bytes, but \d+ were declared/,
  );
  await writer.close();
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.deepEqual(reader.listFiles(), [
    { path: "isc_2026-01-02T03:04:05Z.yaml", sizeBytes: isc.byteLength },
    {
      path: "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
      sizeBytes: graph.byteLength,
    },
  ]);
  assert.deepEqual(await reader.readFile("isc_2026-01-02T03:04:05Z.yaml"), isc);
  await assert.rejects(reader.readFile("working-dir/short"), NotFoundError);
});

Deno.test("ArchiveWriter.putManifest refuses wrong bytes, missing blobs and bad tags or repositories", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  await using writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  const config = await writeBlob(writer, "ns/m", encodeJson({ os: "linux" }), MediaType.ociConfig);
  const missing = blobOf(seededBytes(9, 10));
  const bytes = encodeJson({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [missing] });
  const d: Descriptor = { mediaType: MediaType.ociManifest, digest: digestOf(bytes), size: bytes.byteLength };
  await assert.rejects(
    writer.putManifest("ns/m", d, bytes),
    (e: unknown) => e instanceof NotFoundError && e.message.includes(missing.digest),
  );
  await assert.rejects(
    writer.putManifest("ns/m", { ...d, digest: digestOf("x") }, bytes),
    DigestMismatchError,
  );
  await assert.rejects(writer.putManifest("ns/m", d, bytes, { tag: "-bad" }), ImageReferenceError);
  await assert.rejects(
    writer.putBlob("NS/Upper", config, stream(encodeJson({ os: "linux" }))),
    ImageReferenceError,
  );
  assert.equal(await writer.hasManifest("ns/m", d), false);
});

Deno.test("ArchiveWriter: re-tagging stores one tag link, pointing at the last manifest", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  await writeImage(writer, "ns/t", { config: { n: 1 }, layers: [], tag: "x" });
  const two = await writeImage(writer, "ns/t", { config: { n: 2 }, layers: [], tag: "x" });
  await writer.close();
  const entries = await entryNames(join(dir.path, "mirror_000001.tar"));
  assert.equal(entries.filter((e) => e === tagCurrentLinkPath("ns/t", "x")).length, 1);
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal((await reader.resolve("ns/t", "x")).digest, two.digest);
});

Deno.test("ArchiveWriter.abort mid-way leaves no mirror_*.tar and no partial files, also with a put in flight", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 8 * 1024 });
  await writeSampleImages(writer);
  const blob = seededBytes(50, 100_000);
  let pulls = 0;
  let release = () => {};
  const stalled = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (pulls++ < 3) return c.enqueue(blob.slice((pulls - 1) * 1000, pulls * 1000));
      await new Promise<void>((r) => release = r); // the source stalls until cancelled
    },
    cancel() {
      release();
    },
  });
  const inFlight = writer.putBlob("ns/a", blobOf(blob), stalled);
  while (pulls < 3) await new Promise((r) => setTimeout(r, 5));
  assert.ok((await names(dir.path)).every((n) => n.endsWith(".tar.partial")));
  const inFlightFails = assert.rejects(inFlight, /was aborted/);
  await writer.abort();
  await inFlightFails;
  await assert.rejects(
    writer.putBlob("ns/a", blobOf(blob), stream(blob)),
    /is aborted: nothing more can be written/,
  );
  assert.deepEqual(await names(dir.path), []);
  await assert.rejects(
    ArchiveReader.open(dir.path, { ctx }),
    (e: unknown) =>
      e instanceof ArchiveError &&
      /^No archive parts matching mirror_\[0-9\]\{6\}\\.tar found in /.test(e.message),
  );
});

Deno.test("ArchiveWriter keeps the previous set until close, which replaces it and removes its extra parts", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const first = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 8 * 1024 });
  await writeSampleImages(first);
  const old = await first.close();
  assert.ok(old.parts.length >= 3);
  await Deno.writeFile(join(dir.path, "mirror_seq3_000000.tar"), new Uint8Array(10)); // v1 leftovers go too
  await Deno.writeFile(join(dir.path, "notes.txt"), new Uint8Array(1));

  const second = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  await writeImage(second, "ns/new", {
    config: { n: 3 },
    layers: [{ bytes: seededBytes(7, 100) }],
    tag: "v9",
  });
  // Interrupted here, the previous set is still the one a reader sees.
  assert.equal((await ArchiveReader.open(dir.path, { ctx })).setId, old.setId);
  const summary = await second.close();
  assert.deepEqual(await names(dir.path), ["mirror_000001.tar", "notes.txt"]);
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal(reader.setId, summary.setId);
  await assert.rejects(reader.resolve("ns/app", "v1"), NotFoundError);
  await reader.verify();
});

Deno.test("ArchiveWriter.create removes .partial parts an interrupted run left behind", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const crashed = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 8 * 1024 });
  await writeSampleImages(crashed);
  // Simulates a crash: neither close() nor abort() runs, only the file handles go away.
  for (const n of await names(dir.path)) assert.match(n, /^mirror_\d{6}\.tar\.partial$/);
  await assert.rejects(
    ArchiveReader.open(dir.path, { ctx }),
    /only \d+ \.partial file\(s\) of an interrupted run/,
  );
  await crashed.abort();
  await Deno.writeFile(join(dir.path, "mirror_000007.tar.partial"), new Uint8Array(5));
  await using next = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  assert.deepEqual(await names(dir.path), []);
  assert.equal(next.dir, dir.path);
});

Deno.test("ArchiveWriter with v1 naming writes mirror_seq<N>_000000.tar... and replaces only its own sequence", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  await Deno.writeFile(join(dir.path, "mirror_seq1_000000.tar"), new Uint8Array(10));
  await Deno.writeFile(join(dir.path, "mirror_seq2_000005.tar"), new Uint8Array(10));
  const writer = await ArchiveWriter.create(dir.path, {
    ctx,
    archiveSizeBytes: 8 * 1024,
    naming: { kind: "v1", sequence: 2 },
  });
  await writeSampleImages(writer);
  const summary = await writer.close();
  assert.equal(summary.parts[0]?.file, "mirror_seq2_000000.tar");
  const files = await names(dir.path);
  assert.ok(files.includes("mirror_seq1_000000.tar"));
  assert.ok(summary.parts.length < 6, `${summary.parts.length} parts`);
  assert.ok(!files.includes("mirror_seq2_000005.tar"));
  const reader = await ArchiveReader.open(dir.path, { ctx, sequence: 2 });
  assert.equal(reader.setId, summary.setId);
  await reader.verify();
  await assert.rejects(ArchiveReader.open(dir.path, { ctx }), /holds parts of several sequences \(1, 2\)/);
});

Deno.test("ArchiveWriter refuses writes after close", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  await writer.close();
  const b = seededBytes(1, 10);
  await assert.rejects(
    writer.putBlob("ns/a", blobOf(b), stream(b)),
    /is closed: nothing more can be written/,
  );
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal(reader.parts.length, 1);
  assert.deepEqual(reader.listFiles(), []);
});

/** A stream of `bytes` in `chunk`-byte pieces that waits for `gate` before its second piece. */
function gatedStream(bytes: Uint8Array, gate: Promise<void>, onFirst: () => void, chunk = 1000) {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (offset === chunk) await gate;
      if (offset >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
      if (offset === chunk) onFirst();
    },
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("ArchiveWriter streams concurrent putBlob calls at the same time, each into its own place", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 64 * 1024, parallelBlobs: 3 });
  const blobs = [seededBytes(201, 9000), seededBytes(202, 7000), seededBytes(203, 30_000)];
  // No blob goes past its first chunk before every blob has sent one: written one at a time, this stalls.
  let started = 0;
  let open = () => {};
  const gate = new Promise<void>((r) => open = r);
  const onFirst = () => {
    if (++started === blobs.length) open();
  };
  await withTimeout(
    Promise.all(blobs.map((b, i) => writer.putBlob(`ns/c${i}`, blobOf(b), gatedStream(b, gate, onFirst)))),
    5000,
    "three gated blobs",
  );
  const summary = await writer.close();
  assert.equal(summary.blobsWritten.length, 3);
  const reader = await ArchiveReader.open(dir.path, { ctx });
  for (const [i, b] of blobs.entries()) {
    assert.deepEqual(await read(await reader.getBlob(`ns/c${i}`, blobOf(b))), b);
  }
  await reader.verify();
  const listing = await new Deno.Command("tar", { args: ["-tf", join(dir.path, "mirror_000001.tar")] })
    .output();
  assert.equal(listing.code, 0);
});

Deno.test("ArchiveWriter: a blob that fails while a later one is placed after it becomes a void entry readers ignore", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  const failing = seededBytes(210, 5000);
  const good = seededBytes(211, 3000);
  let fail = (_: Error) => {};
  let pulled = () => {};
  const firstPulled = new Promise<void>((r) => pulled = r);
  const broken = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(failing.slice(0, 1200));
      fail = (e) => c.error(e);
    },
    pull() {
      pulled();
    },
  });
  const failed = writer.putBlob("ns/v", blobOf(failing), broken);
  await firstPulled;
  await writer.putBlob("ns/v", blobOf(good), stream(good)); // placed after the failing one
  fail(new Error("connection reset"));
  await assert.rejects(failed, /connection reset/);
  assert.equal(await writer.hasBlob("ns/v", blobOf(failing)), false);
  // A retry gets a new place.
  await writer.putBlob("ns/v", blobOf(failing), stream(failing));
  await writer.close();

  const path = join(dir.path, "mirror_000001.tar");
  const entries = (await scanPart({ path, name: "mirror_000001.tar" })).entries;
  const names = entries.map((e) => e.name);
  assert.deepEqual(names.slice(0, 3), [
    "oc-mirror/void-000001",
    blobDataPath(digestOf(good)),
    blobDataPath(digestOf(failing)),
  ]);
  const voidEntry = entries[0] as (typeof entries)[number];
  assert.equal(voidEntry.headerOffset, 0);
  assert.equal(voidEntry.dataOffset + voidEntry.size, 512 + 5120); // the failed blob's header and data
  const bytes = await Deno.readFile(path);
  assert.ok(
    bytes.subarray(voidEntry.dataOffset, voidEntry.dataOffset + voidEntry.size).every((b) => b === 0),
  );
  const index = JSON.parse(
    new TextDecoder().decode(
      bytes.subarray(
        (entries.find((e) => e.name === "oc-mirror/part-000001.json") as (typeof entries)[number]).dataOffset,
      ).subarray(
        0,
        (entries.find((e) => e.name === "oc-mirror/part-000001.json") as (typeof entries)[number]).size,
      ),
    ),
  );
  assert.equal(index.entries[0].name, "oc-mirror/void-000001");

  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.deepEqual(await read(await reader.getBlob("ns/v", blobOf(failing))), failing);
  assert.deepEqual(await read(await reader.getBlob("ns/v", blobOf(good))), good);
  assert.deepEqual(reader.listFiles(), []);
  const verified = await reader.verify();
  assert.equal(verified.entries, index.entries.length);
  const listing = await new Deno.Command("tar", { args: ["-tf", path] }).output();
  assert.equal(listing.code, 0);

  // A zeroed void entry whose bytes were altered is caught like any other entry.
  bytes[voidEntry.dataOffset + 100] = 1;
  await Deno.writeFile(path, bytes);
  await assert.rejects(
    (await ArchiveReader.open(dir.path, { ctx })).verify(),
    /entry "oc-mirror\/void-000001" does not match its index/,
  );
});

Deno.test("ArchiveWriter: a failed blob placed last gives its place back, leaving no void entry", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  const a = seededBytes(220, 4000);
  const b = seededBytes(221, 4000);
  await writer.putBlob("ns/g", blobOf(a), stream(a));
  const wrong = b.slice();
  wrong[10] ^= 1;
  await assert.rejects(writer.putBlob("ns/g", blobOf(b), stream(wrong)), DigestMismatchError);
  await writer.putBlob("ns/g", blobOf(b), stream(b));
  const summary = await writer.close();
  const path = join(dir.path, "mirror_000001.tar");
  const names = await entryNames(path);
  assert.ok(!names.some((n) => n.startsWith("oc-mirror/void-")), names.join(", "));
  assert.equal(summary.bytesWritten, (await Deno.stat(path)).size);
  await (await ArchiveReader.open(dir.path, { ctx })).verify();
});

Deno.test("ArchiveWriter.abort with several blobs streaming in rejects them all and leaves no files", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 16 * 1024 });
  const releases: (() => void)[] = [];
  let pulls = 0;
  const stalled = (bytes: Uint8Array) => {
    let sent = false;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        pulls++;
        if (!sent) {
          sent = true;
          return c.enqueue(bytes.slice(0, 1000));
        }
        await new Promise<void>((r) => releases.push(r)); // stalls until cancelled
      },
      cancel() {
        for (const r of releases) r();
      },
    });
  };
  const blobs = [seededBytes(230, 10_000), seededBytes(231, 10_000), seededBytes(232, 10_000)];
  const puts = blobs.map((b) => writer.putBlob("ns/x", blobOf(b), stalled(b)));
  while (pulls < 2 * blobs.length) await new Promise((r) => setTimeout(r, 5));
  assert.ok((await names(dir.path)).length >= 1);
  const rejected = puts.map((p) => assert.rejects(p, /was aborted/));
  await writer.abort();
  await Promise.all(rejected);
  assert.deepEqual(await names(dir.path), []);
});

Deno.test("ArchiveWriter.close waits for blobs still streaming in, and parallelBlobs bounds how many stream at once", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 32 * 1024, parallelBlobs: 2 });
  let active = 0;
  let most = 0;
  const counted = (bytes: Uint8Array) => {
    let offset = 0;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        if (offset === 0) most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 1));
        if (offset >= bytes.byteLength) {
          active--;
          return c.close();
        }
        c.enqueue(bytes.slice(offset, offset + 700));
        offset += 700;
      },
    }, { highWaterMark: 0 }); // pulled only when read, like copy()'s sources
  };
  const blobs = Array.from({ length: 6 }, (_, i) => seededBytes(240 + i, 6000 + 333 * i));
  const puts = blobs.map((b, i) => writer.putBlob(`ns/p${i % 2}`, blobOf(b), counted(b)));
  await new Promise((r) => setTimeout(r, 20));
  const summary = await writer.close(); // queued behind the puts that hold a slot
  const settled = await Promise.allSettled(puts);
  const written = settled.filter((s) => s.status === "fulfilled").length;
  assert.equal(summary.blobsWritten.length, written);
  assert.ok(written >= 2, `${written} blobs written before close`);
  assert.equal(most, 2);
  const reader = await ArchiveReader.open(dir.path, { ctx });
  await reader.verify();
  for (const d of summary.blobsWritten) assert.ok(reader.containsBlob(d));
});

Deno.test("ArchiveWriter under concurrent load (blobs failing at random points, files in between, parts split) writes a set holding exactly what succeeded", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 48 * 1024, parallelBlobs: 4 });
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  type Fate = "ok" | "error" | "wrong" | "short" | "long";
  const fates: Fate[] = ["ok", "ok", "ok", "ok", "ok", "ok", "error", "wrong", "short", "long"];
  const source = (bytes: Uint8Array, fate: Fate) => {
    const data = fate === "wrong"
      ? bytes.map((b, i) => i === bytes.byteLength >> 1 ? b ^ 1 : b)
      : fate === "short"
      ? bytes.slice(0, bytes.byteLength >> 1)
      : fate === "long"
      ? new Uint8Array([...bytes, 1, 2, 3])
      : bytes;
    const failAt = fate === "error" ? Math.floor(random() * data.byteLength) : -1;
    const sizes: number[] = [];
    for (let n = 0; n < data.byteLength;) {
      const size = 1 + Math.floor(random() * 4000);
      sizes.push(size);
      n += size;
    }
    const delays = sizes.map(() => Math.floor(random() * 3));
    let offset = 0;
    let k = 0;
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, delays[k] ?? 0));
        if (failAt >= 0 && offset >= failAt) return c.error(new Error("connection reset"));
        if (offset >= data.byteLength) return c.close();
        const size = sizes[k++] ?? 1;
        c.enqueue(data.slice(offset, offset + size));
        offset += size;
      },
    }, { highWaterMark: 0 });
  };
  const blobs = Array.from({ length: 40 }, (_, i) => seededBytes(300 + i, Math.floor(random() * 20_000)));
  const puts: { bytes: Uint8Array; put: Promise<void> }[] = [];
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < 60; i++) {
    const bytes = blobs[Math.floor(random() * blobs.length)] as Uint8Array; // some digests put twice
    const fate = fates[Math.floor(random() * fates.length)] as Fate;
    const put = writer.putBlob(`ns/r${i % 3}`, blobOf(bytes), source(bytes, fate));
    put.catch(() => {}); // settled below, after the loop
    puts.push({ bytes, put });
    if (i % 7 === 3) {
      const file = seededBytes(900 + i, Math.floor(random() * 3000));
      const path = `working-dir/load/file-${i}`;
      files.set(path, file);
      await writer.addFile(path, file, file.byteLength);
    }
    if (random() < 0.3) await new Promise((r) => setTimeout(r, 1));
  }
  const settled = await Promise.allSettled(puts.map((p) => p.put));
  const stored = new Map<string, Uint8Array>();
  for (const [i, s] of settled.entries()) {
    const p = puts[i] as (typeof puts)[number];
    if (s.status === "fulfilled") stored.set(digestOf(p.bytes), p.bytes);
    else assert.match(String(s.reason), /connection reset|does not match its digest/);
  }
  assert.ok(stored.size >= 10 && stored.size < blobs.length, `${stored.size} blobs stored`);
  const summary = await writer.close();
  assert.deepEqual(new Set(summary.blobsWritten), new Set(stored.keys()));
  assert.ok(summary.parts.length >= 3, `${summary.parts.length} parts`);

  const reader = await ArchiveReader.open(dir.path, { ctx });
  await reader.verify();
  for (const b of blobs) {
    const d = digestOf(b);
    assert.equal(reader.containsBlob(d), stored.has(d), d);
    if (stored.has(d)) assert.deepEqual(await read(await reader.getBlob("ns/r0", blobOf(b))), b);
  }
  assert.deepEqual(reader.listFiles().map((f) => f.path), [...files.keys()].sort());
  for (const [path, bytes] of files) assert.deepEqual(await reader.readFile(path), bytes);
  let voids = 0;
  for (const p of summary.parts) {
    const listing = await new Deno.Command("tar", { args: ["-tf", join(dir.path, p.file)] }).output();
    assert.equal(listing.code, 0, p.file);
    voids += (await entryNames(join(dir.path, p.file))).filter((n) => n.startsWith("oc-mirror/void-")).length;
  }
  assert.ok(voids > 0, "some failed blobs had later entries placed after them");
});
