/**
 * ImageDigestMirrorSet and ImageTagMirrorSet (v2) and ImageContentSourcePolicy (v1) from the mappings
 * of a run, as the original writes them (§4.3, §4.9 of the reference): one object per category (release,
 * operator, generic), namespace scope when the destination path ends with the source path, otherwise
 * repository scope; catalogs and the graph image are never listed.
 * @module
 */
import { formatReference, type ImageReference } from "../reference/mod.ts";
import type { ImageKind, ImageMapping } from "../plan/mod.ts";
import { type ResourceStamp, stampAnnotations } from "./resource_meta.ts";

/** Categories of mirror sets, in output order. */
export type MirrorSetCategory = "release" | "operator" | "generic";

const CATEGORY: Record<ImageKind, MirrorSetCategory | undefined> = {
  ocpRelease: "release",
  ocpReleaseContent: "release",
  kubeVirtContainer: "release",
  cincinnatiGraph: undefined,
  operatorCatalog: undefined,
  operatorBundle: "operator",
  operatorRelatedImage: "operator",
  generic: "generic",
  helmImage: "generic",
};

/** One `source → mirrors` rule. */
export interface MirrorRule {
  source: string;
  mirrors: string[];
}

/** Options of {@link mirrorRules}. */
export interface MirrorRuleOptions {
  /** `--max-nested-paths` > 0 forces repository scope. */
  forceRepositoryScope?: boolean;
}

function repoOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The scoped `source → mirror` pair of a mapping. */
export function scopedRule(m: ImageMapping, o: MirrorRuleOptions = {}): { source: string; mirror: string } {
  const src = m.origin.repository;
  const dst = m.destination.repository;
  const namespaceScope = !o.forceRepositoryScope && (dst === src || dst.endsWith(`/${src}`));
  if (!namespaceScope) return { source: repoOf(m.origin), mirror: repoOf(m.destination) };
  const drop = (r: ImageReference) => {
    const i = r.repository.lastIndexOf("/");
    return i < 0 ? r.registry : `${r.registry}/${r.repository.slice(0, i)}`;
  };
  return { source: drop(m.origin), mirror: drop(m.destination) };
}

/** Groups rules by category for the mappings a predicate selects; sources sorted, mirrors de-duplicated. */
export function mirrorRules(
  mappings: readonly ImageMapping[],
  include: (m: ImageMapping) => boolean,
  o: MirrorRuleOptions = {},
): Map<MirrorSetCategory, MirrorRule[]> {
  const out = new Map<MirrorSetCategory, Map<string, Set<string>>>();
  for (const m of mappings) {
    const category = CATEGORY[m.kind];
    if (!category || !include(m)) continue;
    const { source, mirror } = scopedRule(m, o);
    let rules = out.get(category);
    if (!rules) out.set(category, rules = new Map());
    let mirrors = rules.get(source);
    if (!mirrors) rules.set(source, mirrors = new Set());
    mirrors.add(mirror);
  }
  const result = new Map<MirrorSetCategory, MirrorRule[]>();
  for (const c of ["release", "operator", "generic"] as const) {
    const rules = out.get(c);
    if (!rules) continue;
    result.set(
      c,
      [...rules.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([source, mirrors]) => ({
        source,
        mirrors: [...mirrors].sort(),
      })),
    );
  }
  return result;
}

/** True when the image was asked for by digest (IDMS material). */
export function isDigestOrigin(m: ImageMapping): boolean {
  return m.origin.digest !== undefined || m.kind === "ocpRelease";
}

/** True when the image was asked for by tag (ITMS material). */
export function isTagOrigin(m: ImageMapping): boolean {
  return m.origin.tag !== undefined;
}

/** The ImageDigestMirrorSet objects of a run (empty when nothing qualifies). */
export function imageDigestMirrorSets(
  mappings: readonly ImageMapping[],
  stamp: ResourceStamp,
  o: MirrorRuleOptions = {},
): unknown[] {
  return [...mirrorRules(mappings, isDigestOrigin, o)].map(([category, rules]) => ({
    apiVersion: "config.openshift.io/v1",
    kind: "ImageDigestMirrorSet",
    metadata: { name: `idms-${category}-0`, annotations: stampAnnotations(stamp) },
    spec: { imageDigestMirrors: rules },
  }));
}

/** The ImageTagMirrorSet objects of a run (empty when nothing qualifies). */
export function imageTagMirrorSets(
  mappings: readonly ImageMapping[],
  stamp: ResourceStamp,
  o: MirrorRuleOptions = {},
): unknown[] {
  return [...mirrorRules(mappings, isTagOrigin, o)].map(([category, rules]) => ({
    apiVersion: "config.openshift.io/v1",
    kind: "ImageTagMirrorSet",
    metadata: { name: `itms-${category}-0`, annotations: stampAnnotations(stamp) },
    spec: { imageTagMirrors: rules },
  }));
}

/** The v1 ImageContentSourcePolicy objects (release: repository scope; others: namespace scope). */
export function imageContentSourcePolicies(
  mappings: readonly ImageMapping[],
  o: MirrorRuleOptions = {},
): unknown[] {
  const out: unknown[] = [];
  const release = mirrorRules(mappings, (m) => isDigestOrigin(m) && CATEGORY[m.kind] === "release", {
    forceRepositoryScope: true,
  });
  const others = mirrorRules(mappings, (m) => isDigestOrigin(m) && CATEGORY[m.kind] !== "release", o);
  for (const [category, rules] of [...release, ...others]) {
    out.push({
      apiVersion: "operator.openshift.io/v1alpha1",
      kind: "ImageContentSourcePolicy",
      metadata: {
        name: `${category}-0`,
        ...(category === "operator" ? { labels: { "operators.openshift.org/catalog": "true" } } : {}),
      },
      spec: { repositoryDigestMirrors: rules },
    });
  }
  return out;
}

/** Names a mapping for messages. */
export function describeMapping(m: ImageMapping): string {
  return `${formatReference(m.origin)} -> ${formatReference(m.destination)}`;
}
