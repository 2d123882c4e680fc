import assert from "node:assert/strict";
import { CatalogError } from "../errors.ts";
import type { Catalog } from "./catalog.ts";
import { type CatalogSpec, filterCatalog, type FilterOptions, type FilterResult } from "./filter_catalog.ts";
import { validateCatalog } from "./validate_catalog.ts";
import {
  bundleBlob,
  bundleNames,
  channelBlob,
  entry,
  makeCatalog,
  named,
  pkgBlob,
  referenceCatalog,
} from "./_testing.ts";

const V2: FilterOptions = { semantics: "v2" };
const V1: FilterOptions = { semantics: "v1" };

function run(
  spec: CatalogSpec,
  options: FilterOptions = V2,
  catalog: Catalog = referenceCatalog(),
): FilterResult {
  const result = filterCatalog(catalog, spec, options);
  assert.deepEqual(validateCatalog(result.catalog), [], "the filtered catalog must be valid FBC");
  return result;
}

/** The exact image set: every kept bundle's bundle image and operand image. */
function expectedImages(names: string[]): string[] {
  return names.flatMap((n) => {
    const [pkg, v] = n.split(".v") as [string, string];
    return [`quay.io/example/${pkg}-bundle:v${v}`, `quay.io/example/${pkg}-operator:v${v}`];
  }).sort();
}

function assertBundles(result: FilterResult, names: string[]): void {
  assert.deepEqual(bundleNames(result.bundles), [...names].sort());
  assert.deepEqual(result.images.map((i) => i.image).sort(), expectedImages(names));
  for (const img of result.images) {
    assert.equal(img.kind, img.image.includes("-bundle:") ? "operatorBundle" : "operatorRelatedImage");
  }
}

function channelEntries(result: FilterResult, pkg: string, channel: string): string[] | undefined {
  return result.catalog.channels.find((c) => c.package === pkg && c.name === channel)?.entries.map((e) =>
    e.name
  )
    .sort();
}

function assertCatalogError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CatalogError, `expected CatalogError, got ${String(e)}`);
    assert.equal(e.code, "CATALOG");
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

Deno.test("filterCatalog() v2 with no packages keeps the head of every channel of every package", () => {
  const r = run({});
  assert.equal(r.unchanged, false);
  assertBundles(r, [
    "foo.v3.0.0",
    "foo.v4.0.0",
    "bar.v1.2.0",
    "bar.v2.0.0",
    "baz.v1.1.0",
    "qux.v2.0.0",
    "qux.v1.7.0",
  ]);
  assert.deepEqual(channelEntries(r, "foo", "stable"), ["foo.v3.0.0"]);
  assert.deepEqual(channelEntries(r, "foo", "fast"), ["foo.v4.0.0"]);
  assert.deepEqual(r.catalog.packages.map((p) => `${p.name}:${p.defaultChannel}`), [
    "bar:alpha",
    "baz:stable",
    "foo:stable",
    "qux:stable",
  ]);
});

Deno.test("filterCatalog() keeps replaces and skips of kept entries even when they name dropped bundles", () => {
  const r = run({ packages: [{ name: "foo", channels: [{ name: "stable" }] }] });
  const head = r.catalog.channels[0]?.entries[0];
  assert.deepEqual(head, entry("foo.v3.0.0", "foo.v1.1.0", ["foo.v2.0.0", "foo.v2.1.0"], ">=0.1.0 <3.0.0"));
});

Deno.test("filterCatalog() with full and no packages returns the catalog unchanged", () => {
  const catalog = referenceCatalog();
  const r = filterCatalog(catalog, { full: true }, V2);
  assert.equal(r.unchanged, true);
  assert.equal(r.catalog, catalog);
  assert.equal(r.bundles.length, catalog.bundles.length);
  assert.equal(r.images.length, catalog.bundles.length * 2);
});

Deno.test("filterCatalog() v2 package without channels keeps every channel's head", () => {
  const r = run({ packages: [{ name: "foo" }] });
  assertBundles(r, ["foo.v3.0.0", "foo.v4.0.0"]);
  assert.deepEqual(r.catalog.channels.map((c) => c.name), ["fast", "stable"]);
});

