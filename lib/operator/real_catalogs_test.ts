/**
 * Filtering on the upgrade graphs of real operators (fixtures/catalogs/real, see its README): every mode
 * asserts the exact bundle set, and the image set is the bundle images of that set.
 */
import assert from "node:assert/strict";
import { CatalogError } from "../errors.ts";
import { MemoryStore } from "../store/mod.ts";
import { type Catalog, sortCatalog } from "./catalog.ts";
import { catalogFromFiles } from "./catalog_builder.ts";
import { type CatalogSpec, filterCatalog, type FilterOptions, type FilterResult } from "./filter_catalog.ts";
import { listChannels, listVersions } from "./list_operators.ts";
import { readCatalog } from "./read_catalog.ts";
import { rebuildCatalogImage } from "./rebuild_catalog_image.ts";
import { validateCatalog } from "./validate_catalog.ts";
import { writeCatalogImage } from "./_testing.ts";

const ROOT = new URL("../../fixtures/catalogs/real/", import.meta.url);
const SCHED = "openshift-secondary-scheduler-operator";
const DESCHED = "cluster-kube-descheduler-operator";

async function load(...packages: string[]): Promise<Catalog> {
  const files = [];
  for (const p of packages) {
    const path = `${p}/catalog.json`;
    files.push({ path, text: await Deno.readTextFile(new URL(path, ROOT)) });
  }
  return catalogFromFiles(files);
}

async function filter(
  spec: CatalogSpec,
  options: FilterOptions = { semantics: "v2" },
): Promise<FilterResult> {
  const r = filterCatalog(await load(SCHED, DESCHED), spec, options);
  assert.deepEqual(validateCatalog(r.catalog), []);
  for (const b of r.bundles) assert.equal(b.relatedImages[0]?.image, b.image);
  assert.deepEqual(r.images.map((i) => i.image).sort(), r.bundles.map((b) => b.image).sort());
  assert.ok(r.images.every((i) => i.kind === "operatorBundle"));
  return r;
}

const s = (...versions: string[]) => versions.map((v) => `secondaryscheduleroperator.v${v}`).sort();
const d = (...names: string[]) => names.map((n) => `clusterkubedescheduleroperator.${n}`).sort();
const names = (r: FilterResult) => r.bundles.map((b) => b.name).sort();

Deno.test("real catalogs load and are valid FBC", async () => {
  const c = await load(SCHED, DESCHED);
  assert.deepEqual(validateCatalog(c), []);
  assert.equal(c.bundles.length, 9 + 31);
  const head = c.channels.find((ch) => ch.name === "stable" && ch.package === DESCHED)?.entries.at(-1);
  assert.equal(head?.skips?.length, 52);
});

Deno.test("real catalogs: heads of every channel by default", async () => {
  const r = await filter({});
  assert.deepEqual(names(r), [...s("1.3.2"), ...d("4.13.0-202309181427", "v4.14.3")].sort());
});

Deno.test("real catalogs: full package keeps every bundle of every channel", async () => {
  const r = await filter({ full: true, packages: [{ name: DESCHED }] });
  assert.equal(r.bundles.length, 31);
  assert.deepEqual(r.catalog.channels.map((c) => c.entries.length), [1, 30]);
});

Deno.test("real catalogs: listed non-default channel needs a defaultChannel", async () => {
  await assert.rejects(
    () => filter({ packages: [{ name: DESCHED, channels: [{ name: "4.13" }] }] }),
    (e: unknown) =>
      e instanceof CatalogError &&
      e.message ===
        `Invalid default channel configuration for package "${DESCHED}": the default channel "stable" was ` +
          "filtered out, a new default channel must be configured",
  );
  const r = await filter({
    packages: [{ name: DESCHED, channels: [{ name: "4.13" }], defaultChannel: "4.13" }],
  });
  assert.deepEqual(names(r), d("4.13.0-202309181427"));
  assert.equal(r.catalog.packages[0]?.defaultChannel, "4.13");
});

Deno.test("real catalogs: a range inside a skips list keeps the head and the in-range skipped bundles", async () => {
  const r = await filter({ packages: [{ name: SCHED, minVersion: "1.2.2", maxVersion: "1.3.0" }] });
  assert.deepEqual(names(r), s("1.2.2", "1.2.3", "1.3.0", "1.3.2"));
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0] as string, /"secondaryscheduleroperator.v1.3.2" \(version 1.3.2\)/);
});

Deno.test("real catalogs: minVersion keeps the replaces chain and every skipped bundle in range", async () => {
  const r = await filter({
    packages: [{ name: SCHED, channels: [{ name: "stable", minVersion: "1.2.0" }] }],
  });
  assert.deepEqual(names(r), s("1.2.0", "1.2.1", "1.2.2", "1.2.3", "1.3.0", "1.3.1", "1.3.2"));
  assert.deepEqual(r.warnings, []);
});

