/**
 * `oc-mirror copy` end to end: the CLI as a subprocess against the synthetic upstream (sources through
 * its registries.conf) and the CNCF `docker-registry`, checked with skopeo.
 * @module
 */
import assert from "node:assert/strict";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { parseManifest } from "../lib/oci/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { skopeo, skopeoInspectRaw, skopeoManifestDigest } from "./_support/skopeo.ts";

const MULTI = "quay.io/example/multi:latest";

Deno.test("oc-mirror copy: docker→oci→docker and docker→docker keep the manifest digest, and a rerun skips every blob", async () => {
  await using upstream = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "copy-e2e-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/storage`);
    const env = upstream.env();
    const source = upstream.content.images[MULTI];
    assert.ok(source);
    assert.equal(
      await skopeoManifestDigest(`docker://${upstream.localReference(MULTI)}`),
      source.digest,
      "skopeo sees the published digest",
    );

    const toLayout = await runOcMirror(["copy", `docker://${MULTI}`, `oci://${dir}/layout:multi`], { env });
    assert.equal(toLayout.code, 0, toLayout.stderr);
    assert.equal(toLayout.stdout, "");
    assert.match(
      toLayout.stderr,
      new RegExp(
        `Copied docker://${MULTI} to oci://${dir}/layout:multi: ${source.digest}, \\d+ blobs copied \\(.+\\), 0 skipped, 5 manifests written`,
      ),
    );
    assert.equal(await skopeoManifestDigest(`oci:${dir}/layout:multi`), source.digest);

    const rerun = await runOcMirror(["copy", `docker://${MULTI}`, `oci://${dir}/layout:multi`], { env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /, 0 blobs copied \(0 B\), 8 skipped, 0 manifests written\n$/);

    // No :ref on the source: the layout holds one image, so that one is copied.
    const toRegistry = await runOcMirror([
      "copy",
      `oci://${dir}/layout`,
      `docker://${reg.host}/mirror/multi:v1`,
    ], {
      env,
    });
    assert.equal(toRegistry.code, 0, toRegistry.stderr);
    assert.match(
      toRegistry.stderr,
      new RegExp(
        `Copied oci://${dir}/layout:multi to docker://${reg.host}/mirror/multi:v1: ${source.digest}`,
      ),
    );
    assert.equal(await skopeoManifestDigest(`docker://${reg.host}/mirror/multi:v1`), source.digest);
    // Every platform's manifest and blob arrived: skopeo can pull the whole index back out.
    await skopeo([
      "copy",
      "--all",
      "--src-tls-verify=false",
      `docker://${reg.host}/mirror/multi:v1`,
      `oci:${dir}/back:all`,
    ]);
    assert.equal(await skopeoManifestDigest(`oci:${dir}/back:all`), source.digest);

    const app = upstream.content.images["quay.io/example/app:1.0"];
    assert.ok(app);
    const direct = await runOcMirror(
      [
        "copy",
        "docker://quay.io/example/app:1.0",
        `docker://${reg.host}/direct/app`,
        "--parallel-layers",
        "2",
      ],
      { env },
    );
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stderr, new RegExp(`to docker://${reg.host}/direct/app:latest: ${app.digest}`));
    assert.equal(await skopeoManifestDigest(`docker://${reg.host}/direct/app:latest`), app.digest);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("oc-mirror copy --platform writes an index of just the chosen platforms", async () => {
  await using upstream = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "copy-e2e-" });
  try {
    const source = upstream.content.images[MULTI];
    const arm64 = source?.children?.find((c) => c.platforms[0]?.architecture === "arm64");
    assert.ok(source && arm64);
    const r = await runOcMirror(
      [
        "copy",
        "--platform",
        "linux/arm64",
        `docker://${MULTI}`,
        `oci://${dir}/layout:arm64`,
        "--log-format",
        "json",
      ],
      { env: upstream.env() },
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = r.stderr.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)).find((e) =>
      e.kind === "log" && e.message.startsWith("Copied")
    );
    assert.equal(summary.detail.filteredIndex, true);
    assert.equal(summary.detail.sourceDigest, source.digest);
    const raw = await skopeoInspectRaw(`oci:${dir}/layout:arm64`);
    const index = parseManifest(raw, { where: "filtered index" });
    assert.equal(index.kind, "index");
    assert.deepEqual(index.kind === "index" ? index.manifests.map((m) => m.digest) : [], [arm64.digest]);
    assert.equal(summary.detail.digest, await skopeoManifestDigest(`oci:${dir}/layout:arm64`));
    assert.notEqual(summary.detail.digest, source.digest);
    // The one platform kept is complete: skopeo copies it out of the layout.
    await skopeo(["copy", "--all", `oci:${dir}/layout:arm64`, `oci:${dir}/check:arm64`]);

    const none = await runOcMirror(
      ["copy", "--platform", "windows/amd64", `docker://${MULTI}`, `oci://${dir}/layout:win`],
      { env: upstream.env() },
    );
    assert.equal(none.code, 1);
    assert.equal(
      none.stderr,
      `error: Copy of docker://${MULTI} to oci://${dir}/layout:win failed at the source: Image docker://${MULTI} ` +
        "has no manifest for platforms windows/amd64: it has linux/amd64, linux/arm64/v8, linux/ppc64le, linux/s390x\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("oc-mirror copy fails with exit 1 and says which side failed: missing image, missing layout ref", async () => {
  await using upstream = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "copy-e2e-" });
  try {
    const missing = `${upstream.registryHost}/quay.io/example/nope:1.0`;
    const r = await runOcMirror(
      ["copy", "--retry-times", "0", `docker://${missing}`, `oci://${dir}/layout`],
      {
        env: upstream.env(),
      },
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        `^error: Copy of docker://${missing} to oci://${dir}/layout:latest failed at the source: .*not found`,
        "m",
      ),
    );
    await assert.rejects(() => Deno.stat(`${dir}/layout/index.json`), Deno.errors.NotFound);

    const ok = await runOcMirror(
      ["copy", "docker://quay.io/example/app:1.0", `oci://${dir}/layout:app-1.0`],
      {
        env: upstream.env(),
      },
    );
    assert.equal(ok.code, 0, ok.stderr);
    const badRef = await runOcMirror(["copy", `oci://${dir}/layout:app-2.0`, `oci://${dir}/other`]);
    assert.equal(badRef.code, 1);
    assert.equal(
      badRef.stderr,
      `error: Image "app-2.0" not found in OCI layout ${dir}/layout: it has "app-1.0"\n` +
        `hint: Name an image the layout has, e.g. oci://${dir}/layout:app-1.0\n`,
    );

    const usage = await runOcMirror(["copy", `oci://${dir}/layout:app-1.0`]);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /^error: Copy needs a source and a destination, got 1 argument/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
