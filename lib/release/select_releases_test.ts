import assert from "node:assert/strict";
import { GraphError } from "../errors.ts";
import { chain, graphOf, payloadOf } from "./_test_graph.ts";
import { selectReleases } from "./select_releases.ts";

// 4.14.0 … 4.14.7, nodes deliberately out of order. Every z-stream updates to the next; 4.14.1 also
// skips to 4.14.3 and 4.14.4, both of which skip to 4.14.6; 4.14.6 → 4.14.7 is only conditional.
const stable414 = graphOf("stable-4.14", {
  versions: ["4.14.3", "4.14.0", "4.14.6", "4.14.1", "4.14.5", "4.14.2", "4.14.4", "4.14.7"],
  edges: [
    ...chain("4.14.0", "4.14.1", "4.14.2", "4.14.3", "4.14.4", "4.14.5", "4.14.6"),
    ["4.14.1", "4.14.3"],
    ["4.14.1", "4.14.4"],
    ["4.14.3", "4.14.6"],
    ["4.14.4", "4.14.6"],
  ],
  conditional: [{
    edges: [["4.14.6", "4.14.7"]],
    risks: [{ name: "EtcdUpgradeRisk", url: "https://issues/1", message: "etcd may stall" }],
  }],
});

const versions = (s: { releases: { version: string }[] }) => s.releases.map((r) => r.version);

Deno.test("selectReleases() selects only the channel head by default", () => {
  const s = selectReleases(stable414, { name: "stable-4.14" });
  assert.equal(s.mode, "head");
  assert.deepEqual(versions(s), ["4.14.7"]);
  assert.equal(s.releases[0]?.payload, payloadOf("4.14.7"));
  assert.deepEqual(s.releases[0]?.reasons, [{
    kind: "head",
    channel: "stable-4.14",
    detail: "head of stable-4.14",
  }]);
  assert.equal(s.minVersion, "4.14.7");
  assert.equal(s.maxVersion, "4.14.7");
});

Deno.test("selectReleases() pins one version when minVersion equals maxVersion", () => {
  const s = selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.2", maxVersion: "4.14.2" });
  assert.equal(s.mode, "range");
  assert.deepEqual(versions(s), ["4.14.2"]);
});

Deno.test("selectReleases() selects every version of a range in version order", () => {
  const s = selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.2", maxVersion: "4.14.5" });
  assert.deepEqual(versions(s), ["4.14.2", "4.14.3", "4.14.4", "4.14.5"]);
  assert.equal(s.releases[0]?.reasons[0]?.kind, "range");
  assert.equal(
    s.releases[0]?.reasons[0]?.detail,
    "in stable-4.14 from 4.14.2 (minVersion) to 4.14.5 (maxVersion)",
  );
});

Deno.test("selectReleases() with only minVersion selects min up to the head", () => {
  const s = selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.5" });
  assert.deepEqual(versions(s), ["4.14.5", "4.14.6", "4.14.7"]);
  assert.equal(
    s.releases[0]?.reasons[0]?.detail,
    "in stable-4.14 from 4.14.5 (minVersion) to 4.14.7 (channel head)",
  );
});

Deno.test("selectReleases() with only maxVersion selects from the lowest version up to max", () => {
  const s = selectReleases(stable414, { name: "stable-4.14", maxVersion: "4.14.2" });
  assert.deepEqual(versions(s), ["4.14.0", "4.14.1", "4.14.2"]);
  assert.equal(s.minVersion, "4.14.0");
});

Deno.test("selectReleases() with full selects the whole channel", () => {
  const s = selectReleases(stable414, { name: "stable-4.14", full: true });
  assert.deepEqual(versions(s), [
    "4.14.0",
    "4.14.1",
    "4.14.2",
    "4.14.3",
    "4.14.4",
    "4.14.5",
    "4.14.6",
    "4.14.7",
  ]);
});

Deno.test("selectReleases() with shortestPath keeps only the versions of the shortest path", () => {
  const s = selectReleases(stable414, {
    name: "stable-4.14",
    minVersion: "4.14.1",
    maxVersion: "4.14.6",
    shortestPath: true,
  });
  // Two 2-hop paths exist (via 4.14.3 and via 4.14.4): successors are tried highest version first.
  assert.deepEqual(versions(s), ["4.14.1", "4.14.4", "4.14.6"]);
  assert.equal(s.mode, "shortest-path");
  assert.equal(
    s.releases[1]?.reasons[0]?.detail,
    "on the shortest upgrade path from 4.14.1 to 4.14.6 in stable-4.14",
  );
  assert.deepEqual(s.conditionalRisks, []);
});

Deno.test("selectReleases() shortestPath with min == max is that version", () => {
  const s = selectReleases(stable414, {
    name: "stable-4.14",
    minVersion: "4.14.3",
    maxVersion: "4.14.3",
    shortestPath: true,
  });
  assert.deepEqual(versions(s), ["4.14.3"]);
});

