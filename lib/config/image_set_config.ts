/**
 * The typed model of a loaded `ImageSetConfiguration` or `DeleteImageSetConfiguration`: one model for
 * both API versions (`mirror.openshift.io/v1alpha2` and `v2alpha1`), with defaults applied. Fields that
 * exist in only one API version are optional here and say so in their JSDoc.
 * @module
 */
import type { Platform } from "../oci/mod.ts";
import type { ImageLocation, ImageReference } from "../reference/mod.ts";

/** The API versions oc-mirror reads, without the `mirror.openshift.io/` group. */
export type ApiVersion = "v1alpha2" | "v2alpha1";

/** The two kinds of configuration file. */
export type ConfigKind = "ImageSetConfiguration" | "DeleteImageSetConfiguration";

/** The API group every configuration's `apiVersion` starts with. */
export const API_GROUP = "mirror.openshift.io";

/** Architectures a release can be mirrored for; `multi` is the multi-arch payload. */
export type ReleaseArchitecture = "amd64" | "arm64" | "ppc64le" | "s390x" | "multi";

/** Every {@link ReleaseArchitecture}, in the order messages list them. */
export const RELEASE_ARCHITECTURES: readonly ReleaseArchitecture[] = [
  "amd64",
  "arm64",
  "ppc64le",
  "s390x",
  "multi",
];

/** The distribution a release channel belongs to. */
export type PlatformType = "ocp" | "okd";

/** One OpenShift or OKD release channel to mirror. */
export interface ReleaseChannel {
  /** Channel name, e.g. `stable-4.18`; unique within `platform.channels`. */
  name: string;
  /** @default "ocp" */
  type: PlatformType;
  /** Lowest release to mirror, a full `X.Y.Z` version (a leading `v` is dropped). */
  minVersion?: string;
  /** Highest release to mirror, a full `X.Y.Z` version (a leading `v` is dropped). */
  maxVersion?: string;
  /** Mirror only the releases on the shortest upgrade path from min to max. @default false */
  shortestPath: boolean;
  /** Mirror every release of the channel (a range still bounds it). @default false */
  full: boolean;
}

/** The `platform` section: release payloads and the update graph. */
export interface PlatformConfig {
  /** @default [] */
  channels: ReleaseChannel[];
  /**
   * Architectures to mirror; deprecated in v2alpha1 in favour of `platforms`. Defaults to `["amd64"]`
   * when channels are set and neither `architectures` nor `platforms` is given, else `[]`.
   */
  architectures: ReleaseArchitecture[];
  /** v2alpha1 only: platforms to keep from multi-arch payloads; excludes `architectures`. */
  platforms?: Platform[];
  /** Build and mirror the update-graph data image and emit an UpdateService. @default false */
  graph: boolean;
  /** v2alpha1 only: one release payload to mirror (tag or digest), as written. */
  release?: string;
  /** v2alpha1 only: {@link release}, parsed. */
  releaseReference?: ImageReference;
  /** v2alpha1 only: also mirror the KubeVirt container disk named by the payload. @default false */
  kubeVirtContainer: boolean;
}

/** A channel of an operator package, optionally bounded. */
export interface OperatorChannel {
  name: string;
  /** Lowest bundle version, normalised to `X.Y.Z[-pre][+build]` (see {@link OperatorPackage.minVersion}). */
  minVersion?: string;
  /** Highest bundle version, normalised like {@link minVersion}. */
  maxVersion?: string;
  /** v1alpha2 only: lowest bundle by name; excludes `minVersion`. */
  minBundle?: string;
}

/** One package of an operator catalog. */
export interface OperatorPackage {
  /** Package name; unique within its catalog. */
  name: string;
  /** New default channel, required when the filtered channels drop the catalog's default. */
  defaultChannel?: string;
  /**
   * Package-level lowest bundle version. Written with Masterminds-semver leniency (`v5.8`, `5.8`, `5`)
   * and stored normalised (`5.8.0`). Never set together with channel-level versions.
   */
  minVersion?: string;
  /** Package-level highest bundle version, normalised like {@link minVersion}. */
  maxVersion?: string;
  /** v1alpha2 only: lowest bundle by name; excludes `minVersion`. */
  minBundle?: string;
  /** @default [] (every channel) */
  channels: OperatorChannel[];
}

/** One operator catalog to mirror (and usually filter and rebuild). */
export interface OperatorCatalog {
  /** The catalog as written: `registry/repo:tag`, `…@sha256:…`, `docker://…` or `oci://path`. */
  catalog: string;
  /** {@link catalog}, parsed: a registry image or an OCI layout directory. */
  catalogLocation: ImageLocation;
  /** Repository path replacing the catalog's (no registry, tag or digest). */
  targetCatalog?: string;
  /** Tag of the mirrored catalog. */
  targetTag?: string;
  /** v1alpha2 only (deprecated there): image name replacing the catalog's last path component. */
  targetName?: string;
  /** Mirror every bundle of the selected packages and channels, not only the heads. @default false */
  full: boolean;
  /** Do not add dependencies of selected bundles (only v1 resolves dependencies). @default false */
  skipDependencies: boolean;
  /** v2alpha1 only: file with a CatalogSource to complete with the generated one. */
  targetCatalogSourceTemplate?: string;
  /** v2alpha1 only: platforms to keep from multi-arch images. */
  platforms?: Platform[];
  /** v1alpha2 only (deprecated there, unused): the remote origin of an OCI catalog. */
  originalRef?: string;
  /** @default [] (every package) */
  packages: OperatorPackage[];
}

