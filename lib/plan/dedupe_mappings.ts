/**
 * Merging the collectors' mappings: the same image asked for twice becomes one mapping (bundles,
 * packages and platforms merged); two different images claiming one destination is an error naming both.
 * @module
 */
import { OcMirrorError } from "../errors.ts";
import { formatPlatform, type Platform } from "../oci/mod.ts";
import { formatReference } from "../reference/mod.ts";
import type { ImageMapping } from "./image_mapping.ts";

/**
 * The platforms to keep when two sources need one image: every platform either asks for, or all of them
 * (undefined) when either needs the whole image — a Helm chart's image is not cut down to the platforms
 * an additional image of the same name asked for.
 */
function mergePlatforms(a?: Platform[], b?: Platform[]): Platform[] | undefined {
  if (!a || !b) return undefined;
  const seen = new Set(a.map(formatPlatform));
  return [...a, ...b.filter((p) => !seen.has(formatPlatform(p)))];
}

function sourceKey(m: ImageMapping): string {
  return m.source.digest ?? formatReference(m.source);
}

/** Merges duplicates; throws when one destination would receive two different images. */
export function dedupeMappings(mappings: readonly ImageMapping[]): ImageMapping[] {
  const byDestination = new Map<string, ImageMapping>();
  for (const m of mappings) {
    const key = formatReference({ ...m.destination, digest: undefined } as typeof m.destination) +
      (m.destination.tag === undefined ? `@${m.destination.digest}` : "");
    const prev = byDestination.get(key);
    if (!prev) {
      byDestination.set(key, {
        ...m,
        ...(m.bundles ? { bundles: [...m.bundles] } : {}),
        ...(m.packages ? { packages: [...m.packages] } : {}),
      });
      continue;
    }
    if (sourceKey(prev) !== sourceKey(m)) {
      throw new OcMirrorError(
        `Two images would be mirrored to ${key}: ${formatReference(prev.origin)} and ${
          formatReference(m.origin)
        }`,
        { hint: "Give one of them a targetRepo or targetTag, or remove one from the configuration" },
      );
    }
    for (const b of m.bundles ?? []) if (!prev.bundles?.includes(b)) (prev.bundles ??= []).push(b);
    for (const p of m.packages ?? []) if (!prev.packages?.includes(p)) (prev.packages ??= []).push(p);
    const platforms = mergePlatforms(prev.platforms, m.platforms);
    if (platforms) prev.platforms = platforms;
    else delete prev.platforms;
  }
  return [...byDestination.values()];
}