Deno.test("filterCatalog() v2 package with full keeps every entry of every channel", () => {
  const r = run({ full: true, packages: [{ name: "foo" }] });
  assertBundles(
    r,
    named("foo", ["0.1.0", "0.1.1", "0.2.0", "0.3.0", "1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0", "4.0.0"]),
  );
});

Deno.test("filterCatalog() with full and listed channels keeps all entries of those channels only", () => {
  const r = run({
    full: true,
    packages: [{ name: "foo", channels: [{ name: "fast" }], defaultChannel: "fast" }],
  });
  assertBundles(r, ["foo.v3.0.0", "foo.v4.0.0"]);
  assert.equal(r.catalog.packages[0]?.defaultChannel, "fast");
});

Deno.test("filterCatalog() listed channels keep only those channels' heads", () => {
  const r = run({ packages: [{ name: "foo", channels: [{ name: "stable" }] }] });
  assertBundles(r, ["foo.v3.0.0"]);
  assert.deepEqual(r.catalog.channels.map((c) => c.name), ["stable"]);
});

Deno.test("filterCatalog() fails when the default channel is filtered out, and accepts a new defaultChannel", () => {
  assertCatalogError(
    () => run({ packages: [{ name: "foo", channels: [{ name: "fast" }] }] }),
    'Invalid default channel configuration for package "foo": the default channel "stable" was filtered out, ' +
      "a new default channel must be configured",
  );
  const r = run({ packages: [{ name: "foo", channels: [{ name: "fast" }], defaultChannel: "fast" }] });
  assertBundles(r, ["foo.v4.0.0"]);
  assert.equal(r.catalog.packages[0]?.defaultChannel, "fast");
});

Deno.test("filterCatalog() rejects a defaultChannel override that is not in the output", () => {
  assertCatalogError(
    () => run({ packages: [{ name: "foo", channels: [{ name: "stable" }], defaultChannel: "fast" }] }),
    'Invalid default channel configuration for package "foo": specified default channel override "fast" does ' +
      'not exist in the filtered output (kept channels: "stable")',
  );
});

Deno.test("filterCatalog() v2 package-level minVersion walks each channel's replaces chain", () => {
  const r = run({ packages: [{ name: "foo", minVersion: "1.0.0" }] });
  assertBundles(r, named("foo", ["1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0", "4.0.0"]));
  assert.deepEqual(
    channelEntries(r, "foo", "stable"),
    named("foo", ["1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0"]),
  );
  assert.deepEqual(channelEntries(r, "foo", "fast"), named("foo", ["3.0.0", "4.0.0"]));
  assert.deepEqual(r.warnings, []);
});

Deno.test("filterCatalog() v2 maxVersion keeps an out-of-range chain node needed for a skipped bundle, with a warning", () => {
  const r = run({ packages: [{ name: "foo", channels: [{ name: "stable", maxVersion: "2.0.0" }] }] });
  assertBundles(r, named("foo", ["0.1.0", "0.1.1", "0.2.0", "0.3.0", "1.0.0", "1.1.0", "2.0.0", "3.0.0"]));
  assert.equal(r.warnings.length, 1);
  assert.match(
    r.warnings[0] as string,
    /Including bundle "foo.v3.0.0" \(version 3.0.0\).*outside range "<=2.0.0"/,
  );
});

Deno.test("filterCatalog() v2 channel-level range picks the lowest node with the most bundles as new head", () => {
  const r = run({
    packages: [{ name: "foo", channels: [{ name: "stable", minVersion: "1.0.0", maxVersion: "1.1.0" }] }],
  });
  assertBundles(r, named("foo", ["1.0.0", "1.1.0"]));
  assert.deepEqual(r.warnings, []);
});

Deno.test("filterCatalog() v2 channel-level range applies only to its channel", () => {
  const r = run({
    packages: [{
      name: "foo",
      channels: [{ name: "stable", minVersion: "2.0.0" }, { name: "fast" }],
    }],
  });
  assert.deepEqual(channelEntries(r, "foo", "stable"), named("foo", ["2.0.0", "2.1.0", "3.0.0"]));
  assert.deepEqual(channelEntries(r, "foo", "fast"), ["foo.v4.0.0"]);
});

