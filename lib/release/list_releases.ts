/**
 * Data for `oc-mirror list releases [--channels] [--channel C] [--version X.Y] [--arch A]` (reference
 * §1.4): the channels a version is published in (from node metadata) and the versions of a channel. The
 * CLI formats them.
 * @module
 */
import semver from "semver";
import { UsageError } from "../errors.ts";
import { parseChannelName } from "./select_releases_across_channels.ts";
import { nodeChannels, type UpdateGraph, type UpdateGraphSource } from "./update_graph.ts";

/** The channel `list releases` uses when only `--version X.Y` is given: `stable-X.Y`. */
export function defaultListChannel(version: string): string {
  return `stable-${checkMinorVersion(version)}`;
}

/** Checks a `--version` value is `X.Y`; throws {@link UsageError}. */
export function checkMinorVersion(version: string): string {
  if (!/^\d+\.\d+$/.test(version)) {
    throw new UsageError(`Version "${version}" is not a minor version: want X.Y, e.g. 4.14`);
  }
  return version;
}

function minorOf(version: string): string | undefined {
  const v = semver.parse(version);
  return v ? `${v.major}.${v.minor}` : undefined;
}

/** Compares channel names by prefix, then by version (`stable-4.9` before `stable-4.10`). */
export function compareChannelNames(a: string, b: string): number {
  const pa = parseChannelName(a);
  const pb = parseChannelName(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.prefix !== pb.prefix) return pa.prefix < pb.prefix ? -1 : 1;
  return pa.major - pb.major || pa.minor - pb.minor;
}

/** Options of the pure listing helpers. */
export interface ListFilter {
  /** Keep only `X.Y` releases (for channels: channels named `<prefix>-X.Y`). */
  version?: string;
}

/** The channels the graph's releases are published in, sorted; with `version`, those named `*-X.Y`. */
export function channelsInGraph(graph: UpdateGraph, filter: ListFilter = {}): string[] {
  const out = new Set<string>();
  for (const node of graph.nodes) for (const c of nodeChannels(node)) out.add(c);
  let list = [...out];
  if (filter.version !== undefined) {
    const v = checkMinorVersion(filter.version);
    list = list.filter((c) => c.endsWith(`-${v}`));
  }
  return list.sort(compareChannelNames);
}

/** The versions in the graph, lowest first; with `version`, only `X.Y.*` releases. */
export function versionsInGraph(graph: UpdateGraph, filter: ListFilter = {}): string[] {
  const v = filter.version === undefined ? undefined : checkMinorVersion(filter.version);
  return graph.nodes.map((n) => n.version).filter((x) => v === undefined || minorOf(x) === v).sort(
    semver.compare,
  );
}

/** Options of {@link listChannels} and {@link listVersions}. */
export interface ListReleasesOptions {
  /** `X.Y`. */
  version?: string;
  /** @default `stable-<version>` */
  channel?: string;
  /** @default "amd64" */
  arch?: string;
  signal?: AbortSignal;
}

/** `list releases --channels --version X.Y`: the channels carrying X.Y releases. */
export async function listChannels(
  source: UpdateGraphSource,
  options: ListReleasesOptions,
): Promise<string[]> {
  if (options.version === undefined) throw new UsageError("list releases --channels needs --version X.Y");
  const channel = options.channel ?? defaultListChannel(options.version);
  const graph = await source.graph(
    channel,
    options.arch ?? "amd64",
    options.signal ? { signal: options.signal } : {},
  );
  return channelsInGraph(graph, { version: options.version });
}

/** What {@link listVersions} returns. */
export interface ChannelVersions {
  channel: string;
  arch: string;
  /** Lowest first. */
  versions: string[];
}

/** `list releases [--channel C] [--version X.Y]`: the versions of a channel (X.Y releases only with `version`). */
export async function listVersions(
  source: UpdateGraphSource,
  options: ListReleasesOptions,
): Promise<ChannelVersions> {
  if (options.channel === undefined && options.version === undefined) {
    throw new UsageError("list releases needs --channel or --version X.Y");
  }
  const channel = options.channel ?? defaultListChannel(options.version as string);
  const arch = options.arch ?? "amd64";
  const graph = await source.graph(channel, arch, options.signal ? { signal: options.signal } : {});
  const filter: ListFilter = options.version === undefined ? {} : { version: options.version };
  return { channel, arch: graph.arch, versions: versionsInGraph(graph, filter) };
}