Deno.test("real catalogs: maxVersion keeps the head needed to reach the skipped bundles", async () => {
  const r = await filter({ packages: [{ name: SCHED, maxVersion: "1.2.0" }] });
  assert.deepEqual(names(r), s("1.1.2", "1.1.4", "1.2.0", "1.3.2"));
});

Deno.test("real catalogs: pinned versions, including timestamp prereleases", async () => {
  assert.deepEqual(
    names(await filter({ packages: [{ name: SCHED, minVersion: "1.2.3", maxVersion: "1.2.3" }] })),
    s("1.2.3"),
  );
  const r = await filter({
    packages: [{
      name: DESCHED,
      channels: [{ name: "stable", minVersion: "4.14.0-202411130434", maxVersion: "4.14.0-202411130434" }],
    }],
  });
  assert.deepEqual(names(r), d("4.14.0-202411130434"));
});

Deno.test("real catalogs: a prerelease lower bound keeps later builds and releases", async () => {
  const r = await filter({
    packages: [{ name: DESCHED, channels: [{ name: "stable", minVersion: "4.14.0-202503310335" }] }],
  });
  assert.deepEqual(names(r), d("4.14.0-202503310335", "v4.14.1", "v4.14.2", "v4.14.3"));
});

Deno.test("real catalogs: build-stamped versions sort below the release they precede", async () => {
  const r = await filter({
    packages: [{ name: DESCHED, channels: [{ name: "stable", minVersion: "4.14.0", maxVersion: "4.14.1" }] }],
  });
  assert.deepEqual(names(r), d("v4.14.1", "v4.14.3"));
  assert.match(r.warnings[0] as string, /outside range ">=4.14.0 <=4.14.1"/);
});

Deno.test("real catalogs: v1 reaches skip-only bundles through the entry that skips them", async () => {
  const r = await filter({ packages: [{ name: SCHED, minVersion: "1.2.1", maxVersion: "1.2.2" }] }, {
    semantics: "v1",
  });
  assert.deepEqual(names(r), s("1.2.1", "1.2.2", "1.3.2"));
  const chain = await filter({ packages: [{ name: SCHED, minVersion: "1.1.2", maxVersion: "1.1.2" }] }, {
    semantics: "v1",
  });
  assert.deepEqual(names(chain), s("1.1.2", "1.2.0", "1.3.2"));
});

Deno.test("real catalogs: unknown names are reported with what exists", async () => {
  await assert.rejects(
    () => filter({ packages: [{ name: "cluster-kube-descheduler" }] }),
    /Package "cluster-kube-descheduler" not found: did you mean "cluster-kube-descheduler-operator"\?/,
  );
  await assert.rejects(
    () => filter({ packages: [{ name: SCHED, minVersion: "1.2.7", maxVersion: "1.2.7" }] }),
    /Version "1.2.7" .* nearby versions are 1.2.1, 1.2.2, 1.2.3, 1.3.0, 1.3.1, 1.3.2/,
  );
});

Deno.test("real catalogs: listing channels and versions", async () => {
  const c = await load(DESCHED);
  assert.deepEqual(listChannels(c, DESCHED).map((ch) => [ch.name, ch.head, ch.isDefault]), [
    ["4.13", "clusterkubedescheduleroperator.4.13.0-202309181427", false],
    ["stable", "clusterkubedescheduleroperator.v4.14.3", true],
  ]);
  const versions = listVersions(c, DESCHED, "stable");
  assert.equal(versions.length, 30);
  assert.deepEqual(versions.slice(0, 2).map((v) => v.version), [
    "4.14.0-202310201027",
    "4.14.0-202311021650",
  ]);
  assert.deepEqual(versions.slice(-3).map((v) => [v.version, v.isHead]), [["4.14.1", false], [
    "4.14.2",
    false,
  ], ["4.14.3", true]]);
});

Deno.test("real catalogs: a rebuilt image serves the filtered catalog", async () => {
  const store = new MemoryStore();
  const files = [];
  for (const p of [SCHED, DESCHED]) {
    files.push({
      name: `configs/${p}/catalog.json`,
      body: await Deno.readTextFile(new URL(`${p}/catalog.json`, ROOT)),
    });
  }
  const root = await writeCatalogImage(store, "redhat/redhat-operator-index", [files]);
  const original = await readCatalog(store, "redhat/redhat-operator-index", root);
  assert.deepEqual(sortCatalog(original), sortCatalog(await load(SCHED, DESCHED)));
  const { catalog } = filterCatalog(original, { packages: [{ name: SCHED, minVersion: "1.2.0" }] }, {
    semantics: "v2",
  });
  const rebuilt = await rebuildCatalogImage({
    source: { store, repo: "redhat/redhat-operator-index", descriptor: root },
    filtered: catalog,
    destination: { store, repo: "redhat/redhat-operator-index", tag: "filtered" },
  });
  assert.deepEqual(sortCatalog(await readCatalog(store, "redhat/redhat-operator-index", rebuilt)), catalog);
});
