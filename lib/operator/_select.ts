/**
 * Choosing the entries of one channel: head only, everything, a version range walked along the
 * `replaces` chain (v2, the catalog-filter algorithm), one pinned version, or the v1 fill from chosen
 * bundles up to the head over `replaces` only. Pure functions over a {@link ChannelGraph}.
 * @module
 */
import type { Range, SemVer } from "semver";
import type { ChannelEntry } from "./catalog.ts";
import type { ChannelGraph } from "./channel_graph.ts";
import { inRange } from "./_versions.ts";

/** Looks up the version of a bundle of the channel's package. */
export type VersionOf = (bundle: string) => SemVer | null;

/**
 * v2 range selection. Walking the replaces chain from the head, each node counts the in-range bundles at
 * or below it (itself, its in-range skips, and everything below; each bundle counted once, deepest
 * first). The new head is the lowest node with the top count; the walk stops at the first node whose
 * count is zero. Chain nodes in between are kept even when out of range (reported in `outOfRange`), with
 * the in-range skips of each. `skipRange` plays no part.
 */
export function selectRangeV2(
  graph: ChannelGraph,
  range: Range,
  versionOf: VersionOf,
): { keep: Set<string>; outOfRange: string[] } {
  const { chain, entries } = graph;
  const inRangeEntry = (name: string) => entries.has(name) && inRange(range, versionOf(name));
  const seen = new Set<string>();
  const counts: number[] = new Array(chain.length).fill(0);
  for (let i = chain.length - 1; i >= 0; i--) {
    const node = chain[i] as ChannelEntry;
    let count = i + 1 < chain.length ? counts[i + 1] as number : 0;
    if (!seen.has(node.name) && inRangeEntry(node.name)) {
      seen.add(node.name);
      count++;
    }
    for (const s of node.skips ?? []) {
      if (!seen.has(s) && inRangeEntry(s)) {
        seen.add(s);
        count++;
      }
    }
    counts[i] = count;
  }
  let headIndex = 0;
  let tailIndex = chain.length;
  let max = -1;
  for (let i = 0; i < chain.length; i++) {
    const c = counts[i] as number;
    if (c >= max) {
      headIndex = i;
      max = c;
    }
    if (c === 0) {
      tailIndex = i;
      break;
    }
  }
  const keep = new Set<string>();
  const outOfRange: string[] = [];
  for (let i = headIndex; i < tailIndex; i++) {
    const node = chain[i] as ChannelEntry;
    if (!inRange(range, versionOf(node.name))) outOfRange.push(node.name);
    keep.add(node.name);
    for (const s of node.skips ?? []) if (inRangeEntry(s)) keep.add(s);
  }
  return { keep, outOfRange };
}

/** The entries whose version equals `version` exactly (min == max pins one bundle). */
export function selectPinned(graph: ChannelGraph, version: SemVer, versionOf: VersionOf): Set<string> {
  const keep = new Set<string>();
  for (const name of graph.entries.keys()) {
    const v = versionOf(name);
    if (v !== null && v.compare(version) === 0) keep.add(name);
  }
  return keep;
}

/** The entries whose version is in `range`, anywhere in the channel (v1 start points). */
export function entriesInRange(graph: ChannelGraph, range: Range, versionOf: VersionOf): string[] {
  return [...graph.entries.keys()].filter((n) => inRange(range, versionOf(n)));
}

/**
 * v1 fill: for each start bundle, the bundles between it and the channel head over `replaces` only
 * (operator-registry's findIntersectingBundles): find where the start's replaces chain meets the head's,
 * then take every bundle that transitively replaces that meeting point, minus the start's own chain below
 * the start, plus the start and the head. Skips are ignored, as in v1, except for a start whose replaces
 * chain never meets the head's: it keeps the head's chain down to the entry that skips it (v1 would
 * leave it as a second head and produce an invalid channel).
 */
export function fillToHead(graph: ChannelGraph, starts: Iterable<string>): Set<string> {
  const { entries, head } = graph;
  const replacedBy = new Map<string, string[]>();
  for (const e of entries.values()) {
    if (e.replaces === undefined) continue;
    const list = replacedBy.get(e.replaces);
    if (list) list.push(e.name);
    else replacedBy.set(e.replaces, [e.name]);
  }
  const result = new Set<string>();
  for (const start of starts) {
    if (result.has(start) || !entries.has(start)) continue;
    if (start === head.name) {
      result.add(start);
      continue;
    }
    const startChain = new Set<string>([start]);
    for (let cur = entries.get(start); cur?.replaces !== undefined && !startChain.has(cur.replaces);) {
      startChain.add(cur.replaces);
      cur = entries.get(cur.replaces);
    }
    let meet: string | undefined;
    if (startChain.has(head.name)) meet = head.name;
    else {
      const visited = new Set<string>();
      for (let cur: ChannelEntry | undefined = head; cur?.replaces !== undefined && !visited.has(cur.name);) {
        visited.add(cur.name);
        if (startChain.has(cur.replaces)) {
          meet = cur.replaces;
          break;
        }
        cur = entries.get(cur.replaces);
      }
    }
    if (meet === undefined) {
      // Reached only through skips (common in Red Hat catalogs): keep the chain down to the node that
      // skips it, so the result has one head. A stranded start is kept alone (and fails validation).
      result.add(start);
      const k = graph.chain.findIndex((e) => e.skips?.includes(start));
      for (let i = 0; i <= k; i++) result.add((graph.chain[i] as ChannelEntry).name);
      continue;
    }
    const filled = new Set<string>();
    const queue = [...(replacedBy.get(meet) ?? [])];
    for (let i = 0; i < queue.length; i++) {
      const name = queue[i] as string;
      if (filled.has(name)) continue;
      filled.add(name);
      queue.push(...(replacedBy.get(name) ?? []));
    }
    const below = new Set<string>();
    for (let cur = entries.get(start); cur && cur.name !== meet && !below.has(cur.name);) {
      below.add(cur.name);
      filled.delete(cur.name);
      cur = cur.replaces === undefined ? undefined : entries.get(cur.replaces);
    }
    filled.add(start);
    filled.add(head.name);
    for (const n of filled) result.add(n);
  }
  return result;
}
