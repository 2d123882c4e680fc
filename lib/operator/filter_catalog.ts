/**
 * Filtering a catalog to what a configuration asks for (pure: catalog and spec in, filtered catalog and
 * images out). v2 semantics follow oc-mirror v2's catalog-filter library:
 * - no packages: the head of every channel of every package; `full` and no packages: the catalog as is
 *   (`unchanged`, no rebuild);
 * - a package without channels: all its channels, the head of each (every entry with `full`);
 * - listed channels: only those; a package-level range applies to each kept channel, a channel-level one
 *   to its channel; ranges walk the replaces chain (see `selectRangeV2`); min == max pins one bundle;
 * - empty non-default channels are dropped; the default channel must survive or be replaced through
 *   `defaultChannel`; deprecations are trimmed to what is kept.
 * v1 semantics (the legacy tool): a package without channels means its default channel; ranges take the
 * in-range bundles and fill the replaces chain up to the head (so the head is always kept); and
 * dependencies are resolved unless `skipDependencies`. v2 may opt into dependency resolution.
 * The result is always valid FBC ({@link validateCatalog} is run on it).
 * @module
 */
import type { SemVer } from "semver";
import { CatalogError } from "../errors.ts";
import type { Bundle, Catalog, Channel, Deprecations, Package } from "./catalog.ts";
import { channelLabel } from "./channel_graph.ts";
import { validateCatalog } from "./validate_catalog.ts";
import { CatalogIndex } from "./_catalog_index.ts";
import { type PackageSelection, resolveDependencies } from "./_dependencies.ts";
import { entriesInRange, fillToHead, selectPinned, selectRangeV2 } from "./_select.ts";
import { nearestNames, nearestVersions, quoteList } from "./_suggest.ts";
import { compareVersions, parseVersion, rangeOf } from "./_versions.ts";

/** Filter of one channel. */
export interface ChannelSpec {
  name: string;
  minVersion?: string;
  maxVersion?: string;
  /** v1: the bundle to start from (its version acts as minVersion in v2). */
  minBundle?: string;
}

/** Filter of one package. */
export interface PackageSpec {
  name: string;
  /** The default channel of the filtered package, required when the original one is filtered out. */
  defaultChannel?: string;
  minVersion?: string;
  maxVersion?: string;
  minBundle?: string;
  /** Only these channels; all channels (v2) or the default channel (v1) when omitted. */
  channels?: ChannelSpec[];
}

/** What to keep of a catalog (the lead maps the ImageSetConfiguration's operator entry onto it). */
export interface CatalogSpec {
  /** Every bundle of the selected channels; with no packages, the whole catalog unchanged. */
  full?: boolean;
  /** v1: do not resolve dependencies. */
  skipDependencies?: boolean;
  packages?: PackageSpec[];
}

/** Options of {@link filterCatalog}. */
export interface FilterOptions {
  /** Which tool's filtering rules to follow. */
  semantics: "v2" | "v1";
  /** Add the bundles that kept bundles require. @default true for v1 unless skipDependencies, false for v2 */
  resolveDependencies?: boolean;
  /** Names the catalog in error messages, e.g. `registry.redhat.io/redhat/redhat-operator-index:v4.18`. */
  catalog?: string;
}

/** An image to mirror for a kept bundle. */
export interface CatalogImage {
  image: string;
  /** `operatorBundle` for the bundle's own image, `operatorRelatedImage` for the others. */
  kind: "operatorBundle" | "operatorRelatedImage";
  bundle: string;
  package: string;
  /** The related image's name in the bundle, when it has one. */
  name?: string;
}

/** The result of {@link filterCatalog}. */
export interface FilterResult {
  /** The filtered catalog, in canonical order (or the input itself when `unchanged`). */
  catalog: Catalog;
  /** The kept bundles. */
  bundles: Bundle[];
  /** Bundle and related images of every kept bundle, per bundle, bundle image first. */
  images: CatalogImage[];
  /** Things the user should know: out-of-range bundles kept, dropped channels, added dependencies. */
  warnings: string[];
  /** True when the catalog is kept as is (`full` with no packages): mirror it without a rebuild. */
  unchanged: boolean;
}

/** The images of bundles: each bundle's image (operatorBundle) then its other related images. */
export function bundleImages(bundles: readonly Bundle[]): CatalogImage[] {
  const out: CatalogImage[] = [];
  for (const b of bundles) {
    const seen = new Set<string>();
    if (b.image !== "") {
      out.push({ image: b.image, kind: "operatorBundle", bundle: b.name, package: b.package });
      seen.add(b.image);
    }
    for (const r of b.relatedImages) {
      if (r.image === "" || seen.has(r.image)) continue;
      seen.add(r.image);
      const img: CatalogImage = {
        image: r.image,
        kind: r.image === b.image ? "operatorBundle" : "operatorRelatedImage",
        bundle: b.name,
        package: b.package,
      };
      if (typeof r.name === "string" && r.name !== "") img.name = r.name;
      out.push(img);
    }
  }
  return out;
}

