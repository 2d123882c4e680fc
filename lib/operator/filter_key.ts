/**
 * The reuse key of a filtered catalog: a digest of the catalog's digest, the filter and the filtering
 * options (the idea of the original's filterMD5). Same key, same rebuilt image: a run that finds a
 * catalog rebuilt under this key may reuse it instead of filtering and rebuilding again.
 * @module
 */
import { createHash } from "node:crypto";
import type { Digest } from "../oci/mod.ts";
import type { CatalogSpec, FilterOptions } from "./filter_catalog.ts";

/** Bumped whenever filtering or rebuilding changes, so older keys stop matching. */
export const FILTER_ALGORITHM_VERSION = "oc-mirror-deno/catalog-filter/1";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined || v === "" || v === false || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

function byName<T extends { name: string }>(list: readonly T[] | undefined): T[] | undefined {
  return list === undefined
    ? undefined
    : [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Returns the 64-hex-digit key of filtering the catalog `catalogDigest` with `spec`; package and channel
 * order do not matter, nor do empty fields. `options.catalog` (a label for messages) is not part of it.
 */
export function filterKey(
  spec: CatalogSpec,
  catalogDigest: Digest,
  options: Omit<FilterOptions, "catalog"> = { semantics: "v2" },
): string {
  const normalized = {
    ...spec,
    packages: byName(spec.packages)?.map((p) => ({ ...p, channels: byName(p.channels) })),
  };
  const resolve = options.resolveDependencies ??
    (options.semantics === "v1" && spec.skipDependencies !== true);
  const doc = canonical({
    algorithm: FILTER_ALGORITHM_VERSION,
    catalog: catalogDigest,
    semantics: options.semantics,
    resolveDependencies: resolve,
    spec: normalized,
  });
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex");
}