Deno.test("selectReleases() ignores conditional updates unless asked, then lists their risks", () => {
  const spec = { name: "stable-4.14", minVersion: "4.14.5", maxVersion: "4.14.7", shortestPath: true };
  assert.throws(
    () => selectReleases(stable414, spec),
    (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.equal(e.code, "GRAPH");
      assert.equal(
        e.message,
        'Channel "stable-4.14" (amd64) has no upgrade path from 4.14.5 to 4.14.7: only conditional updates ' +
          "(updates with known risks) connect them",
      );
      assert.match(e.hint ?? "", /--include-conditional-edges/);
      return true;
    },
  );
  const s = selectReleases(stable414, spec, { includeConditionalEdges: true });
  assert.deepEqual(versions(s), ["4.14.5", "4.14.6", "4.14.7"]);
  assert.deepEqual(s.conditionalRisks, [{
    channel: "stable-4.14",
    from: "4.14.6",
    to: "4.14.7",
    risks: [{
      name: "EtcdUpgradeRisk",
      url: "https://issues/1",
      message: "etcd may stall",
      matchingRules: [{ type: "Always" }],
    }],
  }]);
});

Deno.test("selectReleases() range selection does not depend on edges", () => {
  const s = selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.6", maxVersion: "4.14.7" });
  assert.deepEqual(versions(s), ["4.14.6", "4.14.7"]);
});

Deno.test("selectReleases() orders pre-releases before their release", () => {
  const g = graphOf("candidate-4.15", {
    versions: ["4.15.0", "4.15.0-rc.1", "4.14.9", "4.15.0-rc.0", "4.15.0-ec.3"],
    edges: chain("4.14.9", "4.15.0-ec.3", "4.15.0-rc.0", "4.15.0-rc.1", "4.15.0"),
  });
  const s = selectReleases(g, { name: "candidate-4.15", minVersion: "4.15.0-rc.0" });
  assert.deepEqual(versions(s), ["4.15.0-rc.0", "4.15.0-rc.1", "4.15.0"]);
  assert.deepEqual(versions(selectReleases(g, { name: "candidate-4.15", full: true })), [
    "4.14.9",
    "4.15.0-ec.3",
    "4.15.0-rc.0",
    "4.15.0-rc.1",
    "4.15.0",
  ]);
});

Deno.test("selectReleases() works the same on a multi-arch graph", () => {
  const g = graphOf(
    "stable-4.14",
    { versions: ["4.14.1", "4.14.2"], edges: chain("4.14.1", "4.14.2") },
    "multi",
  );
  const s = selectReleases(g, { name: "stable-4.14", full: true });
  assert.equal(s.arch, "multi");
  assert.deepEqual(s.releases.map((r) => r.payload), [
    payloadOf("4.14.1", "multi"),
    payloadOf("4.14.2", "multi"),
  ]);
});

function assertGraphError(fn: () => unknown, message: string): GraphError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof GraphError, `expected a GraphError, got ${String(caught)}`);
  assert.equal(caught.message, message);
  return caught;
}

Deno.test("selectReleases() refuses maxVersion below minVersion", () => {
  assertGraphError(
    () => selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.5", maxVersion: "4.14.1" }),
    'Channel "stable-4.14" maxVersion 4.14.1 is lower than minVersion 4.14.5',
  );
});

Deno.test("selectReleases() names the nearest versions when a bound is not in the channel", () => {
  const e = assertGraphError(
    () => selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.1", maxVersion: "4.14.99" }),
    'Channel "stable-4.14" (amd64) has no version 4.14.99 (maxVersion): the nearest versions in the channel are 4.14.7',
  );
  assert.match(e.hint ?? "", /oc-mirror list releases --channel stable-4.14/);
  assertGraphError(
    () => selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14.3-rc.1" }),
    'Channel "stable-4.14" (amd64) has no version 4.14.3-rc.1 (minVersion): the nearest versions in the channel ' +
      "are 4.14.2 and 4.14.3",
  );
});

Deno.test("selectReleases() refuses a bound that is not a version", () => {
  assertGraphError(
    () => selectReleases(stable414, { name: "stable-4.14", minVersion: "4.14" }),
    'Channel "stable-4.14" minVersion "4.14" is not a version: want X.Y.Z',
  );
});

Deno.test("selectReleases() reports a path that does not exist", () => {
  const g = graphOf("stable-4.14", {
    versions: ["4.14.1", "4.14.2", "4.14.3"],
    edges: [["4.14.1", "4.14.2"]],
  });
  assertGraphError(
    () =>
      selectReleases(g, {
        name: "stable-4.14",
        minVersion: "4.14.1",
        maxVersion: "4.14.3",
        shortestPath: true,
      }),
    'Channel "stable-4.14" (amd64) has no upgrade path from 4.14.1 to 4.14.3: no sequence of updates in the graph ' +
      "leads from one to the other",
  );
});

Deno.test("selectReleases() reports an empty channel with its source", () => {
  const g = graphOf("stable-99.99", { versions: [], edges: [] });
  assertGraphError(
    () => selectReleases(g, { name: "stable-99.99" }),
    'Channel "stable-99.99" (amd64) has no releases in the update graph from test',
  );
});

Deno.test("selectReleases() warns about EUS ranges spanning two minors", () => {
  const g = graphOf("eus-4.16", {
    versions: ["4.14.30", "4.15.20", "4.16.5"],
    edges: chain("4.14.30", "4.15.20", "4.16.5"),
  });
  const s = selectReleases(g, {
    name: "eus-4.16",
    minVersion: "4.14.30",
    maxVersion: "4.16.5",
    shortestPath: true,
  });
  assert.deepEqual(versions(s), ["4.14.30", "4.15.20", "4.16.5"]);
  assert.equal(s.warnings.length, 1);
  assert.equal(s.warnings[0]?.kind, "eus-range");
  assert.match(
    s.warnings[0]?.message ?? "",
    /^Extended Update Support \(EUS\) channel "eus-4.16" spans 4.14 to 4.16/,
  );
});
