import assert from "node:assert/strict";
import { compareVersions, normalizeOperatorVersion, normalizeReleaseVersion } from "./_versions.ts";

Deno.test("normalizeReleaseVersion() wants X.Y.Z and drops a leading v", () => {
  assert.equal(normalizeReleaseVersion("4.18.1"), "4.18.1");
  assert.equal(normalizeReleaseVersion("v4.18.1"), "4.18.1");
  assert.equal(normalizeReleaseVersion("4.18.0-rc.1"), "4.18.0-rc.1");
  assert.equal(normalizeReleaseVersion("4.18.0-okd-scos.1+build"), "4.18.0-okd-scos.1+build");
  for (const bad of ["4.14", "4", "latest", "4.18.01", "4.18.1.2", "4.18.x", " 4.18.1"]) {
    assert.equal(normalizeReleaseVersion(bad), undefined, bad);
  }
});

Deno.test("normalizeOperatorVersion() has Masterminds' leniency", () => {
  assert.equal(normalizeOperatorVersion("5.8.1"), "5.8.1");
  assert.equal(normalizeOperatorVersion("v5.8"), "5.8.0");
  assert.equal(normalizeOperatorVersion("5"), "5.0.0");
  assert.equal(normalizeOperatorVersion("1.2-beta.1"), "1.2.0-beta.1");
  assert.equal(normalizeOperatorVersion("26.0.8-opr.1"), "26.0.8-opr.1");
  for (const bad of ["latest", "1.2.3.4", "v", "1..2", "1.2.3-"]) {
    assert.equal(normalizeOperatorVersion(bad), undefined, bad);
  }
});

Deno.test("compareVersions() orders by semantic-version precedence", () => {
  assert.ok(compareVersions("4.18.10", "4.18.2") > 0);
  assert.ok(compareVersions("4.18.0-rc.1", "4.18.0") < 0);
  assert.equal(compareVersions("1.0.0", "1.0.0"), 0);
});
