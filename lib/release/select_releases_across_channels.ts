/**
 * Selection over several channels: each channel's own selection, their union, and the cross-channel
 * upgrade path of the original (reference §5): from the lowest minimum to the highest maximum, walking
 * `stable-4.13 → stable-4.14 → stable-4.15` through each intermediate channel's head, with a warning
 * where a version is missing from the next channel (a "blocked edge"). Pure; the graphs of intermediate
 * channels are passed in ({@link crossChannelGraphsNeeded} names them).
 * @module
 */
import semver from "semver";
import { GraphError } from "../errors.ts";
import { type GraphIndex, indexGraph, shortestPath } from "./_graph_index.ts";
import {
  type ChannelSpec,
  conditionalRisksOnPath,
  type ConditionalRiskUse,
  type ReleaseSelection,
  type ReleaseWarning,
  type SelectedRelease,
  selectReleases,
  type SelectReleasesOptions,
} from "./select_releases.ts";
import type { UpdateGraph } from "./update_graph.ts";

/** A channel name split as the original splits it: `stable-4.14` → prefix `stable`, 4, 14. */
export interface ChannelName {
  prefix: string;
  major: number;
  minor: number;
}

/** Parses `<prefix>-<major>.<minor>`; undefined when the name does not have that shape. */
export function parseChannelName(name: string): ChannelName | undefined {
  const m = /^(.+)-(\d+)\.(\d+)$/.exec(name);
  if (!m) return undefined;
  return { prefix: m[1] as string, major: Number(m[2]), minor: Number(m[3]) };
}

/** The cross-channel upgrade path. */
export interface CrossChannelPath {
  /** The lowest minimum over the OCP channels. */
  from: string;
  /** The highest maximum over the OCP channels. */
  to: string;
  /** The channels walked, in order. */
  channels: string[];
  /** Versions on the path, lowest first. */
  releases: SelectedRelease[];
}

/** The result of {@link selectReleasesAcrossChannels}. */
export interface MultiChannelSelection {
  /** One selection per configured channel, in configuration order. */
  selections: ReleaseSelection[];
  /** Present when more than one channel is configured and an OCP channel is among them. */
  crossChannel?: CrossChannelPath;
  /** The union of every selection and the cross-channel path, lowest version first. */
  releases: SelectedRelease[];
  warnings: ReleaseWarning[];
  conditionalRisks: ConditionalRiskUse[];
}

function isOcp(c: ChannelSpec): boolean {
  return (c.type ?? "ocp") === "ocp";
}

/** The configured channels whose selections bound the cross-channel path: lowest min, highest max. */
function pathEnds(
  channels: ChannelSpec[],
  selections: ReleaseSelection[],
): { first: ReleaseSelection; last: ReleaseSelection } | undefined {
  let first: ReleaseSelection | undefined;
  let last: ReleaseSelection | undefined;
  channels.forEach((c, i) => {
    const s = selections[i];
    if (!isOcp(c) || !s) return;
    if (!first || semver.lt(s.minVersion, first.minVersion)) first = s;
    if (!last || semver.gt(s.maxVersion, last.maxVersion)) last = s;
  });
  return first && last ? { first, last } : undefined;
}

/** Intermediate channel names between two configured channels (exclusive), with the first one's prefix. */
function intermediateChannels(first: string, last: string): string[] {
  const a = parseChannelName(first);
  const b = parseChannelName(last);
  if (!a || !b || a.major !== b.major) return [];
  const out: string[] = [];
  for (let m = a.minor + 1; m < b.minor; m++) out.push(`${a.prefix}-${a.major}.${m}`);
  return out;
}

/**
 * Names the channels (beyond the configured ones) whose graphs the cross-channel path needs, given the
 * configured channels' graphs. Throws as {@link selectReleasesAcrossChannels} does for a bad channel.
 */
export function crossChannelGraphsNeeded(
  graphs: ReadonlyMap<string, UpdateGraph>,
  channels: ChannelSpec[],
  options: SelectReleasesOptions = {},
): string[] {
  if (channels.length < 2) return [];
  const selections = selectEach(graphs, channels, options);
  const ends = pathEnds(channels, selections);
  if (!ends) return [];
  const configured = new Set(channels.map((c) => c.name));
  return intermediateChannels(ends.first.channel, ends.last.channel).filter((n) => !configured.has(n));
}

