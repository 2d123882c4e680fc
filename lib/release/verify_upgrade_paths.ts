/**
 * The lifecycle check (ours, issue 6 "Beyond the original"): for each channel, prove that every mirrored
 * version reaches every higher mirrored version through mirrored versions only, and name the versions
 * that would have to be mirrored where one cannot. Pure.
 * @module
 */
import semver from "semver";
import { breadthFirst, fewestUnmarkedPaths, indexGraph, pathTo } from "./_graph_index.ts";
import type { UpdateGraph } from "./update_graph.ts";

/** One pair of mirrored versions without a mirrored upgrade path. */
export interface UpgradePathFailure {
  channel: string;
  arch: string;
  /** The lower mirrored version. */
  from: string;
  /** The higher mirrored version it cannot reach. */
  to: string;
  /**
   * The fewest unmirrored versions whose mirroring would connect the two (lowest first); empty when the
   * graph has no path at all, which no mirroring can fix.
   */
  missing: string[];
  /** A sentence for the user. */
  message: string;
}

/** What one channel's check covered. */
export interface ChannelCheck {
  channel: string;
  arch: string;
  /** The mirrored versions that are in this channel, lowest first. */
  versions: string[];
  /** Ordered pairs checked. */
  pairs: number;
}

/** The result of {@link verifyUpgradePaths}. */
export interface UpgradePathReport {
  ok: boolean;
  channels: ChannelCheck[];
  failures: UpgradePathFailure[];
  /** True when failures stopped being collected at `maxFailures`. */
  truncated: boolean;
}

/** Options of {@link verifyUpgradePaths}. */
export interface VerifyUpgradePathsOptions {
  /** Count conditional updates as paths. @default false */
  includeConditionalEdges?: boolean;
  /** Stop collecting failures after this many. @default 1000 */
  maxFailures?: number;
  /**
   * Also check the union of all graphs (same architecture), reported as channel `a+b+…`: catches
   * mirrored versions that share no channel, e.g. the two ends of a cross-channel path.
   * @default false
   */
  acrossChannels?: boolean;
}

/**
 * The union of several channels' graphs of one architecture: every version once, every update once.
 * Channels are induced subgraphs of one upgrade graph, so the union is one too.
 */
export function mergeGraphs(graphs: UpdateGraph[]): UpdateGraph {
  const nodes: UpdateGraph["nodes"] = [];
  const at = new Map<string, number>();
  const edges: [number, number][] = [];
  const seen = new Set<string>();
  const conditionalEdges: UpdateGraph["conditionalEdges"] = [];
  for (const g of graphs) {
    for (const n of g.nodes) {
      if (!at.has(n.version)) {
        at.set(n.version, nodes.length);
        nodes.push(n);
      }
    }
    for (const [a, b] of g.edges) {
      const from = at.get(g.nodes[a].version) as number;
      const to = at.get(g.nodes[b].version) as number;
      const key = `${from}>${to}`;
      if (!seen.has(key)) {
        seen.add(key);
        edges.push([from, to]);
      }
    }
    conditionalEdges.push(...g.conditionalEdges);
  }
  return {
    channel: graphs.map((g) => g.channel).join("+"),
    arch: graphs[0]?.arch ?? "",
    source: graphs.map((g) => g.source).join(", "),
    nodes,
    edges,
    conditionalEdges,
  };
}

/**
 * Checks every channel graph against the mirrored versions (those not in a channel are ignored for it).
 * Cost: one search per mirrored version per channel, linear in the graph.
 */
export function verifyUpgradePaths(
  graphs: UpdateGraph | Iterable<UpdateGraph>,
  mirroredVersions: Iterable<string>,
  options: VerifyUpgradePathsOptions = {},
): UpgradePathReport {
  const maxFailures = options.maxFailures ?? 1000;
  const mirrored = new Set(mirroredVersions);
  const list = Symbol.iterator in graphs ? [...graphs] : [graphs];
  if (options.acrossChannels && list.length > 1) {
    for (const arch of new Set(list.map((g) => g.arch))) {
      list.push(mergeGraphs(list.filter((g) => g.arch === arch)));
    }
  }
  const report: UpgradePathReport = { ok: true, channels: [], failures: [], truncated: false };
  for (const graph of list) {
    const index = indexGraph(graph, options.includeConditionalEdges ?? false);
    const nodes = graph.nodes;
    const members = index.ascending.filter((i) => mirrored.has(nodes[i].version));
    const mask = new Uint8Array(nodes.length);
    for (const i of members) mask[i] = 1;
    const check: ChannelCheck = {
      channel: graph.channel,
      arch: graph.arch,
      versions: members.map((i) => nodes[i].version),
      pairs: 0,
    };
    report.channels.push(check);
    for (let a = 0; a < members.length; a++) {
      const from = members[a];
      const reached = breadthFirst(index, from, mask);
      let repair: Int32Array | undefined;
      for (let b = a + 1; b < members.length; b++) {
        const to = members[b];
        // Equal versions (differing only in build metadata) need no update.
        if (index.versions[to].compare(index.versions[from]) === 0) continue;
        check.pairs++;
        if (reached[to] !== -2) continue;
        report.ok = false;
        if (report.failures.length >= maxFailures) {
          report.truncated = true;
          continue;
        }
        repair ??= fewestUnmarkedPaths(index, from, mask);
        const path = pathTo(repair, to);
        const missing = path
          ? path.filter((i) => mask[i] === 0).map((i) => nodes[i].version).sort(semver.compare)
          : [];
        const head = `Mirrored version ${nodes[from].version} cannot reach mirrored version ` +
          `${nodes[to].version} in channel "${graph.channel}" (${graph.arch}) through mirrored versions only`;
        report.failures.push({
          channel: graph.channel,
          arch: graph.arch,
          from: nodes[from].version,
          to: nodes[to].version,
          missing,
          message: path
            ? `${head}: also mirror ${missing.join(", ")}`
            : `${head}: the update graph has no path between them`,
        });
      }
    }
  }
  return report;
}