interface Bounds {
  min: SemVer | null;
  max: SemVer | null;
  minBundle?: string;
  /** Where the bounds were written, for messages: `package "p"` or `channel "c" of package "p"`. */
  what: string;
}

function parseBound(value: string | undefined, key: string, what: string, where: string): SemVer | null {
  if (value === undefined || value === "") return null;
  const v = parseVersion(value);
  if (!v) {
    throw new CatalogError(`The ${key} "${value}" of ${what}${where} is not a semantic version: want X.Y.Z`);
  }
  return v;
}

function rangeText(b: Bounds, min: SemVer | null): string {
  return [min ? `>=${min.version}` : "", b.max ? `<=${b.max.version}` : ""].filter((x) => x !== "").join(" ");
}

class Filter {
  readonly index: CatalogIndex;
  readonly options: FilterOptions;
  readonly full: boolean;
  readonly warnings: string[] = [];
  readonly selection = new Map<string, PackageSelection>();

  constructor(catalog: Catalog, spec: CatalogSpec, options: FilterOptions) {
    this.index = new CatalogIndex(catalog, options.catalog);
    this.options = options;
    this.full = spec.full === true;
  }

  get where(): string {
    return this.index.where;
  }

  headsOfEverything(): void {
    for (const pkg of [...this.index.packages.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const channels = new Map<string, Set<string>>();
      for (const c of this.index.channels(pkg.name).values()) {
        channels.set(c.name, new Set([this.index.graph(c).head.name]));
      }
      this.selection.set(pkg.name, { defaultChannel: pkg.defaultChannel ?? "", channels });
    }
  }

  selectPackage(spec: PackageSpec): void {
    const pkg = this.index.requirePackage(spec.name);
    if (this.selection.has(pkg.name)) {
      throw new CatalogError(`Package "${pkg.name}" is listed twice${this.where}: list each package once`);
    }
    const where = this.where;
    const pkgBounds: Bounds = {
      min: parseBound(spec.minVersion, "minVersion", `package "${pkg.name}"`, where),
      max: parseBound(spec.maxVersion, "maxVersion", `package "${pkg.name}"`, where),
      what: `package "${pkg.name}"`,
    };
    if (spec.minBundle) pkgBounds.minBundle = spec.minBundle;
    const pkgHasRange = pkgBounds.min !== null || pkgBounds.max !== null || spec.minBundle !== undefined;
    const channelSpecs = spec.channels ?? [];
    const seen = new Set<string>();
    let channelHasRange = false;
    for (const c of channelSpecs) {
      if (seen.has(c.name)) {
        throw new CatalogError(`Channel "${c.name}" is listed twice for package "${pkg.name}"${where}`);
      }
      seen.add(c.name);
      if (c.minVersion || c.maxVersion || c.minBundle) channelHasRange = true;
    }
    if (pkgHasRange && channelHasRange) {
      throw new CatalogError(
        `Package "${pkg.name}"${where} sets a version range both on the package and on its channels: use one or ` +
          `the other`,
      );
    }
    if (this.full && (pkgHasRange || channelHasRange)) {
      throw new CatalogError(
        `Package "${pkg.name}"${where}: full: true cannot be mixed with a version range`,
      );
    }
    const v1 = this.options.semantics === "v1";
    let names: string[];
    if (channelSpecs.length > 0) names = channelSpecs.map((c) => c.name);
    else if (v1 && !this.full) {
      if (!pkg.defaultChannel) throw new CatalogError(`Package "${pkg.name}"${where} has no default channel`);
      names = [pkg.defaultChannel];
    } else names = [...this.index.channels(pkg.name).keys()].sort();
    const kept = new Map<string, Set<string>>();
    const ranges = new Map<string, string>();
    for (const name of names) {
      const channel = this.index.requireChannel(pkg.name, name);
      const cs = channelSpecs.find((c) => c.name === name);
      let bounds = pkgBounds;
      if (cs && (cs.minVersion || cs.maxVersion || cs.minBundle)) {
        const what = channelLabel(channel);
        bounds = {
          min: parseBound(cs.minVersion, "minVersion", what, where),
          max: parseBound(cs.maxVersion, "maxVersion", what, where),
          what,
        };
        if (cs.minBundle) bounds.minBundle = cs.minBundle;
      }
      const { keep, range } = this.selectChannel(channel, bounds);
      kept.set(name, keep);
      if (range !== "") ranges.set(name, range);
    }
    const defaultChannel = spec.defaultChannel ?? pkg.defaultChannel ?? "";
    for (const [name, keep] of kept) {
      if (keep.size > 0) continue;
      const range = ranges.get(name) ?? "";
      if (name === defaultChannel) {
        throw new CatalogError(
          `Package "${pkg.name}" channel "${name}" has version range "${range}" that results in an empty ` +
            `channel${where}: ${this.versionsText(this.index.requireChannel(pkg.name, name))}`,
          { hint: "Widen the range, or set defaultChannel to a channel that keeps bundles" },
        );
      }
      kept.delete(name);
      this.warnings.push(
        `Dropping channel "${name}" of package "${pkg.name}": no bundle in version range "${range}"`,
      );
    }
    if (kept.size === 0) {
      throw new CatalogError(
        `Package "${pkg.name}"${where}: the version range keeps no bundle in any selected channel`,
      );
    }
    if (spec.defaultChannel !== undefined && spec.defaultChannel !== "") {
      if (!kept.has(spec.defaultChannel)) {
        throw new CatalogError(
          `Invalid default channel configuration for package "${pkg.name}"${where}: specified default channel ` +
            `override "${spec.defaultChannel}" does not exist in the filtered output (kept channels: ` +
            `${quoteList([...kept.keys()].sort())})`,
        );
      }
    } else if (!pkg.defaultChannel || !kept.has(pkg.defaultChannel)) {
      throw new CatalogError(
        `Invalid default channel configuration for package "${pkg.name}"${where}: the default channel ` +
          `"${pkg.defaultChannel ?? ""}" was filtered out, a new default channel must be configured`,
        {
          hint: `Set defaultChannel for package "${pkg.name}" to one of ${
            quoteList([...kept.keys()].sort())
          }`,
        },
      );
    }
    this.selection.set(pkg.name, { defaultChannel, channels: kept });
  }

  versionsText(channel: Channel): string {
    const versionOf = this.index.versionOf(channel.package);
    const versions = channel.entries.map((e) => versionOf(e.name)).filter((v): v is SemVer => v !== null);
    if (versions.length === 0) return "its bundles have no versions";
    versions.sort((a, b) => a.compare(b));
    const lo = versions[0] as SemVer;
    const hi = versions[versions.length - 1] as SemVer;
    return `its versions go from ${lo.version} to ${hi.version}`;
  }

  resolveMinBundle(pkg: string, name: string, what: string): SemVer {
    const b = this.index.bundles(pkg).get(name);
    if (!b) {
      const near = nearestNames(name, this.index.bundles(pkg).keys(), 3);
      throw new CatalogError(
        `Bundle "${name}" (minBundle of ${what}) not found in package "${pkg}"${this.where}` +
          (near.length > 0 ? `: did you mean ${quoteList(near)}?` : ""),
      );
    }
    const v = this.index.version(b);
    if (!v) {
      throw new CatalogError(`Bundle "${name}" of package "${pkg}"${this.where} has no semantic version`);
    }
    return v;
  }

  checkVersionExists(pkg: string, version: SemVer, what: string): void {
    const versions = [...this.index.bundles(pkg).values()]
      .map((b) => this.index.version(b))
      .filter((v): v is SemVer => v !== null);
    if (versions.some((v) => v.compare(version) === 0)) return;
    const near = nearestVersions(version, versions).map((v) => v.version);
    throw new CatalogError(
      `Version "${version.version}" (${what}) not found in package "${pkg}"${this.where}: ` +
        (near.length > 0 ? `nearby versions are ${near.join(", ")}` : "the package has no versioned bundles"),
    );
  }

  selectChannel(channel: Channel, bounds: Bounds): { keep: Set<string>; range: string } {
    const graph = this.index.graph(channel);
    if (this.full) return { keep: new Set(graph.entries.keys()), range: "" };
    const pkg = channel.package;
    let min = bounds.min;
    if (bounds.minBundle !== undefined) {
      if (min) {
        throw new CatalogError(`The ${bounds.what}${this.where} sets both minVersion and minBundle: use one`);
      }
      min = this.resolveMinBundle(pkg, bounds.minBundle, bounds.what);
    }
    const max = bounds.max;
    if (!min && !max) return { keep: new Set([graph.head.name]), range: "" };
    if (min && max && compareVersions(min, max) > 0) {
      throw new CatalogError(
        `The ${bounds.what}${this.where} has minVersion ${min.version} greater than maxVersion ${max.version}`,
      );
    }
    const range = rangeOf(min, max);
    if (!range) return { keep: new Set([graph.head.name]), range: "" };
    const text = rangeText(bounds, min);
    const versionOf = this.index.versionOf(pkg);
    const pinned = min !== null && max !== null && min.compare(max) === 0;
    if (pinned) this.checkVersionExists(pkg, min as SemVer, `minVersion = maxVersion of ${bounds.what}`);
    if (this.options.semantics === "v1") {
      let starts: Iterable<string>;
      if (bounds.minBundle !== undefined && !max) {
        starts = graph.entries.has(bounds.minBundle)
          ? [bounds.minBundle]
          : entriesInRange(graph, range, versionOf);
      } else if (pinned) starts = selectPinned(graph, min as SemVer, versionOf);
      else starts = entriesInRange(graph, range, versionOf);
      return { keep: fillToHead(graph, starts), range: text };
    }
    if (pinned) return { keep: selectPinned(graph, min as SemVer, versionOf), range: text };
    const { keep, outOfRange } = selectRangeV2(graph, range, versionOf);
    for (const name of outOfRange) {
      const v = versionOf(name);
      this.warnings.push(
        v === null
          ? `Including unversioned bundle "${name}" of ${
            channelLabel(channel)
          }: it is needed to keep every ` +
            `bundle of range "${text}" on the upgrade graph`
          : `Including bundle "${name}" (version ${v.version}) of ${channelLabel(channel)}: it is outside ` +
            `range "${text}" but needed to keep every bundle of the range on the upgrade graph`,
      );
    }
    return { keep, range: text };
  }

  assemble(): Catalog {
    const index = this.index;
    const out: Catalog = { packages: [], channels: [], bundles: [], deprecations: [], others: [] };
    const names = [...this.selection.keys()].sort();
    const keptChannels = new Map<string, Set<string>>();
    const keptBundles = new Map<string, Set<string>>();
    for (const name of names) {
      const sel = this.selection.get(name) as PackageSelection;
      const pkg = index.packages.get(name) as Package;
      out.packages.push(
        pkg.defaultChannel === sel.defaultChannel ? pkg : { ...pkg, defaultChannel: sel.defaultChannel },
      );
      const bundleNames = new Set<string>();
      keptBundles.set(name, bundleNames);
      keptChannels.set(name, new Set(sel.channels.keys()));
      for (const chName of [...sel.channels.keys()].sort()) {
        const channel = index.channels(name).get(chName) as Channel;
        const keep = sel.channels.get(chName) as Set<string>;
        const entries = channel.entries.filter((e) => keep.has(e.name));
        out.channels.push(entries.length === channel.entries.length ? channel : { ...channel, entries });
        for (const e of entries) bundleNames.add(e.name);
      }
      const bundles = index.bundles(name);
      for (const b of [...bundleNames].sort()) {
        const bundle = bundles.get(b);
        if (!bundle) {
          const channel = out.channels.find((c) => c.package === name && c.entries.some((e) => e.name === b));
          throw new CatalogError(
            `The ${
              channel ? channelLabel(channel) : `package "${name}"`
            }${this.where} names bundle "${b}", ` +
              `which the catalog does not define`,
          );
        }
        out.bundles.push(bundle);
      }
    }
    for (const d of index.catalog.deprecations) {
      const bundles = keptBundles.get(d.package);
      const channels = keptChannels.get(d.package);
      if (!bundles || !channels) continue;
      const entries = d.entries.filter((e) => {
        if (e.reference.schema === "olm.bundle") return bundles.has(String(e.reference.name));
        if (e.reference.schema === "olm.channel") return channels.has(String(e.reference.name));
        return true;
      });
      if (entries.length === 0) continue;
      out.deprecations.push(entries.length === d.entries.length ? d : { ...d, entries } as Deprecations);
    }
    out.deprecations.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
    out.others = index.catalog.others.filter((o) => o.package === undefined || keptBundles.has(o.package));
    return out;
  }
}

/** Filters a catalog as `spec` says; throws a {@link CatalogError} naming what does not exist nearby. */
export function filterCatalog(catalog: Catalog, spec: CatalogSpec, options: FilterOptions): FilterResult {
  const packages = spec.packages ?? [];
  if (spec.full === true && packages.length === 0) {
    return {
      catalog,
      bundles: catalog.bundles,
      images: bundleImages(catalog.bundles),
      warnings: [],
      unchanged: true,
    };
  }
  const filter = new Filter(catalog, spec, options);
  if (packages.length === 0) filter.headsOfEverything();
  for (const p of packages) filter.selectPackage(p);
  const resolve = options.resolveDependencies ??
    (options.semantics === "v1" && spec.skipDependencies !== true);
  if (resolve) resolveDependencies(filter.index, filter.selection, filter.warnings);
  const filtered = filter.assemble();
  const problems = validateCatalog(filtered);
  if (problems.length > 0) {
    throw new CatalogError(
      `The filtered catalog${filter.where} is not valid FBC: ${problems.slice(0, 5).join("; ")}` +
        (problems.length > 5 ? ` and ${problems.length - 5} more` : ""),
    );
  }
  return {
    catalog: filtered,
    bundles: filtered.bundles,
    images: bundleImages(filtered.bundles),
    warnings: filter.warnings,
    unchanged: false,
  };
}
