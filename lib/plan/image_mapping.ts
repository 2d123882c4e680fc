/**
 * Image mappings: what a collector returns for each image the configuration selects (where to read it,
 * where it goes, why it is there), and the copy order of the original (§4.7 of the reference).
 * @module
 */
import type { Platform } from "../oci/mod.ts";
import { formatReference, type ImageReference } from "../reference/mod.ts";

/** Why an image is mirrored; decides naming, resources and the exit-code category. */
export type ImageKind =
  | "ocpRelease"
  | "ocpReleaseContent"
  | "kubeVirtContainer"
  | "cincinnatiGraph"
  | "operatorCatalog"
  | "operatorBundle"
  | "operatorRelatedImage"
  | "generic"
  | "helmImage";

/** One image to mirror. */
export interface ImageMapping {
  /** Where to read it (by digest when known). */
  source: ImageReference;
  /** Where it goes, registry included. */
  destination: ImageReference;
  /** The reference as the configuration, payload, catalog or chart named it (IDMS sources use it). */
  origin: ImageReference;
  kind: ImageKind;
  /** Platforms to keep of a multi-arch image; undefined keeps all. */
  platforms?: Platform[];
  /** Operator images: the bundles and packages that need the image (for error reports and skipping). */
  bundles?: string[];
  packages?: string[];
  /** Operator images: the catalog they come from. */
  catalog?: string;
}

/** Exit-code categories of image kinds (2 release, 4 operator, 8 additional, 16 helm). */
export function categoryOf(kind: ImageKind): "release" | "operator" | "additional" | "helm" {
  switch (kind) {
    case "ocpRelease":
    case "ocpReleaseContent":
    case "kubeVirtContainer":
    case "cincinnatiGraph":
      return "release";
    case "operatorCatalog":
    case "operatorBundle":
    case "operatorRelatedImage":
      return "operator";
    case "helmImage":
      return "helm";
    case "generic":
      return "additional";
  }
}

const COPY_ORDER: ImageKind[] = [
  "ocpReleaseContent",
  "kubeVirtContainer",
  "ocpRelease",
  "cincinnatiGraph",
  "operatorRelatedImage",
  "generic",
  "helmImage",
  "operatorBundle",
  "operatorCatalog",
];

/** Sorts mappings in the original's copy order (release content first, catalogs last), then by destination. */
export function sortForCopy(mappings: readonly ImageMapping[]): ImageMapping[] {
  return [...mappings].sort((a, b) =>
    COPY_ORDER.indexOf(a.kind) - COPY_ORDER.indexOf(b.kind) ||
    formatReference(a.destination).localeCompare(formatReference(b.destination))
  );
}

/** Options of {@link mappingLine}. */
export interface MappingLineOptions {
  /**
   * Writes destinations as `<prefix><repository>:<tag>` instead of `docker://<reference>` (mirror-to-disk
   * uses `file://<dir>/`: the images go into archives, not a registry).
   */
  destinationPrefix?: string;
}

/** The `mapping.txt` line of a mapping: `docker://<source>=docker://<destination>`. */
export function mappingLine(m: ImageMapping, o: MappingLineOptions = {}): string {
  const dst = o.destinationPrefix === undefined
    ? `docker://${formatReference(m.destination)}`
    : `${o.destinationPrefix}${m.destination.repository}${
      m.destination.tag ? `:${m.destination.tag}` : `@${m.destination.digest}`
    }`;
  // skopeo and the original refuse `name:tag@digest`: a source known by digest is written by digest.
  const source = m.source.digest ? { ...m.source, tag: undefined } : m.source;
  return `docker://${formatReference(source)}=${dst}`;
}

/** The whole `mapping.txt` (one line per mapping, sorted, newline-terminated). */
export function mappingText(mappings: readonly ImageMapping[], o: MappingLineOptions = {}): string {
  const lines = mappings.map((m) => mappingLine(m, o)).sort();
  return lines.length ? lines.join("\n") + "\n" : "";
}
