import assert from "node:assert/strict";
import { ArchiveReader } from "../lib/archive/mod.ts";
import { testContext } from "../lib/context.ts";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { readMapping, readYamlDocuments } from "./_support/mirror_checks.ts";
import { skopeoManifestDigest } from "./_support/skopeo.ts";

const KEY = new URL("../fixtures/keys/release-public.asc", import.meta.url).pathname;

function isc(helmRepoUrl: string, extra = ""): string {
  return `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.3
      maxVersion: 4.14.5
    graph: true
  operators:
  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.14
    packages:
    - name: web-terminal
  additionalImages:
  - name: quay.io/example/app:1.0
  - name: quay.io/example/multi:latest
${extra}  helm:
    repositories:
    - name: example
      url: ${helmRepoUrl}
      charts:
      - name: example-app
        version: 1.0.0
`;
}

/** The non-manifest blobs (configs and layers) an archive set holds, by digest. */
async function layerBlobs(dir: string): Promise<Set<string>> {
  const reader = await ArchiveReader.open(dir, { ctx: testContext() });
  const out = new Set<string>();
  for (const part of reader.parts) {
    const list = await new Deno.Command("tar", {
      args: ["-tvf", part.file.startsWith("/") ? part.file : `${dir}/${part.file}`],
      stdout: "piped",
    }).output();
    for (const line of new TextDecoder().decode(list.stdout).split("\n")) {
      const m = /\s(\d+)\s.*docker\/registry\/v2\/blobs\/sha256\/..\/([a-f0-9]{64})\/data$/.exec(line);
      if (!m) continue;
      const d = {
        mediaType: "application/octet-stream",
        digest: `sha256:${m[2]}` as const,
        size: Number(m[1]),
      };
      const head = new Uint8Array(await new Response(await reader.getBlob("any", d)).arrayBuffer()).slice(
        0,
        200,
      );
      if (!new TextDecoder().decode(head).includes('"schemaVersion"')) out.add(d.digest);
    }
  }
  return out;
}