Deno.test("filterCatalog() v2 minVersion == maxVersion keeps exactly that bundle", () => {
  const r = run({
    packages: [{ name: "foo", channels: [{ name: "stable", minVersion: "0.2.0", maxVersion: "0.2.0" }] }],
  });
  assertBundles(r, ["foo.v0.2.0"]);
});

Deno.test("filterCatalog() v2 minBundle acts as the bundle's version", () => {
  const r = run({ packages: [{ name: "foo", channels: [{ name: "stable", minBundle: "foo.v1.1.0" }] }] });
  assertBundles(r, named("foo", ["1.1.0", "2.0.0", "2.1.0", "3.0.0"]));
});

Deno.test("filterCatalog() drops a non-default channel a range empties and keeps an overridden default", () => {
  const r = run({ packages: [{ name: "foo", minVersion: "4.0.0", defaultChannel: "fast" }] });
  assertBundles(r, ["foo.v4.0.0"]);
  assert.deepEqual(r.catalog.channels.map((c) => c.name), ["fast"]);
  assert.deepEqual(r.warnings, [
    'Dropping channel "stable" of package "foo": no bundle in version range ">=4.0.0"',
  ]);
});

Deno.test("filterCatalog() fails when a range empties the default channel", () => {
  assertCatalogError(
    () => run({ packages: [{ name: "foo", minVersion: "4.0.0" }] }),
    'Package "foo" channel "stable" has version range ">=4.0.0" that results in an empty channel: its versions ' +
      "go from 0.1.0 to 3.0.0",
  );
});

Deno.test("filterCatalog() trims deprecations to kept bundles and channels", () => {
  const r = run({ packages: [{ name: "foo" }] });
  assert.deepEqual(r.catalog.deprecations[0]?.entries.map((e) => e.reference), [
    { schema: "olm.channel", name: "fast" },
    { schema: "olm.package" },
  ]);
  const full = run({ full: true, packages: [{ name: "foo" }] });
  assert.equal(full.catalog.deprecations[0]?.entries.length, 3);
  const onlyStable = run({
    packages: [{ name: "foo", channels: [{ name: "stable", minVersion: "3.0.0" }] }],
  });
  assert.deepEqual(onlyStable.catalog.deprecations[0]?.entries.map((e) => e.reference.schema), [
    "olm.package",
  ]);
});

Deno.test("filterCatalog() keeps opaque blobs of kept packages and package-less ones", () => {
  const r = run({ packages: [{ name: "bar" }] });
  assert.deepEqual(r.catalog.others.map((o) => o.schema), ["example.io/global"]);
  const f = run({ packages: [{ name: "foo" }] });
  assert.deepEqual(f.catalog.others.map((o) => o.schema).sort(), ["example.io/global", "example.io/note"]);
});

Deno.test("filterCatalog() v1 package without channels keeps only the default channel's head", () => {
  const r = run({ packages: [{ name: "foo" }] }, V1);
  assertBundles(r, ["foo.v3.0.0"]);
  assert.deepEqual(r.catalog.channels.map((c) => c.name), ["stable"]);
});

Deno.test("filterCatalog() v1 range fills the replaces graph up to the head", () => {
  const r = run({ packages: [{ name: "foo", minVersion: "1.0.0" }] }, V1);
  // 2.0.0 replaces 0.1.0, so the fill takes everything that replaces 0.1.0 (operator-registry's behaviour).
  assertBundles(r, named("foo", ["0.1.1", "0.2.0", "0.3.0", "1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0"]));
  const max = run({
    packages: [{ name: "foo", channels: [{ name: "stable", minVersion: "1.0.0", maxVersion: "1.1.0" }] }],
  }, V1);
  // v1 keeps the head even though maxVersion excludes it.
  assertBundles(max, named("foo", ["1.0.0", "1.1.0", "3.0.0"]));
});

