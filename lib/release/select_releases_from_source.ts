/**
 * Selection with I/O at the edge: fetches the configured channels' graphs (and the intermediate channels
 * the cross-channel path needs) from an update graph source, then runs the pure selection.
 * @module
 */
import { GraphError, throwIfAborted } from "../errors.ts";
import {
  crossChannelGraphsNeeded,
  type MultiChannelSelection,
  selectReleasesAcrossChannels,
} from "./select_releases_across_channels.ts";
import type { ChannelSpec, ReleaseWarning, SelectReleasesOptions } from "./select_releases.ts";
import type { UpdateGraph, UpdateGraphSource } from "./update_graph.ts";

/** Options of {@link selectReleasesFromSource}. */
export interface SelectReleasesFromSourceOptions extends SelectReleasesOptions {
  /** The update service architecture (`amd64`, …, `multi`). */
  arch: string;
  signal?: AbortSignal;
}

/** A selection and the graphs it was made from (for `verifyUpgradePaths` and the dry run). */
export interface SourcedSelection extends MultiChannelSelection {
  graphs: Map<string, UpdateGraph>;
}

/**
 * Fetches graphs one channel at a time and selects. `source` is one source for every channel or a
 * function choosing one per channel (OCP and OKD have different services). An intermediate channel that
 * cannot be fetched becomes a warning; a configured one is an error.
 */
export async function selectReleasesFromSource(
  source: UpdateGraphSource | ((channel: ChannelSpec) => UpdateGraphSource),
  channels: ChannelSpec[],
  options: SelectReleasesFromSourceOptions,
): Promise<SourcedSelection> {
  const sourceFor = typeof source === "function" ? source : () => source;
  const o = options.signal ? { signal: options.signal } : {};
  const graphs = new Map<string, UpdateGraph>();
  for (const c of channels) {
    throwIfAborted(options.signal);
    if (!graphs.has(c.name)) graphs.set(c.name, await sourceFor(c).graph(c.name, options.arch, o));
  }
  const fetchWarnings: ReleaseWarning[] = [];
  for (const name of crossChannelGraphsNeeded(graphs, channels, options)) {
    throwIfAborted(options.signal);
    try {
      graphs.set(name, await sourceFor({ name, type: "ocp" }).graph(name, options.arch, o));
    } catch (e) {
      if (!(e instanceof GraphError)) throw e;
      fetchWarnings.push({ kind: "cross-channel-incomplete", channel: name, message: e.message });
    }
  }
  const selection = selectReleasesAcrossChannels(graphs, channels, options);
  selection.warnings.unshift(...fetchWarnings);
  return { ...selection, graphs };
}
