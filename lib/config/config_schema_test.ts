import assert from "node:assert/strict";
import { configSchema, REPOSITORY_PATH_PATTERN } from "./config_schema.ts";

const HEAD = { apiVersion: "mirror.openshift.io/v2alpha1", kind: "ImageSetConfiguration" };

Deno.test("configSchema() cuts each API version's fields from the superset", () => {
  const image = { name: "quay.io/a/b:v1", targetRepo: "x/y" };
  const v2 = configSchema("v2alpha1", "ImageSetConfiguration");
  const v1 = configSchema("v1alpha2", "ImageSetConfiguration");
  assert.ok(v2.safeParse({ ...HEAD, mirror: { additionalImages: [image] } }).success);
  const rejected = v1.safeParse({ ...HEAD, mirror: { additionalImages: [image] } });
  assert.deepEqual(rejected.error?.issues.map((i) => [i.code, i.path]), [
    ["unrecognized_keys", ["mirror", "additionalImages", 0]],
  ]);
  assert.ok(v1.safeParse({ ...HEAD, storageConfig: { local: { path: "." } }, mirror: {} }).success);
  assert.ok(!v2.safeParse({ ...HEAD, storageConfig: { local: { path: "." } }, mirror: {} }).success);
});

Deno.test("configSchema() of a DeleteImageSetConfiguration has delete: and no mirror:, archiveSize or blockedImages", () => {
  const disc = configSchema("v2alpha1", "DeleteImageSetConfiguration");
  const head = { ...HEAD, kind: "DeleteImageSetConfiguration" };
  assert.ok(disc.safeParse({ ...head, delete: { additionalImages: [{ name: "a/b" }] } }).success);
  assert.ok(!disc.safeParse({ ...head, mirror: {} }).success);
  assert.ok(!disc.safeParse({ ...head, archiveSize: 4, delete: {} }).success);
  assert.ok(!disc.safeParse({ ...head, delete: { blockedImages: [{ name: "x" }] } }).success);
});

Deno.test("configSchema() normalises versions: release X.Y.Z, operators with Masterminds leniency", () => {
  const parsed = configSchema("v2alpha1", "ImageSetConfiguration").parse({
    ...HEAD,
    mirror: {
      platform: { channels: [{ name: "stable-4.18", minVersion: "v4.18.1" }] },
      operators: [{ catalog: "quay.io/a/index:v1", packages: [{ name: "p", minVersion: "v1.2" }] }],
    },
  });
  assert.equal(parsed.mirror?.platform?.channels?.[0]?.minVersion, "4.18.1");
  assert.equal(parsed.mirror?.operators?.[0]?.packages?.[0]?.minVersion, "1.2.0");
});

Deno.test("REPOSITORY_PATH_PATTERN accepts repository paths only", () => {
  for (const ok of ["index", "my-org/index", "a/b/c", "a__b", "a.b_c-d", "a---b"]) {
    assert.ok(REPOSITORY_PATH_PATTERN.test(ok), ok);
  }
  for (const bad of ["Index", "a/b:v1", "a@sha256:x", "/a", "a/", "-a", "a..b", "registry.io:5000/a"]) {
    assert.ok(!REPOSITORY_PATH_PATTERN.test(bad), bad);
  }
});
