/**
 * Turns a plan into copy-batch items for one pair of stores: where each image is read, where it goes
 * (the relative destination rebased under the destination root), and for rebuilt catalogs and the graph
 * image the build that replaces a plain copy.
 * @module
 */
import { formatReference } from "../reference/mod.ts";
import { rebuildCatalogImage } from "../operator/mod.ts";
import { buildGraphImage } from "../release/mod.ts";
import type { DestinationRoot, ImageMapping } from "../plan/mod.ts";
import type { DestinationStore } from "../store/mod.ts";
import { copy } from "../transfer/mod.ts";
import type { BatchItem } from "./copy_batch.ts";
import { type CatalogPlan, type GraphImagePlan, rebaseReference } from "./collector.ts";
import type { Plan } from "./collect_plan.ts";
import { type ImageSources, storeReference } from "./image_sources.ts";

/** Options of {@link batchItems}. */
export interface BatchItemsOptions {
  plan: Plan;
  sources: ImageSources;
  destination: DestinationStore;
  root: DestinationRoot;
  /** Rebuild filtered catalogs and build the graph image (false when the archive already holds them). */
  build: boolean;
}

function key(m: ImageMapping): string {
  return `${m.kind} ${formatReference(m.destination)}`;
}

function catalogBuild(
  plan: CatalogPlan,
  dst: DestinationStore,
  repo: string,
  tag: string,
): BatchItem["build"] {
  const filtered = plan.filtered;
  if (!filtered) return undefined;
  return async ({ ledger, signal, parallelLayers }) => {
    const platforms = plan.platforms ? { platforms: plan.platforms } : {};
    const base = await copy(plan.original, { store: dst, repository: repo, reference: plan.pinned.digest }, {
      ledger,
      signal,
      parallelLayers,
      ...platforms,
    });
    const root = await rebuildCatalogImage({
      source: { store: plan.original.store, repo: plan.original.repository, descriptor: plan.pinned },
      filtered,
      destination: { store: dst, repo, tag },
      signal,
      ...platforms,
    });
    return { ...base, root, manifestsWritten: base.manifestsWritten + 1 };
  };
}

function graphBuild(
  plan: GraphImagePlan,
  sources: ImageSources,
  dst: DestinationStore,
  repo: string,
  tag: string,
): BatchItem["build"] {
  return async ({ ledger, signal, parallelLayers }) => {
    const at = sources.locate(plan.mapping);
    const top = await at.store.resolve(at.repository, at.reference, { signal });
    const base = await copy({ ...at, reference: top.digest }, {
      store: dst,
      repository: repo,
      reference: top.digest,
    }, {
      ledger,
      signal,
      parallelLayers,
    });
    const built = await buildGraphImage({
      graphDataTarGz: plan.graphDataTarGz,
      base: { store: at.store, repo: at.repository, reference: top.digest },
      destination: { store: dst, repo, tag },
      signal,
    });
    return {
      ...base,
      root: built.descriptor,
      manifestsWritten: base.manifestsWritten + built.manifests.length,
    };
  };
}

/** The batch items of a plan. */
export function batchItems(o: BatchItemsOptions): BatchItem[] {
  const catalogs = new Map(o.plan.catalogs.map((c) => [key(c.mapping), c]));
  const graph = o.plan.graphImage;
  return o.plan.mappings.map((m) => {
    const destination = rebaseReference(m.destination, o.root);
    const item: BatchItem = {
      mapping: { ...m, destination },
      source: o.sources.locate(m),
      destination: {
        store: o.destination,
        repository: destination.repository,
        reference: storeReference(destination),
      },
    };
    if (o.build) {
      const catalog = catalogs.get(key(m));
      const tag = destination.tag ?? "latest";
      const build = catalog
        ? catalogBuild(catalog, o.destination, destination.repository, tag)
        : graph && key(graph.mapping) === key(m)
        ? graphBuild(graph, o.sources, o.destination, destination.repository, tag)
        : undefined;
      if (build) item.build = build;
    }
    return item;
  });
}