Deno.test("filterCatalog() v1 resolves olm.gvk.required and olm.package.required dependencies breadth-first", () => {
  const r = run({ packages: [{ name: "bar" }] }, V1);
  assertBundles(r, ["bar.v1.2.0", "baz.v0.9.0", "baz.v1.0.0", "baz.v1.1.0", "qux.v1.7.0", "qux.v2.0.0"]);
  assert.deepEqual(channelEntries(r, "qux", "legacy"), ["qux.v1.7.0"]);
  assert.deepEqual(channelEntries(r, "qux", "stable"), ["qux.v2.0.0"]);
  assert.equal(r.catalog.packages.find((p) => p.name === "qux")?.defaultChannel, "stable");
  assert.ok(
    r.warnings.some((w) =>
      w.includes('Adding bundle "baz.v1.0.0"') && w.includes("API baz.example.com/v1/Baz")
    ),
  );
  assert.ok(r.warnings.some((w) => w.includes('Adding bundle "baz.v0.9.0"') && w.includes('"qux.v1.7.0"')));
});

Deno.test("filterCatalog() v1 skipDependencies and v2 by default do not resolve dependencies", () => {
  assertBundles(run({ skipDependencies: true, packages: [{ name: "bar" }] }, V1), ["bar.v1.2.0"]);
  assertBundles(run({ packages: [{ name: "bar", channels: [{ name: "alpha" }] }] }), ["bar.v1.2.0"]);
});

Deno.test("filterCatalog() v2 resolves dependencies when asked", () => {
  const r = run({ packages: [{ name: "bar", channels: [{ name: "alpha" }] }] }, {
    semantics: "v2",
    resolveDependencies: true,
  });
  assertBundles(r, ["bar.v1.2.0", "baz.v0.9.0", "baz.v1.0.0", "baz.v1.1.0", "qux.v1.7.0", "qux.v2.0.0"]);
});

Deno.test("filterCatalog() skips requirements kept bundles already satisfy and warns about unmet ones", () => {
  const r = run({
    packages: [{ name: "bar", channels: [{ name: "beta" }], defaultChannel: "beta" }, { name: "baz" }],
  }, V1);
  assertBundles(r, ["bar.v2.0.0", "baz.v1.1.0"]);
  assert.deepEqual(r.warnings, [
    'Bundle "bar.v2.0.0" of package "bar" requires package "missing" >=1.0.0: no bundle in the catalog provides it',
  ]);
});

Deno.test("filterCatalog() names nearby packages, channels, versions and bundles that exist", () => {
  assertCatalogError(
    () =>
      filterCatalog(referenceCatalog(), { packages: [{ name: "fooo" }] }, {
        ...V2,
        catalog: "quay.io/ns/idx:v1",
      }),
    'Package "fooo" not found in catalog quay.io/ns/idx:v1: did you mean "foo"?',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "nothing-like-it" }] }),
    'Package "nothing-like-it" not found: the catalog has packages "bar", "baz", "foo", "qux"',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo", channels: [{ name: "stabel" }] }] }),
    'Channel "stabel" not found in package "foo": did you mean "stable"? (channels: "fast", "stable")',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo", minVersion: "0.2.5", maxVersion: "0.2.5" }] }),
    'Version "0.2.5" (minVersion = maxVersion of package "foo") not found in package "foo": nearby versions are ' +
      "0.1.0, 0.1.1, 0.2.0, 0.3.0, 1.0.0, 1.1.0",
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo", channels: [{ name: "stable", minBundle: "foo.v1.1" }] }] }),
    'Bundle "foo.v1.1" (minBundle of channel "stable" of package "foo") not found in package "foo": did you mean ' +
      '"foo.v1.1.0", "foo.v0.1.1"?',
  );
});

