/**
 * Lookups over a catalog built once per filter or listing: packages, channels and bundles by name,
 * parsed bundle versions and checked channel graphs (both cached).
 * @module
 */
import type { SemVer } from "semver";
import { CatalogError } from "../errors.ts";
import { type Bundle, bundleVersion, type Catalog, type Channel, type Package } from "./catalog.ts";
import { buildChannelGraph, type ChannelGraph } from "./channel_graph.ts";
import { nearestNames, quoteList } from "./_suggest.ts";
import { parseVersion } from "./_versions.ts";
import type { VersionOf } from "./_select.ts";

/** Read-only lookups over one catalog. */
export class CatalogIndex {
  readonly catalog: Catalog;
  readonly packages = new Map<string, Package>();
  readonly #channels = new Map<string, Map<string, Channel>>();
  readonly #bundles = new Map<string, Map<string, Bundle>>();
  readonly #versions = new Map<Bundle, SemVer | null>();
  readonly #graphs = new Map<Channel, ChannelGraph>();
  /** Names the catalog in messages (` in catalog X` or empty). */
  readonly where: string;

  constructor(catalog: Catalog, label?: string) {
    this.catalog = catalog;
    this.where = label ? ` in catalog ${label}` : "";
    for (const p of catalog.packages) {
      if (this.packages.has(p.name)) {
        throw new CatalogError(`Package "${p.name}" is defined twice${this.where}`);
      }
      this.packages.set(p.name, p);
    }
    for (const c of catalog.channels) {
      let m = this.#channels.get(c.package);
      if (!m) this.#channels.set(c.package, m = new Map());
      if (m.has(c.name)) {
        throw new CatalogError(`Channel "${c.name}" of package "${c.package}" is defined twice${this.where}`);
      }
      m.set(c.name, c);
    }
    for (const b of catalog.bundles) {
      let m = this.#bundles.get(b.package);
      if (!m) this.#bundles.set(b.package, m = new Map());
      if (m.has(b.name)) {
        throw new CatalogError(`Bundle "${b.name}" of package "${b.package}" is defined twice${this.where}`);
      }
      m.set(b.name, b);
    }
  }

  /** The package, or a {@link CatalogError} naming the packages with close names. */
  requirePackage(name: string): Package {
    const p = this.packages.get(name);
    if (p) return p;
    const near = nearestNames(name, this.packages.keys());
    const detail = near.length > 0
      ? `did you mean ${quoteList(near)}?`
      : this.packages.size <= 10
      ? `the catalog has packages ${quoteList([...this.packages.keys()].sort())}`
      : `none of its ${this.packages.size} packages has a close name`;
    throw new CatalogError(`Package "${name}" not found${this.where}: ${detail}`, {
      hint: "Run `oc-mirror list operators --catalog <catalog>` to see the packages",
    });
  }

  /** The channels of a package, by name. */
  channels(pkg: string): ReadonlyMap<string, Channel> {
    return this.#channels.get(pkg) ?? new Map();
  }

  /** The channel, or a {@link CatalogError} listing the package's channels. */
  requireChannel(pkg: string, name: string): Channel {
    const c = this.channels(pkg).get(name);
    if (c) return c;
    const all = [...this.channels(pkg).keys()].sort();
    const near = nearestNames(name, all, 3);
    const guess = near.length > 0 ? `did you mean ${quoteList(near)}? ` : "";
    throw new CatalogError(
      `Channel "${name}" not found in package "${pkg}"${this.where}: ${guess}(channels: ${
        quoteList(all, 20)
      })`,
    );
  }

  /** The bundles of a package, by name. */
  bundles(pkg: string): ReadonlyMap<string, Bundle> {
    return this.#bundles.get(pkg) ?? new Map();
  }

  /** The parsed version of a bundle (null when missing or not semver). */
  version(bundle: Bundle): SemVer | null {
    let v = this.#versions.get(bundle);
    if (v === undefined) {
      v = parseVersion(bundleVersion(bundle));
      this.#versions.set(bundle, v);
    }
    return v;
  }

  /** A version lookup by bundle name within one package. */
  versionOf(pkg: string): VersionOf {
    const bundles = this.bundles(pkg);
    return (name) => {
      const b = bundles.get(name);
      return b ? this.version(b) : null;
    };
  }

  /** The checked graph of a channel (cached). */
  graph(channel: Channel): ChannelGraph {
    let g = this.#graphs.get(channel);
    if (!g) {
      g = buildChannelGraph(channel);
      this.#graphs.set(channel, g);
    }
    return g;
  }

  /** The channels of `pkg` that list `bundle`, default channel first, then by name. */
  channelsContaining(pkg: string, bundle: string): Channel[] {
    const def = this.packages.get(pkg)?.defaultChannel;
    return [...this.channels(pkg).values()]
      .filter((c) => c.entries.some((e) => e.name === bundle))
      .sort((
        a,
        b,
      ) => (a.name === def ? -1 : b.name === def ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