/** One image mirrored as it is. */
export interface AdditionalImage {
  /** The reference as written; without tag or digest it means `:latest`. */
  name: string;
  /** {@link name}, parsed (no default tag applied). */
  reference: ImageReference;
  /** v2alpha1 only: repository path replacing the source's at the destination. */
  targetRepo?: string;
  /** v2alpha1 only: tag replacing the source's at the destination. */
  targetTag?: string;
  /** v2alpha1 only: platforms to keep from a multi-arch image. */
  platforms?: Platform[];
}

/** An image excluded from mirroring wherever it comes from. */
export interface BlockedImage {
  /** The pattern as written: a Go regular expression (RE2 syntax). */
  name: string;
  /** {@link name} translated to a JavaScript regular expression; matched unanchored like Go's `MatchString`. */
  pattern: RegExp;
}

/** A chart in a Helm repository. */
export interface HelmChart {
  name: string;
  /** Chart version; every version when omitted. */
  version?: string;
  /** JSONPath expressions naming images in the rendered chart, in addition to the defaults. @default [] */
  imagePaths: string[];
  /** v2alpha1 only: platforms to keep from multi-arch images. */
  platforms?: Platform[];
  /** Our extension: values files to render the chart with (in addition to its defaults). @default [] */
  valuesFiles: string[];
}

/** A Helm repository and the charts to take from it. */
export interface HelmRepository {
  name: string;
  /** The repository URL (`http://` or `https://`) whose `index.yaml` lists the charts. */
  url: string;
  /** @default [] (every chart that is not a library chart) */
  charts: HelmChart[];
}

/** A chart on the local disk. */
export interface HelmLocalChart {
  name: string;
  /** Chart directory or `.tgz`, as written (relative paths resolve against the working directory). */
  path: string;
  /** @default [] */
  imagePaths: string[];
  /** Our extension: values files to render the chart with. @default [] */
  valuesFiles: string[];
}

/** The `helm` section. */
export interface HelmConfig {
  /** @default [] */
  repositories: HelmRepository[];
  /** @default [] */
  local: HelmLocalChart[];
}

/** A sample image (parsed, not implemented by the original either). */
export interface SampleImage {
  name: string;
}

/** What to mirror or delete: the content shared by `mirror:` and `delete:`. */
export interface ImageSetContent {
  platform: PlatformConfig;
  /** @default [] */
  operators: OperatorCatalog[];
  /** @default [] */
  additionalImages: AdditionalImage[];
  helm: HelmConfig;
  /** @default [] */
  samples: SampleImage[];
}

/** The `mirror:` section of an ImageSetConfiguration. */
export interface MirrorContent extends ImageSetContent {
  /** @default [] */
  blockedImages: BlockedImage[];
}

/** v1alpha2 metadata storage: exactly one of `local` and `registry` is set. */
export interface StorageConfig {
  local?: { path: string };
  registry?: {
    /** Metadata image as written. */
    imageURL: string;
    /** {@link imageURL}, parsed. */
    reference: ImageReference;
    /** @default false */
    skipTLS: boolean;
  };
}

/** A loaded `kind: ImageSetConfiguration`. */
export interface ImageSetConfig {
  apiVersion: ApiVersion;
  kind: "ImageSetConfiguration";
  /**
   * Archive part size in GiB, as written; `undefined` when not given. Consumers default it to 500 GiB
   * (the original's default).
   */
  archiveSize?: number;
  /** v1alpha2 only: where v1 keeps its metadata; `undefined` means a stateless v1 run. */
  storageConfig?: StorageConfig;
  mirror: MirrorContent;
}

/** A loaded `kind: DeleteImageSetConfiguration` (v2alpha1 only). */
export interface DeleteImageSetConfig {
  apiVersion: "v2alpha1";
  kind: "DeleteImageSetConfiguration";
  delete: ImageSetContent;
}

/** Either kind of configuration. */
export type AnyImageSetConfig = ImageSetConfig | DeleteImageSetConfig;

/**
 * The ImageSetConfiguration a delete configuration stands for, as the original coerces it: the same
 * content under `mirror:`, no blocked images, so the same collectors can list the images to delete.
 */
export function deleteToImageSetConfig(config: DeleteImageSetConfig): ImageSetConfig {
  return {
    apiVersion: config.apiVersion,
    kind: "ImageSetConfiguration",
    mirror: { ...config.delete, blockedImages: [] },
  };
}
