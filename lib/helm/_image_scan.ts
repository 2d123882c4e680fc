/**
 * The fallback for charts that do not render: image references read from values (`repository` + `tag` /
 * `digest` maps, `image` strings) and from literal `image:` lines of template text.
 * @module
 */
import { parseImageReference } from "../reference/mod.ts";
import { formatValue, type GoMap, isGoMap, isNumber } from "./_go_value.ts";
import type { LoadedChart } from "./chart.ts";

/** True when a string parses as an image reference. */
export function parsesAsImage(s: string): boolean {
  try {
    parseImageReference(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * True for a string that is probably an image reference rather than some other word: it parses, and it
 * has a repository path (`/`) or a digest. Used for values that are not in an `image` field.
 */
export function looksLikeImage(s: string): boolean {
  return (s.includes("/") || s.includes("@sha256:")) && !s.includes("://") && parsesAsImage(s);
}

function scalar(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim();
  if (isNumber(v)) return formatValue(v);
  return undefined;
}

function fromParts(m: GoMap, appVersion: string): string | undefined {
  const repository = scalar(m.repository) ?? scalar(m.repo);
  if (repository === undefined || repository === "") return undefined;
  const registry = scalar(m.registry);
  const tag = scalar(m.tag) ?? "";
  const digest = scalar(m.digest) ?? "";
  let ref = registry !== undefined && registry !== "" && !repository.startsWith(`${registry}/`)
    ? `${registry.replace(/\/+$/, "")}/${repository}`
    : repository;
  if (tag !== "") ref += `:${tag}`;
  else if (
    digest === "" && appVersion !== "" && !/[:@]/.test(repository.slice(repository.lastIndexOf("/")))
  ) {
    ref += `:${appVersion}`;
  }
  if (digest !== "") ref += `@${digest}`;
  return ref;
}

function scanValues(values: unknown, appVersion: string, skip: ReadonlySet<string>, out: Set<string>): void {
  if (Array.isArray(values)) {
    for (const v of values) scanValues(v, appVersion, new Set(), out);
    return;
  }
  if (!isGoMap(values)) return;
  const combined = fromParts(values, appVersion);
  if (combined !== undefined && parsesAsImage(combined)) out.add(combined);
  for (const key of Object.keys(values)) {
    if (skip.has(key)) continue;
    const v = values[key];
    if (typeof v === "string" && /image$/i.test(key)) {
      const s = v.trim();
      if (looksLikeImage(s) || (key === "image" && /[:@]/.test(s) && parsesAsImage(s))) out.add(s);
    } else {
      scanValues(v, appVersion, new Set(), out);
    }
  }
}

/**
 * Image references found in a chart's values: for each chart of the tree its own section (sub-chart
 * sections under their names), with the chart's `appVersion` as the tag where a `repository` has none.
 */
export function scanValuesForImages(
  chart: LoadedChart,
  values: GoMap,
  out: Set<string> = new Set(),
): Set<string> {
  const subNames = new Set(chart.dependencies.map((d) => d.metadata.name));
  scanValues(values, chart.metadata.appVersion, new Set([...subNames, "global"]), out);
  if (isGoMap(values.global)) scanValues(values.global, chart.metadata.appVersion, new Set(), out);
  for (const sub of chart.dependencies) {
    const v = values[sub.metadata.name];
    if (isGoMap(v)) scanValuesForImages(sub, v, out);
  }
  return out;
}

const IMAGE_LINE = /^\s*(?:-\s*)?["']?image["']?\s*:\s*["']?([^\s"'{}#]+)["']?\s*(?:#.*)?$/gm;

/** Literal `image: <ref>` lines (no template actions) in template or manifest text. */
export function scanTextForImages(text: string, out: Set<string> = new Set()): Set<string> {
  for (const m of text.matchAll(IMAGE_LINE)) {
    const s = m[1] as string;
    if (parsesAsImage(s)) out.add(s);
  }
  return out;
}
