import assert from "node:assert/strict";
import { join } from "node:path";
import { ArchiveError, DigestMismatchError, NotFoundError } from "../errors.ts";
import {
  blobDataPath,
  layerLinkPath,
  manifestRevisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
} from "../layout/mod.ts";
import { type Descriptor, digestOf, encodeJson, MediaType } from "../oci/mod.ts";
import { ArchiveReader } from "./archive_reader.ts";
import { type ArchiveSummary, ArchiveWriter } from "./archive_writer.ts";
import { type ScannedEntry, scanPart } from "./_part_scanner.ts";
import {
  type RawEntry,
  rawTar,
  recordingContext,
  seededBytes,
  tempDir,
  writeSampleImages,
} from "./_test_support.ts";

/** The entries of an archive as the original oc-mirror writes it (no index), for one tagged image. */
function originalStyle() {
  const layer = seededBytes(1, 2000);
  const config = encodeJson({ architecture: "amd64", os: "linux" });
  const layerD: Descriptor = {
    mediaType: MediaType.dockerLayerGzip,
    digest: digestOf(layer),
    size: layer.byteLength,
  };
  const configD: Descriptor = {
    mediaType: MediaType.dockerConfig,
    digest: digestOf(config),
    size: config.byteLength,
  };
  const manifest = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: configD,
    layers: [layerD],
  });
  const m = digestOf(manifest);
  const repo = "openshift/release";
  const entries: RawEntry[] = [
    { name: layerLinkPath(repo, layerD.digest), data: layerD.digest },
    { name: layerLinkPath(repo, configD.digest), data: configD.digest },
    { name: manifestRevisionLinkPath(repo, m), data: m },
    { name: tagCurrentLinkPath(repo, "4.18.1-x86_64"), data: m },
    { name: tagIndexLinkPath(repo, "4.18.1-x86_64", m), data: m },
    { name: "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json", data: '{"nodes":[]}' },
    { name: "isc_2026-01-02T03:04:05Z", data: "kind: ImageSetConfiguration\n" },
    { name: blobDataPath(layerD.digest), data: layer },
    { name: blobDataPath(configD.digest), data: config },
    { name: blobDataPath(m), data: manifest },
  ];
  return { entries, repo, manifest, m, layer, layerD };
}

async function writePart(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await Deno.writeFile(path, bytes);
  return path;
}

function refusedWith(pattern: RegExp, file?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ArchiveError, `want ArchiveError, got ${e}`);
    assert.equal(e.code, "ARCHIVE_INVALID");
    assert.match(e.message, pattern);
    if (file !== undefined) assert.ok(e.file.endsWith(file), `error names ${e.file}, want ${file}`);
    return true;
  };
}

