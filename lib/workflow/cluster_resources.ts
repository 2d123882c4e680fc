/**
 * Writes what a cluster needs to use the mirror into `working-dir/cluster-resources/`: IDMS and ITMS
 * (v2) or ICSP (v1), CatalogSource and ClusterCatalog per catalog, UpdateService for the graph image, and
 * the release signature ConfigMap (JSON and YAML). Only images that reached the destination count.
 * @module
 */
import { join } from "node:path";
import type { ImageMapping } from "../plan/mod.ts";
import { formatReference } from "../reference/mod.ts";
import {
  type ReleaseSignatureBytes,
  signatureConfigMap,
  signatureConfigMapFiles,
  updateServiceResource,
} from "../release/mod.ts";
import {
  catalogSource,
  clusterCatalog,
  imageContentSourcePolicies,
  imageDigestMirrorSets,
  imageTagMirrorSets,
  type ResourceStamp,
  toYamlDocuments,
} from "../resources/mod.ts";
import type { CatalogPlan } from "./collector.ts";

/** Input of {@link writeClusterResources}. */
export interface ClusterResourcesInput {
  dir: string;
  engine: "v1" | "v2";
  /** Mirrored mappings with their final destinations. */
  mirrored: ImageMapping[];
  /** Catalog plans and their final destinations. */
  catalogs: { plan: CatalogPlan; destination: ImageMapping["destination"] }[];
  signatures: ReleaseSignatureBytes[];
  stamp: ResourceStamp;
  forceRepositoryScope: boolean;
}

async function write(dir: string, name: string, text: string, written: string[]): Promise<void> {
  await Deno.writeTextFile(join(dir, name), text);
  written.push(name);
}

/** Writes the resources; returns the file names written. */
export async function writeClusterResources(input: ClusterResourcesInput): Promise<string[]> {
  const { dir, mirrored, stamp } = input;
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const o = { forceRepositoryScope: input.forceRepositoryScope };
  if (input.engine === "v1") {
    const icsp = imageContentSourcePolicies(mirrored, o);
    if (icsp.length) await write(dir, "imageContentSourcePolicy.yaml", toYamlDocuments(icsp), written);
  } else {
    const idms = imageDigestMirrorSets(mirrored, stamp, o);
    if (idms.length) await write(dir, "idms-oc-mirror.yaml", toYamlDocuments(idms), written);
    const itms = imageTagMirrorSets(mirrored, stamp, o);
    if (itms.length) await write(dir, "itms-oc-mirror.yaml", toYamlDocuments(itms), written);
  }
  for (const c of input.catalogs) {
    const cs = catalogSource(c.destination, stamp, c.plan.template);
    await write(dir, `${cs.name}.yaml`, toYamlDocuments([cs.object]).replace(/^---\n/, ""), written);
    if (input.engine === "v2") {
      const cc = clusterCatalog(c.destination, stamp);
      await write(dir, `${cc.name}.yaml`, toYamlDocuments([cc.object]).replace(/^---\n/, ""), written);
    }
  }
  const graph = mirrored.find((m) => m.kind === "cincinnatiGraph");
  const release = mirrored.find((m) => m.kind === "ocpRelease");
  if (graph) {
    const releasesRepo = release
      ? `${release.destination.registry}/${release.destination.repository}`
      : `${graph.destination.registry}/${
        graph.destination.repository.replace(/graph-image$/, "release-images")
      }`;
    const us = updateServiceResource({
      releasesRepo,
      graphImage: formatReference(graph.destination),
      now: stamp.now,
      version: stamp.version,
    });
    await write(dir, "updateService.yaml", toYamlDocuments([us]).replace(/^---\n/, ""), written);
  }
  if (input.signatures.length > 0 && release) {
    const files = signatureConfigMapFiles(
      signatureConfigMap(input.signatures, { now: stamp.now, version: stamp.version }),
    );
    for (const [name, text] of Object.entries(files)) await write(dir, name, text, written);
  }
  return written;
}
