/**
 * Loads a chart from a `.tgz` archive (path or bytes) or a chart directory, within Helm's size limits.
 * @module
 */
import { join } from "node:path";
import { HelmError } from "../errors.ts";
import {
  type ChartSizeLimits,
  DEFAULT_MAX_CHART_BYTES,
  DEFAULT_MAX_CHART_FILE_BYTES,
  readChartArchive,
} from "./_chart_archive.ts";
import { chartFromFiles, type LoadedChart } from "./chart.ts";

export type { ChartSizeLimits } from "./_chart_archive.ts";

/** Options of {@link loadChart}. */
export interface LoadChartOptions extends ChartSizeLimits {
  /** Names the chart in messages when loading bytes. @default "chart archive" */
  source?: string;
  signal?: AbortSignal;
}

const MAX_DEPTH = 32;

async function readDirectory(
  root: string,
  limits: Required<ChartSizeLimits>,
  signal: AbortSignal | undefined,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new HelmError(`Chart directory "${root}" is nested too deeply at "${dir}"`);
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      signal?.throwIfAborted();
      const path = join(dir, e.name);
      const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
      let isDir = e.isDirectory;
      let isFile = e.isFile;
      if (e.isSymlink) {
        const st = await Deno.stat(path).catch(() => undefined);
        isDir = st?.isDirectory ?? false;
        isFile = st?.isFile ?? false;
      }
      if (isDir) {
        if (e.name === ".git") continue;
        await walk(path, rel, depth + 1);
      } else if (isFile) {
        const st = await Deno.stat(path);
        if (st.size > limits.maxFileBytes) {
          throw new HelmError(
            `Chart directory "${root}" file "${rel}" is larger than the limit: ${st.size} bytes, limit ${limits.maxFileBytes}`,
          );
        }
        total += st.size;
        if (total > limits.maxChartBytes) {
          throw new HelmError(
            `Chart directory "${root}" is larger than the limit: more than ${limits.maxChartBytes} bytes`,
          );
        }
        files.set(rel, await Deno.readFile(path, signal === undefined ? {} : { signal }));
      }
    }
  };
  await walk(root, "", 0);
  return files;
}

/**
 * Loads a chart: `input` is a path to a chart directory or `.tgz` file, or the bytes of a `.tgz`. Throws
 * {@link HelmError} naming the chart when it is missing, unreadable, invalid or over the size limits.
 */
export async function loadChart(
  input: string | Uint8Array,
  options: LoadChartOptions = {},
): Promise<LoadedChart> {
  const limits = {
    maxChartBytes: options.maxChartBytes ?? DEFAULT_MAX_CHART_BYTES,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_CHART_FILE_BYTES,
  };
  const opts = { ...limits, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  if (input instanceof Uint8Array) {
    const source = options.source ?? "chart archive";
    const { files } = await readChartArchive(input, source, opts);
    return await chartFromFiles(files, source, opts);
  }
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(input);
  } catch (e) {
    throw new HelmError(`Chart "${input}" cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (st.isDirectory) {
    const files = await readDirectory(input, limits, options.signal);
    return await chartFromFiles(files, input, opts);
  }
  // Compressed archives are small; the decompressed size is what the limits guard.
  if (st.size > limits.maxChartBytes) {
    throw new HelmError(
      `Chart archive "${input}" is larger than the limit: ${st.size} bytes, limit ${limits.maxChartBytes}`,
    );
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(input);
  } catch (e) {
    throw new HelmError(`Chart "${input}" cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const { files } = await readChartArchive(file.readable, input, opts);
  return await chartFromFiles(files, input, opts);
}
