import assert from "node:assert/strict";
import { CatalogError } from "../errors.ts";
import type { Descriptor } from "../oci/mod.ts";
import { MemoryStore, type OpOptions, type SourceStore, writeIndex } from "../store/mod.ts";
import { catalogCachePath } from "./catalog_cache.ts";
import { CatalogFileError } from "./catalog_file_error.ts";
import { inspectCatalogImage, readCatalog } from "./read_catalog.ts";
import { type TarFile, writeCatalogImage } from "./_testing.ts";

function pkgFile(name: string, version: string, dir = "configs"): TarFile {
  const blobs = [
    { schema: "olm.package", name, defaultChannel: "stable" },
    { schema: "olm.channel", package: name, name: "stable", entries: [{ name: `${name}.v${version}` }] },
    {
      schema: "olm.bundle",
      package: name,
      name: `${name}.v${version}`,
      image: `quay.io/example/${name}-bundle:v${version}`,
      properties: [{ type: "olm.package", value: { packageName: name, version } }],
    },
  ];
  return {
    name: `${dir}/${name}/catalog.json`,
    body: blobs.map((b) => JSON.stringify(b, null, 2)).join("\n"),
  };
}

const BASE: TarFile[] = [
  { name: "bin/", type: "directory" },
  { name: "bin/opm", body: "#!binary", mode: 0o755 },
  { name: "tmp/", type: "directory", mode: 0o1777 },
  { name: "tmp/cache/cache.json", body: "{}" },
  { name: "etc/outside.json", body: `{"schema":"olm.package","name":"outside"}` },
];

function summary(c: { packages: { name: string }[]; bundles: { name: string }[] }): string[] {
  return [...c.packages.map((p) => `p:${p.name}`), ...c.bundles.map((b) => `b:${b.name}`)];
}

Deno.test("readCatalog() reads the FBC under the label's root across layers, honouring whiteouts", async () => {
  const store = new MemoryStore();
  const d = await writeCatalogImage(store, "idx", [
    [...BASE, { name: "configs/", type: "directory" }, pkgFile("foo", "1.0.0"), pkgFile("old", "0.1.0"), {
      name: "configs/README.md",
      body: "not a catalog file",
    }],
    [{ name: "configs/.wh.old", body: "" }, pkgFile("foo", "2.0.0"), {
      name: "./configs/bar/catalog.yaml",
      body: "schema: olm.package\nname: bar\ndefaultChannel: stable\n",
    }],
  ]);
  const c = await readCatalog(store, "idx", d);
  assert.deepEqual(summary(c), ["p:bar", "p:foo", "b:foo.v2.0.0"]);
});

Deno.test("readCatalog() applies an opaque whiteout to the lower layers only", async () => {
  const store = new MemoryStore();
  const d = await writeCatalogImage(store, "idx", [
    [...BASE, pkgFile("foo", "1.0.0"), pkgFile("bar", "1.0.0")],
    [pkgFile("new", "1.0.0"), { name: "configs/.wh..wh..opq", body: "" }],
  ]);
  assert.deepEqual(summary(await readCatalog(store, "idx", d)), ["p:new", "b:new.v1.0.0"]);
});

Deno.test("readCatalog() follows a non-default configs root and zstd layers", async () => {
  const store = new MemoryStore();
  const d = await writeCatalogImage(store, "idx", [[...BASE, pkgFile("foo", "1.0.0", "var/lib/catalog")]], {
    root: "/var/lib/catalog/",
    zstd: true,
  });
  assert.deepEqual(summary(await readCatalog(store, "idx", d)), ["p:foo", "b:foo.v1.0.0"]);
});

async function twoPlatformIndex(store: MemoryStore): Promise<Descriptor> {
  const amd = await writeCatalogImage(store, "idx", [[pkgFile("amd", "1.0.0")]]);
  const arm = await writeCatalogImage(store, "idx", [[pkgFile("arm", "1.0.0")]], {
    platform: { os: "linux", architecture: "arm64" },
  });
  return await writeIndex(store, "idx", [arm, amd], { tag: "v1" });
}

