import assert from "node:assert/strict";
import { ImageReferenceError } from "../errors.ts";
import { digestOf } from "../oci/mod.ts";
import {
  graphImageDestination,
  kubeVirtDestination,
  releaseComponentDestination,
  releaseImageDestination,
  releaseTagForDigest,
  releaseTagFromIdentity,
} from "./release_destinations.ts";

Deno.test("release destinations follow the original's repository layout", () => {
  const tag = releaseTagFromIdentity("quay.io/openshift-release-dev/ocp-release:4.14.1-x86_64");
  assert.equal(tag, "4.14.1-x86_64");
  assert.deepEqual(releaseImageDestination(tag), {
    repository: "openshift/release-images",
    tag: "4.14.1-x86_64",
  });
  assert.deepEqual(releaseComponentDestination(tag, "etcd"), {
    repository: "openshift/release",
    tag: "4.14.1-x86_64-etcd",
  });
  assert.deepEqual(kubeVirtDestination(tag), {
    repository: "openshift/release",
    tag: "4.14.1-x86_64-kube-virt-container",
  });
  assert.deepEqual(kubeVirtDestination("4.14.1-multi", "s390x"), {
    repository: "openshift/release",
    tag: "4.14.1-multi-kube-virt-container-s390x",
  });
  assert.deepEqual(graphImageDestination(), { repository: "openshift/graph-image", tag: "latest" });
  const d = digestOf("payload");
  assert.equal(releaseTagForDigest(d), d.slice(7));
});

Deno.test("release destinations refuse identities without a tag and invalid tags", () => {
  assert.throws(
    () => releaseTagFromIdentity(`quay.io/openshift-release-dev/ocp-release@${digestOf("x")}`),
    ImageReferenceError,
  );
  assert.throws(() => releaseComponentDestination("4.14.1-x86_64", "x".repeat(120)), ImageReferenceError);
  assert.throws(() => releaseComponentDestination("4.14.1-x86_64", "bad name"), /is not a valid tag/);
});
