/**
 * The data behind `oc-mirror list operators`: the packages of a catalog with their default channels, the
 * channels of a package with their heads, and the versions of a channel. Formatting is the CLI's job.
 * @module
 */
import type { SemVer } from "semver";
import { bundleVersion, type Catalog } from "./catalog.ts";
import { CatalogIndex } from "./_catalog_index.ts";
import { compareVersions } from "./_versions.ts";

/** One package of a catalog. */
export interface PackageSummary {
  name: string;
  defaultChannel: string;
  /** The display name from the head of the default channel (`olm.csv.metadata`), when present. */
  displayName?: string;
}

/** One channel of a package. */
export interface ChannelSummary {
  package: string;
  name: string;
  /** The bundle at the head of the channel. */
  head: string;
  /** The head's version, when it has one. */
  headVersion?: string;
  isDefault: boolean;
  /** How many entries the channel has. */
  entries: number;
}

/** One bundle of a channel. */
export interface VersionSummary {
  bundle: string;
  version?: string;
  isHead: boolean;
}

/** Options of the listing functions. */
export interface ListOptions {
  /** Names the catalog in error messages. */
  catalog?: string;
}

function displayNameOf(index: CatalogIndex, pkg: string, channel: string | undefined): string | undefined {
  const c = channel === undefined ? undefined : index.channels(pkg).get(channel);
  if (!c || c.entries.length === 0) return undefined;
  try {
    const head = index.bundles(pkg).get(index.graph(c).head.name);
    for (const p of head?.properties ?? []) {
      if (p.type !== "olm.csv.metadata" || typeof p.value !== "object" || p.value === null) continue;
      const name = (p.value as Record<string, unknown>).displayName;
      if (typeof name === "string" && name !== "") return name;
    }
  } catch {
    // A broken channel has no head to take a display name from; listing goes on without it.
  }
  return undefined;
}

/** Lists the packages of a catalog, sorted by name. */
export function listPackages(catalog: Catalog): PackageSummary[] {
  const index = new CatalogIndex(catalog);
  return [...index.packages.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => {
      const s: PackageSummary = { name: p.name, defaultChannel: p.defaultChannel ?? "" };
      const displayName = displayNameOf(index, p.name, p.defaultChannel);
      if (displayName !== undefined) s.displayName = displayName;
      return s;
    });
}

/** Lists the channels of a package with their heads, sorted by name; unknown packages are an error. */
export function listChannels(catalog: Catalog, pkg: string, o: ListOptions = {}): ChannelSummary[] {
  const index = new CatalogIndex(catalog, o.catalog);
  const p = index.requirePackage(pkg);
  return [...index.channels(pkg).values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => {
      const head = index.graph(c).head.name;
      const s: ChannelSummary = {
        package: pkg,
        name: c.name,
        head,
        isDefault: c.name === p.defaultChannel,
        entries: c.entries.length,
      };
      const b = index.bundles(pkg).get(head);
      const v = b ? bundleVersion(b) : undefined;
      if (v !== undefined) s.headVersion = v;
      return s;
    });
}

/** Lists the bundles of a channel by ascending version (unversioned last); unknown names are an error. */
export function listVersions(
  catalog: Catalog,
  pkg: string,
  channel: string,
  o: ListOptions = {},
): VersionSummary[] {
  const index = new CatalogIndex(catalog, o.catalog);
  index.requirePackage(pkg);
  const c = index.requireChannel(pkg, channel);
  const head = index.graph(c).head.name;
  const versionOf = index.versionOf(pkg);
  return c.entries
    .map((e) => ({ name: e.name, v: versionOf(e.name) }))
    .sort((a, b) => compareVersions(a.v, b.v) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name }: { name: string; v: SemVer | null }) => {
      const s: VersionSummary = { bundle: name, isHead: name === head };
      const b = index.bundles(pkg).get(name);
      const v = b ? bundleVersion(b) : undefined;
      if (v !== undefined) s.version = v;
      return s;
    });
}
