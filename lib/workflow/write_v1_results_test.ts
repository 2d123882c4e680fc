import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { digestOf } from "../oci/mod.ts";
import type { ImageMapping } from "../plan/mod.ts";
import { parseImageReference } from "../reference/mod.ts";
import { imageContentSourcePolicies } from "../resources/mod.ts";
import { rfc1035Name, splitIcsp, v1MappingLine, v1ResultsDir, writeV1Results } from "./write_v1_results.ts";

function m(source: string, destination: string, kind: ImageMapping["kind"]): ImageMapping {
  const s = parseImageReference(source);
  return { source: s, origin: s, destination: parseImageReference(destination), kind };
}

Deno.test("v1 results: directory name, mapping lines without transports, RFC 1035 names", () => {
  assert.equal(v1ResultsDir("/w", new Date("2026-01-02T03:04:05.900Z")), "/w/results-1767323045");
  const digest = digestOf("x");
  assert.equal(
    v1MappingLine(m(`quay.io/a/b:1@${digest}`, "reg:5000/ns/a/b:1", "generic")),
    `quay.io/a/b@${digest}=reg:5000/ns/a/b:1`,
  );
  assert.equal(rfc1035Name("Redhat_Operator.Index"), "redhat-operator-index");
  assert.equal(rfc1035Name("4-catalog"), "catalog");
  assert.equal(rfc1035Name("x".repeat(70)).length, 63);
});

Deno.test("v1 results: an ImageContentSourcePolicy larger than the limit is split and renumbered", () => {
  const mappings = Array.from(
    { length: 40 },
    (_, i) => m(`quay.io/org${i}/img@${digestOf(String(i))}`, `reg:5000/mirror/org${i}/img:t`, "generic"),
  );
  const [one] = imageContentSourcePolicies(mappings);
  const split = splitIcsp([one], 1500) as {
    metadata: { name: string };
    spec: { repositoryDigestMirrors: unknown[] };
  }[];
  assert.ok(split.length > 1);
  assert.deepEqual(split.map((o) => o.metadata.name), split.map((_, i) => `generic-${i}`));
  assert.equal(split.reduce((n, o) => n + o.spec.repositoryDigestMirrors.length, 0), 40);
  assert.deepEqual(splitIcsp([one]), [one]);
});

Deno.test("v1 results: writes mapping, ICSP, catalog sources (v1 naming), UpdateService and signatures", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const payload = digestOf("payload");
    const written = await writeV1Results({
      dir: `${dir}/results-1`,
      mirrored: [
        m(
          `quay.io/openshift-release-dev/ocp-release@${payload}`,
          "reg:5000/ns/openshift/release-images:4.14.3-x86_64",
          "ocpRelease",
        ),
        m(
          "registry.access.redhat.com/ubi9/ubi:latest",
          "reg:5000/ns/openshift/graph-image:latest",
          "cincinnatiGraph",
        ),
      ],
      catalogs: [
        parseImageReference(`reg:5000/ns/redhat/redhat-operator-index:v4.14@${digestOf("c")}`),
        parseImageReference(`reg:5000/ns/other/redhat-operator-index@${digestOf("d")}`),
      ],
      signatures: [{ digest: payload, bytes: new Uint8Array([1, 2, 3]) }],
      forceRepositoryScope: false,
    });
    assert.deepEqual(written, [
      "mapping.txt",
      "imageContentSourcePolicy.yaml",
      "catalogSource-redhat-operator-index.yaml",
      "catalogSource-redhat-operator-index-1.yaml",
      "updateService.yaml",
      `release-signatures/signature-sha256-${payload.slice(7, 23)}.json`,
    ]);
    const [cs] = parseAllDocuments(
      await Deno.readTextFile(`${dir}/results-1/catalogSource-redhat-operator-index.yaml`),
    )
      .map((d) => d.toJS());
    assert.deepEqual(cs, {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "CatalogSource",
      metadata: { name: "redhat-operator-index", namespace: "openshift-marketplace" },
      spec: { image: "reg:5000/ns/redhat/redhat-operator-index:v4.14", sourceType: "grpc" },
    });
    const [cs1] = parseAllDocuments(
      await Deno.readTextFile(`${dir}/results-1/catalogSource-redhat-operator-index-1.yaml`),
    ).map((d) => d.toJS());
    assert.equal(cs1.metadata.name, "redhat-operator-index-1");
    assert.equal(cs1.spec.image, `reg:5000/ns/other/redhat-operator-index@${digestOf("d")}`);
    const us = parseAllDocuments(await Deno.readTextFile(`${dir}/results-1/updateService.yaml`))[0]?.toJS();
    assert.deepEqual(us.metadata, { name: "update-service-oc-mirror" });
    assert.equal(us.spec.releases, "reg:5000/ns/openshift/release-images");
    const sig = JSON.parse(await Deno.readTextFile(`${dir}/results-1/${written[5]}`));
    assert.equal(sig.metadata.namespace, "openshift-config-managed");
    assert.deepEqual(sig.binaryData, { [`sha256-${payload.slice(7)}-1`]: "AQID" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
