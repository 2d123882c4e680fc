/**
 * The keep rule of `delete`: which manifests the delete list really removes. A registry deletes by
 * digest, and that removes every tag of the repository pointing at it, so a manifest the list names is
 * deleted only when no tag outside the list still references it, directly or as a child of an index
 * (two releases share a component image under `4.14.3-x86_64-etcd` and `4.14.5-x86_64-etcd`: deleting
 * 4.14.3 must leave the digest for 4.14.5). For each affected repository the plan lists its tags,
 * resolves them and walks the indexes among them; children of a listed index (and, on request, the
 * sigstore `sha256-<hex>.sig` tags of listed images) are deleted with it under the same rule.
 * @module
 */
import { NotFoundError } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  digestHex,
  isDigest,
  isIndexMediaType,
  parseManifest,
} from "../oci/mod.ts";
import type { ContentStore, SourceStore } from "../store/mod.ts";
import { forEachLimited, MAX_IMAGE_DEPTH } from "../transfer/mod.ts";

/** A store the plan can read and list: the mirror registry. */
export type DeletionSource = SourceStore & Required<Pick<ContentStore, "listTags">>;

/** One image the delete list names. */
export interface ListedImage {
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

/** Why a manifest is a candidate for deletion. */
export type DeletionReason = "listed" | "child" | "signature";

/** A manifest of the plan (to delete or kept). */
export interface PlannedManifest {
  repository: string;
  descriptor: Descriptor;
  /** The list's tags or digests naming it (a signature: its `.sig` tag; a child: none). */
  listed: string[];
  reason: DeletionReason;
  /** For a child or a signature: the listed manifest it belongs to. */
  of?: Digest;
  /** Index nesting below the listed manifest (0 for listed and signatures): deletes go parents first. */
  depth: number;
}

/** A manifest the list names that stays, and the tag that keeps it. */
export interface KeptManifest extends PlannedManifest {
  /** The tag outside the list referencing it, `repository:tag`. */
  referencedBy: string;
  /** Set when the tag references it as a child of this index. */
  via?: Digest;
}

/** What the delete list would do to a registry. */
export interface DeletionPlan {
  /** Manifests to delete, parents before children, then by repository and digest. */
  deletions: PlannedManifest[];
  /** Manifests kept because another tag references them. */
  kept: KeptManifest[];
  /** Listed images that are not in the registry (already deleted). */
  missing: ListedImage[];
  /** Tags of the affected repositories that were resolved to check the keep rule. */
  tagsChecked: number;
}

/** Options of {@link planDeletion}. */
export interface PlanDeletionOptions {
  /** Also delete the sigstore signature tags (`sha256-<hex>.sig`) of the deleted images. @default false */
  deleteSignatures?: boolean;
  /** Registry requests in flight per repository. @default 8 */
  parallel?: number;
  /** Repositories planned at once. @default 4 */
  parallelRepositories?: number;
  signal?: AbortSignal;
}

/** Reads the children of an index (recursively), each manifest read once per repository. */
class IndexWalker {
  readonly #store: SourceStore;
  readonly #repository: string;
  readonly #signal: { signal?: AbortSignal };
  readonly #children = new Map<Digest, Promise<Descriptor[]>>();

  constructor(store: SourceStore, repository: string, signal: { signal?: AbortSignal }) {
    this.#store = store;
    this.#repository = repository;
    this.#signal = signal;
  }

  /** Every manifest below `d` with its depth (1 = direct child); none when `d` is not an index. */
  async descendants(d: Descriptor): Promise<{ descriptor: Descriptor; depth: number }[]> {
    const out: { descriptor: Descriptor; depth: number }[] = [];
    const seen = new Set<Digest>([d.digest]);
    const visit = async (node: Descriptor, depth: number) => {
      if (depth > MAX_IMAGE_DEPTH) return;
      for (const c of await this.children(node)) {
        if (seen.has(c.digest)) continue;
        seen.add(c.digest);
        out.push({ descriptor: c, depth });
        await visit(c, depth + 1);
      }
    };
    await visit(d, 1);
    return out;
  }

  children(d: Descriptor): Promise<Descriptor[]> {
    if (!isIndexMediaType(d.mediaType)) return Promise.resolve([]);
    let p = this.#children.get(d.digest);
    if (!p) {
      p = this.#read(d);
      this.#children.set(d.digest, p);
    }
    return p;
  }

  async #read(d: Descriptor): Promise<Descriptor[]> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#store.getManifest(this.#repository, d, this.#signal);
    } catch (e) {
      // Gone since it was resolved: it references nothing any more.
      if (e instanceof NotFoundError) return [];
      throw e;
    }
    const m = parseManifest(bytes, {
      mediaType: d.mediaType,
      where: `${this.#store.label}/${this.#repository}@${d.digest}`,
    });
    return m.kind === "index" ? m.manifests : [];
  }
}

