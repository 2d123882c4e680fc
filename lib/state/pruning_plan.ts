/**
 * The v1 pruning plan (reference §3.6): the images an earlier mirror put at the destination that the
 * current mirror no longer holds. Keys are the destination path and manifest digest, so a digest that a
 * current image still uses in the same repository (under any tag, or as a child of an index) is never
 * pruned: deleting a manifest by digest removes every tag pointing at it. Children of a pruned index
 * that nothing current uses are pruned after it. Pure.
 * @module
 */
import type { Digest } from "../oci/mod.ts";
import type { V1Association } from "./v1_metadata.ts";

/** One manifest to delete. */
export interface PruneTarget {
  /** Destination repository relative to the mirror root, e.g. `example/app`. */
  path: string;
  digest: Digest;
  /** The tags it had at the destination (for messages). */
  tags: string[];
  /** The images as configured (for messages). */
  names: string[];
  /** True for a child manifest of a pruned index. */
  child: boolean;
}

/** What pruning would delete. */
export interface PruningPlan {
  /** Root manifests first, then children; each sorted by path and digest. */
  targets: PruneTarget[];
  /** Earlier images the current mirror still holds. */
  kept: number;
}

function key(path: string, digest: string): string {
  return `${path}@${digest}`;
}

function byPathAndDigest(a: PruneTarget, b: PruneTarget): number {
  const ka = key(a.path, a.digest);
  const kb = key(b.path, b.digest);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The images of `previous` that `current` no longer holds. */
export function pruningPlan(
  previous: readonly V1Association[],
  current: readonly V1Association[],
): PruningPlan {
  const used = new Set<string>();
  for (const a of current) {
    used.add(key(a.path, a.id));
    for (const m of a.manifestDigests) used.add(key(a.path, m));
  }
  const roots = new Map<string, PruneTarget>();
  let kept = 0;
  for (const a of previous) {
    const k = key(a.path, a.id);
    if (used.has(k)) {
      kept++;
      continue;
    }
    const t = roots.get(k) ?? { path: a.path, digest: a.id, tags: [], names: [], child: false };
    if (a.tagSymlink !== "" && !t.tags.includes(a.tagSymlink)) t.tags.push(a.tagSymlink);
    if (!t.names.includes(a.name)) t.names.push(a.name);
    roots.set(k, t);
  }
  const children = new Map<string, PruneTarget>();
  for (const a of previous) {
    if (!roots.has(key(a.path, a.id))) continue;
    for (const m of a.manifestDigests) {
      const k = key(a.path, m);
      if (used.has(k) || roots.has(k)) continue;
      const t = children.get(k) ?? { path: a.path, digest: m, tags: [], names: [], child: true };
      if (!t.names.includes(a.name)) t.names.push(a.name);
      children.set(k, t);
    }
  }
  return {
    targets: [...[...roots.values()].sort(byPathAndDigest), ...[...children.values()].sort(byPathAndDigest)],
    kept,
  };
}

/** One line per target, e.g. `reg/ns/example/app@sha256:... (tag 1.0): quay.io/example/app:1.0`. */
export function formatPruningPlan(plan: PruningPlan, repository: (path: string) => string): string[] {
  return plan.targets.map((t) => {
    const tags = t.tags.length > 0 ? ` (tag ${t.tags.join(", ")})` : t.child ? " (child manifest)" : "";
    return `${repository(t.path)}@${t.digest}${tags}: ${t.names.join(", ")}`;
  });
}
