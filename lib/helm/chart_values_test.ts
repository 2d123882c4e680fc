import assert from "node:assert/strict";
import type { LoadedChart } from "./chart.ts";
import { coalesceValues, mergeValues, pathValue, processDependencies } from "./chart_values.ts";
import type { GoMap } from "./_go_value.ts";

function chart(
  name: string,
  values: GoMap,
  deps: LoadedChart[] = [],
  dependencies: LoadedChart["metadata"]["dependencies"] = [],
): LoadedChart {
  return {
    metadata: {
      apiVersion: "v2",
      name,
      version: "1.0.0",
      appVersion: "",
      description: "",
      type: "application",
      kubeVersion: "",
      dependencies,
      raw: {},
    },
    values,
    valuesText: "",
    templates: [],
    crds: [],
    files: [],
    dependencies: deps,
    source: name,
    allFiles: new Map(),
  };
}

Deno.test("mergeValues() merges maps recursively and lets the override win", () => {
  assert.deepEqual(
    mergeValues({ a: { b: 1, c: 2 }, l: [1], s: "x" }, { a: { c: 3, d: 4 }, l: [2], s: null }),
    { a: { b: 1, c: 3, d: 4 }, l: [2], s: null },
  );
});

Deno.test("coalesceValues() puts defaults under user values and deletes keys the user set to null", () => {
  const c = chart("app", { image: { repository: "r", tag: "1", pullPolicy: "Always" }, extra: { a: 1 } });
  const user = { image: { tag: "2", pullPolicy: null }, extra: null };
  const v = coalesceValues(c, user);
  assert.deepEqual(v, { image: { repository: "r", tag: "2" } });
  assert.deepEqual(
    user,
    { image: { tag: "2", pullPolicy: null }, extra: null },
    "user values are not modified",
  );
  assert.deepEqual(
    c.values.image,
    { repository: "r", tag: "1", pullPolicy: "Always" },
    "defaults are not modified",
  );
});

Deno.test("coalesceValues() gives sub-charts their defaults, the parent's section and the globals (parent wins)", () => {
  const sub = chart("db", {
    global: { registry: "sub.example.com", only: "sub" },
    image: "db:1",
    port: 5432,
  });
  const parent = chart("app", { global: { registry: "parent.example.com" }, db: { port: 6543 } }, [sub]);
  const v = coalesceValues(parent, {});
  assert.deepEqual(v.db, {
    global: { registry: "parent.example.com", only: "sub" },
    image: "db:1",
    port: 6543,
  });
  assert.equal(pathValue(v, "db.global.registry"), "parent.example.com");
  assert.equal(pathValue(v, "db.missing.x"), undefined);
});

Deno.test("processDependencies() applies aliases as copies and drops disabled dependencies", () => {
  const worker = chart("worker", { image: "w:1" });
  const db = chart("db", { image: "db:1" });
  const extra = chart("extra", {}); // Not listed in Chart.yaml: always kept.
  const parent = chart("app", { db: { enabled: false }, tags: { ui: true } }, [worker, db, extra], [
    { name: "worker", alias: "api", version: "1.0.0" },
    { name: "worker", alias: "ui", tags: ["ui"] },
    { name: "db", condition: "db.enabled" },
    { name: "missing", version: "2.0.0" },
  ]);
  const { chart: processed, warnings } = processDependencies(parent, {});
  assert.deepEqual(processed.dependencies.map((d) => d.metadata.name), ["extra", "api", "ui"]);
  assert.equal(worker.metadata.name, "worker", "the original chart is not renamed");
  assert.deepEqual(warnings, [
    'Chart "app" lists dependency "missing" version "2.0.0" but charts/ does not hold it: its images are not included',
  ]);
  const on = processDependencies(parent, { db: { enabled: true }, tags: { ui: false } });
  assert.deepEqual(on.chart.dependencies.map((d) => d.metadata.name), ["extra", "api", "db"]);
});

Deno.test("processDependencies() evaluates nested conditions relative to the parent's path", () => {
  const leaf = chart("leaf", {});
  const mid = chart("mid", { leaf: { enabled: true } }, [leaf], [{
    name: "leaf",
    condition: "leaf.enabled",
  }]);
  const top = chart("top", {}, [mid], [{ name: "mid" }]);
  assert.deepEqual(
    processDependencies(top, {}).chart.dependencies[0]?.dependencies.map((d) => d.metadata.name),
    ["leaf"],
  );
  const off = processDependencies(top, { mid: { leaf: { enabled: false } } });
  assert.deepEqual(off.chart.dependencies[0]?.dependencies, []);
});
