/**
 * Where release images go in the mirror (reference §4.1), as repository paths and tags below the
 * destination (the caller prefixes the registry and any user namespace): payloads in
 * `openshift/release-images:<tag>`, components in `openshift/release:<tag>-<name>`, the KubeVirt
 * container in `openshift/release:<tag>-kube-virt-container`, the graph image in
 * `openshift/graph-image:latest`. Pure.
 * @module
 */
import { ImageReferenceError } from "../errors.ts";
import { type Digest, digestHex } from "../oci/mod.ts";
import { isTag, parseImageReference } from "../reference/mod.ts";

/** Repository of release payloads. */
export const RELEASE_IMAGES_REPOSITORY = "openshift/release-images";

/** Repository of release component images. */
export const RELEASE_COMPONENTS_REPOSITORY = "openshift/release";

/** Repository of the graph-data image. */
export const GRAPH_IMAGE_REPOSITORY = "openshift/graph-image";

/** A destination below the mirror root. */
export interface RepositoryTag {
  repository: string;
  tag: string;
}

function checked(repository: string, tag: string): RepositoryTag {
  if (!isTag(tag)) {
    throw new ImageReferenceError(
      `${repository}:${tag}`,
      `Destination tag "${tag}" of ${repository} is not a valid tag: want up to 128 letters, digits, _ . -`,
    );
  }
  return { repository, tag };
}

/** The payload's tag from its signature identity (`quay.io/…/ocp-release:4.14.1-x86_64` → `4.14.1-x86_64`). */
export function releaseTagFromIdentity(identity: string): string {
  const tag = parseImageReference(identity).tag;
  if (tag === undefined) {
    throw new ImageReferenceError(identity, `Release signature identity "${identity}" has no tag`);
  }
  return tag;
}

/** The tag of a payload mirrored without a signature (`--ignore-release-signature`): the digest's hex. */
export function releaseTagForDigest(digest: Digest): string {
  return digestHex(digest);
}

/** `openshift/release-images:<releaseTag>`. */
export function releaseImageDestination(releaseTag: string): RepositoryTag {
  return checked(RELEASE_IMAGES_REPOSITORY, releaseTag);
}

/** `openshift/release:<releaseTag>-<name>` for an `image-references` component. */
export function releaseComponentDestination(releaseTag: string, name: string): RepositoryTag {
  return checked(RELEASE_COMPONENTS_REPOSITORY, `${releaseTag}-${name}`);
}

/**
 * `openshift/release:<releaseTag>-kube-virt-container`, with `-<arch>` (`x86_64`, `s390x`, …) when a
 * payload carries several architectures' containers.
 */
export function kubeVirtDestination(releaseTag: string, arch?: string): RepositoryTag {
  const suffix = arch === undefined ? "" : `-${arch}`;
  return checked(RELEASE_COMPONENTS_REPOSITORY, `${releaseTag}-kube-virt-container${suffix}`);
}

/** `openshift/graph-image:latest`. */
export function graphImageDestination(): RepositoryTag {
  return { repository: GRAPH_IMAGE_REPOSITORY, tag: "latest" };
}
