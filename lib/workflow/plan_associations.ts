/**
 * The v1 associations of a plan, known before anything is written: each image is "copied" (or built,
 * for rebuilt catalogs and the graph image) into a {@link ManifestRecorder}, a destination that says it
 * has every blob (so no blob is transferred) and keeps the manifests it is given. What a copy would
 * write is then known exactly: the root digest, the other manifests and every config and layer. v1
 * mirror-to-disk needs this first because the metadata is the first entry of its archive; the builds
 * are reproducible, so the real copy writes the same digests.
 * @module
 */
import { log, type RunContext } from "../context.ts";
import { interrupted } from "./copy_batch.ts";
import { type Descriptor, type Digest, parseManifest } from "../oci/mod.ts";
import { formatReference } from "../reference/mod.ts";
import type { ImageMapping } from "../plan/mod.ts";
import type { V1Association } from "../state/mod.ts";
import type { DestinationStore, OpOptions, PutManifestOptions } from "../store/mod.ts";
import { BlobLedger, copy, forEachLimited } from "../transfer/mod.ts";
import { batchItems } from "./batch_items.ts";
import type { Plan } from "./collect_plan.ts";
import { RELATIVE_ROOT } from "./collector.ts";
import type { ImageSources } from "./image_sources.ts";

/** A destination that keeps manifests only and claims every blob, so copies into it move no blob data. */
export class ManifestRecorder implements DestinationStore {
  readonly label = "record://";
  #manifests = new Map<string, Map<Digest, Uint8Array>>();

  hasBlob(_repo: string, _d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(true);
  }

  async putBlob(
    _repo: string,
    _d: Descriptor,
    body: ReadableStream<Uint8Array>,
    _o?: OpOptions,
  ): Promise<void> {
    await body.cancel().catch(() => {});
  }

  hasManifest(_repo: string, _d: Descriptor, _o?: OpOptions): Promise<boolean> {
    return Promise.resolve(false);
  }

  putManifest(repo: string, d: Descriptor, bytes: Uint8Array, _o?: PutManifestOptions): Promise<void> {
    let m = this.#manifests.get(repo);
    if (!m) this.#manifests.set(repo, m = new Map());
    m.set(d.digest, bytes);
    return Promise.resolve();
  }

  /** The manifests written into `repo`, by digest. */
  manifests(repo: string): ReadonlyMap<Digest, Uint8Array> {
    return this.#manifests.get(repo) ?? new Map();
  }
}

/**
 * The association of an image from the manifests a copy wrote: the root, the manifests it reaches and
 * their configs and layers. Manifests the root does not reach (the original of a rebuilt catalog) are
 * left out: disk-to-mirror does not push them, so the target would not have them.
 */
export function associationOf(
  mapping: ImageMapping,
  root: Digest,
  manifests: ReadonlyMap<Digest, Uint8Array>,
): V1Association {
  const children = new Set<Digest>();
  const layers = new Set<Digest>();
  const visit = (digest: Digest) => {
    const bytes = manifests.get(digest);
    if (!bytes) return;
    const m = parseManifest(bytes, { where: `${mapping.destination.repository}@${digest}` });
    if (m.kind === "manifest") {
      for (const d of [m.config, ...m.layers]) layers.add(d.digest);
      return;
    }
    for (const c of m.manifests) {
      if (children.has(c.digest) || c.digest === root) continue;
      children.add(c.digest);
      visit(c.digest);
    }
  };
  visit(root);
  return {
    name: formatReference(mapping.origin),
    path: mapping.destination.repository,
    id: root,
    tagSymlink: mapping.destination.tag ?? "",
    type: mapping.kind,
    manifestDigests: [...children].sort(),
    layerDigests: [...layers].sort(),
  };
}

/** Options of {@link planAssociations}. */
export interface PlanAssociationsOptions {
  ctx: RunContext;
  sources: ImageSources;
  /** Build rebuilt catalogs and the graph image (as the real copy will). */
  build: boolean;
  parallelImages: number;
  parallelLayers: number;
  imageTimeoutMs: number;
}

/** What {@link planAssociations} found, by the plan's mapping objects. */
export interface PlannedAssociations {
  associations: Map<ImageMapping, V1Association>;
  /** Images that could not be read (the real copy will report them). */
  failures: Map<ImageMapping, Error>;
}

/** Computes the association of every mapping of the plan (relative paths), reading manifests only. */
export async function planAssociations(plan: Plan, o: PlanAssociationsOptions): Promise<PlannedAssociations> {
  const out: PlannedAssociations = { associations: new Map(), failures: new Map() };
  const { ctx } = o;
  await forEachLimited(plan.mappings, o.parallelImages, async (mapping) => {
    if (ctx.signal.aborted) return;
    const recorder = new ManifestRecorder();
    const [item] = batchItems({
      plan: { ...plan, mappings: [mapping] },
      sources: o.sources,
      destination: recorder,
      root: RELATIVE_ROOT,
      build: o.build,
    });
    if (!item) return;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(o.imageTimeoutMs)]);
    try {
      const ledger = new BlobLedger();
      const result = item.build
        ? await item.build({ ledger, signal, parallelLayers: o.parallelLayers })
        : await copy(item.source, item.destination, {
          ledger,
          signal,
          parallelLayers: o.parallelLayers,
          ...(mapping.platforms ? { platforms: mapping.platforms } : {}),
        });
      out.associations.set(
        mapping,
        associationOf(mapping, result.root.digest, recorder.manifests(item.destination.repository)),
      );
    } catch (e) {
      if (ctx.signal.aborted) throw interrupted(ctx.signal, e);
      const error = e instanceof Error ? e : new Error(String(e));
      out.failures.set(mapping, error);
      log(ctx, "debug", `Cannot plan ${formatReference(mapping.origin)}: ${error.message}`);
    }
  });
  return out;
}

/**
 * The associations of every image the plan selects: the planned ones, and for an image that could not be
 * planned the earlier mirror's associations at the same path and tag, so a failure never looks like an
 * image the configuration dropped (which pruning would delete).
 */
export function selectedAssociations(
  plan: Plan,
  planned: PlannedAssociations,
  previous: readonly V1Association[],
): V1Association[] {
  const out: V1Association[] = [];
  for (const m of plan.mappings) {
    const a = planned.associations.get(m);
    if (a) {
      out.push(a);
      continue;
    }
    const tag = m.destination.tag ?? "";
    out.push(...previous.filter((p) => p.path === m.destination.repository && p.tagSymlink === tag));
  }
  return out;
}
