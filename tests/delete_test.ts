import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { type MappingLine, readMapping } from "./_support/mirror_checks.ts";
import { skopeoCopy, skopeoManifestDigest } from "./_support/skopeo.ts";

const ISC = `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.3
      maxVersion: 4.14.5
  operators:
  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.14
    packages:
    - name: web-terminal
  additionalImages:
  - name: quay.io/example/app:1.0
  - name: quay.io/example/multi:latest
`;

const DISC = `apiVersion: mirror.openshift.io/v2alpha1
kind: DeleteImageSetConfiguration
delete:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.3
      maxVersion: 4.14.3
  additionalImages:
  - name: quay.io/example/app:1.0
`;

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** The digest a tag resolves to in the registry (its API), or undefined when the tag is gone. */
async function digestAt(url: string, destination: string): Promise<string | undefined> {
  const m = /^[^/]+\/(.+):([^:/]+)$/.exec(destination);
  assert.ok(m, destination);
  const res = await fetch(`${url}/v2/${m[1]}/manifests/${m[2]}`, {
    method: "HEAD",
    headers: { accept: MANIFEST_ACCEPT },
  });
  await res.body?.cancel();
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200, `HEAD ${destination}`);
  return res.headers.get("docker-content-digest") ?? undefined;
}

function digestOfSource(line: MappingLine): string {
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(line.source)?.[1];
  assert.ok(digest, `release images are mirrored by digest: ${line.source}`);
  return digest;
}

