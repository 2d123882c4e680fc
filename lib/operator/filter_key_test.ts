import assert from "node:assert/strict";
import { digestOf } from "../oci/mod.ts";
import { filterKey } from "./filter_key.ts";

const CATALOG = digestOf("catalog");

Deno.test("filterKey() ignores package and channel order and empty fields", () => {
  const a = filterKey({
    packages: [{ name: "b" }, { name: "a", channels: [{ name: "y" }, { name: "x", minVersion: "1.0.0" }] }],
  }, CATALOG);
  const b = filterKey({
    full: false,
    packages: [{ name: "a", channels: [{ name: "x", minVersion: "1.0.0", maxVersion: "" }, { name: "y" }] }, {
      name: "b",
      channels: [],
    }],
  }, CATALOG);
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{64}$/);
});

Deno.test("filterKey() changes with the filter, the catalog digest and the semantics", () => {
  const spec = { packages: [{ name: "a" }] };
  const base = filterKey(spec, CATALOG);
  assert.notEqual(filterKey({ packages: [{ name: "a", minVersion: "1.0.0" }] }, CATALOG), base);
  assert.notEqual(filterKey(spec, digestOf("other catalog")), base);
  assert.notEqual(filterKey(spec, CATALOG, { semantics: "v1" }), base);
  assert.notEqual(filterKey(spec, CATALOG, { semantics: "v2", resolveDependencies: true }), base);
  assert.equal(filterKey(spec, CATALOG, { semantics: "v2", resolveDependencies: false }), base);
});
