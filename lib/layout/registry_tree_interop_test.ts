/**
 * Interop of {@link RegistryTreeStore} with the CNCF distribution registry (`/usr/bin/docker-registry`)
 * over the same storage root, in both directions, checked with skopeo.
 */
import assert from "node:assert/strict";
import { type Descriptor, digestOf, MediaType, parseManifest } from "../oci/mod.ts";
import { startDockerRegistry } from "../../tests/_support/docker_registry.ts";
import { skopeo, skopeoCopy, skopeoManifestDigest } from "../../tests/_support/skopeo.ts";
import { writeTestImage, writeTestIndex } from "../../tests/_support/test_image.ts";
import { OciLayoutStore } from "./oci_layout_store.ts";
import { RegistryTreeStore } from "./registry_tree_store.ts";

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url} answered ${res.status}`);
  return await res.json();
}

Deno.test("docker-registry serves a tree RegistryTreeStore wrote", async () => {
  const root = await Deno.makeTempDir({ prefix: "tree-interop-" });
  try {
    const store = new RegistryTreeStore(root);
    const idx = await writeTestIndex(store, "ns/multi", { seed: 1, tag: "v1" });
    const docker = await writeTestImage(store, "ns/deep/docker", {
      seed: 5,
      tag: "latest",
      mediaType: MediaType.dockerManifest,
    });
    await writeTestImage(store, "ns/deep/docker", { seed: 6, tag: "other" });
    await using reg = await startDockerRegistry(root);
    assert.equal(await skopeoManifestDigest(`docker://${reg.host}/ns/multi:v1`), idx.digest);
    assert.equal(await skopeoManifestDigest(`docker://${reg.host}/ns/deep/docker:latest`), docker.digest);
    assert.deepEqual(await getJson(`${reg.url}/v2/_catalog`), {
      repositories: ["ns/deep/docker", "ns/multi"],
    });
    assert.deepEqual(await getJson(`${reg.url}/v2/ns/deep/docker/tags/list`), {
      name: "ns/deep/docker",
      tags: ["latest", "other"],
    });
    // Pulling every blob through docker-registry proves the _layers links and data files are right.
    const out = await Deno.makeTempDir({ prefix: "tree-interop-out-" });
    try {
      await skopeoCopy(`docker://${reg.host}/ns/multi:v1`, `oci:${out}:copy`, ["--all"]);
      assert.equal(await skopeoManifestDigest(`oci:${out}:copy`), idx.digest);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("RegistryTreeStore reads a tree docker-registry wrote", async () => {
  const root = await Deno.makeTempDir({ prefix: "tree-interop-" });
  const src = await Deno.makeTempDir({ prefix: "tree-interop-src-" });
  try {
    const layout = new OciLayoutStore(src);
    const idx = await writeTestIndex(layout, "any", { seed: 11, tag: "multi" });
    const single = await writeTestImage(layout, "any", { seed: 21, tag: "single" });
    {
      await using reg = await startDockerRegistry(root);
      await skopeoCopy(`oci:${src}:multi`, `docker://${reg.host}/team/app:v1`, ["--all"]);
      await skopeoCopy(`oci:${src}:single`, `docker://${reg.host}/team/app:v2`);
      await skopeoCopy(`oci:${src}:single`, `docker://${reg.host}/other:latest`);
      // Delete through the registry API so we also read distribution's deletions.
      const del = await fetch(`${reg.url}/v2/other/manifests/${single.digest}`, { method: "DELETE" });
      assert.equal(del.status, 202);
    }
    const store = new RegistryTreeStore(root);
    const v1 = await store.resolve("team/app", "v1");
    assert.equal(v1.digest, idx.digest);
    assert.equal(v1.mediaType, MediaType.ociIndex);
    const v2 = await store.resolve("team/app", "v2");
    assert.equal(v2.digest, single.digest);
    const index = parseManifest(await store.getManifest("team/app", v1), { where: "v1" });
    assert.equal(index.kind, "index");
    const children = index.kind === "index" ? index.manifests : [];
    assert.equal(children.length, 2);
    for (const child of children) {
      assert.equal(await store.hasManifest("team/app", child), true);
      const m = parseManifest(await store.getManifest("team/app", child), { where: child.digest });
      const blobs: Descriptor[] = m.kind === "manifest" ? [m.config, ...m.layers] : [];
      for (const b of blobs) {
        assert.equal(await store.hasBlob("team/app", b), true);
        assert.equal(digestOf(await readAll(await store.getBlob("team/app", b))), b.digest);
      }
    }
    assert.deepEqual(await Array.fromAsync(store.listTags("team/app")), ["v1", "v2"]);
    assert.deepEqual(await Array.fromAsync(store.listRepositories()), ["other", "team/app"]);
    assert.equal(await store.hasManifest("other", single), false);
    assert.deepEqual(await Array.fromAsync(store.listTags("other")), []);
    // And what we read is what skopeo sees through our own eyes: copy the tree back out as a layout.
    const raw = await skopeo(["inspect", "--raw", `oci:${src}:multi`]);
    assert.deepEqual(await store.getManifest("team/app", v1), raw);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(src, { recursive: true });
  }
});