function selectEach(
  graphs: ReadonlyMap<string, UpdateGraph>,
  channels: ChannelSpec[],
  options: SelectReleasesOptions,
): ReleaseSelection[] {
  const errors: GraphError[] = [];
  const selections: ReleaseSelection[] = [];
  for (const c of channels) {
    const graph = graphs.get(c.name);
    try {
      if (!graph) throw new GraphError(`No update graph was loaded for channel "${c.name}"`);
      selections.push(selectReleases(graph, c, options));
    } catch (e) {
      if (!(e instanceof GraphError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new GraphError(
      `${errors.length} channels cannot be selected:\n${errors.map((e) => `  ${e.message}`).join("\n")}`,
      { cause: errors[0] },
    );
  }
  return selections;
}

/** Accumulates releases by payload, merging reasons. */
class ReleaseUnion {
  #byKey = new Map<string, SelectedRelease>();

  add(r: SelectedRelease): void {
    const key = `${r.version}\n${r.payload}`;
    const have = this.#byKey.get(key);
    if (!have) {
      this.#byKey.set(key, { ...r, reasons: [...r.reasons] });
      return;
    }
    for (const reason of r.reasons) {
      if (!have.reasons.some((x) => x.kind === reason.kind && x.channel === reason.channel)) {
        have.reasons.push(reason);
      }
    }
  }

  sorted(): SelectedRelease[] {
    return [...this.#byKey.values()].sort((a, b) => semver.compare(a.version, b.version));
  }
}

/**
 * Selects every channel, then adds the cross-channel upgrade path when more than one channel is
 * configured. Per-channel problems throw one {@link GraphError} listing every failing channel; problems
 * of the cross-channel path (a blocked edge, a missing or empty intermediate graph, no path, channel
 * names without a version) are warnings, as the original logs them.
 */
export function selectReleasesAcrossChannels(
  graphs: ReadonlyMap<string, UpdateGraph>,
  channels: ChannelSpec[],
  options: SelectReleasesOptions = {},
): MultiChannelSelection {
  const selections = selectEach(graphs, channels, options);
  const union = new ReleaseUnion();
  const warnings: ReleaseWarning[] = [];
  const conditionalRisks: ConditionalRiskUse[] = [];
  for (const s of selections) {
    s.releases.forEach((r) => union.add(r));
    conditionalRisks.push(...s.conditionalRisks);
    for (const w of s.warnings) {
      // The original prints the EUS warning once per run.
      if (w.kind === "eus-range" && warnings.some((x) => x.kind === "eus-range")) continue;
      warnings.push(w);
    }
  }
  const result: MultiChannelSelection = { selections, releases: [], warnings, conditionalRisks };
  const ends = channels.length > 1 ? pathEnds(channels, selections) : undefined;
  if (ends) {
    const walk = new CrossChannelWalk(graphs, ends.first, ends.last, options);
    result.crossChannel = walk.run();
    result.crossChannel.releases.forEach((r) => union.add(r));
    warnings.push(...walk.warnings);
    conditionalRisks.push(...walk.conditionalRisks);
  }
  result.releases = union.sorted();
  return result;
}

/** One computation of the cross-channel path. */
class CrossChannelWalk {
  readonly warnings: ReleaseWarning[] = [];
  readonly conditionalRisks: ConditionalRiskUse[] = [];
  #graphs: ReadonlyMap<string, UpdateGraph>;
  #first: ReleaseSelection;
  #last: ReleaseSelection;
  #include: boolean;
  #channels: string[] = [];
  #releases = new ReleaseUnion();
  #detail: string;

  constructor(
    graphs: ReadonlyMap<string, UpdateGraph>,
    first: ReleaseSelection,
    last: ReleaseSelection,
    options: SelectReleasesOptions,
  ) {
    this.#graphs = graphs;
    this.#first = first;
    this.#last = last;
    this.#include = options.includeConditionalEdges ?? false;
    this.#detail = `on the cross-channel upgrade path from ${first.minVersion} to ${last.maxVersion}`;
  }

  run(): CrossChannelPath {
    this.#walk();
    return {
      from: this.#first.minVersion,
      to: this.#last.maxVersion,
      channels: this.#channels,
      releases: this.#releases.sorted(),
    };
  }

  #warn(channel: string, message: string, kind: ReleaseWarning["kind"], version?: string): void {
    const w: ReleaseWarning = { kind, channel, message };
    if (version !== undefined) w.version = version;
    this.warnings.push(w);
  }

  /** Adds the shortest path from `from` to `to` in `channel`; false (with a warning) when there is none. */
  #step(channel: string, index: GraphIndex, from: string, to: string): boolean {
    this.#channels.push(channel);
    const a = index.byVersion.get(from);
    const b = index.byVersion.get(to);
    const path = a === undefined || b === undefined ? undefined : shortestPath(index, a, b);
    if (!path) {
      this.#warn(
        channel,
        `No upgrade path from ${from} to ${to} in channel "${channel}": the cross-channel path stops at ${from}`,
        "cross-channel-incomplete",
        from,
      );
      return false;
    }
    const nodes = index.graph.nodes;
    for (const i of path) {
      this.#releases.add({
        version: nodes[i].version,
        payload: nodes[i].payload,
        reasons: [{ kind: "cross-channel", channel, detail: `${this.#detail} (through ${channel})` }],
      });
    }
    this.conditionalRisks.push(...conditionalRisksOnPath(index, path, channel));
    return true;
  }

  #index(channel: string): GraphIndex | undefined {
    const graph = this.#graphs.get(channel);
    if (!graph || graph.nodes.length === 0) {
      this.#warn(
        channel,
        `The update graph of channel "${channel}" is ${graph ? "empty" : "not available"}: ` +
          `the cross-channel upgrade path cannot go through it`,
        "cross-channel-incomplete",
      );
      return undefined;
    }
    return indexGraph(graph, this.#include);
  }

  #walk(): void {
    const first = this.#first;
    const last = this.#last;
    const start = first.minVersion;
    const end = last.maxVersion;
    if (first.channel === last.channel) {
      const index = this.#index(first.channel);
      if (index) this.#step(first.channel, index, start, end);
      return;
    }
    const src = parseChannelName(first.channel);
    const dst = parseChannelName(last.channel);
    if (!src || !dst || src.major !== dst.major || src.minor > dst.minor) {
      this.#warn(
        last.channel,
        `Cannot compute a cross-channel upgrade path from channel "${first.channel}" to "${last.channel}": ` +
          `want channel names <prefix>-<major>.<minor> of one major version, in increasing order`,
        "cross-channel-incomplete",
      );
      return;
    }
    if (src.minor === dst.minor) {
      const index = this.#index(last.channel);
      if (!index) return;
      if (!index.byVersion.has(start)) {
        this.#blocked(start, first.channel, last.channel);
        return;
      }
      this.#step(last.channel, index, start, end);
      return;
    }
    const firstIndex = this.#index(first.channel);
    if (!firstIndex) return;
    const head = firstIndex.graph.nodes[firstIndex.ascending[firstIndex.ascending.length - 1] as number];
    if (!this.#step(first.channel, firstIndex, start, head.version)) return;
    let from = head.version;
    let fromChannel = first.channel;
    for (let minor = src.minor + 1; minor <= dst.minor; minor++) {
      const channel = minor === dst.minor ? last.channel : `${src.prefix}-${src.major}.${minor}`;
      const index = this.#index(channel);
      if (!index) return;
      const target = minor === dst.minor
        ? end
        : index.graph.nodes[index.ascending[index.ascending.length - 1] as number].version;
      if (!index.byVersion.has(from)) {
        this.#blocked(from, fromChannel, channel);
        return;
      }
      if (!this.#step(channel, index, from, target)) return;
      from = target;
      fromChannel = channel;
    }
  }

  #blocked(version: string, fromChannel: string, channel: string): void {
    this.#warn(
      channel,
      `Version ${version} (from channel "${fromChannel}") is not in channel "${channel}": ` +
        `no upgrade path from it in "${channel}" (blocked edge), the cross-channel path stops there`,
      "blocked-edge",
      version,
    );
  }
}
