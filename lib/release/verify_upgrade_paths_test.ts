import assert from "node:assert/strict";
import { chain, graphOf } from "./_test_graph.ts";
import { selectReleases } from "./select_releases.ts";
import { verifyUpgradePaths } from "./verify_upgrade_paths.ts";

// 4.14.1 reaches 4.14.6 only through 4.14.3 → 4.14.5 or through the chain.
const g = graphOf("stable-4.14", {
  versions: ["4.14.1", "4.14.2", "4.14.3", "4.14.4", "4.14.5", "4.14.6"],
  edges: [...chain("4.14.1", "4.14.2", "4.14.3", "4.14.4", "4.14.5", "4.14.6"), ["4.14.1", "4.14.3"], [
    "4.14.3",
    "4.14.5",
  ]],
});

Deno.test("verifyUpgradePaths() accepts a shortest-path selection", () => {
  const s = selectReleases(g, {
    name: "stable-4.14",
    minVersion: "4.14.1",
    maxVersion: "4.14.6",
    shortestPath: true,
  });
  assert.deepEqual(s.releases.map((r) => r.version), ["4.14.1", "4.14.3", "4.14.5", "4.14.6"]);
  const report = verifyUpgradePaths(g, s.releases.map((r) => r.version));
  assert.equal(report.ok, true);
  assert.deepEqual(report.failures, []);
  assert.deepEqual(report.channels, [{
    channel: "stable-4.14",
    arch: "amd64",
    versions: ["4.14.1", "4.14.3", "4.14.5", "4.14.6"],
    pairs: 6,
  }]);
});

Deno.test("verifyUpgradePaths() names the fewest versions that would connect a pair", () => {
  const report = verifyUpgradePaths([g], ["4.14.1", "4.14.6", "9.9.9"]);
  assert.equal(report.ok, false);
  assert.equal(report.failures.length, 1);
  assert.deepEqual(report.failures[0], {
    channel: "stable-4.14",
    arch: "amd64",
    from: "4.14.1",
    to: "4.14.6",
    missing: ["4.14.3", "4.14.5"],
    message:
      'Mirrored version 4.14.1 cannot reach mirrored version 4.14.6 in channel "stable-4.14" (amd64) ' +
      "through mirrored versions only: also mirror 4.14.3, 4.14.5",
  });
});

Deno.test("verifyUpgradePaths() reports every unreachable pair with its missing version", () => {
  // Every update out of 4.14.1 and 4.14.2 towards 4.14.4 and above passes through the unmirrored 4.14.3.
  const report = verifyUpgradePaths(g, ["4.14.1", "4.14.2", "4.14.4", "4.14.5"]);
  assert.deepEqual(report.failures.map((f) => [f.from, f.to, f.missing]), [
    ["4.14.1", "4.14.4", ["4.14.3"]],
    ["4.14.1", "4.14.5", ["4.14.3"]],
    ["4.14.2", "4.14.4", ["4.14.3"]],
    ["4.14.2", "4.14.5", ["4.14.3"]],
  ]);
});

Deno.test("verifyUpgradePaths() reports pairs the graph cannot connect at all", () => {
  const split = graphOf("stable-4.14", { versions: ["4.14.1", "4.14.2"], edges: [] });
  const report = verifyUpgradePaths(split, ["4.14.1", "4.14.2"]);
  assert.equal(report.ok, false);
  assert.deepEqual(report.failures[0]?.missing, []);
  assert.match(report.failures[0]?.message ?? "", /: the update graph has no path between them$/);
});

Deno.test("verifyUpgradePaths() counts conditional updates only when asked", () => {
  const cond = graphOf("stable-4.14", {
    versions: ["4.14.1", "4.14.2"],
    edges: [],
    conditional: [{ edges: [["4.14.1", "4.14.2"]], risks: [{ name: "R" }] }],
  });
  assert.equal(verifyUpgradePaths(cond, ["4.14.1", "4.14.2"]).ok, false);
  assert.equal(verifyUpgradePaths(cond, ["4.14.1", "4.14.2"], { includeConditionalEdges: true }).ok, true);
});

Deno.test("verifyUpgradePaths() stops collecting at maxFailures and says so", () => {
  const isolated = graphOf("stable-4.14", { versions: ["4.14.1", "4.14.2", "4.14.3"], edges: [] });
  const report = verifyUpgradePaths(isolated, ["4.14.1", "4.14.2", "4.14.3"], { maxFailures: 2 });
  assert.equal(report.failures.length, 2);
  assert.equal(report.truncated, true);
  assert.equal(report.ok, false);
});

Deno.test("verifyUpgradePaths() across channels checks the union of the graphs", () => {
  const a = graphOf("stable-4.13", { versions: ["4.13.1", "4.13.2"], edges: chain("4.13.1", "4.13.2") });
  const b = graphOf("stable-4.14", { versions: ["4.13.2", "4.14.0"], edges: chain("4.13.2", "4.14.0") });
  assert.equal(verifyUpgradePaths([a, b], ["4.13.1", "4.14.0"]).ok, true);
  const report = verifyUpgradePaths([a, b], ["4.13.1", "4.14.0"], { acrossChannels: true });
  assert.deepEqual(report.failures.map((f) => [f.channel, f.missing]), [["stable-4.13+stable-4.14", [
    "4.13.2",
  ]]]);
  assert.equal(verifyUpgradePaths([a, b], ["4.13.1", "4.13.2", "4.14.0"], { acrossChannels: true }).ok, true);
});
