/**
 * The chart model: `Chart.yaml` metadata with its dependencies, default values, templates, other files
 * and loaded sub-charts. Built from a file list by {@link chartFromFiles}, which follows Helm's loader
 * (`pkg/chart/loader`): `templates/` are templates, `charts/` holds sub-charts as directories or `.tgz`,
 * everything else is a file templates can read through `.Files`.
 * @module
 */
import { isMap, isScalar, parseDocument } from "yaml";
import { HelmError } from "../errors.ts";
import { type ChartSizeLimits, readChartArchive } from "./_chart_archive.ts";
import { type GoMap, isGoMap } from "./_go_value.ts";
import { parseYaml } from "./_yaml_values.ts";

/** One entry of `dependencies` in `Chart.yaml` (or `requirements.yaml` for apiVersion v1). */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  /** Comma-separated values paths; the first that holds a boolean enables or disables the dependency. */
  condition?: string;
  /** Names under the top-level `tags` values; any true tag enables the dependency. */
  tags?: string[];
  /** The name the sub-chart takes in this chart (values key, `.Chart.Name`). */
  alias?: string;
}

/** The fields of `Chart.yaml` that matter here, plus the whole document. */
export interface ChartMetadata {
  apiVersion: string;
  name: string;
  version: string;
  appVersion: string;
  description: string;
  /** `application` or `library`; library charts are never rendered themselves. */
  type: string;
  kubeVersion: string;
  dependencies: ChartDependency[];
  /** `Chart.yaml` as parsed. */
  raw: GoMap;
}

/** A file of a chart, path relative to the chart directory. */
export interface ChartFile {
  name: string;
  data: Uint8Array;
}

/** A chart read from a directory or archive, with its sub-charts. */
export interface LoadedChart {
  metadata: ChartMetadata;
  /** `values.yaml`, parsed (empty when absent). */
  values: GoMap;
  /** `values.yaml` as text ("" when absent). */
  valuesText: string;
  /** Files under `templates/`. */
  templates: ChartFile[];
  /** Files under `crds/` (also in {@link LoadedChart.files}). */
  crds: ChartFile[];
  /** Every file other than `Chart.yaml`, `values.yaml`, `templates/` and `charts/` (what `.Files` sees). */
  files: ChartFile[];
  /** Sub-charts found in `charts/`, before dependency processing. */
  dependencies: LoadedChart[];
  /** Where the chart was read from, for messages (`podinfo-6.0.0.tgz`, `/charts/app/charts/db`). */
  source: string;
  /** Every file of the chart as read, including `charts/`, for packing it again. */
  allFiles: ReadonlyMap<string, Uint8Array>;
}

function scalarText(doc: ReturnType<typeof parseDocument>, key: string): string {
  const node = doc.contents;
  if (!isMap(node)) return "";
  const value = node.get(key, true);
  if (value === undefined || value === null) return "";
  if (isScalar(value)) {
    if (value.value === null) return "";
    return typeof value.source === "string" && typeof value.value !== "string"
      ? value.source
      : String(value.value);
  }
  return "";
}

function parseDependencies(list: unknown, source: string): ChartDependency[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new HelmError(`Chart "${source}" has invalid dependencies: want a list`);
  return list.map((d, i) => {
    if (!isGoMap(d) || typeof d.name !== "string" || d.name === "") {
      throw new HelmError(`Chart "${source}" dependency ${i + 1} has no name`);
    }
    const dep: ChartDependency = { name: d.name };
    if (d.version !== undefined && d.version !== null) dep.version = String(d.version);
    if (typeof d.repository === "string") dep.repository = d.repository;
    if (typeof d.condition === "string") dep.condition = d.condition;
    if (Array.isArray(d.tags)) dep.tags = d.tags.map(String);
    if (typeof d.alias === "string" && d.alias !== "") dep.alias = d.alias;
    return dep;
  });
}

