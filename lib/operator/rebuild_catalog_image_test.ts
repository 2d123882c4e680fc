import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { unpackTar } from "modern-tar";
import { NotFoundError } from "../errors.ts";
import { type Descriptor, digestOf, type ImageManifest, MediaType, parseManifest } from "../oci/mod.ts";
import { MemoryStore, writeIndex } from "../store/mod.ts";
import { type Catalog, catalogBlobsByPackage, CONFIGS_LABEL, sortCatalog } from "./catalog.ts";
import { type CatalogSpec, filterCatalog } from "./filter_catalog.ts";
import { readCatalog } from "./read_catalog.ts";
import { rebuildCatalogImage } from "./rebuild_catalog_image.ts";
import { referenceCatalog, type TarFile, writeCatalogImage } from "./_testing.ts";

const SRC_REPO = "redhat/redhat-operator-index";
const DST_REPO = "mirror/redhat/redhat-operator-index";

function catalogFiles(catalog: Catalog): TarFile[] {
  return [...catalogBlobsByPackage(catalog)].map(([pkg, blobs]) => ({
    name: `configs/${pkg}/catalog.json`,
    body: blobs.map((b) => JSON.stringify(b, null, 4)).join("\n"),
  }));
}

const BASE: TarFile[] = [
  { name: "bin/", type: "directory" },
  { name: "bin/opm", body: "#!binary", mode: 0o755 },
  { name: "tmp/", type: "directory", mode: 0o1777 },
  { name: "tmp/cache/", type: "directory" },
  { name: "tmp/cache/pogreb.v1/db", body: "stale cache" },
];

/** An opm-style catalog image: base layer, configs layer, cache layer; for amd64 and arm64. */
async function sourceIndex(store: MemoryStore, o: { mediaType?: string } = {}): Promise<Descriptor> {
  const manifests: Descriptor[] = [];
  for (const architecture of ["amd64", "arm64"]) {
    manifests.push(
      await writeCatalogImage(store, SRC_REPO, [BASE, catalogFiles(referenceCatalog()), [{
        name: "tmp/cache/digest",
        body: "x",
      }]], {
        platform: { os: "linux", architecture },
        ...(o.mediaType ? { mediaType: o.mediaType } : {}),
      }),
    );
  }
  return await writeIndex(store, SRC_REPO, manifests, { tag: "v4.18" });
}

async function manifestOf(store: MemoryStore, repo: string, d: Descriptor): Promise<ImageManifest> {
  const m = parseManifest(await store.getManifest(repo, d), { mediaType: d.mediaType, where: d.digest });
  assert.equal(m.kind, "manifest");
  return m as ImageManifest;
}

async function blobBytes(store: MemoryStore, repo: string, d: Descriptor): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await store.getBlob(repo, d)).arrayBuffer());
}

/** What the caller does before a rebuild: copy the original image's blobs to the destination. */
async function copyOriginalBlobs(src: MemoryStore, dst: MemoryStore, root: Descriptor): Promise<void> {
  const top = parseManifest(await src.getManifest(SRC_REPO, root), {
    mediaType: root.mediaType,
    where: "root",
  });
  const manifests = top.kind === "index" ? top.manifests : [root];
  for (const d of manifests) {
    const m = await manifestOf(src, SRC_REPO, d);
    for (const b of [m.config, ...m.layers]) {
      await dst.putBlob(DST_REPO, b, await src.getBlob(SRC_REPO, b));
    }
  }
}

