import assert from "node:assert/strict";
import { OcMirrorError } from "../errors.ts";
import { parseImageReference } from "../reference/mod.ts";
import {
  catalogResourceName,
  catalogSource,
  checkCatalogSourceTemplate,
  clusterCatalog,
} from "./catalog_source.ts";

const stamp = { now: new Date("2026-03-04T05:06:07Z"), version: "0.1.0" };

Deno.test("catalog resource names follow the original", () => {
  assert.equal(
    catalogResourceName(parseImageReference("reg.example.com/redhat/redhat-operator-index:v4.14")),
    "redhat-operator-index-v4-14",
  );
  assert.equal(
    catalogResourceName(parseImageReference(`reg.example.com/x/cat@sha256:${"c".repeat(64)}`)),
    `cat-${"c".repeat(12)}`,
  );
  assert.equal(
    catalogResourceName(parseImageReference("reg.example.com/x/cat:V4.15_Filtered.Extra")),
    "cat-v4-15-filter",
  );
});

Deno.test("catalogSource and clusterCatalog objects have the original's shape", () => {
  const dest = parseImageReference("reg.example.com/redhat/redhat-operator-index:v4.14");
  const cs = catalogSource(dest, stamp);
  assert.equal(cs.name, "cs-redhat-operator-index-v4-14");
  assert.deepEqual((cs.object as { spec: unknown }).spec, {
    image: "reg.example.com/redhat/redhat-operator-index:v4.14",
    sourceType: "grpc",
  });
  const cc = clusterCatalog(dest, stamp);
  assert.equal(cc.name, "cc-redhat-operator-index-v4-14");
  assert.deepEqual((cc.object as { spec: unknown }).spec, {
    source: { type: "Image", image: { ref: "reg.example.com/redhat/redhat-operator-index:v4.14" } },
  });
});

Deno.test("a CatalogSource template keeps user fields and merges annotations", () => {
  const template = checkCatalogSourceTemplate({
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "CatalogSource",
    metadata: { name: "ignored", namespace: "custom-ns", annotations: { team: "a" } },
    spec: { displayName: "Mirror", updateStrategy: { registryPoll: { interval: "30m" } } },
  }, "t.yaml");
  const cs = catalogSource(parseImageReference("reg.example.com/c/idx:v1"), stamp, template).object as {
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: Record<string, unknown>;
  };
  assert.equal(cs.metadata.name, "cs-idx-v1");
  assert.equal(cs.metadata.namespace, "custom-ns");
  assert.equal(cs.metadata.annotations.team, "a");
  assert.equal(cs.metadata.annotations.createdBy, "oc-mirror v2");
  assert.equal(cs.spec.displayName, "Mirror");
  assert.equal(cs.spec.image, "reg.example.com/c/idx:v1");
});

Deno.test("a bad CatalogSource template is refused naming the file", () => {
  assert.throws(
    () => checkCatalogSourceTemplate({ apiVersion: "v1", kind: "ConfigMap" }, "cs.yaml"),
    (e: unknown) =>
      e instanceof OcMirrorError &&
      e.message ===
        "CatalogSource template cs.yaml cannot be used: want apiVersion operators.coreos.com/v1alpha1 and kind CatalogSource, got v1 ConfigMap",
  );
  assert.throws(
    () =>
      checkCatalogSourceTemplate({
        apiVersion: "operators.coreos.com/v1alpha1",
        kind: "CatalogSource",
        spec: { configMap: "x" },
      }, "cs.yaml"),
    /configMap/,
  );
});