/** Parses `Chart.yaml` text; throws {@link HelmError} naming `source` when it is invalid. */
export function parseChartMetadata(text: string, source: string): ChartMetadata {
  const doc = parseDocument(text, { version: "1.1" });
  if (doc.errors.length > 0) {
    throw new HelmError(`Chart "${source}" has an invalid Chart.yaml: ${doc.errors[0]?.message}`);
  }
  const raw = parseYaml(text);
  if (!isGoMap(raw)) throw new HelmError(`Chart "${source}" has an invalid Chart.yaml: want a mapping`);
  const name = scalarText(doc, "name");
  const version = scalarText(doc, "version");
  if (name === "") throw new HelmError(`Chart "${source}" has an invalid Chart.yaml: "name" is required`);
  if (version === "") {
    throw new HelmError(`Chart "${source}" has an invalid Chart.yaml: "version" is required`);
  }
  return {
    apiVersion: scalarText(doc, "apiVersion") || "v1",
    name,
    version,
    appVersion: scalarText(doc, "appVersion"),
    description: scalarText(doc, "description"),
    type: scalarText(doc, "type") || "application",
    kubeVersion: scalarText(doc, "kubeVersion"),
    dependencies: parseDependencies(raw.dependencies, source),
    raw,
  };
}

/** True for a library chart (`type: library`): its definitions are used, its templates never rendered. */
export function isLibraryChart(chart: LoadedChart): boolean {
  return chart.metadata.type === "library";
}

/**
 * Builds a chart from its files (paths relative to the chart directory). Sub-charts under `charts/` are
 * loaded from their directories or `.tgz` archives; names starting with `.` or `_` are skipped, as Helm
 * does.
 */
export async function chartFromFiles(
  files: ReadonlyMap<string, Uint8Array>,
  source: string,
  options: ChartSizeLimits & { signal?: AbortSignal } = {},
): Promise<LoadedChart> {
  const decoder = new TextDecoder();
  const chartYaml = files.get("Chart.yaml");
  if (chartYaml === undefined) throw new HelmError(`Chart "${source}" has no Chart.yaml`);
  const metadata = parseChartMetadata(decoder.decode(chartYaml), source);
  const requirements = files.get("requirements.yaml");
  if (metadata.apiVersion === "v1" && requirements !== undefined && metadata.dependencies.length === 0) {
    const req = parseYaml(decoder.decode(requirements));
    if (isGoMap(req)) metadata.dependencies = parseDependencies(req.dependencies, source);
  }
  const valuesBytes = files.get("values.yaml");
  const valuesText = valuesBytes === undefined ? "" : decoder.decode(valuesBytes);
  let values: GoMap = {};
  if (valuesText.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = parseYaml(valuesText);
    } catch (e) {
      throw new HelmError(`Chart "${source}" has an invalid values.yaml: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (parsed !== null && !isGoMap(parsed)) {
      throw new HelmError(`Chart "${source}" has an invalid values.yaml: want a mapping`);
    }
    values = parsed ?? {};
  }
  const templates: ChartFile[] = [];
  const other: ChartFile[] = [];
  const subcharts = new Map<string, Map<string, Uint8Array>>();
  for (const name of [...files.keys()].sort()) {
    const data = files.get(name) as Uint8Array;
    if (name === "Chart.yaml" || name === "values.yaml" || name === "Chart.lock") continue;
    if (name === "requirements.yaml" || name === "requirements.lock" || name === "values.schema.json") {
      continue;
    }
    if (name.startsWith("templates/")) {
      templates.push({ name, data });
    } else if (name.startsWith("charts/")) {
      const rest = name.slice("charts/".length);
      if (rest.endsWith(".prov")) {
        other.push({ name, data });
        continue;
      }
      if (/^[._]/.test(rest)) continue;
      const slash = rest.indexOf("/");
      const key = slash < 0 ? rest : rest.slice(0, slash);
      let group = subcharts.get(key);
      if (group === undefined) subcharts.set(key, group = new Map());
      group.set(slash < 0 ? "" : rest.slice(slash + 1), data);
    } else {
      other.push({ name, data });
    }
  }
  const dependencies: LoadedChart[] = [];
  for (const [key, group] of subcharts) {
    const where = `${source}/charts/${key}`;
    if (group.has("")) {
      if (!key.endsWith(".tgz")) continue; // A stray file in charts/.
      const archive = await readChartArchive(group.get("") as Uint8Array, where, options);
      dependencies.push(await chartFromFiles(archive.files, where, options));
    } else {
      dependencies.push(await chartFromFiles(group, where, options));
    }
  }
  return {
    metadata,
    values,
    valuesText,
    templates,
    crds: other.filter((f) => f.name.startsWith("crds/")),
    files: other,
    dependencies,
    source,
    allFiles: files,
  };
}
