import assert from "node:assert/strict";
import { NotFoundError } from "../errors.ts";
import { digestOf, MediaType } from "../oci/mod.ts";
import { storeContract, writeImage } from "../store/mod.ts";
import { skopeo, skopeoManifestDigest } from "../../tests/_support/skopeo.ts";
import { writeTestImage, writeTestIndex } from "../../tests/_support/test_image.ts";
import { OciLayoutStore, REF_NAME_ANNOTATION } from "./oci_layout_store.ts";

async function tempLayout(): Promise<{ store: OciLayoutStore; dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "oci-layout-" });
  return {
    store: new OciLayoutStore(`${dir}/layout`),
    dir: `${dir}/layout`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

storeContract("OciLayoutStore", tempLayout);

Deno.test("OciLayoutStore writes oci-layout, index.json with ref names, and blobs/sha256", async () => {
  await using t = await tempLayout();
  const m = await writeImage(t.store, "ignored", { config: { n: 1 }, layers: [], tag: "v1" });
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${t.dir}/oci-layout`)), {
    imageLayoutVersion: "1.0.0",
  });
  const index = JSON.parse(await Deno.readTextFile(`${t.dir}/index.json`));
  assert.equal(index.schemaVersion, 2);
  assert.deepEqual(index.manifests, [
    {
      mediaType: MediaType.ociManifest,
      digest: m.digest,
      size: m.size,
      annotations: { [REF_NAME_ANNOTATION]: "v1" },
    },
  ]);
  assert.equal(digestOf(await Deno.readFile(`${t.dir}/blobs/sha256/${m.digest.slice(7)}`)), m.digest);
  assert.equal(t.store.label, `oci://${t.dir}`);
});

Deno.test("OciLayoutStore ignores the repository argument", async () => {
  await using t = await tempLayout();
  const m = await writeImage(t.store, "one/repo", { config: { n: 1 }, layers: [], tag: "v1" });
  assert.equal((await t.store.resolve("another/repo", "v1")).digest, m.digest);
  assert.equal(await t.store.hasManifest("third", m), true);
});

Deno.test("OciLayoutStore serialises concurrent tag updates of index.json", async () => {
  await using t = await tempLayout();
  const images = await Promise.all(
    Array.from(
      { length: 12 },
      (_, i) => writeImage(t.store, "r", { config: { i }, layers: [], tag: `t${i}` }),
    ),
  );
  const tags: string[] = [];
  for await (const tag of t.store.listTags("r")) tags.push(tag);
  assert.equal(tags.length, 12);
  for (const [i, m] of images.entries()) assert.equal((await t.store.resolve("r", `t${i}`)).digest, m.digest);
  const names = await Array.fromAsync(Deno.readDir(t.dir), (e) => e.name);
  assert.deepEqual(names.sort(), ["blobs", "index.json", "oci-layout"]);
});

Deno.test("OciLayoutStore resolves untagged manifests by digest and deletes them", async () => {
  await using t = await tempLayout();
  const m = await writeImage(t.store, "r", { config: { n: 1 }, layers: [] });
  assert.deepEqual(await t.store.indexEntries(), []);
  const r = await t.store.resolve("r", m.digest);
  assert.equal(r.mediaType, MediaType.ociManifest);
  assert.equal(r.size, m.size);
  await t.store.deleteManifest("r", m);
  await assert.rejects(t.store.resolve("r", m.digest), NotFoundError);
  await assert.rejects(t.store.deleteManifest("r", m), NotFoundError);
});

Deno.test("OciLayoutStore keeps one index.json entry per ref name", async () => {
  await using t = await tempLayout();
  await writeImage(t.store, "r", { config: { n: 1 }, layers: [], tag: "x" });
  const two = await writeImage(t.store, "r", { config: { n: 2 }, layers: [], tag: "x" });
  const entries = await t.store.indexEntries();
  assert.equal(entries.length, 1);
  assert.equal(entries[0]?.digest, two.digest);
});

Deno.test("skopeo reads a layout OciLayoutStore wrote and copies it unchanged", async () => {
  await using t = await tempLayout();
  const idx = await writeTestIndex(t.store, "r", { seed: 7, tag: "multi" });
  const single = await writeTestImage(t.store, "r", { seed: 11, tag: "single" });
  assert.equal(await skopeoManifestDigest(`oci:${t.dir}:multi`), idx.digest);
  assert.equal(await skopeoManifestDigest(`oci:${t.dir}:single`), single.digest);
  const inspected = JSON.parse(new TextDecoder().decode(await skopeo(["inspect", `oci:${t.dir}:single`])));
  assert.equal(inspected.Labels.seed, "11");
  await skopeo(["copy", "--all", `oci:${t.dir}:multi`, `oci:${t.dir}-copy:again`]);
  try {
    assert.equal(await skopeoManifestDigest(`oci:${t.dir}-copy:again`), idx.digest);
  } finally {
    await Deno.remove(`${t.dir}-copy`, { recursive: true });
  }
});

Deno.test("OciLayoutStore reads a layout skopeo wrote", async () => {
  await using src = await tempLayout();
  const idx = await writeTestIndex(src.store, "r", { seed: 21, tag: "multi" });
  const single = await writeTestImage(src.store, "r", { seed: 31, tag: "single" });
  await using dst = await tempLayout();
  await skopeo(["copy", "--all", `oci:${src.dir}:multi`, `oci:${dst.dir}:m`]);
  await skopeo(["copy", `oci:${src.dir}:single`, `oci:${dst.dir}:s`]);
  const readBack = new OciLayoutStore(dst.dir);
  const m = await readBack.resolve("any", "m");
  assert.equal(m.digest, idx.digest);
  assert.equal(m.mediaType, MediaType.ociIndex);
  const s = await readBack.resolve("any", "s");
  assert.equal(s.digest, single.digest);
  const manifest = JSON.parse(new TextDecoder().decode(await readBack.getManifest("any", s)));
  for (const layer of manifest.layers) {
    const bytes = new Uint8Array(await new Response(await readBack.getBlob("any", layer)).arrayBuffer());
    assert.equal(digestOf(bytes), layer.digest);
  }
  const tags = await Array.fromAsync(readBack.listTags("any"));
  assert.deepEqual(tags, ["m", "s"]);
});
