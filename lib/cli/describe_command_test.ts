import assert from "node:assert/strict";
import { ArchiveWriter } from "../archive/mod.ts";
import { testContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { digestOf } from "../oci/mod.ts";
import { encodeV1Metadata, newV1Metadata } from "../state/mod.ts";
import { writeImage } from "../store/mod.ts";
import type { CliIo } from "./command.ts";
import { describeCommand } from "./describe_command.ts";
import { Flags, parseFlags } from "./flags.ts";

async function writeSet(dir: string, sequence?: number): Promise<void> {
  const ctx = testContext();
  const writer = await ArchiveWriter.create(dir, {
    ctx,
    archiveSizeBytes: 1 << 20,
    ...(sequence !== undefined ? { naming: { kind: "v1" as const, sequence } } : {}),
  });
  if (sequence !== undefined) {
    const meta = encodeV1Metadata(newV1Metadata({
      uid: "8f9e2b1c-0000-4000-8000-000000000001",
      sequence,
      singleUse: false,
      now: new Date("2026-01-02T03:04:05Z"),
      mirror: {},
      operators: [],
      platforms: [],
      associations: [{
        name: "quay.io/example/app:1.0",
        path: "example/app",
        id: digestOf("x"),
        tagSymlink: "1.0",
        type: "generic",
        manifestDigests: [],
        layerDigests: [],
      }],
    }));
    await writer.addFile("publish/.metadata.json", meta, meta.byteLength);
  }
  await writeImage(writer, "example/app", {
    config: { n: sequence ?? 0 },
    layers: [{ bytes: new TextEncoder().encode(`layer ${sequence}`) }],
    tag: "1.0",
  });
  const graph = new TextEncoder().encode("{}");
  await writer.addFile("working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.14.json", graph, 2);
  const isc = new TextEncoder().encode("kind: ImageSetConfiguration\nmirror: {}\n");
  await writer.addFile("isc_2026-01-02T03:04:05Z.yaml", isc, isc.byteLength);
  await writer.close();
}

async function describe(argv: string[], cwd: string): Promise<string> {
  let out = "";
  const io: CliIo = { stdout: (t) => (out += t), stderr: () => {}, isTty: false, columns: 80 };
  await describeCommand.run({
    ctx: testContext({ cwd }),
    io,
    flags: new Flags(parseFlags(argv, describeCommand.flags, "describe")),
  });
  return out;
}

Deno.test("describe prints a v1 set's parts, metadata, repositories, working-dir files and ISC", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSet(dir, 1);
    await writeSet(dir, 2);
    const text = await describe([`file://${dir}`], "/");
    assert.match(text, /^Archive set [0-9a-f-]{36} \(v1, sequence 2\)\n/);
    assert.match(text, /Sequences in the directory: 1, 2\n/);
    assert.match(text, /Parts \(1, [\d.]+ kB\):\n {2}mirror_seq2_000000\.tar {2}/);
    assert.match(
      text,
      /Metadata: imageset 8f9e2b1c-0000-4000-8000-000000000001, sequence 2, 1 associations, created 2026-01-02T03:04:05\.000Z\n/,
    );
    assert.match(text, /Repositories \(1\):\n {2}example\/app {2}1\.0\n/);
    assert.match(
      text,
      /Working-dir files \(1\):\n {2}working-dir\/hold-release\/cincinnati-graph-data\/amd64-stable-4\.14\.json {2}2 B\n/,
    );
    assert.match(
      text,
      /ImageSetConfiguration \(isc_2026-01-02T03:04:05Z\.yaml\):\n {2}kind: ImageSetConfiguration\n {2}mirror: \{\}\n$/,
    );
    const one = JSON.parse(await describe(["-o", "json", "--sequence", "1", dir], "/"));
    assert.equal(one.naming, "v1");
    assert.equal(one.sequence, 1);
    assert.deepEqual(one.sequences, [1, 2]);
    assert.equal(one.metadata.sequence, 1);
    assert.deepEqual(one.repositories, [{ name: "example/app", tags: ["1.0"] }]);
    const byPart = JSON.parse(await describe(["-o", "json", "mirror_seq1_000000.tar"], dir));
    assert.equal(byPart.sequence, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describe reads v2 sets too; they have no metadata", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSet(dir);
    const d = JSON.parse(await describe(["--output", "json", dir], "/"));
    assert.equal(d.naming, "v2");
    assert.deepEqual(d.parts.map((p: { file: string }) => p.file), ["mirror_000001.tar"]);
    assert.equal(d.metadata, undefined);
    assert.equal(d.isc.path, "isc_2026-01-02T03:04:05Z.yaml");
    assert.match(await describe([dir], "/"), /^Archive set [0-9a-f-]{36} \(v2\)\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describe needs one file:// location or path", async () => {
  await assert.rejects(() => describe([], "/"), (e) => e instanceof UsageError && /got 0/.test(e.message));
  await assert.rejects(
    () => describe(["docker://quay.io/x"], "/"),
    (e) => e instanceof UsageError && /is not file:\/\/DIR or a path/.test(e.message),
  );
  await assert.rejects(
    () => describe(["/nonexistent-dir-for-describe"], "/"),
    /Cannot read archive directory/,
  );
});
