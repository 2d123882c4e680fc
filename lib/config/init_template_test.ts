import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { renderInitTemplate } from "./init_template.ts";
import { loadConfig } from "./load_config.ts";

for (const apiVersion of ["v1alpha2", "v2alpha1"] as const) {
  for (const extra of [{}, { registry: "registry.example.com:5000" }, { localPath: "./my metadata" }]) {
    Deno.test(`renderInitTemplate() ${apiVersion} ${JSON.stringify(extra)} loads back with no warning`, () => {
      const text = renderInitTemplate({ apiVersion, ...extra });
      const loaded = loadConfig(text, { file: "isc.yaml", kind: "ImageSetConfiguration" });
      assert.deepEqual(loaded.warnings, []);
      assert.equal(loaded.apiVersion, apiVersion);
      const { mirror } = loaded.config;
      assert.deepEqual(mirror.platform.channels, [{
        name: "stable-4.18",
        type: "ocp",
        minVersion: "4.18.1",
        maxVersion: "4.18.10",
        shortestPath: false,
        full: false,
      }]);
      assert.deepEqual(mirror.operators.map((o) => [o.catalog, o.packages]), [[
        "registry.redhat.io/redhat/redhat-operator-index:v4.18",
        [{ name: "serverless-operator", channels: [{ name: "stable" }] }],
      ]]);
      assert.deepEqual(mirror.additionalImages.map((a) => a.name), ["registry.redhat.io/ubi9/ubi:latest"]);
      assert.ok(text.includes("# "), "the template is commented");
      if (apiVersion === "v2alpha1") {
        assert.equal(loaded.config.storageConfig, undefined);
        if ("registry" in extra) assert.ok(text.includes("docker://registry.example.com:5000"));
        if ("localPath" in extra) assert.ok(text.includes("file://./my metadata"));
      } else if ("registry" in extra) {
        assert.deepEqual(loaded.config.storageConfig, {
          registry: {
            imageURL: "registry.example.com:5000/oc-mirror-metadata",
            reference: { registry: "registry.example.com:5000", repository: "oc-mirror-metadata" },
            skipTLS: false,
          },
        });
      } else {
        const path = "localPath" in extra ? "./my metadata" : "./oc-mirror-metadata";
        assert.deepEqual(loaded.config.storageConfig, { local: { path } });
      }
    });
  }
}

Deno.test("renderInitTemplate() keeps a registry that already names the metadata image", () => {
  const text = renderInitTemplate({ apiVersion: "v1alpha2", registry: "quay.io/my-org/metadata:v1" });
  const loaded = loadConfig(text, { file: "isc.yaml", kind: "ImageSetConfiguration" });
  assert.equal(loaded.config.storageConfig?.registry?.imageURL, "quay.io/my-org/metadata:v1");
});

Deno.test("renderInitTemplate() quotes a local path YAML would misread", () => {
  const text = renderInitTemplate({ apiVersion: "v1alpha2", localPath: "#metadata: yes" });
  const loaded = loadConfig(text, { file: "isc.yaml", kind: "ImageSetConfiguration" });
  assert.deepEqual(loaded.config.storageConfig, { local: { path: "#metadata: yes" } });
});

Deno.test("renderInitTemplate() rejects a registry together with a local path, and a bad registry", () => {
  assert.throws(
    () => renderInitTemplate({ apiVersion: "v1alpha2", registry: "r.example.com", localPath: "./m" }),
    (e: unknown) => e instanceof UsageError && e.code === "USAGE" && e.message.includes("cannot be combined"),
  );
  assert.throws(
    () => renderInitTemplate({ apiVersion: "v1alpha2", registry: "Registry.Example.com/UPPER" }),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === 'Registry "Registry.Example.com/UPPER" cannot hold the metadata image: Image reference ' +
          '"Registry.Example.com/UPPER" has an invalid path component "UPPER": repository names must be lower case',
  );
});
