/**
 * Version selection for one channel, exactly as the original decides it (reference §5): the channel head
 * by default; `minVersion` only → min..head; `maxVersion` only or `full` → lowest..max; both → the range;
 * `shortestPath` → only the versions on a shortest update path from min to max. Pure: data in, data out.
 * @module
 */
import semver from "semver";
import { GraphError } from "../errors.ts";
import { edgeKey, type GraphIndex, indexGraph, nearestVersions, shortestPath } from "./_graph_index.ts";
import type { ConditionalUpdateRisk, UpdateGraph } from "./update_graph.ts";

/** A channel as the configuration names it (`mirror.platform.channels[]`). */
export interface ChannelSpec {
  name: string;
  /** @default "ocp" */
  type?: "ocp" | "okd";
  minVersion?: string;
  maxVersion?: string;
  shortestPath?: boolean;
  full?: boolean;
}

/** Options of {@link selectReleases}. */
export interface SelectReleasesOptions {
  /**
   * Let shortest paths use conditional updates (ours: `--include-conditional-edges`); the risks of those
   * used are listed in the result. The original never uses them.
   * @default false
   */
  includeConditionalEdges?: boolean;
}

/** How a channel's versions were chosen. */
export type SelectionMode = "head" | "range" | "shortest-path";

/** Why a version was selected: the channel's mode, or the path between channels. */
export type SelectionReasonKind = SelectionMode | "cross-channel";

/** One reason a version is selected, for the dry-run explanation. */
export interface SelectionReason {
  kind: SelectionReasonKind;
  /** The channel whose graph gave the version. */
  channel: string;
  /** A human sentence, e.g. `head of stable-4.14`. */
  detail: string;
}

/** A selected release. */
export interface SelectedRelease {
  version: string;
  /** The payload by digest, as the graph gives it. */
  payload: string;
  reasons: SelectionReason[];
}

/** A conditional update a selected path uses, with its risks. */
export interface ConditionalRiskUse {
  channel: string;
  from: string;
  to: string;
  risks: ConditionalUpdateRisk[];
}

/** Kinds of selection warnings. */
export type ReleaseWarningKind = "eus-range" | "blocked-edge" | "cross-channel-incomplete";

/** Something the user should know about a selection; the caller logs it. */
export interface ReleaseWarning {
  kind: ReleaseWarningKind;
  channel: string;
  message: string;
  /** The version concerned, when there is one. */
  version?: string;
}

/** The versions selected in one channel and why. */
export interface ReleaseSelection {
  channel: string;
  arch: string;
  mode: SelectionMode;
  /** The resolved lower bound (explicit, lowest in channel, or head). */
  minVersion: string;
  /** The resolved upper bound (explicit or head). */
  maxVersion: string;
  /** Selected versions, lowest first. */
  releases: SelectedRelease[];
  /** Conditional updates on the selected path (only with `includeConditionalEdges`). */
  conditionalRisks: ConditionalRiskUse[];
  warnings: ReleaseWarning[];
}

/** Where the web tool explains EUS upgrades; the original's warning points there. */
export const UPGRADE_GRAPH_TOOL_URL = "https://access.redhat.com/labs/ocpupgradegraph/update_path";

function parseBound(channel: ChannelSpec, key: "minVersion" | "maxVersion"): semver.SemVer | undefined {
  const raw = channel[key];
  if (raw === undefined) return undefined;
  const v = semver.parse(raw);
  if (v === null || v.version !== raw) {
    throw new GraphError(`Channel "${channel.name}" ${key} "${raw}" is not a version: want X.Y.Z`);
  }
  return v;
}

function absentVersion(index: GraphIndex, channel: ChannelSpec, key: string, version: string): GraphError {
  const g = index.graph;
  const near = nearestVersions(index, version);
  const nearText = near.length === 0 ? "" : `: the nearest versions in the channel are ${near.join(" and ")}`;
  return new GraphError(
    `Channel "${channel.name}" (${g.arch}) has no version ${version} (${key})${nearText}`,
    { hint: `Pick a version the channel lists: oc-mirror list releases --channel ${channel.name}` },
  );
}

/** The EUS warning of the original, when a range in an EUS channel spans two minors or more. */
export function eusWarning(channel: ChannelSpec): ReleaseWarning | undefined {
  if (!channel.name.includes("eus") || !channel.minVersion || !channel.maxVersion) return undefined;
  const min = semver.parse(channel.minVersion);
  const max = semver.parse(channel.maxVersion);
  if (!min || !max || max.minor - min.minor < 2) return undefined;
  return {
    kind: "eus-range",
    channel: channel.name,
    message: `Extended Update Support (EUS) channel "${channel.name}" spans ${min.major}.${min.minor} to ` +
      `${max.major}.${max.minor}: check the upgrade path at ${UPGRADE_GRAPH_TOOL_URL}`,
  };
}

/**
 * Selects the versions of one channel to mirror; throws {@link GraphError} when the channel is empty, a
 * bound is not a version or not in the channel, `maxVersion` is below `minVersion`, or no path exists.
 */
