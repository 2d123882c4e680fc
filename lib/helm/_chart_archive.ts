/**
 * Chart archives (`.tgz`): reading the files of a gzip-compressed tar with Helm's size limits and path
 * checks, and packing a file list back into one (to carry a local chart directory in the mirror archive).
 * @module
 */
import { createTarDecoder, packTar } from "modern-tar";
import { HelmError } from "../errors.ts";

/** Size limits for reading a chart; Helm's own limits are the defaults. */
export interface ChartSizeLimits {
  /** Most bytes all files of a chart may hold once decompressed. @default 100 MiB (Helm's limit) */
  maxChartBytes?: number;
  /** Most bytes one file of a chart may hold. @default 5 MiB (Helm's limit) */
  maxFileBytes?: number;
}

/** Default of {@link ChartSizeLimits.maxChartBytes}. */
export const DEFAULT_MAX_CHART_BYTES = 100 * 1024 * 1024;
/** Default of {@link ChartSizeLimits.maxFileBytes}. */
export const DEFAULT_MAX_CHART_FILE_BYTES = 5 * 1024 * 1024;

/** Normalises a path inside a chart; undefined for paths that leave the chart (`..`, absolute). */
export function cleanChartPath(name: string): string | undefined {
  const parts: string[] = [];
  const s = name.replaceAll("\\", "/");
  if (s.startsWith("/") || /^[a-zA-Z]:/.test(s)) return undefined;
  for (const p of s.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") return undefined;
    parts.push(p);
  }
  return parts.join("/");
}

async function readBody(body: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let offset = 0;
  for await (const chunk of body) {
    if (offset + chunk.byteLength > size) throw new Error("entry is longer than its header says");
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return offset === size ? out : out.subarray(0, offset);
}

/**
 * Reads the regular files of a gzip-compressed chart archive, keyed by their path without the chart's top
 * directory (`Chart.yaml`, `templates/x.yaml`). Throws {@link HelmError} naming `source` for corrupt
 * archives, files outside the chart, files in more than one top directory and archives over the limits.
 */
export async function readChartArchive(
  data: Uint8Array | ReadableStream<Uint8Array>,
  source: string,
  options: ChartSizeLimits & { signal?: AbortSignal } = {},
): Promise<{ topDir: string; files: Map<string, Uint8Array> }> {
  const maxChart = options.maxChartBytes ?? DEFAULT_MAX_CHART_BYTES;
  const maxFile = options.maxFileBytes ?? DEFAULT_MAX_CHART_FILE_BYTES;
  const stream = data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]).stream() : data;
  const files = new Map<string, Uint8Array>();
  let topDir: string | undefined;
  let total = 0;
  try {
    const gunzip = new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
    const entries = stream.pipeThrough(gunzip).pipeThrough(createTarDecoder());
    for await (const entry of entries) {
      options.signal?.throwIfAborted();
      const type = entry.header.type ?? "file";
      const path = cleanChartPath(entry.header.name);
      if (type !== "file") {
        await entry.body.cancel();
        continue;
      }
      if (path === undefined) {
        throw new HelmError(`Chart archive "${source}" has a file outside the chart: "${entry.header.name}"`);
      }
      const slash = path.indexOf("/");
      if (slash < 0) {
        await entry.body.cancel();
        continue; // Helm ignores files next to the chart directory, such as a pax_global_header.
      }
      const top = path.slice(0, slash);
      if (topDir !== undefined && top !== topDir) {
        throw new HelmError(
          `Chart archive "${source}" holds more than one chart directory: "${topDir}" and "${top}"`,
        );
      }
      topDir = top;
      const size = entry.header.size;
      if (size > maxFile) {
        throw new HelmError(
          `Chart archive "${source}" file "${path}" is larger than the limit: ${size} bytes, limit ${maxFile}`,
        );
      }
      total += size;
      if (total > maxChart) {
        throw new HelmError(
          `Chart archive "${source}" is larger than the limit once decompressed: more than ${maxChart} bytes`,
        );
      }
      files.set(path.slice(slash + 1), await readBody(entry.body, size));
    }
  } catch (e) {
    if (e instanceof HelmError) throw e;
    if (options.signal?.aborted) throw e;
    throw new HelmError(`Chart archive "${source}" cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (topDir === undefined) {
    throw new HelmError(`Chart archive "${source}" is empty: no chart directory found`);
  }
  return { topDir, files };
}

/** Packs files (paths relative to the chart) under `topDir/` into a gzip-compressed tar, sorted by path. */
export async function packChartArchive(
  topDir: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<Uint8Array> {
  const names = [...files.keys()].sort();
  const tar = await packTar(
    names.map((name) => {
      const body = files.get(name) as Uint8Array;
      return {
        header: {
          name: `${topDir}/${name}`,
          size: body.byteLength,
          type: "file" as const,
          mode: 0o644,
          mtime: new Date(0),
        },
        body,
      };
    }),
  );
  const gz = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(gz).arrayBuffer());
}
