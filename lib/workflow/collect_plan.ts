/**
 * Runs every collector over the configuration and turns their mappings into the run's plan: blocked
 * images removed (and reported), duplicates merged, sorted in copy order. Also plans the graph-data
 * image for `platform.graph`.
 * @module
 */
import { log } from "../context.ts";
import { applyBlockRules, dedupeMappings, type ImageMapping, sortForCopy } from "../plan/mod.ts";
import { formatReference } from "../reference/mod.ts";
import { collectAdditionalImages } from "./additional_collector.ts";
import { type Collected, type CollectorContext, mergeCollected, relative } from "./collector.ts";
import { collectHelm } from "./helm_collector.ts";
import { collectOperators } from "./operator_collector.ts";
import { collectReleases, GRAPH_BASE_IMAGE, graphDataUrl } from "./release_collector.ts";

/** The plan of a run. */
export interface Plan extends Collected {
  /** Mappings to copy (blocked removed, de-duplicated, in copy order), relative destinations. */
  mappings: ImageMapping[];
  /** Mappings removed by `blockedImages`, with the rule. */
  blocked: { mapping: ImageMapping; rule: string }[];
}

/** Largest graph-data tarball accepted. */
const MAX_GRAPH_DATA_BYTES = 512 * 1024 * 1024;

async function planGraphImage(cc: CollectorContext, collected: Collected): Promise<Collected> {
  if (!cc.loaded.config.mirror.platform.graph) return collected;
  const mapping: ImageMapping = {
    source: GRAPH_BASE_IMAGE,
    origin: GRAPH_BASE_IMAGE,
    destination: relative("openshift/graph-image", "latest"),
    kind: "cincinnatiGraph",
  };
  if (cc.sources.kind !== "upstream") return { ...collected, mappings: [...collected.mappings, mapping] };
  const url = graphDataUrl(cc);
  try {
    const res = await fetch(url, { signal: AbortSignal.any([cc.ctx.signal, AbortSignal.timeout(300_000)]) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_GRAPH_DATA_BYTES) throw new Error(`${bytes.length} bytes is more than the limit`);
    return {
      ...collected,
      mappings: [...collected.mappings, mapping],
      graphImage: { mapping, graphDataTarGz: bytes },
    };
  } catch (e) {
    if (cc.ctx.signal.aborted) throw e;
    log(
      cc.ctx,
      "warn",
      `Cannot download the update graph data from ${url} (${
        (e as Error).message
      }): the graph image is not mirrored`,
    );
    return collected;
  }
}

/** Collects everything the configuration names and builds the plan. */
export async function collectPlan(cc: CollectorContext): Promise<Plan> {
  let collected = await collectReleases(cc);
  collected = await planGraphImage(cc, collected);
  collected = mergeCollected(collected, await collectOperators(cc));
  collected = mergeCollected(collected, await collectAdditionalImages(cc));
  collected = mergeCollected(collected, await collectHelm(cc));
  const rules = cc.loaded.config.mirror.blockedImages.map((b) => ({ pattern: b.name, regex: b.pattern }));
  const { kept, blocked } = applyBlockRules(collected.mappings, rules);
  for (const b of blocked) {
    log(cc.ctx, "info", `Blocked ${formatReference(b.mapping.origin)} (blockedImages "${b.rule}")`);
  }
  const blockedSet = new Set(blocked.map((b) => b.mapping));
  const mappings = sortForCopy(dedupeMappings(kept));
  const { graphImage, ...rest } = collected;
  return {
    ...rest,
    mappings,
    blocked,
    catalogs: collected.catalogs.filter((c) => !blockedSet.has(c.mapping)),
    ...(graphImage && !blockedSet.has(graphImage.mapping) ? { graphImage } : {}),
  };
}
