/**
 * Builds a typed {@link Catalog} from located JSON objects: checks the fields of the known schemas,
 * rejects duplicates (naming both places), and keeps every other schema as an opaque blob.
 * @module
 */
import {
  type Bundle,
  type Catalog,
  type Channel,
  type Deprecations,
  emptyCatalog,
  type Package,
} from "./catalog.ts";
import { CatalogFileError, type CatalogLocation, formatCatalogLocation } from "./catalog_file_error.ts";
import { type LocatedObject, type ParseFbcOptions, parseFbcText } from "./parse_fbc.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function requireString(o: Record<string, unknown>, key: string, what: string, at: CatalogLocation): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") {
    throw new CatalogFileError(at, `${what} has no "${key}": want a non-empty string`);
  }
  return v;
}

function optionalString(o: Record<string, unknown>, key: string, what: string, at: CatalogLocation): void {
  const v = o[key];
  if (v !== undefined && v !== null && typeof v !== "string") {
    throw new CatalogFileError(at, `${what} has "${key}" ${JSON.stringify(v)}: want a string`);
  }
  if (v === null) delete o[key];
}

function checkChannel(o: Record<string, unknown>, at: CatalogLocation): Channel {
  const pkg = requireString(o, "package", "olm.channel", at);
  const name = requireString(o, "name", "olm.channel", at);
  const what = `olm.channel "${name}" of package "${pkg}"`;
  if (!Array.isArray(o.entries)) throw new CatalogFileError(at, `${what} has no "entries" list`);
  o.entries.forEach((e: unknown, i: number) => {
    if (!isObject(e)) throw new CatalogFileError(at, `${what} entries[${i}] is not an object`);
    const ew = `${what} entries[${i}]`;
    requireString(e, "name", ew, at);
    optionalString(e, "replaces", ew, at);
    optionalString(e, "skipRange", ew, at);
    if (e.skips === null) delete e.skips;
    if (e.skips !== undefined && (!Array.isArray(e.skips) || e.skips.some((s) => typeof s !== "string"))) {
      throw new CatalogFileError(at, `${ew} has "skips" that is not a list of names`);
    }
  });
  return o as Channel;
}

function checkBundle(o: Record<string, unknown>, at: CatalogLocation): Bundle {
  const pkg = requireString(o, "package", "olm.bundle", at);
  const name = requireString(o, "name", "olm.bundle", at);
  const what = `olm.bundle "${name}" of package "${pkg}"`;
  optionalString(o, "image", what, at);
  if (o.image === undefined) o.image = "";
  if (o.properties === undefined || o.properties === null) o.properties = [];
  if (!Array.isArray(o.properties)) {
    throw new CatalogFileError(at, `${what} has "properties" that is not a list`);
  }
  o.properties.forEach((p: unknown, i: number) => {
    if (!isObject(p) || typeof p.type !== "string") {
      throw new CatalogFileError(at, `${what} properties[${i}] has no "type"`);
    }
  });
  if (o.relatedImages === undefined || o.relatedImages === null) o.relatedImages = [];
  if (!Array.isArray(o.relatedImages)) {
    throw new CatalogFileError(at, `${what} has "relatedImages" that is not a list`);
  }
  o.relatedImages.forEach((r: unknown, i: number) => {
    if (!isObject(r) || typeof r.image !== "string") {
      throw new CatalogFileError(at, `${what} relatedImages[${i}] has no "image"`);
    }
  });
  return o as Bundle;
}

function checkDeprecations(o: Record<string, unknown>, at: CatalogLocation): Deprecations {
  const pkg = requireString(o, "package", "olm.deprecations", at);
  const what = `olm.deprecations of package "${pkg}"`;
  if (!Array.isArray(o.entries)) throw new CatalogFileError(at, `${what} has no "entries" list`);
  o.entries.forEach((e: unknown, i: number) => {
    if (!isObject(e) || !isObject(e.reference) || typeof e.reference.schema !== "string") {
      throw new CatalogFileError(at, `${what} entries[${i}] has no "reference" with a "schema"`);
    }
  });
  return o as Deprecations;
}

/** Accumulates blobs into a catalog; {@link add} throws a located error for an invalid blob. */
export class CatalogBuilder {
  readonly #catalog: Catalog = emptyCatalog();
  readonly #seen = new Map<string, CatalogLocation>();

  #unique(key: string, what: string, at: CatalogLocation): void {
    const first = this.#seen.get(key);
    if (first) {
      throw new CatalogFileError(at, `Duplicate ${what}: first defined at ${formatCatalogLocation(first)}`);
    }
    this.#seen.set(key, at);
  }

  /** Adds one parsed object. */
  add(object: LocatedObject): void {
    const { value: o, at } = object;
    const schema = o.schema;
    if (typeof schema !== "string" || schema === "") {
      throw new CatalogFileError(at, 'Blob has no "schema": want olm.package, olm.channel, olm.bundle, ...');
    }
    switch (schema) {
      case "olm.package": {
        const name = requireString(o, "name", "olm.package", at);
        optionalString(o, "defaultChannel", `olm.package "${name}"`, at);
        optionalString(o, "description", `olm.package "${name}"`, at);
        this.#unique(`p\u0000${name}`, `olm.package "${name}"`, at);
        this.#catalog.packages.push(o as Package);
        return;
      }
      case "olm.channel": {
        const c = checkChannel(o, at);
        this.#unique(
          `c\u0000${c.package}\u0000${c.name}`,
          `olm.channel "${c.name}" of package "${c.package}"`,
          at,
        );
        this.#catalog.channels.push(c);
        return;
      }
      case "olm.bundle": {
        const b = checkBundle(o, at);
        this.#unique(
          `b\u0000${b.package}\u0000${b.name}`,
          `olm.bundle "${b.name}" of package "${b.package}"`,
          at,
        );
        this.#catalog.bundles.push(b);
        return;
      }
      case "olm.deprecations": {
        const d = checkDeprecations(o, at);
        this.#unique(`d\u0000${d.package}`, `olm.deprecations of package "${d.package}"`, at);
        this.#catalog.deprecations.push(d);
        return;
      }
      default:
        if (o.package !== undefined && typeof o.package !== "string") delete o.package;
        this.#catalog.others.push(o as { schema: string; package?: string });
    }
  }

  /** Adds every object of an iterable. */
  addAll(objects: Iterable<LocatedObject>): void {
    for (const o of objects) this.add(o);
  }

  /** Returns the catalog built so far. */
  build(): Catalog {
    return this.#catalog;
  }
}

/** Parses catalog files held in memory (`catalog.json` streams or YAML) into one catalog, in order. */
export function catalogFromFiles(
  files: { path: string; text: string }[],
  o: ParseFbcOptions = {},
): Catalog {
  const builder = new CatalogBuilder();
  for (const f of files) builder.addAll(parseFbcText(f.text, f.path, o));
  return builder.build();
}

/** Parses one catalog file held in memory into a catalog. */
export function catalogFromText(text: string, file = "catalog.json", o: ParseFbcOptions = {}): Catalog {
  return catalogFromFiles([{ path: file, text }], o);
}
