import assert from "node:assert/strict";
import { StateError } from "../errors.ts";
import { digestOf } from "../oci/mod.ts";
import {
  associationBlobs,
  encodeV1Metadata,
  newV1Metadata,
  parseV1Metadata,
  sameAssociations,
  type V1Association,
} from "./v1_metadata.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function assoc(path: string, tag: string, seed: string, layers: string[] = []): V1Association {
  return {
    name: `quay.io/${path}:${tag}`,
    path,
    id: digestOf(seed),
    tagSymlink: tag,
    type: "generic",
    manifestDigests: [],
    layerDigests: layers.map((l) => digestOf(l)),
  };
}

Deno.test("v1 metadata: newV1Metadata round-trips through encode and parse, associations sorted", () => {
  const meta = newV1Metadata({
    uid: "0f4c2a1e-1111-2222-3333-444455556666",
    sequence: 3,
    singleUse: false,
    now: new Date("2026-01-02T03:04:05Z"),
    mirror: { additionalImages: [{ name: "quay.io/example/app:1.0" }] },
    operators: [{ catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.14", imagePin: "x@sha256:1" }],
    platforms: [{ channel: "stable-4.14", minVersion: "4.14.3" }],
    associations: [assoc("z/app", "1", "z"), assoc("a/app", "1", "a", ["l1"])],
  });
  assert.equal(meta.kind, "Metadata");
  assert.equal(meta.apiVersion, "mirror.openshift.io/v1alpha2");
  assert.equal(meta.pastMirror.timestamp, Date.parse("2026-01-02T03:04:05Z") / 1000);
  assert.deepEqual(meta.pastAssociations.map((a) => a.path), ["a/app", "z/app"]);
  assert.deepEqual(parseV1Metadata(encodeV1Metadata(meta), "test"), meta);
});

Deno.test("v1 metadata: accepts the original's nulls, omitted lists and numeric types", () => {
  const meta = parseV1Metadata(
    enc({
      kind: "Metadata",
      apiVersion: "mirror.openshift.io/v1alpha2",
      uid: "abc",
      pastMirror: { timestamp: 1, sequence: 1, mirror: {}, operators: null, associations: null },
      pastAssociations: [{ name: "n", path: "p", id: digestOf("x"), type: 7 }],
    }),
    "orig.json",
  );
  assert.equal(meta.singleUse, false);
  assert.deepEqual(meta.pastMirror.associations, []);
  assert.deepEqual(meta.pastMirror.platforms, []);
  assert.deepEqual(meta.pastAssociations[0], {
    name: "n",
    path: "p",
    id: digestOf("x"),
    tagSymlink: "",
    type: "7",
    manifestDigests: [],
    layerDigests: [],
  });
});

Deno.test("v1 metadata: invalid documents are StateErrors naming the file and the field", () => {
  assert.throws(
    () => parseV1Metadata(new TextEncoder().encode("{nope"), "/m/publish/.metadata.json"),
    (e) => {
      assert.ok(e instanceof StateError);
      assert.equal(e.code, "STATE");
      assert.match(e.message, /^Metadata \/m\/publish\/\.metadata\.json is not valid JSON$/);
      return true;
    },
  );
  const base = {
    kind: "Metadata",
    apiVersion: "mirror.openshift.io/v1alpha2",
    uid: "abc",
    pastMirror: { timestamp: 1, sequence: 1 },
  };
  assert.throws(
    () => parseV1Metadata(enc({ ...base, pastMirror: { timestamp: 1, sequence: 0 } }), "f"),
    /Metadata f is not valid oc-mirror v1 metadata at pastMirror\.sequence: /,
  );
  assert.throws(
    () =>
      parseV1Metadata(
        enc({ ...base, pastAssociations: [{ name: "n", path: "p", id: "sha256:zz", type: "g" }] }),
        "f",
      ),
    /at pastAssociations\.0\.id: want sha256:<64 hex>/,
  );
  assert.throws(() => parseV1Metadata(enc({ ...base, kind: "Other" }), "f"), /at kind/);
  assert.throws(() => parseV1Metadata(enc({ ...base, uid: "a/b" }), "f"), /at uid: .*image tag/);
});

Deno.test("v1 metadata: association blobs and equality by path, tag and digest", () => {
  const a = [assoc("x", "1", "x", ["l1", "l2"]), assoc("y", "2", "y", ["l2", "l3"])];
  assert.deepEqual(associationBlobs(a), new Set(["l1", "l2", "l3"].map((l) => digestOf(l))));
  assert.ok(sameAssociations(a, [...a].reverse()));
  assert.ok(!sameAssociations(a, a.slice(0, 1)));
  assert.ok(!sameAssociations(a, [a[0] as V1Association, { ...(a[1] as V1Association), tagSymlink: "3" }]));
});
