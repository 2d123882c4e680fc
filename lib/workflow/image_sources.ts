/**
 * Where a run reads each image: the same collectors serve every mode, and only this changes. Reading
 * upstream (mirror-to-disk, mirror-to-mirror), the image is read where its source reference points.
 * Reading an archive (disk-to-mirror), it is read at its relative destination inside the archive, which
 * is where mirror-to-disk wrote it, so no network is needed. Reading the mirror (delete), it is read at
 * its final destination.
 * @module
 */
import type { ImageMapping } from "../plan/mod.ts";
import type { ImageReference } from "../reference/mod.ts";
import type { ImageAt, SourceStore } from "../store/mod.ts";

/** Locates images for reading. */
export interface ImageSources {
  /** `upstream`, `archive` or `mirror`: where images are read. */
  readonly kind: "upstream" | "archive" | "mirror";
  /** Where to read the image a mapping names (`source` upstream, or the relative destination). */
  locate(mapping: Pick<ImageMapping, "source" | "destination">): ImageAt<SourceStore>;
}

/** The reference to ask a store for: the digest when known, else the tag. */
export function storeReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? "latest";
}

/** Reads images where their source references point; `storeFor` gives the store of a registry host. */
export function upstreamSources(storeFor: (registry: string) => SourceStore): ImageSources {
  return {
    kind: "upstream",
    locate: (m) => ({
      store: storeFor(m.source.registry),
      repository: m.source.repository,
      reference: storeReference(m.source),
    }),
  };
}

/** Reads images at their relative destinations inside one store (an archive, or the cache). */
export function relativeSources(store: SourceStore): ImageSources {
  return {
    kind: "archive",
    locate: (m) => ({
      store,
      repository: m.destination.repository,
      reference: storeReference(m.destination),
    }),
  };
}

/** Reads images from the mirror itself: `prefix` maps a relative repository to the mirror's. */
export function mirrorSources(store: SourceStore, prefix: (repository: string) => string): ImageSources {
  return {
    kind: "mirror",
    locate: (m) => ({
      store,
      repository: prefix(m.destination.repository),
      reference: storeReference(m.destination),
    }),
  };
}
