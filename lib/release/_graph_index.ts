/**
 * A graph prepared for path finding: versions parsed once, nodes in version order, successor lists sorted
 * highest version first (the original's order), and the risks of conditional-only updates. Shared by
 * version selection and upgrade-path verification.
 * @module
 */
import semver from "semver";
import type { ConditionalUpdateRisk, UpdateGraph } from "./update_graph.ts";

/** A graph indexed for path finding. */
export interface GraphIndex {
  graph: UpdateGraph;
  /** Parsed version of each node. */
  versions: semver.SemVer[];
  /** Node index by version string. */
  byVersion: Map<string, number>;
  /** Node indexes, lowest version first. */
  ascending: number[];
  /** Successors of each node, highest version first. */
  successors: number[][];
  /** Risks of updates that exist only as conditional edges, keyed by {@link edgeKey}. */
  conditionalRisks: Map<number, ConditionalUpdateRisk[]>;
}

/** The key of the update `from → to` in {@link GraphIndex.conditionalRisks}. */
export function edgeKey(index: GraphIndex, from: number, to: number): number {
  return from * index.graph.nodes.length + to;
}

/** Indexes a graph; conditional edges join the successor lists only when `includeConditionalEdges`. */
export function indexGraph(graph: UpdateGraph, includeConditionalEdges = false): GraphIndex {
  const n = graph.nodes.length;
  const versions = graph.nodes.map((node) => new semver.SemVer(node.version));
  const byVersion = new Map<string, number>();
  graph.nodes.forEach((node, i) => byVersion.set(node.version, i));
  const ascending = [...graph.nodes.keys()].sort((a, b) => versions[a].compare(versions[b]));
  const rank = new Int32Array(n);
  ascending.forEach((node, position) => (rank[node] = position));
  const successors: number[][] = Array.from({ length: n }, () => []);
  const present = new Set<number>();
  for (const [from, to] of graph.edges) {
    const key = from * n + to;
    if (present.has(key)) continue;
    present.add(key);
    successors[from].push(to);
  }
  const conditionalRisks = new Map<number, ConditionalUpdateRisk[]>();
  if (includeConditionalEdges) {
    for (const ce of graph.conditionalEdges) {
      for (const e of ce.edges) {
        const from = byVersion.get(e.from);
        const to = byVersion.get(e.to);
        if (from === undefined || to === undefined) continue;
        const key = from * n + to;
        if (present.has(key) && !conditionalRisks.has(key)) continue;
        if (!present.has(key)) {
          present.add(key);
          successors[from].push(to);
        }
        conditionalRisks.set(key, [...(conditionalRisks.get(key) ?? []), ...ce.risks]);
      }
    }
  }
  for (const list of successors) list.sort((a, b) => rank[b] - rank[a]);
  return { graph, versions, byVersion, ascending, successors, conditionalRisks };
}

/**
 * Breadth-first search from `start`, expanding each node's successors highest version first, as the
 * original does. Returns each node's predecessor on the path found (`-1` for `start`, `-2` when not
 * reached). Only nodes for which `allowed` is non-zero are entered (all when omitted).
 *
 * Tie-breaking: among equally short paths, the one kept is the first discovered: a node's predecessor
 * is the earliest-dequeued node of the previous layer that has an update to it, and within a node the
 * higher successor versions are queued first.
 */
export function breadthFirst(index: GraphIndex, start: number, allowed?: Uint8Array): Int32Array {
  const n = index.graph.nodes.length;
  const prev = new Int32Array(n).fill(-2);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  prev[start] = -1;
  queue[tail++] = start;
  while (head < tail) {
    const node = queue[head++];
    for (const next of index.successors[node]) {
      if (prev[next] !== -2 || (allowed && allowed[next] === 0)) continue;
      prev[next] = node;
      queue[tail++] = next;
    }
  }
  return prev;
}

/**
 * A 0-1 breadth-first search from `start` where entering a node marked in `free` costs nothing and any
 * other node costs one: the paths it finds pass through the fewest unmarked nodes. Returns predecessors
 * as {@link breadthFirst} does.
 */
export function fewestUnmarkedPaths(index: GraphIndex, start: number, free: Uint8Array): Int32Array {
  const n = index.graph.nodes.length;
  const prev = new Int32Array(n).fill(-2);
  const cost = new Int32Array(n).fill(0x7fffffff);
  const done = new Uint8Array(n);
  // A deque in a ring buffer twice the node count: each node is pushed at most once per improvement,
  // and with 0/1 weights a node improves at most once after its first push.
  const size = 2 * n + 2;
  const deque = new Int32Array(size);
  let head = 0;
  let tail = 0;
  cost[start] = 0;
  prev[start] = -1;
  deque[tail] = start;
  tail = (tail + 1) % size;
  while (head !== tail) {
    const node = deque[head];
    head = (head + 1) % size;
    if (done[node]) continue;
    done[node] = 1;
    for (const next of index.successors[node]) {
      const w = free[next] ? 0 : 1;
      if (cost[node] + w >= cost[next]) continue;
      cost[next] = cost[node] + w;
      prev[next] = node;
      if (w === 0) {
        head = (head - 1 + size) % size;
        deque[head] = next;
      } else {
        deque[tail] = next;
        tail = (tail + 1) % size;
      }
    }
  }
  return prev;
}

/** The node path from the search's start to `end`, or undefined when `end` was not reached. */
export function pathTo(prev: Int32Array, end: number): number[] | undefined {
  if (prev[end] === -2) return undefined;
  const path: number[] = [];
  for (let node = end; node !== -1; node = prev[node]) path.push(node);
  return path.reverse();
}

/** The shortest update path from `from` to `to` (node indexes, both ends included), or undefined. */
export function shortestPath(index: GraphIndex, from: number, to: number): number[] | undefined {
  return pathTo(breadthFirst(index, from), to);
}

/** The versions next below and above `version` in the graph, for "did you mean" messages. */
export function nearestVersions(index: GraphIndex, version: string): string[] {
  const v = semver.parse(version);
  const nodes = index.graph.nodes;
  if (v === null || index.ascending.length === 0) return [];
  let lo = 0;
  let hi = index.ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index.versions[index.ascending[mid]].compare(v) < 0) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  const below = index.ascending[lo - 1];
  const above = index.ascending[lo];
  if (below !== undefined) out.push(nodes[below].version);
  if (above !== undefined) out.push(nodes[above].version);
  return out;
}
