import assert from "node:assert/strict";
import { digestOf } from "../oci/mod.ts";
import {
  blobDataPath,
  layerLinkPath,
  manifestRevisionLinkPath,
  parseRegistryTreePath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
} from "./registry_tree_paths.ts";

const d = digestOf("x");
const hex = d.slice(7);

Deno.test("registry tree paths follow distribution's layout", () => {
  assert.equal(blobDataPath(d), `docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`);
  assert.equal(
    layerLinkPath("ns/app", d),
    `docker/registry/v2/repositories/ns/app/_layers/sha256/${hex}/link`,
  );
  assert.equal(
    manifestRevisionLinkPath("a/b/c", d),
    `docker/registry/v2/repositories/a/b/c/_manifests/revisions/sha256/${hex}/link`,
  );
  assert.equal(
    tagCurrentLinkPath("r", "v1.0"),
    "docker/registry/v2/repositories/r/_manifests/tags/v1.0/current/link",
  );
});

Deno.test("parseRegistryTreePath reads back every kind of path", () => {
  assert.deepEqual(parseRegistryTreePath(blobDataPath(d)), { kind: "blob", digest: d });
  assert.deepEqual(parseRegistryTreePath(layerLinkPath("ns/app", d)), {
    kind: "layerLink",
    repo: "ns/app",
    digest: d,
  });
  assert.deepEqual(parseRegistryTreePath(manifestRevisionLinkPath("x/y/z", d)), {
    kind: "manifestLink",
    repo: "x/y/z",
    digest: d,
  });
  assert.deepEqual(parseRegistryTreePath(tagCurrentLinkPath("r", "latest")), {
    kind: "tagCurrent",
    repo: "r",
    tag: "latest",
  });
  assert.deepEqual(parseRegistryTreePath(tagIndexLinkPath("r", "t", d)), {
    kind: "tagIndex",
    repo: "r",
    tag: "t",
    digest: d,
  });
});

Deno.test("parseRegistryTreePath rejects paths outside the tree", () => {
  assert.equal(parseRegistryTreePath("docker/registry/v2/blobs/sha256/zz/" + hex + "/data"), undefined);
  assert.equal(parseRegistryTreePath("../etc/passwd"), undefined);
  assert.equal(parseRegistryTreePath("docker/registry/v2/repositories/r/_uploads/x/data"), undefined);
});
