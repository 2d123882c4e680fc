/**
 * Resolves the `helm` section of an ImageSetConfiguration into charts on disk and their images. Online
 * (mirror-to-disk, mirror-to-mirror) it fetches each repository's index, saves it as
 * `<indexesDir>/<host/path>/index.yaml`, and downloads the charts as `<chartsDir>/<name>-<version>.tgz`;
 * local charts are copied (or packed) there too so the archive carries them. Offline (disk-to-mirror) it
 * reads the same files and never touches the network. No `charts` for a repository means every version
 * of every non-library chart in its index, as in the original.
 * @module
 */
import { basename, join, resolve } from "node:path";
import { log, type RunContext } from "../context.ts";
import { HelmError } from "../errors.ts";
import { packChartArchive } from "./_chart_archive.ts";
import { exists, writeFileAtomic } from "./_files.ts";
import { mapLimit } from "./_map_limit.ts";
import type { LoadedChart } from "./chart.ts";
import { chartFileName, downloadChart, verifyChartFile } from "./chart_download.ts";
import { collectChartImages } from "./chart_images.ts";
import { loadChart } from "./chart_loader.ts";
import { compileKubeJsonPath } from "./kube_json_path.ts";
import {
  allChartVersions,
  type ChartVersion,
  fetchRepositoryIndex,
  findChartVersion,
  indexRelativePath,
  parseRepositoryIndex,
  redactUrl,
  type RepositoryIndex,
} from "./repository_index.ts";

/** A chart of a repository, as the ImageSetConfiguration names it. */
export interface HelmChartSpec {
  name: string;
  /** Exact version or semver range; none means the newest stable version. */
  version?: string;
  imagePaths?: string[];
  valuesFiles?: string[];
}

/** A Helm repository and the charts wanted from it (none: all of them). */
export interface HelmRepositorySpec {
  name: string;
  url: string;
  charts?: HelmChartSpec[];
}

/** A chart directory or `.tgz` on the local disk. */
export interface HelmLocalChartSpec {
  name: string;
  path: string;
  imagePaths?: string[];
  valuesFiles?: string[];
}

/** The `helm` section of an ImageSetConfiguration. */
export interface HelmSpec {
  repositories?: HelmRepositorySpec[];
  local?: HelmLocalChartSpec[];
}