Deno.test("readCatalog() picks linux/amd64 from an index unless told another platform", async () => {
  const store = new MemoryStore();
  const index = await twoPlatformIndex(store);
  assert.deepEqual(summary(await readCatalog(store, "idx", index)), ["p:amd", "b:amd.v1.0.0"]);
  const arm = await readCatalog(store, "idx", index, { platform: { os: "linux", architecture: "aarch64" } });
  assert.deepEqual(summary(arm), ["p:arm", "b:arm.v1.0.0"]);
  await assert.rejects(
    () => readCatalog(store, "idx", index, { platform: { os: "linux", architecture: "s390x" } }),
    (e: unknown) => {
      assert.ok(e instanceof CatalogError);
      assert.equal(
        e.message,
        `Catalog image memory://idx@${index.digest} has no manifest for platform linux/s390x: it has linux/arm64, ` +
          "linux/amd64",
      );
      return true;
    },
  );
});

Deno.test("readCatalog() rejects an image without the configs label as not file-based", async () => {
  const store = new MemoryStore();
  const d = await writeCatalogImage(
    store,
    "idx",
    [[{ name: "database/index.db", body: "SQLite format 3" }]],
    {
      root: null,
    },
  );
  await assert.rejects(() => readCatalog(store, "idx", d), (e: unknown) => {
    assert.ok(e instanceof CatalogError);
    assert.equal(
      e.message,
      `Catalog image memory://idx@${d.digest} has no "operators.operatorframework.io.index.configs.v1" label: it ` +
        "is not a file-based catalog, and SQLite-based catalogs are not supported",
    );
    assert.match(e.hint ?? "", /opm migrate/);
    return true;
  });
});

Deno.test("readCatalog() locates a broken blob by image, file, line and object", async () => {
  const store = new MemoryStore();
  const d = await writeCatalogImage(store, "idx", [[{
    name: "configs/foo/catalog.json",
    body: `{"schema":"olm.package","name":"foo"}\n{"schema":"olm.channel","package":"foo"}`,
  }]]);
  const info = await inspectCatalogImage(store, "idx", d);
  await assert.rejects(() => readCatalog(store, "idx", d), (e: unknown) => {
    assert.ok(e instanceof CatalogFileError);
    assert.equal(e.file, "/configs/foo/catalog.json");
    assert.equal(e.object, 2);
    assert.equal(
      e.message,
      `memory://idx@${info.manifest.digest} /configs/foo/catalog.json:2 (object 2): olm.channel has no "name": ` +
        "want a non-empty string",
    );
    return true;
  });
});

class CountingStore implements SourceStore {
  readonly label = "memory://";
  blobReads = 0;
  constructor(readonly inner: MemoryStore) {}
  resolve(repo: string, reference: string, o?: OpOptions): Promise<Descriptor> {
    return this.inner.resolve(repo, reference, o);
  }
  getManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<Uint8Array> {
    return this.inner.getManifest(repo, d, o);
  }
  getBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<ReadableStream<Uint8Array>> {
    this.blobReads++;
    return this.inner.getBlob(repo, d, o);
  }
}

Deno.test("readCatalog() caches the parsed catalog by manifest digest and ignores a corrupt cache", async () => {
  const dir = await Deno.makeTempDir({ prefix: "catalog-cache-" });
  try {
    const inner = new MemoryStore();
    const index = await twoPlatformIndex(inner);
    const store = new CountingStore(inner);
    const first = await readCatalog(store, "idx", index, { cacheDir: dir });
    assert.equal(store.blobReads, 2, "config and one layer");
    const info = await inspectCatalogImage(inner, "idx", index);
    const path = catalogCachePath(dir, info.manifest.digest);
    assert.ok((await Deno.stat(path)).isFile);
    store.blobReads = 0;
    const second = await readCatalog(store, "idx", index, { cacheDir: dir });
    assert.equal(store.blobReads, 1, "only the config: layers come from the cache");
    assert.deepEqual(second, first);
    await Deno.writeTextFile(path, `{"schema":"oc-mirror.catalog-cache","version":1,"digest":"x"}`);
    store.blobReads = 0;
    assert.deepEqual(await readCatalog(store, "idx", index, { cacheDir: dir }), first);
    assert.equal(store.blobReads, 2, "a stale cache entry is re-read from the image");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
