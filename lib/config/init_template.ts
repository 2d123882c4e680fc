/**
 * The commented ImageSetConfiguration `oc-mirror init` writes: one release channel with a range, one
 * operator package, one additional image, commented examples of the other sections and (v1alpha2) the
 * metadata storage. It loads back with no warning.
 * @module
 */
import { stringify } from "yaml";
import { UsageError } from "../errors.ts";
import { parseImageReference } from "../reference/mod.ts";
import { API_GROUP, type ApiVersion } from "./image_set_config.ts";

/** Options of {@link renderInitTemplate}. */
export interface InitTemplateOptions {
  apiVersion: ApiVersion;
  /**
   * Registry to mirror to. v1alpha2: the metadata image `storageConfig.registry.imageURL` (a bare
   * `host[:port]` gains `/oc-mirror-metadata`); v2alpha1: used in the example commands only.
   * @default undefined
   */
  registry?: string;
  /**
   * Local directory. v1alpha2: `storageConfig.local.path`; v2alpha1: the archive directory of the
   * example commands. @default "./oc-mirror-metadata" (v1alpha2), "./mirror" (v2alpha1 commands)
   */
  localPath?: string;
}

function scalar(value: string): string {
  return stringify(value).trimEnd();
}

function metadataImage(registry: string): string {
  const image = registry.includes("/") ? registry : `${registry}/oc-mirror-metadata`;
  try {
    parseImageReference(image);
  } catch (e) {
    throw new UsageError(`Registry "${registry}" cannot hold the metadata image: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return image;
}

/** Renders the template; throws {@link UsageError} for a registry that is not usable. */
export function renderInitTemplate(options: InitTemplateOptions): string {
  const { apiVersion, registry, localPath } = options;
  if (registry !== undefined && localPath !== undefined) {
    throw new UsageError("--registry and --local-path cannot be combined: choose where the mirror goes");
  }
  const v1 = apiVersion === "v1alpha2";
  const flag = v1 ? "--v1" : "--v2";
  const target = registry ?? "registry.example.com:5000";
  const archives = localPath ?? "./mirror";
  const lines: string[] = [
    `# ImageSetConfiguration (${API_GROUP}/${apiVersion}): what oc-mirror mirrors.`,
    "# Edit the sections below, then run one of:",
    `#   mirror to disk:   oc-mirror ${flag} -c isc.yaml file://${archives}`,
    v1
      ? `#   disk to mirror:   oc-mirror ${flag} --from ${archives} docker://${target}`
      : `#   disk to mirror:   oc-mirror ${flag} -c isc.yaml --from file://${archives} docker://${target}`,
    v1
      ? `#   mirror to mirror: oc-mirror ${flag} -c isc.yaml docker://${target}`
      : `#   mirror to mirror: oc-mirror ${flag} -c isc.yaml --workspace file://${archives} docker://${target}`,
    `apiVersion: ${API_GROUP}/${apiVersion}`,
    "kind: ImageSetConfiguration",
    "# archiveSize: 4   # largest archive part in GiB (default 500)",
  ];
  if (v1) {
    lines.push(
      "# Where oc-mirror v1 keeps the metadata that makes the next run a differential one.",
      "storageConfig:",
    );
    if (registry !== undefined) {
      lines.push("  registry:", `    imageURL: ${scalar(metadataImage(registry))}`, "    skipTLS: false");
    } else {
      lines.push("  local:", `    path: ${scalar(localPath ?? "./oc-mirror-metadata")}`);
    }
  }
  lines.push(
    "mirror:",
    "  platform:",
    "    channels:",
    "      # Releases of a channel from minVersion to maxVersion; without a range, only the latest.",
    "      - name: stable-4.18",
    "        type: ocp   # ocp or okd",
    "        minVersion: 4.18.1",
    "        maxVersion: 4.18.10",
    "        # shortestPath: true   # only the releases on the shortest upgrade path",
  );
  if (v1) {
    lines.push("    # architectures: [amd64]   # amd64, arm64, ppc64le, s390x or multi (default amd64)");
  } else {
    lines.push(
      "    # platforms:   # what to mirror of multi-arch payloads (default linux/amd64)",
      "    #   - os: linux",
      "    #     architecture: arm64",
    );
  }
  lines.push(
    "    # graph: true   # also mirror the update graph for the OpenShift Update Service",
    "  operators:",
    "    - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.18",
    "      packages:",
    "        - name: serverless-operator",
    "          channels:",
    "            - name: stable",
    "              # minVersion: 1.33.0",
    "  additionalImages:",
    "    - name: registry.redhat.io/ubi9/ubi:latest",
    "  # blockedImages:   # Go regular expressions of images never to mirror",
    '  #   - name: "^registry.example.com/unwanted/.*"',
    "  # helm:",
    "  #   repositories:",
    "  #     - name: podinfo",
    "  #       url: https://stefanprodan.github.io/podinfo",
    "  #       charts:",
    "  #         - name: podinfo",
    "  #           version: 5.0.0",
  );
  return `${lines.join("\n")}\n`;
}