async function read(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("ArchiveReader reads an archive of the original oc-mirror (no index) and warns that only verify() checks it", async () => {
  await using dir = await tempDir();
  const { ctx, events } = recordingContext();
  const o = originalStyle();
  // `tar -C dir -cf x .` style: ./ prefixes and directory entries.
  const entries: RawEntry[] = [
    { name: "./", type: "5" },
    { name: "./docker/", type: "5" },
    ...o.entries.map((e) => ({ ...e, name: `./${e.name}` })),
    { name: "docker/registry/v2/repositories/openshift/release/_uploads/3f2a/startedat", data: "2026" },
  ];
  await writePart(dir.path, "mirror_000001.tar", rawTar(entries));
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal(reader.setId, undefined);
  assert.ok(events.some((e) => e.kind === "log" && e.level === "warn" && /has no index/.test(e.message)));
  const d = await reader.resolve(o.repo, "4.18.1-x86_64");
  assert.deepEqual(d, { mediaType: MediaType.dockerManifest, digest: o.m, size: o.manifest.byteLength });
  assert.deepEqual(await reader.getManifest(o.repo, d), o.manifest);
  assert.deepEqual(await read(await reader.getBlob(o.repo, o.layerD)), o.layer);
  assert.deepEqual(reader.listFiles("working-dir/").map((f) => f.path), [
    "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
  ]);
  assert.equal((await reader.verify()).entries, o.entries.length);
});

Deno.test("ArchiveReader refuses hostile entries, naming the part and the entry", async (t) => {
  const o = originalStyle();
  const cases: { title: string; entry: RawEntry; error: RegExp }[] = [
    {
      title: "a .. component",
      entry: { name: "working-dir/../../etc/cron.d/x", data: "x" },
      error: /entry "working-dir\/\.\.\/\.\.\/etc\/cron\.d\/x" is refused: it contains a "\.\." component$/,
    },
    {
      title: "a .. component in a pax path",
      entry: { name: "working-dir/innocent", data: "x", pax: { path: "../outside" } },
      error: /entry "\.\.\/outside" is refused: it contains a "\.\." component$/,
    },
    {
      title: "an absolute path",
      entry: { name: "/etc/passwd", data: "root" },
      error: /entry "\/etc\/passwd" is refused: it is an absolute path$/,
    },
    {
      title: "a symbolic link",
      entry: { name: "working-dir/link", type: "2", linkName: "/etc/passwd" },
      error:
        /entry "working-dir\/link" is a symbolic link to "\/etc\/passwd": archives may hold only regular files/,
    },
    {
      title: "a hard link",
      entry: { name: "working-dir/hard", type: "1", linkName: "../../etc/shadow" },
      error: /entry "working-dir\/hard" is a hard link to "\.\.\/\.\.\/etc\/shadow"/,
    },
    {
      title: "a device",
      entry: { name: "working-dir/dev", type: "3" },
      error: /entry "working-dir\/dev" is a character device: archives may hold only regular files/,
    },
    {
      title: "a FIFO",
      entry: { name: "working-dir/fifo", type: "6" },
      error: /entry "working-dir\/fifo" is a FIFO/,
    },
    {
      title: "an entry outside the allowed tree",
      entry: { name: "etc/profile.d/evil.sh", data: "x" },
      error:
        /entry "etc\/profile\.d\/evil\.sh" is refused: only docker\/registry\/v2\/, working-dir\/ and isc_\* entries/,
    },
    {
      title: "a path under docker/registry/v2 the tree does not have",
      entry: { name: "docker/registry/v2/blobs/sha256/zz/evil", data: "x" },
      error: /is refused: it is not a path of the registry storage tree$/,
    },
    {
      title: "a huge declared size",
      entry: { name: "working-dir/huge", data: "x", declaredSize: 2 ** 40 },
      error:
        /entry "working-dir\/huge" declares 1099511627776 bytes at offset \d+, past the end of the file \(\d+ bytes\): the part is truncated or corrupt$/,
    },
    {
      title: "a huge pax size",
      entry: { name: "working-dir/huge", data: "x", pax: { size: "99999999999999" } },
      error: /declares 99999999999999 bytes .* past the end of the file/,
    },
    {
      title: "a duplicate entry with different content",
      entry: {
        name: "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
        data: '{"nodes":[1]}',
      },
      error:
        /^Archive entry "working-dir\/hold-release\/cincinnati-graph-data\/amd64-stable-4\.18\.json" appears twice with different content: in .*mirror_000001\.tar at offset \d+ \(12 bytes\) and in .*mirror_000001\.tar at offset \d+ \(13 bytes\)$/,
    },
    {
      title: "a duplicate link pointing elsewhere",
      entry: { name: tagCurrentLinkPath(o.repo, "4.18.1-x86_64"), data: digestOf("other") },
      error: /appears twice with different content/,
    },
    {
      title: "a link that is not a digest",
      entry: { name: tagCurrentLinkPath(o.repo, "evil"), data: "../../../etc/passwd" },
      error:
        /entry ".*\/_manifests\/tags\/evil\/current\/link" is not a valid link: it holds "\.\.\/\.\.\/\.\.\/etc\/passwd"/,
    },
    {
      title: "an invalid repository name",
      entry: { name: layerLinkPath("Evil/_x", o.layerD.digest), data: o.layerD.digest },
      error: /is refused: "Evil\/_x" is not a valid repository name$/,
    },
  ];
  for (const c of cases) {
    await t.step(c.title, async () => {
      await using dir = await tempDir();
      const { ctx } = recordingContext();
      await writePart(dir.path, "mirror_000001.tar", rawTar([...o.entries, c.entry]));
      await assert.rejects(ArchiveReader.open(dir.path, { ctx }), refusedWith(c.error, "mirror_000001.tar"));
    });
  }
});

Deno.test("ArchiveReader accepts a duplicate entry with identical content", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const o = originalStyle();
  const again = o.entries.find((e) => e.name === blobDataPath(o.layerD.digest)) as RawEntry;
  await writePart(dir.path, "mirror_000001.tar", rawTar([...o.entries, again]));
  const reader = await ArchiveReader.open(dir.path, { ctx });
  assert.equal((await reader.verify()).entries, o.entries.length + 1);
});

