import assert from "node:assert/strict";
import { join } from "node:path";
import { ArchiveError } from "../errors.ts";
import { ArchiveReader } from "./archive_reader.ts";
import { ArchiveWriter } from "./archive_writer.ts";
import { scanPart } from "./_part_scanner.ts";
import { rawTar, recordingContext, tempDir, writeSampleImages } from "./_test_support.ts";

const MiB = 1024 * 1024;

Deno.test("v1 archive sets begin with publish/.metadata.json, which the reader lists and reads back", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir.path, {
    ctx,
    archiveSizeBytes: MiB,
    naming: { kind: "v1", sequence: 2 },
  });
  const metadata = new TextEncoder().encode('{"kind":"Metadata"}');
  await writer.addFile("publish/.metadata.json", metadata, metadata.byteLength);
  await writeSampleImages(writer);
  const summary = await writer.close();
  assert.deepEqual(summary.parts.map((p) => p.file), ["mirror_seq2_000000.tar"]);
  const entries = (await scanPart({ path: join(dir.path, "mirror_seq2_000000.tar"), name: "p" })).entries;
  assert.equal(entries[0]?.name, "publish/.metadata.json");

  const reader = await ArchiveReader.open(dir.path, { ctx });
  await reader.verify();
  assert.deepEqual(reader.listFiles("publish/"), [{
    path: "publish/.metadata.json",
    sizeBytes: metadata.byteLength,
  }]);
  assert.deepEqual(await reader.readFile("publish/.metadata.json"), metadata);
  // Extracting working-dir files leaves the metadata alone.
  const out = await Deno.makeTempDir();
  try {
    await reader.extractFiles("working-dir/", out);
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("only publish/.metadata.json is allowed under publish/, when writing and when reading", async () => {
  await using dir = await tempDir();
  const { ctx } = recordingContext();
  await using writer = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: MiB });
  await assert.rejects(
    writer.addFile("publish/other.json", new Uint8Array(1), 1),
    (e: unknown) =>
      e instanceof ArchiveError &&
      /isc_\* files can be added \(and publish\/\.metadata\.json\)/.test(e.message),
  );
  await Deno.writeFile(
    join(dir.path, "mirror_seq1_000000.tar"),
    rawTar([{ name: "publish/.metadata.json", data: "{}" }, { name: "publish/evil", data: "x" }]),
  );
  await assert.rejects(
    ArchiveReader.open(dir.path, { ctx }),
    (e: unknown) => e instanceof ArchiveError && e.message.includes('"publish/evil"'),
  );
});