Deno.test("filterCatalog() rejects inconsistent specs with a message naming the package", () => {
  assertCatalogError(
    () =>
      run({
        packages: [{ name: "foo", minVersion: "1.0.0", channels: [{ name: "stable", maxVersion: "2.0.0" }] }],
      }),
    'Package "foo" sets a version range both on the package and on its channels: use one or the other',
  );
  assertCatalogError(
    () => run({ full: true, packages: [{ name: "foo", minVersion: "1.0.0" }] }),
    'Package "foo": full: true cannot be mixed with a version range',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo", minVersion: "2.0.0", maxVersion: "1.0.0" }] }),
    'The package "foo" has minVersion 2.0.0 greater than maxVersion 1.0.0',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo", minVersion: "1.x" }] }),
    'The minVersion "1.x" of package "foo" is not a semantic version: want X.Y.Z',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo" }, { name: "foo" }] }),
    'Package "foo" is listed twice: list each package once',
  );
  assertCatalogError(
    () => run({ packages: [{ name: "foo", channels: [{ name: "stable" }, { name: "stable" }] }] }),
    'Channel "stable" is listed twice for package "foo"',
  );
  assertCatalogError(
    () =>
      run({
        packages: [{
          name: "foo",
          channels: [{ name: "stable", minVersion: "1.0.0", minBundle: "foo.v1.0.0" }],
        }],
      }),
    'The channel "stable" of package "foo" sets both minVersion and minBundle: use one',
  );
});

function broken(
  entries: ReturnType<typeof entry>[],
  bundles = ["a.v1.0.0", "a.v2.0.0", "a.v3.0.0"],
): Catalog {
  return makeCatalog([
    pkgBlob("a", "stable"),
    channelBlob("a", "stable", entries),
    ...bundles.map((n) => bundleBlob("a", n.slice(3))),
  ]);
}

Deno.test("filterCatalog() reports cycles and broken channels instead of hanging", () => {
  assertCatalogError(
    () => run({}, V2, broken([entry("a.v1.0.0", "a.v2.0.0"), entry("a.v2.0.0", "a.v1.0.0")])),
    'Channel "stable" of package "a" has no head: every entry is replaced or skipped by another, so its upgrade ' +
      "graph has a cycle",
  );
  assertCatalogError(
    () =>
      run(
        {},
        V2,
        broken([
          entry("a.v3.0.0", "a.v1.0.0"),
          entry("a.v1.0.0", undefined, ["a.v2.0.0"]),
          entry("a.v2.0.0", "a.v1.0.0"),
        ]),
      ),
    'Channel "stable" of package "a" has a cycle in its upgrade graph through "a.v1.0.0", "a.v2.0.0"',
  );
  assertCatalogError(
    () => run({}, V2, broken([entry("a.v1.0.0"), entry("a.v2.0.0")])),
    'Channel "stable" of package "a" has 2 heads ("a.v1.0.0", "a.v2.0.0"): exactly one entry must be neither ' +
      "replaced nor skipped by another",
  );
  assertCatalogError(
    () => run({}, V2, broken([entry("a.v1.0.0", "a.v1.0.0")])),
    'Channel "stable" of package "a": entry "a.v1.0.0" replaces itself',
  );
  assertCatalogError(
    () => run({}, V2, broken([entry("a.v1.0.0"), entry("a.v9.0.0", "a.v1.0.0")], ["a.v1.0.0"])),
    'The channel "stable" of package "a" names bundle "a.v9.0.0", which the catalog does not define',
  );
});

Deno.test("filterCatalog() handles a long replaces chain with many skips quickly", () => {
  const n = 400;
  const names = Array.from({ length: n }, (_, i) => `a.v1.0.${i}`);
  const entries = names.map((name, i) =>
    entry(name, i > 0 ? names[i - 1] : undefined, names.slice(Math.max(0, i - 95), Math.max(0, i - 1)))
  );
  const catalog = makeCatalog([
    pkgBlob("a", "stable"),
    channelBlob("a", "stable", entries),
    ...names.map((nm) => bundleBlob("a", nm.slice(3))),
  ]);
  const t0 = performance.now();
  const r = run({ packages: [{ name: "a", minVersion: "1.0.300" }] }, V2, catalog);
  assert.equal(r.bundles.length, 100);
  assert.ok(performance.now() - t0 < 2000);
});

Deno.test("filterCatalog() rejects a catalog with duplicate bundles instead of picking one", () => {
  const c = referenceCatalog();
  c.bundles.push(structuredClone(c.bundles[0] as (typeof c.bundles)[number]));
  assertCatalogError(
    () => filterCatalog(c, {}, { semantics: "v2", catalog: "reg/idx:1" }),
    'Bundle "foo.v0.1.0" of package "foo" is defined twice in catalog reg/idx:1',
  );
});
