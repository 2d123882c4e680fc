import assert from "node:assert/strict";
import { buildChannelGraph, strandedEntries } from "./channel_graph.ts";
import { validateCatalog } from "./validate_catalog.ts";
import { bundleBlob, channelBlob, entry, makeCatalog, pkgBlob, referenceCatalog } from "./_testing.ts";

Deno.test("validateCatalog() accepts the reference catalog", () => {
  assert.deepEqual(validateCatalog(referenceCatalog()), []);
});

Deno.test("buildChannelGraph() finds the head and the replaces chain", () => {
  const c = referenceCatalog().channels.find((c) => c.package === "foo" && c.name === "stable");
  assert.ok(c);
  const g = buildChannelGraph(c);
  assert.equal(g.head.name, "foo.v3.0.0");
  assert.deepEqual(g.chain.map((e) => e.name), ["foo.v3.0.0", "foo.v1.1.0", "foo.v1.0.0", "foo.v0.1.0"]);
  assert.deepEqual(strandedEntries(g), []);
});

Deno.test("validateCatalog() reports every problem opm would reject", () => {
  const catalog = makeCatalog([
    pkgBlob("a", "missing-channel"),
    channelBlob("a", "stable", [
      entry("a.v2.0.0", "a.v1.0.0"),
      entry("a.v1.0.0"),
      entry("a.v1.5.0"),
      entry("a.v3.0.0", "a.v2.0.0"),
    ]),
    bundleBlob("a", "1.0.0"),
    bundleBlob("a", "2.0.0"),
    bundleBlob("a", "3.0.0"),
    bundleBlob("a", "9.0.0"),
    { ...bundleBlob("b", "1.0.0"), properties: [] },
    pkgBlob("c", "stable"),
    channelBlob("c", "stable", [entry("c.v1.0.0", "c.v2.0.0"), entry("c.v2.0.0", "c.v1.0.0")]),
    bundleBlob("c", "1.0.0"),
    bundleBlob("c", "2.0.0"),
    {
      schema: "olm.deprecations",
      package: "c",
      entries: [{ reference: { schema: "olm.bundle", name: "c.v7" } }],
    },
  ]);
  assert.deepEqual(validateCatalog(catalog), [
    'Bundle "a.v9.0.0" of package "a" is in no channel',
    'Bundle "b.v1.0.0" belongs to package "b", which the catalog does not define',
    'Bundle "b.v1.0.0" of package "b" is in no channel',
    'Bundle "b.v1.0.0" of package "b" must have exactly one olm.package property naming its package',
    'Channel "stable" of package "a" has 2 heads ("a.v1.5.0", "a.v3.0.0"): exactly one entry must be neither ' +
    "replaced nor skipped by another",
    'Channel "stable" of package "c" has no head: every entry is replaced or skipped by another, so its upgrade ' +
    "graph has a cycle",
    'Deprecations of package "c" name bundle "c.v7", which is not defined',
    'Package "a" has default channel "missing-channel", which it does not define',
    'The channel "stable" of package "a" names bundle "a.v1.5.0", which is not defined',
  ]);
});

Deno.test("validateCatalog() reports stranded entries", () => {
  const catalog = makeCatalog([
    pkgBlob("a", "stable"),
    // a.v0.5.0 is replaced by a.v1.5.0, which is skipped by the head but not on its replaces chain.
    channelBlob("a", "stable", [
      entry("a.v2.0.0", "a.v1.0.0", ["a.v1.5.0"]),
      entry("a.v1.0.0"),
      entry("a.v1.5.0", "a.v0.5.0"),
      entry("a.v0.5.0"),
    ]),
    ...["0.5.0", "1.0.0", "1.5.0", "2.0.0"].map((v) => bundleBlob("a", v)),
  ]);
  assert.deepEqual(validateCatalog(catalog), [
    'The channel "stable" of package "a" has stranded entries (not reachable from its head): a.v0.5.0',
  ]);
});
