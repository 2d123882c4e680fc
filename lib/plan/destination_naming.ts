/**
 * Destination naming, exactly as the original (§4.1 of the reference): release payloads under
 * `openshift/release-images`, components under `openshift/release:<release tag>-<name>`, everything else
 * namespace-preserving (`<D>/<source path>`), digest-only images tagged `sha256-<hex>`, `targetRepo`/
 * `targetTag` overrides, and `--max-nested-paths` flattening. Pure functions.
 * @module
 */
import { ImageReferenceError } from "../errors.ts";
import { digestHex } from "../oci/mod.ts";
import type { ImageReference } from "../reference/mod.ts";

/** Where mirrored images go: a registry and an optional namespace prefix. */
export interface DestinationRoot {
  registry: string;
  /** `""` for none. */
  namespace: string;
  /** `--max-nested-paths`, 0 = unlimited. @default 0 */
  maxNestedPaths?: number;
}

/** Longest tag distribution accepts. */
export const MAX_TAG_LENGTH = 128;

/** The tag the original gives a digest-only image: `sha256-<hex>` cut to 128 characters. */
export function digestTag(ref: ImageReference): string {
  if (!ref.digest) {
    throw new ImageReferenceError(ref.repository, `Image ${ref.repository} has neither tag nor digest`);
  }
  return `sha256-${digestHex(ref.digest)}`.slice(0, MAX_TAG_LENGTH);
}

/** Joins the namespace and a repository path, then applies `--max-nested-paths`. */
export function destinationRepository(root: DestinationRoot, path: string): string {
  const full = root.namespace ? `${root.namespace}/${path}` : path;
  const n = root.maxNestedPaths ?? 0;
  if (n <= 0) return full;
  const parts = full.split("/");
  if (parts.length <= n) return full;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join("-")].join("/");
}

/** Options of {@link namespacedDestination}. */
export interface NamespacedOptions {
  /** Replaces the source path (additional images' `targetRepo`, catalogs' `targetCatalog`). */
  targetRepo?: string;
  /** Replaces the tag (`targetTag`). */
  targetTag?: string;
}

/**
 * The namespace-preserving destination of an image: `<D>/<source path>:<tag>`; digest-only images get
 * the tag `sha256-<hex>`; tag+digest sources are pulled by digest and pushed with the tag. Destinations
 * always carry a tag and never a digest, so `mapping.txt` lines are references skopeo can use.
 */
export function namespacedDestination(
  root: DestinationRoot,
  source: ImageReference,
  o: NamespacedOptions = {},
): ImageReference {
  const repository = destinationRepository(root, o.targetRepo ?? source.repository);
  const tag = o.targetTag ?? source.tag ?? digestTag(source);
  return { registry: root.registry, repository, tag };
}

/** `<D>/openshift/release-images:<tag>` for a release payload. */
export function releasePayloadDestination(root: DestinationRoot, releaseTag: string): ImageReference {
  return {
    registry: root.registry,
    repository: destinationRepository(root, "openshift/release-images"),
    tag: releaseTag,
  };
}

/** `<D>/openshift/release:<release tag>-<component>` for a payload component. */
export function releaseComponentDestination(
  root: DestinationRoot,
  releaseTag: string,
  component: string,
): ImageReference {
  return {
    registry: root.registry,
    repository: destinationRepository(root, "openshift/release"),
    tag: `${releaseTag}-${component}`.slice(0, MAX_TAG_LENGTH),
  };
}

/** `<D>/openshift/graph-image:latest`. */
export function graphImageDestination(root: DestinationRoot): ImageReference {
  return {
    registry: root.registry,
    repository: destinationRepository(root, "openshift/graph-image"),
    tag: "latest",
  };
}