async function resolveOrMissing(
  store: SourceStore,
  repository: string,
  reference: string,
  signal: { signal?: AbortSignal },
): Promise<Descriptor | undefined> {
  try {
    return await store.resolve(repository, reference, signal);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

/** The sigstore signature tag of a digest. */
export function signatureTag(digest: Digest): string {
  return `sha256-${digestHex(digest)}.sig`;
}

async function planRepository(
  store: DeletionSource,
  repository: string,
  references: string[],
  o: PlanDeletionOptions,
): Promise<DeletionPlan> {
  const signal = o.signal ? { signal: o.signal } : {};
  const parallel = o.parallel ?? 8;
  const plan: DeletionPlan = { deletions: [], kept: [], missing: [], tagsChecked: 0 };
  let tags: string[];
  try {
    tags = [];
    for await (const t of store.listTags(repository, signal)) tags.push(t);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    plan.missing.push(...references.map((reference) => ({ repository, reference })));
    return plan;
  }
  const tagSet = new Set(tags);
  const listedTags = new Set(references.filter((r) => !isDigest(r)));

  const targets = new Map<Digest, PlannedManifest>();
  const resolved: (Descriptor | undefined)[] = new Array(references.length);
  await forEachLimited(references.map((r, i) => [r, i] as const), parallel, async ([reference, i]) => {
    if (!isDigest(reference) && !tagSet.has(reference)) return;
    resolved[i] = await resolveOrMissing(store, repository, reference, signal);
  });
  references.forEach((reference, i) => {
    const d = resolved[i];
    if (!d) {
      plan.missing.push({ repository, reference });
      return;
    }
    const known = targets.get(d.digest);
    if (known) known.listed.push(reference);
    else {targets.set(d.digest, {
        repository,
        descriptor: d,
        listed: [reference],
        reason: "listed",
        depth: 0,
      });}
  });

  const walker = new IndexWalker(store, repository, signal);
  const roots = [...targets.values()];
  const sigTags = new Set<string>();
  for (const root of roots) {
    for (const c of await walker.descendants(root.descriptor)) {
      if (targets.has(c.descriptor.digest)) continue;
      targets.set(c.descriptor.digest, {
        repository,
        descriptor: c.descriptor,
        listed: [],
        reason: "child",
        of: root.descriptor.digest,
        depth: c.depth,
      });
    }
    if (o.deleteSignatures) {
      const tag = signatureTag(root.descriptor.digest);
      if (!tagSet.has(tag) || listedTags.has(tag)) continue;
      const d = await resolveOrMissing(store, repository, tag, signal);
      sigTags.add(tag);
      if (!d || targets.has(d.digest)) continue;
      targets.set(d.digest, {
        repository,
        descriptor: d,
        listed: [tag],
        reason: "signature",
        of: root.descriptor.digest,
        depth: 0,
      });
    }
  }
  if (targets.size === 0) return plan;

  // Every tag outside the list keeps what it references.
  const keepers = tags.filter((t) => !listedTags.has(t) && !sigTags.has(t)).sort();
  plan.tagsChecked = keepers.length;
  const keeperRoots: (Descriptor | undefined)[] = new Array(keepers.length);
  await forEachLimited(keepers.map((t, i) => [t, i] as const), parallel, async ([tag, i]) => {
    keeperRoots[i] = await resolveOrMissing(store, repository, tag, signal);
  });
  const referencedBy = new Map<Digest, { tag: string; via?: Digest }>();
  const indexes: { descriptor: Descriptor; tag: string }[] = [];
  keepers.forEach((tag, i) => {
    const d = keeperRoots[i];
    if (!d || referencedBy.has(d.digest)) return;
    referencedBy.set(d.digest, { tag });
    if (isIndexMediaType(d.mediaType)) indexes.push({ descriptor: d, tag });
  });
  const descendants: { descriptor: Descriptor; depth: number }[][] = new Array(indexes.length);
  await forEachLimited(indexes.map((x, i) => [x, i] as const), parallel, async ([x, i]) => {
    descendants[i] = await walker.descendants(x.descriptor);
  });
  indexes.forEach((x, i) => {
    for (const c of descendants[i] ?? []) {
      if (!referencedBy.has(c.descriptor.digest)) {
        referencedBy.set(c.descriptor.digest, { tag: x.tag, via: x.descriptor.digest });
      }
    }
  });

  for (const t of targets.values()) {
    const by = referencedBy.get(t.descriptor.digest);
    if (!by) {
      plan.deletions.push(t);
      continue;
    }
    plan.kept.push({ ...t, referencedBy: `${repository}:${by.tag}`, ...(by.via ? { via: by.via } : {}) });
  }
  return plan;
}

/**
 * Plans what deleting `images` from `store` removes and keeps (see the module doc); reads only. Listed
 * images not in the registry come back as `missing`.
 */
export async function planDeletion(
  store: DeletionSource,
  images: readonly ListedImage[],
  o: PlanDeletionOptions = {},
): Promise<DeletionPlan> {
  const byRepository = new Map<string, string[]>();
  for (const img of images) {
    const refs = byRepository.get(img.repository) ?? [];
    if (!refs.includes(img.reference)) refs.push(img.reference);
    byRepository.set(img.repository, refs);
  }
  const repositories = [...byRepository.keys()].sort();
  const plans: DeletionPlan[] = new Array(repositories.length);
  await forEachLimited(
    repositories.map((r, i) => [r, i] as const),
    o.parallelRepositories ?? 4,
    async ([r, i]) => {
      plans[i] = await planRepository(store, r, byRepository.get(r) ?? [], o);
    },
  );
  const byOrder = (a: PlannedManifest, b: PlannedManifest) =>
    a.depth - b.depth || a.repository.localeCompare(b.repository) ||
    (a.listed[0] ?? "\uffff").localeCompare(b.listed[0] ?? "\uffff") ||
    a.descriptor.digest.localeCompare(b.descriptor.digest);
  return {
    deletions: plans.flatMap((p) => p.deletions).sort(byOrder),
    kept: plans.flatMap((p) => p.kept).sort(byOrder),
    missing: plans.flatMap((p) => p.missing),
    tagsChecked: plans.reduce((n, p) => n + p.tagsChecked, 0),
  };
}