Deno.test("ArchiveReader.verify refuses a blob whose content does not match its name", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const o = originalStyle();
  const forged = o.entries.map((e) =>
    e.name === blobDataPath(o.layerD.digest) ? { ...e, data: seededBytes(2, 2000) } : e
  );
  await writePart(dir.path, "mirror_000001.tar", rawTar(forged));
  const reader = await ArchiveReader.open(dir.path, { ctx });
  await assert.rejects(
    reader.verify(),
    refusedWith(
      new RegExp(
        `entry "${
          blobDataPath(o.layerD.digest)
        }" does not match its digest: expected ${o.layerD.digest}, got sha256:[a-f0-9]{64}$`,
      ),
      "mirror_000001.tar",
    ),
  );
});

Deno.test("ArchiveReader refuses broken parts: truncated, no end marker, empty, bad checksum, missing, none", async (t) => {
  const o = originalStyle();
  const good = rawTar(o.entries);
  const step = (title: string, setup: (dir: string) => Promise<void>, error: RegExp, file?: string) =>
    t.step(title, async () => {
      await using dir = await tempDir();
      const { ctx } = recordingContext();
      await setup(dir.path);
      await assert.rejects(ArchiveReader.open(dir.path, { ctx }), refusedWith(error, file));
    });
  await step(
    "truncated inside an entry",
    async (d) => {
      const layer = rawTar([{ name: blobDataPath(o.layerD.digest), data: o.layer }]);
      await writePart(d, "mirror_000001.tar", layer.slice(0, 512 + 1000));
    },
    /declares \d+ bytes at offset \d+, past the end of the file .*: the part is truncated or corrupt$/,
    "mirror_000001.tar",
  );
  await step(
    "truncated at an entry boundary",
    async (d) => {
      await writePart(d, "mirror_000001.tar", rawTar(o.entries, { end: false }));
    },
    /is truncated: it ends at offset \d+ without the end-of-archive marker$/,
    "mirror_000001.tar",
  );
  await step("truncated inside a header", async (d) => {
    await writePart(d, "mirror_000001.tar", rawTar(o.entries.slice(0, 2), { end: false }).slice(0, 1124));
  }, /is truncated: it ends inside a tar header at offset 1024$/);
  await step(
    "empty",
    async (d) => {
      await writePart(d, "mirror_000001.tar", good);
      await writePart(d, "mirror_000002.tar", new Uint8Array(0));
    },
    /^Archive part .*mirror_000002\.tar is empty \(0 bytes\)$/,
    "mirror_000002.tar",
  );
  await step("bad header checksum", async (d) => {
    const bad = good.slice();
    bad[1024 + 10] ^= 0x20;
    await writePart(d, "mirror_000001.tar", bad);
  }, /has an invalid tar header at offset 1024: the header checksum is \d+, but the header adds up to \d+$/);
  await step(
    "missing middle part",
    async (d) => {
      await writePart(d, "mirror_000001.tar", good);
      await writePart(d, "mirror_000003.tar", rawTar([]));
    },
    /^Archive part .*mirror_000002\.tar is missing from .*: found mirror_000001\.tar, mirror_000003\.tar$/,
    "mirror_000002.tar",
  );
  await step("no parts, only unrelated files", async (d) => {
    await writePart(d, "mirror_1.tar", good);
  }, /^No archive parts matching mirror_\[0-9\]\{6\}\\\.tar found in /);
});

async function writeSet(dir: string, setId?: string): Promise<ArchiveSummary> {
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir, {
    ctx,
    archiveSizeBytes: 8 * 1024,
    ...(setId ? { setId } : {}),
  });
  await writeSampleImages(writer);
  const summary = await writer.close();
  assert.ok(summary.parts.length >= 3);
  return summary;
}

