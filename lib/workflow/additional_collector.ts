/**
 * The additional-images collector: `mirror.additionalImages`. Tag, digest or tag@digest (pulled by
 * digest, pushed with the tag); no tag means `latest`; `targetRepo`/`targetTag` override the
 * namespace-preserving destination; `platforms` keeps only those platforms of a multi-arch image.
 * @module
 */
import { type ImageMapping, namespacedDestination } from "../plan/mod.ts";
import { type Collected, type CollectorContext, emptyCollected, RELATIVE_ROOT } from "./collector.ts";

/** Collects the additional images. */
export function collectAdditionalImages(cc: CollectorContext): Promise<Collected> {
  const collected = emptyCollected();
  for (const img of cc.loaded.config.mirror.additionalImages) {
    const ref = img.reference.tag === undefined && img.reference.digest === undefined
      ? { ...img.reference, tag: "latest" }
      : img.reference;
    const mapping: ImageMapping = {
      source: ref,
      origin: ref,
      destination: namespacedDestination(RELATIVE_ROOT, ref, {
        ...(img.targetRepo !== undefined ? { targetRepo: img.targetRepo } : {}),
        ...(img.targetTag !== undefined ? { targetTag: img.targetTag } : {}),
      }),
      kind: "generic",
      ...(img.platforms ? { platforms: img.platforms } : {}),
    };
    collected.mappings.push(mapping);
  }
  return Promise.resolve(collected);
}
