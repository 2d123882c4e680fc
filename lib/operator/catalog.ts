/**
 * The file-based catalog (FBC) model: `olm.package`, `olm.channel`, `olm.bundle` and `olm.deprecations`
 * blobs, plus every other schema kept as an opaque blob so a rebuilt catalog loses nothing. Each typed
 * blob is the parsed JSON object itself (unknown fields stay on it), narrowed to the fields we use.
 * @see https://olm.operatorframework.io/docs/reference/file-based-catalogs/
 * @module
 */

/** A bundle property: `type` names the shape of `value` (`olm.package`, `olm.gvk`, ...). */
export interface Property {
  type: string;
  value: unknown;
}

/** An image a bundle needs; the one equal to the bundle's own `image` is the bundle image. */
export interface RelatedImage {
  name?: string;
  image: string;
  [key: string]: unknown;
}

/** One node of a channel's upgrade graph. */
export interface ChannelEntry {
  /** The bundle name. */
  name: string;
  /** The bundle this one replaces (may name a bundle that is not in the catalog). */
  replaces?: string;
  /** Bundles this one can upgrade from directly. */
  skips?: string[];
  /** A semver range of versions this one can upgrade from (not used for selection). */
  skipRange?: string;
  [key: string]: unknown;
}

/** An `olm.package` blob. */
export interface Package {
  schema: "olm.package";
  name: string;
  defaultChannel?: string;
  icon?: { base64data?: string; mediatype?: string };
  description?: string;
  [key: string]: unknown;
}

/** An `olm.channel` blob. */
export interface Channel {
  schema: "olm.channel";
  package: string;
  name: string;
  entries: ChannelEntry[];
  [key: string]: unknown;
}

/** An `olm.bundle` blob. */
export interface Bundle {
  schema: "olm.bundle";
  package: string;
  name: string;
  /** The bundle image; empty for bundles that inline their objects. */
  image: string;
  properties: Property[];
  relatedImages: RelatedImage[];
  [key: string]: unknown;
}

/** One entry of an `olm.deprecations` blob. */
export interface DeprecationEntry {
  reference: { schema: string; name?: string; [key: string]: unknown };
  message?: string;
  [key: string]: unknown;
}

/** An `olm.deprecations` blob (one per package). */
export interface Deprecations {
  schema: "olm.deprecations";
  package: string;
  entries: DeprecationEntry[];
  [key: string]: unknown;
}

/** A blob of any other schema, kept verbatim. */
export interface OpaqueBlob {
  schema: string;
  package?: string;
  [key: string]: unknown;
}

/** A whole catalog, in the order it was read (or canonical order, see {@link sortCatalog}). */
export interface Catalog {
  packages: Package[];
  channels: Channel[];
  bundles: Bundle[];
  deprecations: Deprecations[];
  others: OpaqueBlob[];
}

/** The image label that names the FBC root directory of a catalog image. */
export const CONFIGS_LABEL = "operators.operatorframework.io.index.configs.v1";

/** Returns an empty catalog. */
export function emptyCatalog(): Catalog {
  return { packages: [], channels: [], bundles: [], deprecations: [], others: [] };
}

/** The `version` of a bundle's `olm.package` property, or undefined when it has none. */
export function bundleVersion(bundle: Bundle): string | undefined {
  for (const p of bundle.properties) {
    if (p.type !== "olm.package" || typeof p.value !== "object" || p.value === null) continue;
    const v = (p.value as Record<string, unknown>).version;
    return typeof v === "string" && v !== "" ? v : undefined;
  }
  return undefined;
}

/** The values of every property of `type` on a bundle. */
export function bundleProperties(bundle: Bundle, type: string): unknown[] {
  return bundle.properties.filter((p) => p.type === type).map((p) => p.value);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Returns the catalog with every list in canonical order (by package, then name); blobs are shared. */
export function sortCatalog(catalog: Catalog): Catalog {
  const pn = (a: { package: string; name: string }, b: { package: string; name: string }) =>
    byName(a.package, b.package) || byName(a.name, b.name);
  const otherKey = (o: OpaqueBlob) =>
    `${o.package ?? ""}\u0000${o.schema}\u0000${typeof o.name === "string" ? o.name : ""}`;
  return {
    packages: [...catalog.packages].sort((a, b) => byName(a.name, b.name)),
    channels: [...catalog.channels].sort(pn),
    bundles: [...catalog.bundles].sort(pn),
    deprecations: [...catalog.deprecations].sort((a, b) => byName(a.package, b.package)),
    others: [...catalog.others].sort((a, b) => byName(otherKey(a), otherKey(b))),
  };
}

/** Every blob of the catalog in canonical file order: per package its package, channels, bundles, rest. */
export function catalogBlobsByPackage(catalog: Catalog): Map<string, unknown[]> {
  const s = sortCatalog(catalog);
  const out = new Map<string, unknown[]>();
  const add = (pkg: string, blob: unknown) => {
    let list = out.get(pkg);
    if (!list) {
      list = [];
      out.set(pkg, list);
    }
    list.push(blob);
  };
  for (const p of s.packages) add(p.name, p);
  for (const c of s.channels) add(c.package, c);
  for (const b of s.bundles) add(b.package, b);
  for (const d of s.deprecations) add(d.package, d);
  for (const o of s.others) add(o.package ?? "", o);
  return out;
}
