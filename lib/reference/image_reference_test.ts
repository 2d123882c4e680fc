import assert from "node:assert/strict";
import { ImageReferenceError } from "../errors.ts";
import { formatReference, parseImageReference, referenceTarget } from "./image_reference.ts";

const hex = "0123456789abcdef".repeat(4);

Deno.test("parseImageReference normalises docker.io names as container tools do", () => {
  assert.deepEqual(parseImageReference("ubuntu"), { registry: "docker.io", repository: "library/ubuntu" });
  assert.deepEqual(parseImageReference("ubuntu:22.04"), {
    registry: "docker.io",
    repository: "library/ubuntu",
    tag: "22.04",
  });
  assert.deepEqual(parseImageReference("bitnami/redis"), {
    registry: "docker.io",
    repository: "bitnami/redis",
  });
  assert.deepEqual(parseImageReference("index.docker.io/library/busybox:1"), {
    registry: "docker.io",
    repository: "library/busybox",
    tag: "1",
  });
  assert.deepEqual(parseImageReference("ubuntu", { defaultTag: "latest" }).tag, "latest");
});

Deno.test("parseImageReference recognises hosts: dots, ports, localhost, IPv6, upper case", () => {
  assert.equal(parseImageReference("quay.io/a/b:1").registry, "quay.io");
  assert.equal(parseImageReference("localhost/a").registry, "localhost");
  assert.deepEqual(parseImageReference("localhost:5000/a/b"), {
    registry: "localhost:5000",
    repository: "a/b",
  });
  assert.deepEqual(parseImageReference("[::1]:5000/a:v1"), {
    registry: "[::1]:5000",
    repository: "a",
    tag: "v1",
  });
  assert.equal(parseImageReference("Registry/a").registry, "Registry");
  assert.equal(
    parseImageReference("127.0.0.1:55000/openshift/release:4.14.1-x86_64-etcd").tag,
    "4.14.1-x86_64-etcd",
  );
});

Deno.test("parseImageReference keeps tag and digest together", () => {
  const r = parseImageReference(`registry.redhat.io/ubi9/ubi:9.3@sha256:${hex}`);
  assert.deepEqual(r, {
    registry: "registry.redhat.io",
    repository: "ubi9/ubi",
    tag: "9.3",
    digest: `sha256:${hex}`,
  });
  assert.equal(formatReference(r), `registry.redhat.io/ubi9/ubi:9.3@sha256:${hex}`);
  assert.equal(referenceTarget(r), `sha256:${hex}`);
  assert.equal(referenceTarget(parseImageReference("a/b")), "latest");
});

Deno.test("parseImageReference rejects bad references with the reason", () => {
  const bad: [string, RegExp][] = [
    ["", /Image reference is empty/],
    ["quay.io/Upper/case:1", /invalid path component "Upper": repository names must be lower case/],
    ["quay.io/a//b", /empty path component/],
    [`quay.io/a@sha512:${hex}`, /unsupported algorithm "sha512"/],
    ["quay.io/a@sha256:abc", /has 3 hex digits: want 64/],
    [`quay.io/a@sha256:${hex.toUpperCase()}`, /upper-case hex/],
    ["quay.io/a:-bad", /invalid tag "-bad"/],
    ["docker://quay.io/a", /has a transport prefix: write it without "docker:\/\/"/],
    ["quay.io/a b", /contains white space/],
    ["bad_host!/a", /invalid path component/],
    [`quay.io/${"a".repeat(260)}`, /longer than 255 characters/],
  ];
  for (const [input, re] of bad) {
    assert.throws(
      () => parseImageReference(input),
      (e: unknown) => e instanceof ImageReferenceError && re.test(e.message),
      input,
    );
  }
});
