import assert from "node:assert/strict";
import { parseLocation } from "./location.ts";

const hex = "a".repeat(64);

Deno.test("parseLocation reads docker:// hosts, namespaces and file:// paths", () => {
  assert.deepEqual(parseLocation("docker://myregistry/ns/sub"), {
    kind: "docker",
    registry: "myregistry",
    namespace: "ns/sub",
  });
  assert.deepEqual(parseLocation("docker://localhost:5000"), {
    kind: "docker",
    registry: "localhost:5000",
    namespace: "",
  });
  assert.deepEqual(parseLocation("file://archives"), { kind: "file", path: "archives" });
  assert.deepEqual(parseLocation("file:///srv/a"), { kind: "file", path: "/srv/a" });
});

Deno.test("parseLocation splits oci:// references, digests included", () => {
  assert.deepEqual(parseLocation("oci:///srv/l:v1"), { kind: "oci", path: "/srv/l", reference: "v1" });
  assert.deepEqual(parseLocation(`oci:///srv/l:sha256:${hex}`), {
    kind: "oci",
    path: "/srv/l",
    reference: `sha256:${hex}`,
  });
  assert.deepEqual(parseLocation(`oci:///srv/l@sha256:${hex}`), {
    kind: "oci",
    path: "/srv/l",
    reference: `sha256:${hex}`,
  });
  assert.deepEqual(parseLocation("oci:///srv/l"), { kind: "oci", path: "/srv/l" });
});

Deno.test("parseLocation refuses other schemes and tags in namespaces", () => {
  assert.throws(() => parseLocation("http://x"), /uses scheme "http:\/\/"/);
  assert.throws(
    () => parseLocation("docker://reg.example.com/ns:tag"),
    /invalid path component|names a tag or digest/,
  );
  assert.throws(() => parseLocation("registry/ns"), /has no scheme/);
});