/** Options of {@link resolveHelmSpec}. */
export interface ResolveHelmOptions {
  ctx: RunContext;
  /** Where chart archives are kept (`working-dir/helm/charts`). */
  chartsDir: string;
  /** Where repository indexes are kept (`working-dir/helm/indexes`). */
  indexesDir: string;
  /** Disk-to-mirror: read indexes and charts from the directories, never from the network. @default false */
  offline?: boolean;
  /** Charts downloaded and rendered at once. @default 4 */
  concurrency?: number;
  /** Index download time limit (see `fetchRepositoryIndex`). @default 30000 */
  indexTimeoutMs?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** One chart with its images. */
export interface ResolvedChart {
  /** The chart's name (from the index or Chart.yaml). */
  name: string;
  version: string;
  /** The `.tgz` under `chartsDir`. */
  file: string;
  images: string[];
  warnings: string[];
  /** The repository name from the configuration, for repository charts. */
  repository?: string;
  /** The local entry's name, for local charts. */
  local?: string;
}

/** Default of {@link ResolveHelmOptions.concurrency}. */
export const DEFAULT_HELM_CONCURRENCY = 4;

async function readIndex(
  repo: HelmRepositorySpec,
  path: string,
  options: ResolveHelmOptions,
): Promise<RepositoryIndex> {
  if (options.offline) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      throw new HelmError(
        `Index of Helm repository "${repo.name}" (${redactUrl(repo.url)}) is not in "${path}": ${
          (e as Error).message
        }`,
        {
          cause: e,
          hint: "The archive must come from a mirror-to-disk run with the same helm configuration",
        },
      );
    }
    return parseRepositoryIndex(bytes, repo.url);
  }
  const index = await fetchRepositoryIndex(repo.url, {
    signal: options.ctx.signal,
    ...(options.indexTimeoutMs === undefined ? {} : { timeoutMs: options.indexTimeoutMs }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  await writeFileAtomic(path, index.bytes);
  return index;
}

async function imagesOf(
  chart: LoadedChart,
  spec: { imagePaths?: string[]; valuesFiles?: string[] },
  ctx: RunContext,
): Promise<{ images: string[]; warnings: string[] }> {
  return await collectChartImages(chart, {
    imagePaths: spec.imagePaths ?? [],
    valuesFiles: (spec.valuesFiles ?? []).map((f) => resolve(ctx.cwd, f)),
    signal: ctx.signal,
  });
}

async function resolveRepository(
  repo: HelmRepositorySpec,
  options: ResolveHelmOptions,
): Promise<ResolvedChart[]> {
  const { ctx } = options;
  let indexPath: string;
  try {
    indexPath = join(resolve(ctx.cwd, options.indexesDir), indexRelativePath(repo.url));
  } catch (e) {
    throw new HelmError(`Helm repository "${repo.name}" has an invalid URL "${redactUrl(repo.url)}"`, {
      cause: e,
    });
  }
  const index = await readIndex(repo, indexPath, options);
  const wanted: Array<{ entry: ChartVersion; spec: HelmChartSpec }> =
    repo.charts === undefined || repo.charts.length === 0
      ? allChartVersions(index).map((entry) => ({ entry, spec: { name: entry.name } }))
      : repo.charts.map((spec) => ({ entry: findChartVersion(index, spec.name, spec.version), spec }));
  log(ctx, "info", `Helm repository "${repo.name}": ${wanted.length} chart version(s)`, {
    url: redactUrl(repo.url),
  });
  const chartsDir = resolve(ctx.cwd, options.chartsDir);
  return await mapLimit(wanted, options.concurrency ?? DEFAULT_HELM_CONCURRENCY, async ({ entry, spec }) => {
    ctx.signal.throwIfAborted();
    let file: string;
    if (options.offline) {
      file = join(chartsDir, chartFileName(entry.name, entry.version));
      if (!await exists(file)) {
        throw new HelmError(
          `Chart "${entry.name}" version "${entry.version}" of Helm repository "${repo.name}" is not in "${chartsDir}"`,
          { hint: "The archive must come from a mirror-to-disk run with the same helm configuration" },
        );
      }
      await verifyChartFile(file, entry, ctx.signal);
    } else {
      const d = await downloadChart(entry, {
        dir: chartsDir,
        signal: ctx.signal,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      });
      file = d.file;
      log(
        ctx,
        "debug",
        `Helm chart "${entry.name}" version "${entry.version}" ${
          d.downloaded ? "downloaded" : "already present"
        }`,
        {
          file,
        },
      );
    }
    const chart = await loadChart(file, { signal: ctx.signal });
    const { images, warnings } = await imagesOf(chart, spec, ctx);
    log(ctx, "info", `Helm chart "${entry.name}" version "${entry.version}": ${images.length} image(s)`);
    return { name: entry.name, version: entry.version, file, images, warnings, repository: repo.name };
  });
}

async function findOfflineLocal(local: HelmLocalChartSpec, chartsDir: string): Promise<string> {
  const prefix = `${local.name}-`;
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(chartsDir)) {
      if (e.isFile && e.name.startsWith(prefix) && e.name.endsWith(".tgz")) found.push(e.name);
    }
  } catch {
    // No charts directory: reported below.
  }
  if (found.length !== 1) {
    throw new HelmError(
      `Local Helm chart "${local.name}" is not at "${local.path}" and ${
        found.length === 0
          ? `"${chartsDir}" has no ${prefix}<version>.tgz`
          : `"${chartsDir}" has several: ${found.sort().join(", ")}`
      }`,
      { hint: "The archive must come from a mirror-to-disk run with the same helm configuration" },
    );
  }
  return join(chartsDir, found[0] as string);
}

async function resolveLocal(local: HelmLocalChartSpec, options: ResolveHelmOptions): Promise<ResolvedChart> {
  const { ctx } = options;
  const chartsDir = resolve(ctx.cwd, options.chartsDir);
  const path = resolve(ctx.cwd, local.path);
  const source = options.offline && !await exists(path) ? await findOfflineLocal(local, chartsDir) : path;
  const chart = await loadChart(source, { signal: ctx.signal });
  let file = source;
  if (!options.offline) {
    // Carry the chart in the archive: disk-to-mirror reads it from chartsDir.
    file = join(chartsDir, chartFileName(local.name, chart.metadata.version));
    if (resolve(file) !== resolve(source)) {
      const st = await Deno.stat(source);
      const bytes = st.isDirectory
        ? await packChartArchive(basename(source), chart.allFiles)
        : await Deno.readFile(source);
      await writeFileAtomic(file, bytes);
    }
  }
  const { images, warnings } = await imagesOf(chart, local, ctx);
  log(
    ctx,
    "info",
    `Local Helm chart "${local.name}" version "${chart.metadata.version}": ${images.length} image(s)`,
  );
  return {
    name: chart.metadata.name,
    version: chart.metadata.version,
    file,
    images,
    warnings,
    local: local.name,
  };
}

/**
 * Fetches (or, offline, reads) every chart the helm section names and finds its images. Throws
 * {@link HelmError} for invalid image paths, unreachable repositories, unknown charts or versions,
 * missing files offline and unreadable charts; templates that cannot be rendered are warnings.
 */
export async function resolveHelmSpec(spec: HelmSpec, options: ResolveHelmOptions): Promise<ResolvedChart[]> {
  // Check every image path before any download, so a typo fails fast.
  for (const repo of spec.repositories ?? []) {
    for (const c of repo.charts ?? []) for (const p of c.imagePaths ?? []) compileKubeJsonPath(p);
  }
  for (const l of spec.local ?? []) for (const p of l.imagePaths ?? []) compileKubeJsonPath(p);
  const results: ResolvedChart[] = [];
  for (const repo of spec.repositories ?? []) results.push(...await resolveRepository(repo, options));
  for (const local of spec.local ?? []) results.push(await resolveLocal(local, options));
  return results;
}