export function selectReleases(
  graph: UpdateGraph,
  channel: ChannelSpec,
  options: SelectReleasesOptions = {},
): ReleaseSelection {
  const name = channel.name;
  const minBound = parseBound(channel, "minVersion");
  const maxBound = parseBound(channel, "maxVersion");
  if (minBound && maxBound && maxBound.compare(minBound) < 0) {
    throw new GraphError(
      `Channel "${name}" maxVersion ${maxBound.version} is lower than minVersion ${minBound.version}`,
      { hint: "Swap the two versions, or remove one of them" },
    );
  }
  const index = indexGraph(graph, options.includeConditionalEdges ?? false);
  const nodes = graph.nodes;
  if (nodes.length === 0) {
    throw new GraphError(
      `Channel "${name}" (${graph.arch}) has no releases in the update graph from ${graph.source}`,
      { hint: "Check the channel name and architecture: oc-mirror list releases --channels --version X.Y" },
    );
  }
  const lowest = index.ascending[0] as number;
  const head = index.ascending[index.ascending.length - 1] as number;
  const find = (v: semver.SemVer, key: string): number => {
    const i = index.byVersion.get(v.version);
    if (i === undefined) throw absentVersion(index, channel, key, v.version);
    return i;
  };
  const max = maxBound ? find(maxBound, "maxVersion") : head;
  const headOnly = !minBound && !maxBound && !channel.full;
  const min = minBound ? find(minBound, "minVersion") : headOnly ? head : lowest;
  const mode: SelectionMode = headOnly ? "head" : channel.shortestPath ? "shortest-path" : "range";
  const minText = nodes[min].version;
  const maxText = nodes[max].version;
  const selection: ReleaseSelection = {
    channel: name,
    arch: graph.arch,
    mode,
    minVersion: minText,
    maxVersion: maxText,
    releases: [],
    conditionalRisks: [],
    warnings: [],
  };
  const eus = eusWarning(channel);
  if (eus) selection.warnings.push(eus);
  const pick = (i: number, reason: SelectionReason) =>
    selection.releases.push({ version: nodes[i].version, payload: nodes[i].payload, reasons: [reason] });

  if (mode === "head") {
    pick(head, { kind: "head", channel: name, detail: `head of ${name}` });
    return selection;
  }
  if (mode === "range") {
    const minLabel = minBound ? "minVersion" : "lowest in channel";
    const maxLabel = maxBound ? "maxVersion" : "channel head";
    const detail = `in ${name} from ${minText} (${minLabel}) to ${maxText} (${maxLabel})`;
    const lo = index.versions[min];
    const hi = index.versions[max];
    for (const i of index.ascending) {
      const v = index.versions[i];
      if (v.compare(lo) >= 0 && v.compare(hi) <= 0) pick(i, { kind: "range", channel: name, detail });
    }
    return selection;
  }
  const path = shortestPath(index, min, max);
  if (!path) throw noPathError(graph, channel, minText, maxText, options.includeConditionalEdges ?? false);
  const detail = `on the shortest upgrade path from ${minText} to ${maxText} in ${name}`;
  for (const i of path) pick(i, { kind: "shortest-path", channel: name, detail });
  selection.conditionalRisks = conditionalRisksOnPath(index, path, name);
  return selection;
}

/** The risks of the conditional updates a path takes (empty unless conditional edges were indexed). */
export function conditionalRisksOnPath(
  index: GraphIndex,
  path: number[],
  channel: string,
): ConditionalRiskUse[] {
  const out: ConditionalRiskUse[] = [];
  for (let k = 1; k < path.length; k++) {
    const risks = index.conditionalRisks.get(edgeKey(index, path[k - 1], path[k]));
    if (risks) {
      const nodes = index.graph.nodes;
      out.push({ channel, from: nodes[path[k - 1]].version, to: nodes[path[k]].version, risks });
    }
  }
  return out;
}

/** The "no path" error, saying whether conditional updates would have connected the versions. */
export function noPathError(
  graph: UpdateGraph,
  channel: ChannelSpec,
  from: string,
  to: string,
  includedConditional: boolean,
): GraphError {
  const base = `Channel "${channel.name}" (${graph.arch}) has no upgrade path from ${from} to ${to}`;
  if (!includedConditional) {
    const withConditional = indexGraph(graph, true);
    const a = withConditional.byVersion.get(from);
    const b = withConditional.byVersion.get(to);
    if (a !== undefined && b !== undefined && shortestPath(withConditional, a, b)) {
      return new GraphError(`${base}: only conditional updates (updates with known risks) connect them`, {
        hint: "Pass --include-conditional-edges to allow conditional updates, or change the versions",
      });
    }
  }
  return new GraphError(`${base}: no sequence of updates in the graph leads from one to the other`, {
    hint: "Choose versions the graph connects, or drop shortestPath to mirror the whole range",
  });
}