Deno.test("mirror-to-disk then disk-to-mirror (offline) puts every image at docker-registry with the source's digest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "m2d-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const up = await startUpstream();
    const sources = new Map<string, string>();
    try {
      await Deno.writeTextFile(`${dir}/isc.yaml`, isc(up.helmRepoUrl));
      const m2d = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
      assert.equal(m2d.code, 0, m2d.stderr);
      assert.match(m2d.stderr, /Wrote mirror_000001\.tar/);
      const parts = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).filter((n) => n.endsWith(".tar"));
      assert.deepEqual(parts, ["mirror_000001.tar"]);
      // The plan disk-to-mirror will follow, with each source's digest read while the upstream still runs.
      const dry = await runOcMirror([
        "--v2",
        "-c",
        "isc.yaml",
        "--from",
        "file://out",
        `docker://${reg.host}/ns`,
        "--dry-run",
      ], {
        cwd: dir,
        env: { OCP_SIGNATURE_VERIFICATION_PK: KEY },
      });
      assert.equal(dry.code, 0, dry.stderr);
      for (const l of await readMapping(`${dir}/out/working-dir/dry-run/mapping.txt`)) {
        sources.set(l.destination, await skopeoManifestDigest(`docker://${up.localReference(l.source)}`));
      }
    } finally {
      await up.close();
    }
    assert.ok(sources.size > 30);
    const d2m = await runOcMirror([
      "--v2",
      "-c",
      "isc.yaml",
      "--from",
      "file://out",
      `docker://${reg.host}/ns`,
    ], {
      cwd: dir,
      env: { OCP_SIGNATURE_VERIFICATION_PK: KEY },
    });
    assert.equal(d2m.code, 0, d2m.stderr);
    assert.match(d2m.stderr, /✓ 33 \/ 33 release images mirrored/);
    for (const [destination, sourceDigest] of sources) {
      const digest = await skopeoManifestDigest(`docker://${destination}`);
      if (destination.includes("redhat-operator-index") || destination.includes("graph-image")) continue; // rebuilt
      assert.equal(digest, sourceDigest, destination);
    }
    const [cs] = await readYamlDocuments(
      `${dir}/out/working-dir/cluster-resources/cs-redhat-operator-index-v4-14.yaml`,
    );
    assert.equal((cs?.spec as { image: string }).image, `${reg.host}/ns/redhat/redhat-operator-index:v4.14`);

    // The extracted archive is a registry storage tree that docker-registry serves as is.
    await Deno.mkdir(`${dir}/extracted`);
    const tar = await new Deno.Command("tar", {
      args: ["-xf", `${dir}/out/mirror_000001.tar`, "-C", `${dir}/extracted`],
    }).output();
    assert.equal(tar.code, 0);
    await using served = await startDockerRegistry(`${dir}/extracted`);
    for (const destination of [...sources.keys()].slice(0, 10)) {
      const relative = destination.slice(`${reg.host}/ns/`.length);
      assert.equal(
        await skopeoManifestDigest(`docker://${served.host}/${relative}`),
        await skopeoManifestDigest(`docker://${destination}`),
        relative,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mirror-to-disk is incremental: a second run archives only new blobs, --since re-includes older ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "m2d-inc-" });
  try {
    await using up = await startUpstream();
    await Deno.writeTextFile(`${dir}/isc.yaml`, isc(up.helmRepoUrl));
    const first = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
    assert.equal(first.code, 0, first.stderr);
    const firstBlobs = await layerBlobs(`${dir}/out`);
    assert.ok(firstBlobs.size > 20, `first archive blobs: ${firstBlobs.size}`);

    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      isc(up.helmRepoUrl, "  - name: quay.io/example/worker:1.0\n"),
    );
    const second = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Leaving out \d+ blobs shipped by earlier archives/);
    const secondBlobs = await layerBlobs(`${dir}/out`);
    const worker = up.content.images["quay.io/example/worker:1.0"];
    assert.ok(worker);
    assert.ok(
      secondBlobs.size > 0 && secondBlobs.size < 5,
      `only the new image's blobs: ${secondBlobs.size}`,
    );
    for (const b of secondBlobs) assert.ok(!firstBlobs.has(b), `${b} was already shipped`);

    const since = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out", "--since", "2000-01-01"], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(since.code, 0, since.stderr);
    const sinceBlobs = await layerBlobs(`${dir}/out`);
    for (const b of firstBlobs) assert.ok(sinceBlobs.has(b), `--since re-includes ${b}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("disk-to-mirror refuses a corrupted or truncated archive before pushing anything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "m2d-bad-" });
  try {
    await using up = await startUpstream();
    await using reg = await startDockerRegistry(`${dir}/registry`);
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  additionalImages:\n  - name: quay.io/example/app:1.0\n",
    );
    const m2d = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
    assert.equal(m2d.code, 0, m2d.stderr);
    const part = `${dir}/out/mirror_000001.tar`;
    const original = await Deno.readFile(part);
    const tampered = original.slice();
    tampered[2048 + 700] = (tampered[2048 + 700] ?? 0) ^ 1;
    for (
      const [label, bytes] of [["corrupted", tampered], [
        "truncated",
        original.slice(0, original.length - 3000),
      ]] as const
    ) {
      await Deno.writeFile(part, bytes);
      const r = await runOcMirror(
        ["--v2", "-c", "isc.yaml", "--from", "file://out", `docker://${reg.host}`],
        { cwd: dir },
      );
      assert.equal(r.code, 1, `${label}: ${r.stderr}`);
      assert.match(r.stderr, /mirror_000001\.tar/, label);
      const catalog = await (await fetch(`${reg.url}/v2/_catalog`)).json();
      assert.deepEqual(catalog.repositories, [], `${label}: nothing was pushed`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mirror-to-disk with --cache-dir: a rerun reads no blob from the upstream again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "m2d-cache-" });
  try {
    await using up = await startUpstream();
    let blobReads = 0;
    const getBlob = up.store.getBlob.bind(up.store);
    up.store.getBlob = (...args) => {
      blobReads++;
      return getBlob(...args);
    };
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  additionalImages:\n  - name: quay.io/example/app:1.0\n  - name: quay.io/example/multi:latest\n",
    );
    const first = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out1", "--cache-dir", "cache"], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(blobReads > 0);
    await Deno.stat(`${dir}/cache/.oc-mirror/.cache/docker/registry/v2/repositories/example/app`);
    blobReads = 0;
    const second = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out2", "--cache-dir", "cache"], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(blobReads, 0, "every blob came from the cache");
    const parts = [...Deno.readDirSync(`${dir}/out2`)].map((e) => e.name).filter((n) => n.endsWith(".tar"));
    assert.deepEqual(parts, ["mirror_000001.tar"]);
    assert.deepEqual(await layerBlobs(`${dir}/out2`), await layerBlobs(`${dir}/out1`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