/** Applies layers like an overlay filesystem; returns path → mode of what is left. */
async function overlay(store: MemoryStore, repo: string, m: ImageManifest): Promise<Map<string, number>> {
  const files = new Map<string, { mode: number; layer: number }>();
  const under = (p: string, dir: string) => dir === "" || p === dir || p.startsWith(`${dir}/`);
  for (const [i, layer] of m.layers.entries()) {
    const entries = await unpackTar(gunzipSync(await blobBytes(store, repo, layer)));
    for (const e of entries) {
      const path = e.header.name.replace(/^\.?\//, "").replace(/\/$/, "");
      const slash = path.lastIndexOf("/");
      const dir = slash < 0 ? "" : path.slice(0, slash);
      const base = path.slice(slash + 1);
      if (base === ".wh..wh..opq") {
        for (const [p, f] of files) if (f.layer < i && p !== dir && under(p, dir)) files.delete(p);
      } else if (base.startsWith(".wh.")) {
        const target = dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`;
        for (const [p, f] of files) if (f.layer < i && under(p, target)) files.delete(p);
      } else files.set(path, { mode: e.header.mode ?? 0, layer: i });
    }
  }
  return new Map([...files].map(([p, f]) => [p, f.mode]));
}

const SPEC: CatalogSpec = { packages: [{ name: "foo", minVersion: "1.0.0" }, { name: "bar" }] };

async function setup(): Promise<{ src: MemoryStore; dst: MemoryStore; root: Descriptor; filtered: Catalog }> {
  const src = new MemoryStore({ label: "docker://registry.redhat.io" });
  const dst = new MemoryStore({ label: "docker://mirror.example.com" });
  const root = await sourceIndex(src);
  const original = await readCatalog(src, SRC_REPO, root);
  assert.deepEqual(sortCatalog(original), sortCatalog(referenceCatalog()));
  const { catalog: filtered } = filterCatalog(original, SPEC, { semantics: "v2" });
  await copyOriginalBlobs(src, dst, root);
  return { src, dst, root, filtered };
}

Deno.test("rebuildCatalogImage() serves exactly the filtered FBC on every platform", async () => {
  const { src, dst, root, filtered } = await setup();
  const d = await rebuildCatalogImage({
    source: { store: src, repo: SRC_REPO, descriptor: root },
    filtered,
    destination: { store: dst, repo: DST_REPO, tag: "v4.18" },
  });
  assert.equal(d.mediaType, MediaType.ociIndex);
  assert.equal((await dst.resolve(DST_REPO, "v4.18")).digest, d.digest);
  for (const architecture of ["amd64", "arm64"]) {
    const back = await readCatalog(dst, DST_REPO, d, { platform: { os: "linux", architecture } });
    assert.deepEqual(sortCatalog(back), filtered);
  }
  const index = parseManifest(await dst.getManifest(DST_REPO, d), { where: "rebuilt" });
  assert.equal(index.kind, "index");
  assert.deepEqual(index.kind === "index" && index.manifests.map((m) => m.platform?.architecture), [
    "amd64",
    "arm64",
  ]);
});

Deno.test("rebuildCatalogImage() rewrites the config: label, Cmd without --cache-dir, author, history, diff_ids", async () => {
  const { src, dst, root, filtered } = await setup();
  const d = await rebuildCatalogImage({
    source: { store: src, repo: SRC_REPO, descriptor: root },
    filtered,
    destination: { store: dst, repo: DST_REPO },
  });
  const index = parseManifest(await dst.getManifest(DST_REPO, d), { where: "rebuilt" });
  assert.ok(index.kind === "index");
  const m = await manifestOf(dst, DST_REPO, index.manifests[0] as Descriptor);
  assert.equal(m.layers.length, 5);
  const config = JSON.parse(new TextDecoder().decode(await blobBytes(dst, DST_REPO, m.config)));
  assert.equal(config.author, "oc-mirror");
  assert.deepEqual(config.config.Cmd, ["serve", "/configs"]);
  assert.deepEqual(config.config.Entrypoint, ["/bin/opm"]);
  assert.equal(config.config.Labels[CONFIGS_LABEL], "/configs");
  assert.equal(config.config.Labels["io.example.catalog"], "test");
  assert.equal(config.history.length, 5);
  assert.equal(config.history[4].author, "oc-mirror");
  assert.equal(config.rootfs.diff_ids.length, 5);
  for (const i of [3, 4]) {
    const layer = m.layers[i] as Descriptor;
    assert.equal(layer.mediaType, MediaType.ociLayerGzip);
    assert.equal(config.rootfs.diff_ids[i], digestOf(gunzipSync(await blobBytes(dst, DST_REPO, layer))));
  }
});

Deno.test("rebuildCatalogImage() whiteouts the old configs and the stale /tmp/cache without narrowing /tmp", async () => {
  const { src, dst, root, filtered } = await setup();
  const d = await rebuildCatalogImage({
    source: { store: src, repo: SRC_REPO, descriptor: root },
    filtered,
    destination: { store: dst, repo: DST_REPO },
  });
  const index = parseManifest(await dst.getManifest(DST_REPO, d), { where: "rebuilt" });
  assert.ok(index.kind === "index");
  const m = await manifestOf(dst, DST_REPO, index.manifests[0] as Descriptor);
  const whiteouts = await unpackTar(gunzipSync(await blobBytes(dst, DST_REPO, m.layers[3] as Descriptor)));
  assert.deepEqual(whiteouts.map((e) => [e.header.name, e.header.mode, e.header.uid ?? 0]), [
    [".wh.configs", 0o644, 0],
    ["tmp/", 0o1777, 0],
    ["tmp/.wh.cache", 0o644, 0],
  ]);
  const fs = await overlay(dst, DST_REPO, m);
  assert.deepEqual([...fs.keys()].filter((p) => p.startsWith("tmp/cache")), []);
  assert.equal(fs.get("tmp"), 0o1777);
  assert.ok(fs.has("bin/opm"));
  assert.deepEqual([...fs.keys()].filter((p) => p.startsWith("configs")).sort(), [
    "configs",
    "configs/bar",
    "configs/bar/catalog.json",
    "configs/catalog.json",
    "configs/foo",
    "configs/foo/catalog.json",
  ]);
  assert.equal(fs.get("configs/foo/catalog.json"), 0o644);
  assert.equal(fs.get("configs/foo"), 0o755);
});

Deno.test("rebuildCatalogImage() is reproducible: the same filter gives the same digest, another filter another", async () => {
  const { src, dst, root, filtered } = await setup();
  const source = { store: src, repo: SRC_REPO, descriptor: root };
  const a = await rebuildCatalogImage({ source, filtered, destination: { store: dst, repo: DST_REPO } });
  const b = await rebuildCatalogImage({
    source,
    filtered,
    destination: { store: dst, repo: DST_REPO, tag: "again" },
  });
  assert.equal(a.digest, b.digest);
  const other =
    filterCatalog(referenceCatalog(), { packages: [{ name: "bar" }] }, { semantics: "v2" }).catalog;
  const c = await rebuildCatalogImage({
    source,
    filtered: other,
    destination: { store: dst, repo: DST_REPO },
  });
  assert.notEqual(c.digest, a.digest);
});

Deno.test("rebuildCatalogImage() rebuilds only the requested platforms", async () => {
  const { src, dst, root, filtered } = await setup();
  const d = await rebuildCatalogImage({
    source: { store: src, repo: SRC_REPO, descriptor: root },
    filtered,
    destination: { store: dst, repo: DST_REPO },
    platforms: [{ os: "linux", architecture: "arm64" }],
  });
  const index = parseManifest(await dst.getManifest(DST_REPO, d), { where: "rebuilt" });
  assert.deepEqual(index.kind === "index" && index.manifests.map((m) => m.platform?.architecture), ["arm64"]);
  await assert.rejects(
    () =>
      rebuildCatalogImage({
        source: { store: src, repo: SRC_REPO, descriptor: root },
        filtered,
        destination: { store: dst, repo: DST_REPO },
        platforms: [{ os: "linux", architecture: "s390x" }],
      }),
    /has none of the platforms linux\/s390x/,
  );
});

Deno.test("rebuildCatalogImage() keeps Docker media types of a single-manifest catalog and tags it", async () => {
  const src = new MemoryStore();
  const dst = new MemoryStore();
  const root = await writeCatalogImage(src, SRC_REPO, [BASE, catalogFiles(referenceCatalog())], {
    mediaType: MediaType.dockerManifest,
  });
  await copyOriginalBlobs(src, dst, root);
  const filtered = filterCatalog(await readCatalog(src, SRC_REPO, root), SPEC, { semantics: "v2" }).catalog;
  const d = await rebuildCatalogImage({
    source: { store: src, repo: SRC_REPO, descriptor: root },
    filtered,
    destination: { store: dst, repo: DST_REPO, tag: "latest" },
  });
  assert.equal(d.mediaType, MediaType.dockerManifest);
  assert.equal((await dst.resolve(DST_REPO, "latest")).digest, d.digest);
  const m = await manifestOf(dst, DST_REPO, d);
  assert.equal(m.config.mediaType, MediaType.dockerConfig);
  assert.deepEqual(m.layers.slice(-2).map((l) => l.mediaType), [
    MediaType.dockerLayerGzip,
    MediaType.dockerLayerGzip,
  ]);
  assert.deepEqual(sortCatalog(await readCatalog(dst, DST_REPO, d)), filtered);
});

Deno.test("rebuildCatalogImage() needs the original layers at the destination first", async () => {
  const src = new MemoryStore();
  const root = await sourceIndex(src);
  const filtered = filterCatalog(referenceCatalog(), SPEC, { semantics: "v2" }).catalog;
  await assert.rejects(
    () =>
      rebuildCatalogImage({
        source: { store: src, repo: SRC_REPO, descriptor: root },
        filtered,
        destination: { store: new MemoryStore(), repo: DST_REPO },
      }),
    NotFoundError,
  );
});