Deno.test("ArchiveReader refuses a tampered set of ours: missing, foreign, reordered, truncated or altered parts", async (t) => {
  const step = (
    title: string,
    tamper: (dir: string, s: ArchiveSummary) => Promise<void>,
    error: RegExp,
    file?: string,
  ) =>
    t.step(title, async () => {
      await using dir = await tempDir();
      const summary = await writeSet(dir.path);
      await tamper(dir.path, summary);
      const { ctx } = recordingContext();
      await assert.rejects(
        (async () => await (await ArchiveReader.open(dir.path, { ctx })).verify())(),
        refusedWith(error, file),
      );
    });
  const last = (s: ArchiveSummary) => s.parts[s.parts.length - 1]?.file as string;

  await step(
    "missing middle part",
    async (d) => {
      await Deno.remove(join(d, "mirror_000002.tar"));
    },
    /mirror_000002\.tar is missing from/,
    "mirror_000002.tar",
  );
  await step(
    "missing last part",
    async (d, s) => {
      await Deno.remove(join(d, last(s)));
    },
    /^Archive set in .* has \d+ parts, but its index lists \d+: 1 part\(s\) after mirror_\d+\.tar are missing$/,
  );
  await step(
    "a part from another run",
    async (d) => {
      await using other = await tempDir();
      await writeSet(other.path, "other-run");
      await Deno.copyFile(join(other.path, "mirror_000002.tar"), join(d, "mirror_000002.tar"));
    },
    /mirror_000002\.tar belongs to another archive set \(set other-run\) than .*: do not mix parts of different runs$/,
    "mirror_000002.tar",
  );
  await step(
    "a part of an index-less archive among ours",
    async (d) => {
      await Deno.writeFile(join(d, "mirror_000002.tar"), rawTar(originalStyle().entries));
    },
    /mirror_000002\.tar has no index, while .*mirror_000001\.tar has one/,
    "mirror_000002.tar",
  );
  await step(
    "reordered parts",
    async (d) => {
      await Deno.rename(join(d, "mirror_000001.tar"), join(d, "tmp"));
      await Deno.rename(join(d, "mirror_000002.tar"), join(d, "mirror_000001.tar"));
      await Deno.rename(join(d, "tmp"), join(d, "mirror_000002.tar"));
    },
    /mirror_000001\.tar holds part 2 of its set \(written as mirror_000002\.tar\), not part 1: the parts were renamed or reordered$/,
    "mirror_000001.tar",
  );
  await step(
    "truncated part (end marker cut off)",
    async (d) => {
      const path = join(d, "mirror_000002.tar");
      await Deno.truncate(path, (await Deno.stat(path)).size - 1024);
    },
    /mirror_000002\.tar is truncated: it ends at offset \d+ without the end-of-archive marker$/,
    "mirror_000002.tar",
  );
  await step(
    "truncated part (index cut off)",
    async (d) => {
      const path = join(d, "mirror_000001.tar");
      const index = (await scanPart({ path, name: "mirror_000001.tar" })).entries.at(-1) as ScannedEntry;
      assert.equal(index.name, "oc-mirror/part-000001.json");
      await Deno.truncate(path, index.headerOffset);
    },
    /mirror_000001\.tar is truncated: it ends at offset \d+ without the end-of-archive marker$/,
    "mirror_000001.tar",
  );
  const smuggle = async (d: string, where: "before" | "after") => {
    const path = join(d, "mirror_000001.tar");
    const entries = (await scanPart({ path, name: "mirror_000001.tar" })).entries;
    const index = entries.at(-1) as ScannedEntry;
    const bytes = await Deno.readFile(path);
    const extra = rawTar([{ name: "working-dir/smuggled", data: "x" }], { end: false });
    const at = where === "before" ? index.headerOffset : bytes.byteLength - 1024;
    await Deno.writeFile(path, new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]));
  };
  await step(
    "an entry smuggled in before the index",
    (d) => smuggle(d, "before"),
    /mirror_000001\.tar does not match its index "oc-mirror\/part-000001\.json": the index lists \d+ entries, the part holds \d+$/,
    "mirror_000001.tar",
  );
  await step(
    "an entry smuggled in after the index",
    (d) => smuggle(d, "after"),
    /mirror_000001\.tar entry "working-dir\/smuggled" is refused: it follows the part's index "oc-mirror\/part-000001\.json"$/,
    "mirror_000001.tar",
  );
  await step(
    "a flipped byte in blob data (caught by verify)",
    async (d) => {
      const path = join(d, "mirror_000001.tar");
      const blob = (await scanPart({ path, name: "mirror_000001.tar" })).entries.find((e) => e.size >= 1000);
      assert.ok(blob);
      const bytes = await Deno.readFile(path);
      bytes[blob.dataOffset + 500] ^= 0xff;
      await Deno.writeFile(path, bytes);
    },
    /mirror_000001\.tar entry "docker\/registry\/v2\/blobs\/sha256\/.*\/data" does not match its digest/,
    "mirror_000001.tar",
  );
  await step(
    "an altered header field (caught by the part digest of the set manifest)",
    async (d) => {
      const path = join(d, "mirror_000002.tar");
      const bytes = await Deno.readFile(path);
      // Change the mtime of the first header and fix its checksum: the entries still verify.
      bytes.set(new TextEncoder().encode("00000000001"), 136);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : bytes[i] ?? 0;
      bytes.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
      await Deno.writeFile(path, bytes);
    },
    /mirror_000002\.tar does not match the set manifest: its part digest \(the tar headers and padding of its first \d+ bytes and the sha256 of each entry\) is [a-f0-9]{64}, the manifest says [a-f0-9]{64}$/,
    "mirror_000002.tar",
  );
});