Deno.test("delete: --generate lists release 4.14.3 and one additional image, and the delete keeps what 4.14.5 still uses", async () => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "delete-" });
  await using reg = await startDockerRegistry(`${dir}/registry`);
  try {
    await Deno.writeTextFile(`${dir}/isc.yaml`, ISC);
    await Deno.writeTextFile(`${dir}/disc.yaml`, DISC);
    const dest = `docker://${reg.host}/mirror`;
    const mirrorArgs = ["--v2", "-c", "isc.yaml", "--workspace", "file://ws", dest];
    const dry = await runOcMirror([...mirrorArgs, "--dry-run"], { cwd: dir, env: up.env() });
    assert.equal(dry.code, 0, dry.stderr);
    const mapping = await readMapping(`${dir}/ws/working-dir/dry-run/mapping.txt`);
    const mirror = await runOcMirror(mirrorArgs, { cwd: dir, env: up.env() });
    assert.equal(mirror.code, 0, mirror.stderr);

    const of = (re: RegExp) => mapping.filter((l) => re.test(l.destination));
    const payload3 = of(/\/mirror\/openshift\/release-images:4\.14\.3-x86_64$/);
    const payload5 = of(/\/mirror\/openshift\/release-images:4\.14\.5-x86_64$/);
    const components3 = of(/\/mirror\/openshift\/release:4\.14\.3-x86_64-/);
    const components5 = of(/\/mirror\/openshift\/release:4\.14\.5-x86_64-/);
    const app = of(/\/mirror\/example\/app:1\.0$/);
    assert.equal(payload3.length, 1);
    assert.equal(payload5.length, 1);
    assert.ok(components3.length >= 10, `4.14.3 has its components: ${components3.length}`);
    assert.equal(components5.length, components3.length);
    assert.equal(app.length, 1);
    const digests5 = new Set(components5.map(digestOfSource));
    const shared = components3.filter((l) => digests5.has(digestOfSource(l)));
    const own = components3.filter((l) => !digests5.has(digestOfSource(l)));
    assert.ok(shared.length > 0, "4.14.3 and 4.14.5 share component images");
    assert.ok(own.length > 0, "4.14.3 has component images of its own");

    // Phase 1: the list, and nothing deleted.
    const generate = await runOcMirror(
      ["delete", "--v2", "-c", "disc.yaml", "--workspace", "file://ws", "--generate", dest],
      { cwd: dir, env: up.env() },
    );
    assert.equal(generate.code, 0, generate.stderr);
    const listFile = `${dir}/ws/working-dir/delete/delete-images.yaml`;
    const list = parseYaml(await Deno.readTextFile(listFile)) as {
      kind: string;
      apiVersion: string;
      items: { imageName: string; imageReference: string; type: string }[];
    };
    assert.equal(list.kind, "DeleteImageList");
    assert.equal(list.apiVersion, "mirror.openshift.io/v2alpha1");
    const expected = [
      ...payload3.map((l) => ({ l, type: "ocpRelease" })),
      ...components3.map((l) => ({ l, type: "ocpReleaseContent" })),
      ...app.map((l) => ({ l, type: "generic" })),
    ].map(({ l, type }) => ({ imageName: l.source, imageReference: `docker://${l.destination}`, type }))
      .sort((a, b) => a.imageReference < b.imageReference ? -1 : 1);
    assert.deepEqual(list.items, expected);
    assert.equal(
      await Deno.readTextFile(`${dir}/ws/working-dir/delete/delete-imageset-config.yaml`),
      DISC,
    );
    assert.ok(await digestAt(reg.url, payload3[0]?.destination as string), "--generate deletes nothing");

    // Phase 2: a dry run prints the plan and deletes nothing.
    const dryDelete = await runOcMirror(
      ["delete", "--v2", "--delete-yaml-file", listFile, "--dry-run", dest],
      { cwd: dir, env: up.env() },
    );
    assert.equal(dryDelete.code, 0, dryDelete.stderr);
    assert.match(
      dryDelete.stderr,
      /Delete plan for .*: \d+ manifests to delete, \d+ kept \(still referenced\)/,
    );
    assert.match(dryDelete.stderr, /Dry run: nothing was deleted/);
    assert.ok(await digestAt(reg.url, app[0]?.destination as string), "the dry run deletes nothing");

    const run = await runOcMirror(["delete", "--v2", "--delete-yaml-file", listFile, dest], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(run.code, 0, run.stderr);
    for (const l of shared) {
      const tag = l.destination.slice(l.destination.lastIndexOf(":") + 1);
      const later = tag.replace("4.14.3-x86_64-", "4.14.5-x86_64-");
      assert.match(
        run.stderr,
        new RegExp(`kept: [^\\n]*:${tag} \\(sha256:[0-9a-f]+\\): still referenced by [^\\n]*:${later}`),
      );
    }
    assert.match(run.stderr, /Deleted \d+ manifests from docker:\/\/127\.0\.0\.1:\d+\/mirror/);
    assert.match(run.stderr, /garbage collection/);

    await assert.rejects(
      () => skopeoManifestDigest(`docker://${payload3[0]?.destination}`),
      /manifest unknown|not found/i,
    );
    assert.equal(await digestAt(reg.url, app[0]?.destination as string), undefined, "app:1.0 is gone");
    for (const l of own) {
      assert.equal(await digestAt(reg.url, l.destination), undefined, `${l.destination} gone`);
    }
    for (const l of shared) {
      assert.equal(await digestAt(reg.url, l.destination), digestOfSource(l), `${l.destination} kept`);
    }
    assert.equal(
      await skopeoManifestDigest(`docker://${payload5[0]?.destination}`),
      digestOfSource(payload5[0] as MappingLine),
    );
    for (const l of components5) {
      assert.equal(
        await digestAt(reg.url, l.destination),
        digestOfSource(l),
        `${l.destination} still resolves`,
      );
    }
    const others = mapping.filter((l) =>
      /\/mirror\/example\/multi:latest$/.test(l.destination) ||
      /\/mirror\/redhat\/redhat-operator-index:v4\.14$/.test(l.destination) ||
      !/\/mirror\/(openshift|example)\//.test(l.destination)
    );
    assert.ok(others.length >= 3, "the catalog, its operator images and the other additional image");
    for (const l of others) assert.ok(await digestAt(reg.url, l.destination), `${l.destination} remains`);

    // Running it again deletes nothing more: the rest is gone or still kept.
    const again = await runOcMirror(["delete", "--v2", "--delete-yaml-file", listFile, dest], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Deleted 0 manifests/);
    assert.match(again.stderr, /gone: [^\n]*\/mirror\/example\/app:1\.0: not in the registry/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("delete: a registry without deletes enabled is a clear error with a hint, and a foreign item is refused before anything is deleted", async () => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "delete-405-" });
  await using reg = await startDockerRegistry(`${dir}/registry`, { deleteEnabled: false });
  try {
    const target = `${reg.host}/mirror/example/app:1.0`;
    await skopeoCopy(`docker://${up.localReference("quay.io/example/app:1.0")}`, `docker://${target}`);
    const item = (ref: string) =>
      `kind: DeleteImageList\napiVersion: mirror.openshift.io/v2alpha1\nitems:\n` +
      `- imageName: quay.io/example/app:1.0\n  imageReference: docker://${ref}\n  type: generic\n`;
    await Deno.writeTextFile(`${dir}/list.yaml`, item(target));
    const run = await runOcMirror([
      "delete",
      "--delete-yaml-file",
      "list.yaml",
      `docker://${reg.host}/mirror`,
    ], {
      cwd: dir,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /does not allow deleting manifests: HTTP 405/);
    assert.match(run.stderr, /hint: .*storage\.delete\.enabled: true/);
    assert.ok(await digestAt(reg.url, target));

    await Deno.writeTextFile(`${dir}/foreign.yaml`, item("other.example.com/mirror/example/app:1.0"));
    const foreign = await runOcMirror(
      ["delete", "--delete-yaml-file", "foreign.yaml", `docker://${reg.host}/mirror`],
      { cwd: dir },
    );
    assert.equal(foreign.code, 1, foreign.stderr);
    assert.match(
      foreign.stderr,
      /foreign\.yaml:5:19: items\[0\]\.imageReference "docker:\/\/other\.example\.com\/mirror\/example\/app:1\.0" is not under the destination/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
