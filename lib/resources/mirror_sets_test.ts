import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import type { ImageKind, ImageMapping } from "../plan/mod.ts";
import { parseImageReference } from "../reference/mod.ts";
import {
  imageContentSourcePolicies,
  imageDigestMirrorSets,
  imageTagMirrorSets,
  scopedRule,
} from "./mirror_sets.ts";
import { toYamlDocuments } from "./resource_meta.ts";

const hex = "b".repeat(64);
const stamp = { now: new Date("2026-03-04T05:06:07.890Z"), version: "0.1.0" };
function m(origin: string, dst: string, kind: ImageKind): ImageMapping {
  const o = parseImageReference(origin);
  return { source: o, origin: o, destination: parseImageReference(dst), kind };
}

const mappings: ImageMapping[] = [
  m(
    `quay.io/openshift-release-dev/ocp-release@sha256:${hex}`,
    "reg.example.com/openshift/release-images:4.14.1-x86_64",
    "ocpRelease",
  ),
  m(
    `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${hex}`,
    "reg.example.com/openshift/release:4.14.1-x86_64-etcd",
    "ocpReleaseContent",
  ),
  m(
    `registry.redhat.io/rhel9/foo@sha256:${hex}`,
    `reg.example.com/rhel9/foo:sha256-${hex}`,
    "operatorRelatedImage",
  ),
  m("registry.redhat.io/ubi9/ubi:latest", "reg.example.com/ubi9/ubi:latest", "generic"),
  m(
    "registry.redhat.io/redhat/redhat-operator-index:v4.14",
    "reg.example.com/redhat/redhat-operator-index:v4.14",
    "operatorCatalog",
  ),
];

Deno.test("scopedRule uses namespace scope when the destination ends with the source path", () => {
  assert.deepEqual(scopedRule(mappings[2] as ImageMapping), {
    source: "registry.redhat.io/rhel9",
    mirror: "reg.example.com/rhel9",
  });
  assert.deepEqual(scopedRule(mappings[0] as ImageMapping), {
    source: "quay.io/openshift-release-dev/ocp-release",
    mirror: "reg.example.com/openshift/release-images",
  });
  assert.deepEqual(scopedRule(mappings[2] as ImageMapping, { forceRepositoryScope: true }), {
    source: "registry.redhat.io/rhel9/foo",
    mirror: "reg.example.com/rhel9/foo",
  });
  const single = m("quay.io/single:1", "reg.example.com/single:1", "generic");
  assert.deepEqual(scopedRule(single), { source: "quay.io", mirror: "reg.example.com" });
});

Deno.test("IDMS has one object per category for digest origins, never catalogs", () => {
  const idms = imageDigestMirrorSets(mappings, stamp);
  assert.deepEqual(idms, [
    {
      apiVersion: "config.openshift.io/v1",
      kind: "ImageDigestMirrorSet",
      metadata: {
        name: "idms-release-0",
        annotations: {
          createdBy: "oc-mirror v2",
          createdAt: "2026-03-04T05:06:07Z",
          "oc-mirror_version": "0.1.0",
        },
      },
      spec: {
        imageDigestMirrors: [
          {
            source: "quay.io/openshift-release-dev/ocp-release",
            mirrors: ["reg.example.com/openshift/release-images"],
          },
          {
            source: "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
            mirrors: ["reg.example.com/openshift/release"],
          },
        ],
      },
    },
    {
      apiVersion: "config.openshift.io/v1",
      kind: "ImageDigestMirrorSet",
      metadata: {
        name: "idms-operator-0",
        annotations: {
          createdBy: "oc-mirror v2",
          createdAt: "2026-03-04T05:06:07Z",
          "oc-mirror_version": "0.1.0",
        },
      },
      spec: {
        imageDigestMirrors: [{ source: "registry.redhat.io/rhel9", mirrors: ["reg.example.com/rhel9"] }],
      },
    },
  ]);
});

Deno.test("ITMS lists tag origins only", () => {
  const itms = imageTagMirrorSets(mappings, stamp) as {
    metadata: { name: string };
    spec: { imageTagMirrors: unknown[] };
  }[];
  assert.deepEqual(itms.map((o) => o.metadata.name), ["itms-generic-0"]);
  assert.deepEqual(itms[0]?.spec.imageTagMirrors, [{
    source: "registry.redhat.io/ubi9",
    mirrors: ["reg.example.com/ubi9"],
  }]);
  assert.deepEqual(imageTagMirrorSets([], stamp), []);
});

Deno.test("ICSP uses repository scope for release and labels the operator policy", () => {
  const icsp = imageContentSourcePolicies(mappings) as { metadata: { name: string; labels?: unknown } }[];
  assert.deepEqual(icsp.map((o) => o.metadata.name), ["release-0", "operator-0"]);
  assert.deepEqual(icsp[1]?.metadata.labels, { "operators.openshift.org/catalog": "true" });
});

Deno.test("toYamlDocuments writes parseable multi-document YAML", () => {
  const text = toYamlDocuments(imageDigestMirrorSets(mappings, stamp));
  assert.ok(text.startsWith("---\napiVersion: config.openshift.io/v1\n"));
  const docs = parseAllDocuments(text).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS();
  });
  assert.equal(docs.length, 2);
  assert.equal(docs[1].metadata.name, "idms-operator-0");
});
