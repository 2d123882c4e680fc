import assert from "node:assert/strict";
import { didYouMean, editDistance } from "./did_you_mean.ts";

Deno.test("editDistance() counts insertions, deletions, substitutions and swaps", () => {
  assert.equal(editDistance("channels", "channels"), 0);
  assert.equal(editDistance("chanels", "channels"), 1);
  assert.equal(editDistance("chanenls", "channels"), 1);
  assert.equal(editDistance("graph", "grape"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("didYouMean() suggests the closest key, ignoring case", () => {
  const keys = ["graph", "channels", "architectures", "platforms", "release", "kubeVirtContainer"];
  assert.equal(didYouMean("chanels", keys), "channels");
  assert.equal(didYouMean("architecture", keys), "architectures");
  assert.equal(didYouMean("KubevirtContainers", keys), "kubeVirtContainer");
  assert.equal(didYouMean("targetrepository", ["name", "targetRepo", "targetTag"]), "targetRepo");
  assert.equal(didYouMean("minversoin", ["minVersion", "maxVersion"]), "minVersion");
});

Deno.test("didYouMean() suggests nothing when no key is close", () => {
  assert.equal(didYouMean("foo", ["graph", "channels", "release"]), undefined);
  assert.equal(didYouMean("target", ["targetCatalog", "targetTag"]), undefined);
});
