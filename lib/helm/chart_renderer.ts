/**
 * Renders a chart as `helm template` does with default values (plus optional user values): dependency
 * processing, coalesced values, one template set for the chart and its sub-charts (so library charts'
 * definitions are shared), then every renderable template with its chart's scope. Unlike Helm, one
 * failing template does not stop the others: each failure is reported with its location.
 * @module
 */
import { HelmError } from "../errors.ts";
import { type GoMap, isGoMap } from "./_go_value.ts";
import { CapabilitiesObject, ChartObject, FilesObject } from "./_render_objects.ts";
import { isLibraryChart, type LoadedChart } from "./chart.ts";
import { coalesceValues, processDependencies } from "./chart_values.ts";
import { TemplateError } from "./template_error.ts";
import { templateFunctions } from "./template_functions.ts";
import { type TemplateLimits, TemplateSet } from "./template_set.ts";

/** The Kubernetes version templates see unless told otherwise (Helm 3.16's default). */
export const DEFAULT_KUBE_VERSION = "v1.31.0";

/** The API versions `.Capabilities.APIVersions.Has` knows by default (Kubernetes' built-in groups). */
export const DEFAULT_API_VERSIONS: readonly string[] = [
  "v1",
  "admissionregistration.k8s.io/v1",
  "admissionregistration.k8s.io/v1alpha1",
  "admissionregistration.k8s.io/v1beta1",
  "apiextensions.k8s.io/v1",
  "apiextensions.k8s.io/v1beta1",
  "apps/v1",
  "apps/v1beta1",
  "apps/v1beta2",
  "authentication.k8s.io/v1",
  "authentication.k8s.io/v1alpha1",
  "authentication.k8s.io/v1beta1",
  "authorization.k8s.io/v1",
  "authorization.k8s.io/v1beta1",
  "autoscaling/v1",
  "autoscaling/v2",
  "autoscaling/v2beta1",
  "autoscaling/v2beta2",
  "batch/v1",
  "batch/v1beta1",
  "certificates.k8s.io/v1",
  "certificates.k8s.io/v1alpha1",
  "certificates.k8s.io/v1beta1",
  "coordination.k8s.io/v1",
  "coordination.k8s.io/v1alpha1",
  "coordination.k8s.io/v1beta1",
  "discovery.k8s.io/v1",
  "discovery.k8s.io/v1beta1",
  "events.k8s.io/v1",
  "events.k8s.io/v1beta1",
  "extensions/v1beta1",
  "flowcontrol.apiserver.k8s.io/v1",
  "flowcontrol.apiserver.k8s.io/v1beta1",
  "flowcontrol.apiserver.k8s.io/v1beta2",
  "flowcontrol.apiserver.k8s.io/v1beta3",
  "networking.k8s.io/v1",
  "networking.k8s.io/v1alpha1",
  "networking.k8s.io/v1beta1",
  "node.k8s.io/v1",
  "node.k8s.io/v1alpha1",
  "node.k8s.io/v1beta1",
  "policy/v1",
  "policy/v1beta1",
  "rbac.authorization.k8s.io/v1",
  "rbac.authorization.k8s.io/v1alpha1",
  "rbac.authorization.k8s.io/v1beta1",
  "resource.k8s.io/v1alpha3",
  "scheduling.k8s.io/v1",
  "scheduling.k8s.io/v1alpha1",
  "scheduling.k8s.io/v1beta1",
  "storage.k8s.io/v1",
  "storage.k8s.io/v1alpha1",
  "storage.k8s.io/v1beta1",
  "storagemigration.k8s.io/v1alpha1",
];

/** Options of {@link renderChart}. */
export interface RenderChartOptions extends TemplateLimits {
  /** User values, already merged (values files in order); coalesced over the chart defaults. @default {} */
  values?: GoMap;
  /** `.Release.Name`. @default "release-name" (as `helm template`) */
  releaseName?: string;
  /** `.Release.Namespace`. @default "default" */
  namespace?: string;
  /** `.Capabilities.KubeVersion`. @default {@link DEFAULT_KUBE_VERSION} */
  kubeVersion?: string;
  /** `.Capabilities.APIVersions`. @default {@link DEFAULT_API_VERSIONS} */
  apiVersions?: readonly string[];
  /** What `now` returns. @default 1970-01-01T00:00:00Z */
  now?: Date;
}

/** One rendered template. */
export interface RenderedTemplate {
  /** Full template name, e.g. `app/templates/deployment.yaml` or `app/charts/db/templates/sts.yaml`. */
  name: string;
  content: string;
}

/** One template that could not be parsed or rendered. */
export interface TemplateFailure {
  /** Full template name, as in {@link RenderedTemplate.name}. */
  name: string;
  /** The chart (after aliasing) the template belongs to. */
  chart: LoadedChart;
  /** The template's text, for scanning. */
  text: string;
  error: TemplateError | HelmError;
}

