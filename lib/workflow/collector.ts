/**
 * What every collector gets and returns. Collectors turn one section of the configuration into image
 * mappings whose destinations are relative (registry `""`, no namespace): mirror-to-disk writes them
 * at those paths into the archive, disk-to-mirror reads them back there, and {@link rebaseMapping} puts
 * them under the real destination.
 * @module
 */
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import type { RunContext } from "../context.ts";
import type { Catalog } from "../operator/mod.ts";
import { destinationRepository, type DestinationRoot, type ImageMapping } from "../plan/mod.ts";
import type { ImageReference } from "../reference/mod.ts";
import type { ReleaseSignatureBytes, UpdateGraph } from "../release/mod.ts";
import type { Descriptor, Platform } from "../oci/mod.ts";
import type { ImageAt, SourceStore } from "../store/mod.ts";
import type { ImageSources } from "./image_sources.ts";
import type { WorkingDir } from "./working_dir.ts";

/** Switches that change what collectors select. */
export interface CollectorOptions {
  includeConditionalEdges: boolean;
  resolveDependencies: boolean;
  ignoreReleaseSignature: boolean;
}

/** Everything a collector may use. */
export interface CollectorContext {
  ctx: RunContext;
  loaded: LoadedConfig<ImageSetConfig>;
  engine: "v1" | "v2";
  /** Where images and data come from: `upstream` reads the network, `archive`/`mirror` read saved data. */
  sources: ImageSources;
  wd: WorkingDir;
  options: CollectorOptions;
}

/** A catalog to mirror: its relative destination, the pinned original and (when filtered) the new FBC. */
export interface CatalogPlan {
  mapping: ImageMapping;
  /** The original catalog image, pinned by digest. */
  pinned: Descriptor;
  /** Where the original is read (for the rebuild). */
  original: ImageAt<SourceStore>;
  /** The filtered catalog to rebuild with; undefined when the catalog is mirrored unchanged. */
  filtered?: Catalog;
  platforms?: Platform[];
  /** The user's CatalogSource template, already read and checked. */
  template?: unknown;
}

/** The graph-data image to build on its base image. */
export interface GraphImagePlan {
  mapping: ImageMapping;
  graphDataTarGz: Uint8Array;
}

/** What collectors found. */
export interface Collected {
  mappings: ImageMapping[];
  /** Catalogs (their mappings are also in `mappings`). */
  catalogs: CatalogPlan[];
  graphImage?: GraphImagePlan;
  /** Release signatures, for the signature ConfigMap. */
  signatures: ReleaseSignatureBytes[];
  /** Per architecture: the channels' graphs and the versions mirrored, for the upgrade-path check. */
  releases: { arch: string; graphs: UpdateGraph[]; versions: string[] }[];
}

/** An empty result. */
export function emptyCollected(): Collected {
  return { mappings: [], catalogs: [], signatures: [], releases: [] };
}

/** Appends `b` to `a`. */
export function mergeCollected(a: Collected, b: Collected): Collected {
  return {
    mappings: [...a.mappings, ...b.mappings],
    catalogs: [...a.catalogs, ...b.catalogs],
    signatures: [...a.signatures, ...b.signatures],
    releases: [...a.releases, ...b.releases],
    ...(a.graphImage ?? b.graphImage ? { graphImage: a.graphImage ?? b.graphImage } : {}),
  };
}

/** The root of relative destinations. */
export const RELATIVE_ROOT: DestinationRoot = { registry: "", namespace: "" };

/** A relative destination `repository:tag`. */
export function relative(repository: string, tag: string): ImageReference {
  return { registry: "", repository, tag };
}

/** Puts a relative destination under a real root (namespace and `--max-nested-paths` applied). */
export function rebaseReference(ref: ImageReference, root: DestinationRoot): ImageReference {
  return { ...ref, registry: root.registry, repository: destinationRepository(root, ref.repository) };
}

/** Puts a mapping's relative destination under a real root. */
export function rebaseMapping(m: ImageMapping, root: DestinationRoot): ImageMapping {
  return { ...m, destination: rebaseReference(m.destination, root) };
}
