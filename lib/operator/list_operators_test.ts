import assert from "node:assert/strict";
import { CatalogError } from "../errors.ts";
import { listChannels, listPackages, listVersions } from "./list_operators.ts";
import { referenceCatalog } from "./_testing.ts";

Deno.test("listPackages() lists packages with their default channels, sorted", () => {
  const c = referenceCatalog();
  const foo = c.bundles.find((b) => b.name === "foo.v3.0.0");
  foo?.properties.push({ type: "olm.csv.metadata", value: { displayName: "Foo Operator" } });
  assert.deepEqual(listPackages(c), [
    { name: "bar", defaultChannel: "alpha" },
    { name: "baz", defaultChannel: "stable" },
    { name: "foo", defaultChannel: "stable", displayName: "Foo Operator" },
    { name: "qux", defaultChannel: "stable" },
  ]);
});

Deno.test("listChannels() lists a package's channels with their heads", () => {
  assert.deepEqual(listChannels(referenceCatalog(), "foo"), [
    { package: "foo", name: "fast", head: "foo.v4.0.0", headVersion: "4.0.0", isDefault: false, entries: 2 },
    { package: "foo", name: "stable", head: "foo.v3.0.0", headVersion: "3.0.0", isDefault: true, entries: 9 },
  ]);
});

Deno.test("listVersions() lists a channel's bundles by ascending version", () => {
  assert.deepEqual(listVersions(referenceCatalog(), "qux", "stable"), [
    { bundle: "qux.v0.5.0", version: "0.5.0", isHead: false },
    { bundle: "qux.v1.0.0", version: "1.0.0", isHead: false },
    { bundle: "qux.v1.5.0", version: "1.5.0", isHead: false },
    { bundle: "qux.v2.0.0", version: "2.0.0", isHead: true },
  ]);
});

Deno.test("listChannels() and listVersions() name what exists when a package or channel is unknown", () => {
  assert.throws(() => listChannels(referenceCatalog(), "qix", { catalog: "reg/idx:1" }), (e: unknown) => {
    assert.ok(e instanceof CatalogError);
    assert.equal(e.message, 'Package "qix" not found in catalog reg/idx:1: did you mean "qux"?');
    return true;
  });
  assert.throws(
    () => listVersions(referenceCatalog(), "qux", "legasy"),
    /Channel "legasy" not found in package "qux": did you mean "legacy"\? \(channels: "legacy", "stable"\)/,
  );
});