/** What {@link renderChart} produced. */
export interface RenderResult {
  /** Rendered templates, in Helm's order, with `<no value>` removed as Helm does. */
  manifests: RenderedTemplate[];
  /** `crds/` files of every rendered chart (not templated, as in Helm). */
  crds: RenderedTemplate[];
  failures: TemplateFailure[];
  /** The chart tree after dependency processing (disabled dependencies removed, aliases applied). */
  chart: LoadedChart;
  /** Coalesced values of the root chart. */
  values: GoMap;
  warnings: string[];
}

interface Renderable {
  name: string;
  text: string;
  chart: LoadedChart;
  dot: GoMap;
  basePath: string;
  render: boolean;
}

function slashes(s: string): number {
  return s.split("/").length - 1;
}

/** Helm's template order: deeper paths first, then reverse lexical, so a parent's definitions win. */
function helmOrder(a: string, b: string): number {
  const d = slashes(b) - slashes(a);
  if (d !== 0) return d;
  return a < b ? 1 : a > b ? -1 : 0;
}

/** Renders every template of a chart; see the module comment. */
export function renderChart(chart: LoadedChart, options: RenderChartOptions = {}): RenderResult {
  const userValues = options.values ?? {};
  const { chart: tree, warnings } = processDependencies(chart, userValues);
  const values = coalesceValues(tree, userValues);
  const capabilities = new CapabilitiesObject(
    options.kubeVersion ?? DEFAULT_KUBE_VERSION,
    options.apiVersions ?? DEFAULT_API_VERSIONS,
  );
  const release: GoMap = {
    Name: options.releaseName ?? "release-name",
    Namespace: options.namespace ?? "default",
    IsUpgrade: false,
    IsInstall: true,
    Revision: 1n,
    Service: "Helm",
  };
  const renderables: Renderable[] = [];
  const crds: RenderedTemplate[] = [];
  const decoder = new TextDecoder();
  const collect = (c: LoadedChart, scopedValues: GoMap, parentPath: string): GoMap => {
    const path = parentPath === "" ? c.metadata.name : `${parentPath}/charts/${c.metadata.name}`;
    const subcharts: GoMap = {};
    const dot: GoMap = {
      Chart: new ChartObject(c),
      Files: new FilesObject(c.files),
      Release: release,
      Capabilities: capabilities,
      Values: scopedValues,
      Subcharts: subcharts,
    };
    for (const child of c.dependencies) {
      const childValues = scopedValues[child.metadata.name];
      subcharts[child.metadata.name] = collect(child, isGoMap(childValues) ? childValues : {}, path);
    }
    const library = isLibraryChart(c);
    for (const t of c.templates) {
      const base = t.name.slice(t.name.lastIndexOf("/") + 1);
      if (library && !base.startsWith("_")) continue;
      renderables.push({
        name: `${path}/${t.name}`,
        text: decoder.decode(t.data),
        chart: c,
        dot,
        basePath: `${path}/templates`,
        render: !base.startsWith("_") && !base.endsWith(".txt"),
      });
    }
    if (!library) {
      for (const f of c.crds) crds.push({ name: `${path}/${f.name}`, content: decoder.decode(f.data) });
    }
    return dot;
  };
  collect(tree, values, "");
  renderables.sort((a, b) => helmOrder(a.name, b.name));

  const limits: TemplateLimits = {};
  if (options.maxDepth !== undefined) limits.maxDepth = options.maxDepth;
  if (options.maxOutputChars !== undefined) limits.maxOutputChars = options.maxOutputChars;
  if (options.maxSteps !== undefined) limits.maxSteps = options.maxSteps;
  const functionOptions = options.now === undefined ? {} : { now: options.now };
  const set = new TemplateSet(templateFunctions(functionOptions), limits);
  const failures: TemplateFailure[] = [];
  const parsed = new Set<string>();
  for (const r of renderables) {
    try {
      set.addFile(r.name, r.text);
      parsed.add(r.name);
    } catch (e) {
      failures.push({ name: r.name, chart: r.chart, text: r.text, error: asHelmError(e, r.name) });
    }
  }
  const manifests: RenderedTemplate[] = [];
  for (const r of renderables) {
    if (!r.render || !parsed.has(r.name)) continue;
    const dot: GoMap = { ...r.dot, Template: { Name: r.name, BasePath: r.basePath } };
    try {
      manifests.push({ name: r.name, content: set.execute(r.name, dot).replaceAll("<no value>", "") });
    } catch (e) {
      failures.push({ name: r.name, chart: r.chart, text: r.text, error: asHelmError(e, r.name) });
    }
  }
  return { manifests, crds, failures, chart: tree, values, warnings };
}

function asHelmError(e: unknown, name: string): TemplateError | HelmError {
  if (e instanceof HelmError) return e;
  return new TemplateError(name, 0, (e as Error)?.message ?? String(e), { cause: e });
}
