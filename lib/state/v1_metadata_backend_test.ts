import assert from "node:assert/strict";
import { StateError } from "../errors.ts";
import { type Descriptor, digestOf, parseManifest } from "../oci/mod.ts";
import { MemoryStore } from "../store/mod.ts";
import { newV1Metadata, type V1Metadata } from "./v1_metadata.ts";
import { LocalMetadataBackend, RegistryMetadataBackend } from "./v1_metadata_backend.ts";

function meta(sequence: number): V1Metadata {
  return newV1Metadata({
    uid: "5e0c8a4e-6f5c-4a57-9a1e-0c1d2e3f4a5b",
    sequence,
    singleUse: false,
    now: new Date("2026-01-02T03:04:05Z"),
    mirror: { additionalImages: [{ name: "quay.io/example/app:1.0" }] },
    operators: [],
    platforms: [],
    associations: [{
      name: "quay.io/example/app:1.0",
      path: "example/app",
      id: digestOf("m"),
      tagSymlink: "1.0",
      type: "generic",
      manifestDigests: [],
      layerDigests: [digestOf("l")],
    }],
  });
}

Deno.test("local metadata backend: missing is undefined; writes publish/.metadata.json atomically with mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const backend = new LocalMetadataBackend(dir);
    assert.equal(backend.file, `${dir}/publish/.metadata.json`);
    assert.equal(await backend.read(), undefined);
    await backend.write(meta(1));
    await backend.write(meta(2));
    assert.deepEqual(await backend.read(), meta(2));
    assert.equal(((await Deno.stat(backend.file)).mode ?? 0) & 0o777, 0o600);
    assert.deepEqual([...Deno.readDirSync(`${dir}/publish`)].map((e) => e.name), [".metadata.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local metadata backend: a corrupt file is a StateError naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/publish`);
    await Deno.writeTextFile(`${dir}/publish/.metadata.json`, '{"kind":"Metadata"}');
    await assert.rejects(() => new LocalMetadataBackend(dir).read(), (e) => {
      assert.ok(e instanceof StateError);
      assert.match(
        e.message,
        new RegExp(`^Metadata ${dir}/publish/\\.metadata\\.json is not valid oc-mirror v1 metadata`),
      );
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("registry metadata backend: stores one tar layer holding .metadata.json and reads it back", async () => {
  const store = new MemoryStore({ label: "docker://reg:5000" });
  const backend = new RegistryMetadataBackend(store, "ns/oc-mirror", "5e0c8a4e");
  assert.equal(backend.label, "docker://reg:5000/ns/oc-mirror:5e0c8a4e");
  assert.equal(await backend.read(), undefined);
  await backend.write(meta(1));
  await backend.write(meta(3));
  assert.deepEqual(await backend.read(), meta(3));
  const root = await store.resolve("ns/oc-mirror", "5e0c8a4e");
  const m = parseManifest(await store.getManifest("ns/oc-mirror", root), { where: "t" });
  assert.equal(m.kind, "manifest");
  if (m.kind !== "manifest") return;
  assert.equal(m.layers.length, 1);
  assert.equal(m.layers[0]?.mediaType, "application/vnd.oci.image.layer.v1.tar");
  const tar = new Uint8Array(
    await new Response(await store.getBlob("ns/oc-mirror", m.layers[0] as Descriptor)).arrayBuffer(),
  );
  assert.equal(new TextDecoder().decode(tar.subarray(0, 14)), ".metadata.json");
});

Deno.test("registry metadata backend: an image without a metadata file is a StateError", async () => {
  const store = new MemoryStore({ label: "docker://reg" });
  const { writeImage } = await import("../store/mod.ts");
  await writeImage(store, "oc-mirror", {
    config: {},
    layers: [{ bytes: new Uint8Array(1024), mediaType: "application/vnd.oci.image.layer.v1.tar" }],
    tag: "u",
  });
  await assert.rejects(
    () => new RegistryMetadataBackend(store, "oc-mirror", "u").read(),
    /^StateError: Metadata image docker:\/\/reg\/oc-mirror:u has no \.metadata\.json in its layer$/,
  );
});
