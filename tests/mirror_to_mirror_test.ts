import assert from "node:assert/strict";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { assertMirrored, readMapping, readYamlDocuments } from "./_support/mirror_checks.ts";
import { skopeoManifestDigest } from "./_support/skopeo.ts";

function isc(helmRepoUrl: string): string {
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
  helm:
    repositories:
    - name: example
      url: ${helmRepoUrl}
      charts:
      - name: example-app
        version: 1.0.0
`;
}

Deno.test("mirror-to-mirror: every image of mapping.txt reaches docker-registry with the source's digest, and the resources point at it", async () => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "m2m-" });
  await using reg = await startDockerRegistry(`${dir}/registry`);
  try {
    await Deno.writeTextFile(`${dir}/isc.yaml`, isc(up.helmRepoUrl));
    const args = ["--v2", "-c", "isc.yaml", "--workspace", "file://ws", `docker://${reg.host}/mirror`];
    const dry = await runOcMirror([...args, "--dry-run"], { cwd: dir, env: up.env() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /Dry run: \d+ images/);
    const lines = await readMapping(`${dir}/ws/working-dir/dry-run/mapping.txt`);
    const missing = await readMapping(`${dir}/ws/working-dir/dry-run/missing.txt`);
    assert.equal(missing.length, lines.length, "nothing is at the destination yet");
    assert.ok(lines.some((l) => l.destination.endsWith("/mirror/openshift/release-images:4.14.3-x86_64")));
    assert.ok(lines.some((l) => /\/mirror\/openshift\/release:4\.14\.5-x86_64-/.test(l.destination)));
    assert.ok(lines.some((l) => l.destination.endsWith("/mirror/redhat/redhat-operator-index:v4.14")));

    const run = await runOcMirror(args, { cwd: dir, env: up.env() });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /✓ \d+ \/ \d+ release images mirrored/);
    const checked = await assertMirrored(lines, {
      sourceRef: (s) => up.localReference(s),
      rebuilt: (l) =>
        l.destination.includes("redhat-operator-index") || l.destination.includes("graph-image"),
    });
    assert.ok(checked >= lines.length - 2);

    const idms = await readYamlDocuments(`${dir}/ws/working-dir/cluster-resources/idms-oc-mirror.yaml`);
    assert.deepEqual(idms.map((d) => (d.metadata as { name: string }).name), [
      "idms-release-0",
      "idms-operator-0",
      "idms-generic-0",
    ]);
    for (const doc of idms) {
      for (const rule of (doc.spec as { imageDigestMirrors: { mirrors: string[] }[] }).imageDigestMirrors) {
        for (const mirror of rule.mirrors) assert.ok(mirror.startsWith(`${reg.host}/mirror`), mirror);
      }
    }
    const [cs] = await readYamlDocuments(
      `${dir}/ws/working-dir/cluster-resources/cs-redhat-operator-index-v4-14.yaml`,
    );
    const image = (cs?.spec as { image: string }).image;
    assert.equal(image, `${reg.host}/mirror/redhat/redhat-operator-index:v4.14`);
    await skopeoManifestDigest(`docker://${image}`);
    const [us] = await readYamlDocuments(`${dir}/ws/working-dir/cluster-resources/updateService.yaml`);
    await skopeoManifestDigest(`docker://${(us?.spec as { graphDataImage: string }).graphDataImage}`);

    const again = await runOcMirror([...args, "--dry-run"], { cwd: dir, env: up.env() });
    assert.equal(again.code, 0, again.stderr);
    const stillMissing = await readMapping(`${dir}/ws/working-dir/dry-run/missing.txt`);
    assert.deepEqual(stillMissing, [], "after the run, nothing is missing at the destination");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mirror-to-mirror copies sigstore signature tags unless --remove-signatures", async () => {
  const { writeImage } = await import("../lib/store/mod.ts");
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "m2m-sig-" });
  await using reg = await startDockerRegistry(`${dir}/registry`);
  try {
    const app = await up.store.resolve("quay.io/example/app", "1.0");
    const sigTag = `sha256-${app.digest.slice(7)}.sig`;
    await writeImage(up.store, "quay.io/example/app", {
      config: { architecture: "", os: "" },
      configMediaType: "application/vnd.oci.image.config.v1+json",
      layers: [{
        bytes: new TextEncoder().encode('{"critical":{}}'),
        mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
      }],
      tag: sigTag,
    });
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  additionalImages:\n  - name: quay.io/example/app:1.0\n",
    );
    const withSig = await runOcMirror([
      "--v2",
      "-c",
      "isc.yaml",
      "--workspace",
      "file://ws",
      `docker://${reg.host}/a`,
    ], { cwd: dir, env: up.env() });
    assert.equal(withSig.code, 0, withSig.stderr);
    const tags = await (await fetch(`${reg.url}/v2/a/example/app/tags/list`)).json();
    assert.deepEqual(tags.tags.sort(), ["1.0", sigTag].sort());
    const without = await runOcMirror([
      "--v2",
      "-c",
      "isc.yaml",
      "--workspace",
      "file://ws",
      `docker://${reg.host}/b`,
      "--remove-signatures",
    ], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(without.code, 0, without.stderr);
    assert.deepEqual((await (await fetch(`${reg.url}/v2/b/example/app/tags/list`)).json()).tags, ["1.0"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
