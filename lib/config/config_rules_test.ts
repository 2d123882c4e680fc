import assert from "node:assert/strict";
import { catalogUniqueName } from "./config_rules.ts";

Deno.test("catalogUniqueName() replaces the repository path and the tag as the original does", () => {
  const catalog = "registry.redhat.io/redhat/redhat-operator-index:v4.18";
  assert.equal(catalogUniqueName({ catalog }), catalog);
  assert.equal(
    catalogUniqueName({ catalog, targetCatalog: "my/index" }),
    "registry.redhat.io/my/index:v4.18",
  );
  assert.equal(
    catalogUniqueName({ catalog, targetTag: "filtered" }),
    "registry.redhat.io/redhat/redhat-operator-index:filtered",
  );
  assert.equal(
    catalogUniqueName({ catalog, targetName: "mine", targetTag: "t" }),
    "registry.redhat.io/redhat/mine:t",
  );
  assert.equal(catalogUniqueName({ catalog: "quay.io/a/b" }), "quay.io/a/b:latest");
  const digest = "sha256:a4d451ec23463726f72c43d64c710968f6b602cd653b4de8adee1b556240a829";
  assert.equal(catalogUniqueName({ catalog: `quay.io/a/b@${digest}` }), `quay.io/a/b@${digest}`);
  assert.equal(catalogUniqueName({ catalog: `quay.io/a/b@${digest}`, targetTag: "v1" }), "quay.io/a/b:v1");
  assert.equal(catalogUniqueName({ catalog: `docker://${catalog}` }), catalog);
  assert.equal(catalogUniqueName({ catalog: "oci:///srv/index" }), "oci:///srv/index");
  assert.equal(catalogUniqueName({ catalog: "oci:///srv/index", targetTag: "v1" }), "oci:///srv/index:v1");
});
