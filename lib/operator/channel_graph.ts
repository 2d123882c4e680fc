/**
 * A channel's upgrade graph as OLM reads it: the head (the one entry no other entry replaces or skips),
 * the `replaces` chain from the head, and the checks `opm validate` makes (one head, no cycle, no
 * stranded entry). Linear in entries plus skips, so entries with 90+ skips stay cheap.
 * @module
 */
import { CatalogError } from "../errors.ts";
import type { Channel, ChannelEntry } from "./catalog.ts";
import { quoteList } from "./_suggest.ts";

/** A checked channel graph. */
export interface ChannelGraph {
  readonly channel: Channel;
  /** Entries by bundle name. */
  readonly entries: ReadonlyMap<string, ChannelEntry>;
  /** The channel head. */
  readonly head: ChannelEntry;
  /** The `replaces` chain from the head (head first), entries of this channel only. */
  readonly chain: readonly ChannelEntry[];
}

/** Names a channel in messages: `channel "stable" of package "foo"`. */
export function channelLabel(channel: Pick<Channel, "name" | "package">): string {
  return `channel "${channel.name}" of package "${channel.package}"`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The entries a given entry points at (replaces and skips) that are entries of the channel. */
function targets(e: ChannelEntry, entries: ReadonlyMap<string, ChannelEntry>): Set<string> {
  const out = new Set<string>();
  if (e.replaces !== undefined && entries.has(e.replaces)) out.add(e.replaces);
  for (const s of e.skips ?? []) if (entries.has(s)) out.add(s);
  out.delete(e.name);
  return out;
}

/** Checks a channel and returns its graph; throws a {@link CatalogError} naming the problem. */
export function buildChannelGraph(channel: Channel): ChannelGraph {
  const label = channelLabel(channel);
  if (channel.entries.length === 0) throw new CatalogError(`${capital(label)} has no entries`);
  const entries = new Map<string, ChannelEntry>();
  for (const e of channel.entries) {
    if (entries.has(e.name)) throw new CatalogError(`${capital(label)} lists bundle "${e.name}" twice`);
    if (e.replaces === e.name) throw new CatalogError(`${capital(label)}: entry "${e.name}" replaces itself`);
    if (e.skips?.includes(e.name)) {
      throw new CatalogError(`${capital(label)}: entry "${e.name}" skips itself`);
    }
    entries.set(e.name, e);
  }
  const incoming = new Map<string, number>();
  const edges = new Map<string, Set<string>>();
  for (const e of channel.entries) {
    const t = targets(e, entries);
    edges.set(e.name, t);
    for (const n of t) incoming.set(n, (incoming.get(n) ?? 0) + 1);
  }
  const heads = channel.entries.filter((e) => !incoming.has(e.name));
  if (heads.length === 0) {
    throw new CatalogError(
      `${capital(label)} has no head: every entry is replaced or skipped by another, so its upgrade graph ` +
        `has a cycle`,
    );
  }
  if (heads.length > 1) {
    throw new CatalogError(
      `${capital(label)} has ${heads.length} heads (${
        quoteList(heads.map((h) => h.name).sort())
      }): exactly ` +
        `one entry must be neither replaced nor skipped by another`,
    );
  }
  const head = heads[0] as ChannelEntry;
  // Kahn's algorithm from the head: whatever keeps incoming edges afterwards sits on a cycle.
  const queue = [head.name];
  for (let i = 0; i < queue.length; i++) {
    for (const t of edges.get(queue[i] as string) ?? []) {
      const left = (incoming.get(t) ?? 0) - 1;
      if (left === 0) {
        incoming.delete(t);
        queue.push(t);
      } else incoming.set(t, left);
    }
  }
  if (incoming.size > 0) {
    throw new CatalogError(
      `${capital(label)} has a cycle in its upgrade graph through ${
        quoteList([...incoming.keys()].sort(), 5)
      }`,
    );
  }
  const chain: ChannelEntry[] = [];
  const onChain = new Set<string>();
  for (let cur: ChannelEntry | undefined = head; cur && !onChain.has(cur.name);) {
    chain.push(cur);
    onChain.add(cur.name);
    cur = cur.replaces === undefined ? undefined : entries.get(cur.replaces);
  }
  return { channel, entries, head, chain };
}

/** The entries not reachable from the head through the replaces chain and its skips (`opm` rejects them). */
export function strandedEntries(graph: ChannelGraph): string[] {
  const reached = new Set<string>();
  for (const e of graph.chain) {
    reached.add(e.name);
    for (const s of e.skips ?? []) reached.add(s);
  }
  return [...graph.entries.keys()].filter((n) => !reached.has(n)).sort();
}