Deno.test("ArchiveReader.extractFiles writes working-dir files (0644, dirs 0755) and never through a symbolic link", async () => {
  await using dir = await tempDir();
  await using dest = await tempDir();
  await using outside = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 1024 * 1024 });
  const files = {
    "working-dir/hold-release/ocp-release/4.18.1-x86_64/release-manifests/image-references": seededBytes(
      5,
      3000,
    ),
    "working-dir/signatures/4.18.1-x86_64-sha256-abc": seededBytes(6, 10),
    "isc_2026-01-02T03:04:05Z.yaml": new TextEncoder().encode("kind: ImageSetConfiguration\n"),
  };
  for (const [path, bytes] of Object.entries(files)) await writer.addFile(path, bytes, bytes.byteLength);
  await writer.close();
  const reader = await ArchiveReader.open(dir.path, { ctx });

  const result = await reader.extractFiles("working-dir/", dest.path);
  assert.equal(result.files, 2);
  for (const [path, bytes] of Object.entries(files)) {
    if (!path.startsWith("working-dir/")) continue;
    const target = join(dest.path, path);
    assert.deepEqual(await Deno.readFile(target), bytes);
    assert.equal(((await Deno.stat(target)).mode ?? 0) & 0o777, 0o644);
  }
  assert.equal(((await Deno.stat(join(dest.path, "working-dir/signatures"))).mode ?? 0) & 0o777, 0o755);
  assert.deepEqual(
    await reader.readFile("isc_2026-01-02T03:04:05Z.yaml"),
    files["isc_2026-01-02T03:04:05Z.yaml"],
  );
  await assert.rejects(reader.readFile("working-dir/none"), NotFoundError);
  await assert.rejects(
    reader.readFile("working-dir/signatures/4.18.1-x86_64-sha256-abc", { maxBytes: 5 }),
    /the limit for reading it is 5/,
  );

  await using dest2 = await tempDir();
  await Deno.symlink(outside.path, join(dest2.path, "working-dir"));
  await assert.rejects(
    reader.extractFiles("working-dir/", dest2.path),
    refusedWith(/through .*working-dir: it is a symbolic link$/),
  );
  const leaked: string[] = [];
  for await (const e of Deno.readDir(outside.path)) leaked.push(e.name);
  assert.deepEqual(leaked, []);
});

Deno.test("ArchiveReader.getManifest and getBlob refuse descriptors that do not match the archive", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  await writePart(dir.path, "mirror_000001.tar", rawTar(originalStyle().entries));
  const reader = await ArchiveReader.open(dir.path, { ctx });
  const o = originalStyle();
  const d = await reader.resolve(o.repo, "4.18.1-x86_64");
  await assert.rejects(reader.getManifest(o.repo, { ...d, size: d.size + 1 }), DigestMismatchError);
  await assert.rejects(reader.getManifest("other/repo", d), NotFoundError);
  await assert.rejects(reader.getBlob(o.repo, { ...o.layerD, size: 1 }), DigestMismatchError);
  await assert.rejects(reader.resolve(o.repo, digestOf("unlinked")), NotFoundError);
});
