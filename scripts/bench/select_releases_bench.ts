/**
 * Benchmark of release selection over a generated 1,000-node update graph (5 minors × 200 z-streams,
 * about 20 updates per release, seeded): parse, range selection, shortest path, and the upgrade-path
 * check over both selections. Prints the median of several runs and exits 1 when one pass takes a
 * second or more.
 *
 * Usage: `deno run scripts/bench/select_releases_bench.ts [--runs N]`
 * @module
 */
// deno-lint-ignore-file no-console
import { parseUpdateGraph, selectReleases, verifyUpgradePaths } from "../../lib/release/mod.ts";

/** A small seeded generator (LCG), so every run sees the same graph. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 0x1_0000_0000;
  };
}

/** Generates the graph document: versions 4.10.0 … 4.14.199, edges to nearby higher versions. */
export function generateGraph(minors = 5, perMinor = 200, seed = 42): string {
  const random = lcg(seed);
  const versions: string[] = [];
  for (let m = 0; m < minors; m++) for (let z = 0; z < perMinor; z++) versions.push(`4.${10 + m}.${z}`);
  const edges: [number, number][] = [];
  versions.forEach((_, i) => {
    if (i + 1 < versions.length) edges.push([i, i + 1]);
    for (let k = 0; k < 20; k++) {
      const j = i + 2 + Math.floor(random() * 60);
      if (j < versions.length) edges.push([i, j]);
    }
  });
  // Shuffle node order as the service does not sort them.
  const order = versions.map((_, i) => i).sort(() => random() - 0.5);
  const position = new Map(order.map((v, p) => [v, p]));
  return JSON.stringify({
    version: 1,
    nodes: order.map((i) => ({
      version: versions[i],
      payload: `quay.io/openshift-release-dev/ocp-release@sha256:${i.toString(16).padStart(64, "0")}`,
      metadata: { "io.openshift.upgrades.graph.release.channels": "stable-4.14" },
    })),
    edges: edges.map(([a, b]) => [position.get(a), position.get(b)]),
    conditionalEdges: [],
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

if (import.meta.main) {
  const runsFlag = Deno.args.indexOf("--runs");
  const runs = runsFlag >= 0 ? Number(Deno.args[runsFlag + 1]) : 7;
  const doc = generateGraph();
  const timings: Record<string, number[]> = { parse: [], range: [], shortestPath: [], verify: [], total: [] };
  let summary = "";
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const graph = parseUpdateGraph(doc, { channel: "stable-4.14", arch: "amd64", source: "generated" });
    const t1 = performance.now();
    const range = selectReleases(graph, {
      name: "stable-4.14",
      minVersion: "4.10.3",
      maxVersion: "4.14.197",
    });
    const t2 = performance.now();
    const path = selectReleases(graph, {
      name: "stable-4.14",
      minVersion: "4.10.0",
      maxVersion: "4.14.199",
      shortestPath: true,
    });
    const t3 = performance.now();
    const rangeCheck = verifyUpgradePaths(graph, range.releases.map((x) => x.version));
    const pathCheck = verifyUpgradePaths(graph, path.releases.map((x) => x.version));
    const t4 = performance.now();
    timings.parse?.push(t1 - t0);
    timings.range?.push(t2 - t1);
    timings.shortestPath?.push(t3 - t2);
    timings.verify?.push(t4 - t3);
    timings.total?.push(t4 - t0);
    summary =
      `${graph.nodes.length} nodes, ${graph.edges.length} edges; range selected ${range.releases.length}, ` +
      `shortest path ${path.releases.length} (${path.releases.map((x) => x.version).join(" → ")}); ` +
      `upgrade-path check: range ${rangeCheck.ok ? "ok" : `${rangeCheck.failures.length} failures`} ` +
      `(${rangeCheck.channels[0]?.pairs} pairs), shortest path ${pathCheck.ok ? "ok" : "FAILED"}`;
  }
  console.log(summary);
  for (const [name, xs] of Object.entries(timings)) {
    console.log(
      `${name.padEnd(13)} median ${median(xs).toFixed(1).padStart(7)} ms  (max ${
        Math.max(...xs).toFixed(1)
      } ms)`,
    );
  }
  const worst = Math.max(...(timings.total ?? [Infinity]));
  if (worst >= 1000) {
    console.error(`Selection took ${worst.toFixed(0)} ms: want well under a second`);
    Deno.exit(1);
  }
}
