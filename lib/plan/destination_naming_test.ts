import assert from "node:assert/strict";
import { parseImageReference } from "../reference/mod.ts";
import {
  destinationRepository,
  digestTag,
  graphImageDestination,
  namespacedDestination,
  releaseComponentDestination,
  releasePayloadDestination,
} from "./destination_naming.ts";

const D = { registry: "mirror.example.com:5000", namespace: "" };
const hex = "a".repeat(64);

Deno.test("namespace-preserving destinations keep path and tag", () => {
  assert.deepEqual(namespacedDestination(D, parseImageReference("registry.redhat.io/ubi9/ubi:latest")), {
    registry: "mirror.example.com:5000",
    repository: "ubi9/ubi",
    tag: "latest",
  });
  assert.deepEqual(namespacedDestination({ ...D, namespace: "ns" }, parseImageReference("quay.io/a/b:1")), {
    registry: "mirror.example.com:5000",
    repository: "ns/a/b",
    tag: "1",
  });
});

Deno.test("digest-only images get the sha256-<hex> tag", () => {
  const ref = parseImageReference(`quay.io/a/b@sha256:${hex}`);
  assert.equal(digestTag(ref), `sha256-${hex}`);
  assert.deepEqual(namespacedDestination(D, ref), {
    registry: D.registry,
    repository: "a/b",
    tag: `sha256-${hex}`,
  });
});

Deno.test("tag+digest sources are pushed with the tag only, and overrides replace path and tag", () => {
  const ref = parseImageReference(`quay.io/a/b:v1@sha256:${hex}`);
  assert.deepEqual(namespacedDestination(D, ref), { registry: D.registry, repository: "a/b", tag: "v1" });
  assert.deepEqual(namespacedDestination(D, ref, { targetRepo: "custom/ubi", targetTag: "v9" }), {
    registry: D.registry,
    repository: "custom/ubi",
    tag: "v9",
  });
});

Deno.test("--max-nested-paths keeps N-1 components and joins the rest with -", () => {
  assert.equal(destinationRepository({ ...D, namespace: "ns", maxNestedPaths: 2 }, "a/b/c"), "ns/a-b-c");
  assert.equal(destinationRepository({ ...D, namespace: "", maxNestedPaths: 3 }, "a/b/c/d"), "a/b/c-d");
  assert.equal(destinationRepository({ ...D, namespace: "", maxNestedPaths: 3 }, "a/b"), "a/b");
  assert.equal(destinationRepository({ ...D, namespace: "x", maxNestedPaths: 0 }, "a/b/c"), "x/a/b/c");
});

Deno.test("release payloads, components and the graph image have fixed repositories", () => {
  assert.deepEqual(releasePayloadDestination({ ...D, namespace: "ocp" }, "4.14.1-x86_64"), {
    registry: D.registry,
    repository: "ocp/openshift/release-images",
    tag: "4.14.1-x86_64",
  });
  assert.deepEqual(releaseComponentDestination(D, "4.14.1-x86_64", "etcd"), {
    registry: D.registry,
    repository: "openshift/release",
    tag: "4.14.1-x86_64-etcd",
  });
  assert.deepEqual(graphImageDestination(D), {
    registry: D.registry,
    repository: "openshift/graph-image",
    tag: "latest",
  });
});
