import assert from "node:assert/strict";
import { spawnOcMirror } from "./_support/cli.ts";
import { OciLayoutStore } from "../lib/layout/mod.ts";
import { skopeoCopy, skopeoManifestDigest } from "./_support/skopeo.ts";
import { writeTestImage } from "./_support/test_image.ts";

Deno.test("oc-mirror serve serves a folder that skopeo pushes to and pulls from, and stops cleanly on SIGINT", async () => {
  const root = await Deno.makeTempDir({ prefix: "serve-root-" });
  const scratch = await Deno.makeTempDir({ prefix: "serve-scratch-" });
  try {
    await using cli = await spawnOcMirror(["serve", "--root", root, "--port", "0", "--address", "127.0.0.1"]);
    const m = await cli.waitForLine(/Serving .* at http:\/\/127\.0\.0\.1:(\d+) \(read-write, no auth\)/);
    const host = `127.0.0.1:${m[1]}`;
    const layout = `${scratch}/layout`;
    await Deno.mkdir(layout);
    const store = new OciLayoutStore(layout);
    await writeTestImage(store, "x", { seed: 7, layers: 2, tag: "v1" });
    await skopeoCopy(`oci:${layout}:v1`, `docker://${host}/demo/app:v1`, ["--dest-tls-verify=false"]);
    const pushed = await skopeoManifestDigest(`docker://${host}/demo/app:v1`, ["--tls-verify=false"]);
    assert.equal(pushed, await skopeoManifestDigest(`oci:${layout}:v1`));
    await Deno.stat(`${root}/docker/registry/v2/repositories/demo/app/_manifests/tags/v1/current/link`);
    const code = await cli.stop("SIGINT");
    assert.equal(code, 0, cli.stderr());
    assert.match(cli.stderr(), /Stopped serving/);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(scratch, { recursive: true });
  }
});
