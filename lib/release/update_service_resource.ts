/**
 * The UpdateService the original writes to `cluster-resources/updateService.yaml` when `graph: true`
 * (reference §4.5): it points the OpenShift Update Service at the mirrored releases and graph image.
 * @module
 */
import { stringify } from "yaml";
import { generatedAnnotations } from "./signature_config_map.ts";

/** The resource's name. */
export const UPDATE_SERVICE_NAME = "update-service-oc-mirror";

/** The namespace the OpenShift Update Service operator watches. */
export const UPDATE_SERVICE_NAMESPACE = "openshift-update-service";

/** The file the original writes under `cluster-resources/`. */
export const UPDATE_SERVICE_FILE = "updateService.yaml";

/** The UpdateService object. */
export interface UpdateServiceResource {
  apiVersion: "updateservice.operator.openshift.io/v1";
  kind: "UpdateService";
  metadata: { name: string; namespace: string; annotations: Record<string, string> };
  spec: { replicas: number; releases: string; graphDataImage: string };
}

/** Options of {@link updateServiceResource}. */
export interface UpdateServiceOptions {
  /** The mirrored payload repository without tag, e.g. `myreg:5000/ns/openshift/release-images`. */
  releasesRepo: string;
  /** The mirrored graph image, e.g. `myreg:5000/ns/openshift/graph-image:latest`. */
  graphImage: string;
  /** The run's time, for the `createdAt` annotation. */
  now: Date;
  /** Our version, for the `oc-mirror_version` annotation. */
  version: string;
}

/** Builds the UpdateService (two replicas, as the original). */
export function updateServiceResource(options: UpdateServiceOptions): UpdateServiceResource {
  return {
    apiVersion: "updateservice.operator.openshift.io/v1",
    kind: "UpdateService",
    metadata: {
      name: UPDATE_SERVICE_NAME,
      namespace: UPDATE_SERVICE_NAMESPACE,
      annotations: generatedAnnotations(options.now, options.version),
    },
    spec: { replicas: 2, releases: options.releasesRepo, graphDataImage: options.graphImage },
  };
}

/** Renders the resource as the YAML of `updateService.yaml`. */
export function updateServiceYaml(resource: UpdateServiceResource): string {
  return stringify(resource, { lineWidth: 0 });
}
