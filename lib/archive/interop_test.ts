/**
 * Interoperability: a set we write, extracted with GNU tar, is served by a plain `docker-registry`
 * (skopeo finds our manifests and copies our blobs); an archive GNU tar builds from a registry tree (like
 * the original oc-mirror's, without index) is read by ArchiveReader; modern-tar decodes our parts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createTarDecoder } from "modern-tar";
import { blobDataPath } from "../layout/mod.ts";
import { digestOf, MediaType } from "../oci/mod.ts";
import { ArchiveReader } from "./archive_reader.ts";
import { ArchiveWriter } from "./archive_writer.ts";
import { recordingContext, type SampleImages, tempDir, writeSampleImages } from "./_test_support.ts";

const decoder = new TextDecoder();

async function run(cmd: string, args: string[]): Promise<Uint8Array> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")}: ${decoder.decode(out.stderr)}`);
  return out.stdout;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs `docker-registry` over `root` on a free loopback port until disposed. */
async function startDockerRegistry(
  root: string,
  configDir: string,
): Promise<{ host: string } & AsyncDisposable> {
  const port = freePort();
  const config = join(configDir, "config.yml");
  await Deno.writeTextFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${root}`,
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const child = new Deno.Command("/usr/bin/docker-registry", {
    args: ["serve", config],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.stderr.cancel();
    await child.status;
  };
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      await r.body?.cancel();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 200) {
      await stop();
      throw new Error(`docker-registry did not start on ${host}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { host, [Symbol.asyncDispose]: stop };
}

async function writeSet(dir: string): Promise<SampleImages> {
  const { ctx } = recordingContext();
  const writer = await ArchiveWriter.create(dir, { ctx, archiveSizeBytes: 8 * 1024 });
  const sample = await writeSampleImages(writer);
  const graph = new TextEncoder().encode('{"nodes":[]}');
  await writer.addFile(
    "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
    graph,
    graph.byteLength,
  );
  const summary = await writer.close();
  assert.ok(summary.parts.length > 1);
  return sample;
}

Deno.test("A set extracted with tar -x is served by docker-registry: skopeo reads our manifests and copies our blobs", async () => {
  await using archive = await tempDir();
  await using root = await tempDir();
  await using work = await tempDir();
  const sample = await writeSet(archive.path);
  const parts = [...Deno.readDirSync(archive.path)].map((e) => e.name).sort();
  for (const p of parts) await run("tar", ["-xf", join(archive.path, p), "-C", root.path]);

  await using registry = await startDockerRegistry(root.path, work.path);
  const reader = await ArchiveReader.open(archive.path, recordingContext());
  for (
    const [repo, tag, d] of [["ns/app", "v1", sample.app], ["ns/multi", "latest", sample.multi]] as const
  ) {
    const raw = await run("skopeo", [
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${registry.host}/${repo}:${tag}`,
    ]);
    assert.equal(digestOf(raw), d.digest, `${repo}:${tag}`);
    assert.deepEqual(raw, await reader.getManifest(repo, d));
  }
  const layout = join(work.path, "layout");
  await run("skopeo", [
    "copy",
    "--quiet",
    "--preserve-digests",
    "--src-tls-verify=false",
    `docker://${registry.host}/ns/app:v1`,
    `oci:${layout}:app`,
  ]);
  const index = JSON.parse(await Deno.readTextFile(join(layout, "index.json"))) as {
    manifests: { digest: string }[];
  };
  assert.equal(index.manifests[0]?.digest, sample.app.digest);
  const manifest = JSON.parse(decoder.decode(await reader.getManifest("ns/app", sample.app))) as {
    layers: { digest: string }[];
  };
  for (const l of manifest.layers) {
    const bytes = await Deno.readFile(join(layout, "blobs/sha256", l.digest.slice("sha256:".length)));
    assert.deepEqual(bytes, sample.layers.get(l.digest));
  }
});

for (const format of ["pax", "gnu", "ustar"]) {
  Deno.test(`ArchiveReader reads an index-less ${format} archive GNU tar made from a registry tree, as the original writes`, async () => {
    await using archive = await tempDir();
    await using root = await tempDir();
    await using original = await tempDir();
    const sample = await writeSet(archive.path);
    for (const p of [...Deno.readDirSync(archive.path)].map((e) => e.name)) {
      await run("tar", ["-xf", join(archive.path, p), "-C", root.path, "--exclude=oc-mirror"]);
    }
    await Deno.writeTextFile(join(root.path, "isc_2026-01-02T03:04:05Z"), "kind: ImageSetConfiguration\n");
    await run("tar", [
      `--format=${format}`,
      "-cf",
      join(original.path, "mirror_000001.tar"),
      "-C",
      root.path,
      "docker",
      "working-dir",
      "isc_2026-01-02T03:04:05Z",
    ]);
    const { ctx, events } = recordingContext();
    const reader = await ArchiveReader.open(original.path, { ctx });
    assert.ok(events.some((e) => e.kind === "log" && e.level === "warn" && /has no index/.test(e.message)));
    assert.equal(reader.setId, undefined);
    assert.deepEqual(await reader.resolve("ns/app", "v1"), sample.app);
    assert.equal((await reader.resolve("ns/multi", "latest")).mediaType, MediaType.ociIndex);
    assert.deepEqual(reader.listFiles().map((f) => f.path), [
      "isc_2026-01-02T03:04:05Z",
      "working-dir/hold-release/cincinnati-graph-data/amd64-stable-4.18.json",
    ]);
    const verified = await reader.verify();
    assert.ok(verified.entries > sample.layers.size);
  });
}

Deno.test("modern-tar decodes every part of our set, seeing our blob entries with their exact bytes", async () => {
  await using archive = await tempDir();
  const sample = await writeSet(archive.path);
  const seen = new Map<string, Uint8Array>();
  for (const p of [...Deno.readDirSync(archive.path)].map((e) => e.name).sort()) {
    const file = await Deno.open(join(archive.path, p));
    for await (const e of file.readable.pipeThrough(createTarDecoder({ strict: true }))) {
      seen.set(e.header.name, new Uint8Array(await new Response(e.body).arrayBuffer()));
    }
  }
  for (const [digest, bytes] of sample.layers) {
    assert.deepEqual(seen.get(blobDataPath(digest as `sha256:${string}`)), bytes);
  }
  assert.ok(seen.has("oc-mirror/set.json"));
});
