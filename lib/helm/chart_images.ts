/**
 * The images a chart names, found as the original finds them: render every template with default values
 * (plus user values files), split the output into YAML documents and read the fixed container image
 * paths plus the user's `imagePaths`. Templates that cannot be rendered are scanned instead (values and
 * literal `image:` lines), with a warning for the chart.
 * @module
 */
import { HelmError } from "../errors.ts";
import { type GoMap, isGoMap } from "./_go_value.ts";
import { looksLikeImage, parsesAsImage, scanTextForImages, scanValuesForImages } from "./_image_scan.ts";
import { parseYaml, parseYamlDocuments } from "./_yaml_values.ts";
import { isLibraryChart, type LoadedChart } from "./chart.ts";
import { renderChart, type RenderChartOptions } from "./chart_renderer.ts";
import { mergeValues } from "./chart_values.ts";
import {
  compileKubeJsonPath,
  DEFAULT_IMAGE_PATHS,
  evaluateKubeJsonPath,
  type KubeJsonPath,
} from "./kube_json_path.ts";

/** Options of {@link collectChartImages}. */
export interface CollectChartImagesOptions extends Omit<RenderChartOptions, "values"> {
  /** Extra Kubernetes JSONPaths to read images from, e.g. `{.spec.template.spec.containers[*].env[*].value}`. */
  imagePaths?: readonly string[];
  /** Values files merged over the chart's defaults in order (later wins), as `helm template -f`. */
  valuesFiles?: readonly string[];
  signal?: AbortSignal;
}

/** The images of one chart and what the user should know about how they were found. */
export interface ChartImages {
  /** Image references as written in the chart, deduplicated and sorted. */
  images: string[];
  warnings: string[];
}

/** Most bytes of a values file read. */
const MAX_VALUES_FILE_BYTES = 16 * 1024 * 1024;

function chartLabel(chart: LoadedChart): string {
  return `Chart "${chart.metadata.name}" version "${chart.metadata.version}"`;
}

/** Reads and merges values files in order; throws {@link HelmError} naming the file and chart. */
export async function readValuesFiles(
  files: readonly string[],
  chart: LoadedChart,
  signal?: AbortSignal,
): Promise<GoMap> {
  let values: GoMap = {};
  for (const file of files) {
    let text: string;
    try {
      const st = await Deno.stat(file);
      if (st.size > MAX_VALUES_FILE_BYTES) throw new Error(`larger than ${MAX_VALUES_FILE_BYTES} bytes`);
      text = await Deno.readTextFile(file, signal === undefined ? {} : { signal });
    } catch (e) {
      throw new HelmError(
        `Values file "${file}" for chart "${chart.metadata.name}" cannot be read: ${(e as Error).message}`,
        { cause: e },
      );
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (e) {
      throw new HelmError(`Values file "${file}" is not valid YAML: ${(e as Error).message}`, { cause: e });
    }
    if (parsed === null) continue;
    if (!isGoMap(parsed)) throw new HelmError(`Values file "${file}" is not a YAML mapping`);
    values = mergeValues(values, parsed);
  }
  return values;
}

/** Finds the images of a loaded chart; see the module comment. Library charts have none. */
export async function collectChartImages(
  chart: LoadedChart,
  options: CollectChartImagesOptions = {},
): Promise<ChartImages> {
  const extraPaths = (options.imagePaths ?? []).map(compileKubeJsonPath);
  const defaultPaths = DEFAULT_IMAGE_PATHS.map(compileKubeJsonPath);
  const userValues = await readValuesFiles(options.valuesFiles ?? [], chart, options.signal);
  if (isLibraryChart(chart)) {
    return { images: [], warnings: [`${chartLabel(chart)} is a library chart: it names no images`] };
  }
  const { valuesFiles: _v, imagePaths: _i, signal: _s, ...renderOptions } = options;
  const result = renderChart(chart, { ...renderOptions, values: userValues });
  const images = new Set<string>();
  const warnings = result.warnings.map((w) => `${chartLabel(chart)}: ${w}`);
  for (const m of [...result.crds, ...result.manifests]) {
    findInManifest(m.name, m.content, defaultPaths, extraPaths, images, warnings, chart);
  }
  if (result.failures.length > 0) {
    const scanned = new Set<string>();
    // Sections of dependencies that processing disabled must not contribute images.
    const kept = new Set(result.chart.dependencies.map((d) => d.metadata.name));
    const values = { ...result.values };
    for (const d of chart.metadata.dependencies) {
      const name = d.alias ?? d.name;
      if (!kept.has(name)) delete values[name];
    }
    scanValuesForImages(result.chart, values, scanned);
    for (const f of result.failures) scanTextForImages(f.text, scanned);
    for (const s of scanned) images.add(s);
    const n = result.failures.length;
    const more = n > 1 ? `; and ${n - 1} more` : "";
    warnings.push(
      `${chartLabel(chart)}: ${n} template${n === 1 ? "" : "s"} could not be rendered ` +
        `(${result.failures[0]?.error.message}${more}): images were looked for in its values and template ` +
        `text instead, so the list may be incomplete or name unused images`,
    );
  }
  return { images: [...images].sort(), warnings };
}

function findInManifest(
  name: string,
  content: string,
  defaultPaths: KubeJsonPath[],
  extraPaths: KubeJsonPath[],
  images: Set<string>,
  warnings: string[],
  chart: LoadedChart,
): void {
  if (content.trim() === "") return;
  const docs = parseYamlDocuments(content);
  for (const doc of docs) {
    if (doc instanceof Error) {
      warnings.push(
        `${chartLabel(chart)}: rendered "${name}" is not valid YAML (${doc.message.split("\n")[0]}): ` +
          `its literal image lines were used instead`,
      );
      scanTextForImages(content, images);
      continue;
    }
    if (!isGoMap(doc)) continue;
    for (const p of defaultPaths) {
      for (const v of evaluateKubeJsonPath(p, doc)) {
        if (typeof v === "string" && parsesAsImage(v.trim())) images.add(v.trim());
      }
    }
    for (const p of extraPaths) {
      for (const v of evaluateKubeJsonPath(p, doc)) {
        if (typeof v === "string" && looksLikeImage(v.trim())) images.add(v.trim());
      }
    }
  }
}
