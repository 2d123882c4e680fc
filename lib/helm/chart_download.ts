/**
 * Downloads a chart version's `.tgz` into a directory as `<name>-<version>.tgz`: streamed to a temp file,
 * hashed as it passes, checked against the index digest, and renamed into place only when it matches.
 * @module
 */
import { join } from "node:path";
import { DigestMismatchError, HelmError } from "../errors.ts";
import { type Digest, digestingStream } from "../oci/mod.ts";
import { digestFile, exists, writeStreamAtomic } from "./_files.ts";
import { type ChartVersion, redactUrl } from "./repository_index.ts";

/** Options of {@link downloadChart}. */
export interface DownloadChartOptions {
  /** Directory the chart is saved in. */
  dir: string;
  signal?: AbortSignal;
  /** Time allowed for one download. @default 300000 */
  timeoutMs?: number;
  /** Largest archive accepted. @default 100 MiB */
  maxBytes?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Default of {@link DownloadChartOptions.timeoutMs}. */
export const DEFAULT_CHART_TIMEOUT_MS = 300_000;
/** Default of {@link DownloadChartOptions.maxBytes}. */
export const DEFAULT_CHART_MAX_BYTES = 100 * 1024 * 1024;

/** A chart archive on disk. */
export interface DownloadedChart {
  file: string;
  digest: Digest;
  /** False when a matching file was already there. */
  downloaded: boolean;
}

/** The file name a chart version is saved under. */
export function chartFileName(name: string, version: string): string {
  return `${name}-${version}.tgz`;
}

function label(entry: ChartVersion): string {
  return `chart "${entry.name}" version "${entry.version}"`;
}

/**
 * Checks a chart file against the index digest; throws {@link DigestMismatchError} when it differs.
 * Returns the file's digest.
 */
export async function verifyChartFile(
  file: string,
  entry: ChartVersion,
  signal?: AbortSignal,
): Promise<Digest> {
  const actual = await digestFile(file, signal);
  if (entry.digest !== undefined && actual !== entry.digest) {
    throw new DigestMismatchError(entry.digest, actual, `${label(entry)} in "${file}"`);
  }
  return actual;
}

/**
 * Saves a chart version as `<dir>/<name>-<version>.tgz`, reusing a file already there when it matches
 * the index digest. Tries each URL of the entry in turn; throws {@link HelmError} naming the chart,
 * version and URL, or {@link DigestMismatchError} when the bytes do not match the index.
 */
export async function downloadChart(
  entry: ChartVersion,
  options: DownloadChartOptions,
): Promise<DownloadedChart> {
  const file = join(options.dir, chartFileName(entry.name, entry.version));
  if (entry.digest !== undefined && await exists(file)) {
    const actual = await digestFile(file, options.signal);
    if (actual === entry.digest) return { file, digest: actual, downloaded: false };
  }
  if (entry.urls.length === 0) {
    throw new HelmError(
      `Cannot download ${label(entry)} from repository "${
        redactUrl(entry.repositoryUrl)
      }": the index gives no URL`,
    );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_CHART_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHART_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  let lastError: unknown;
  for (const url of entry.urls) {
    const where = redactUrl(url);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    try {
      const res = await doFetch(url, { signal });
      if (!res.ok || res.body === null) {
        await res.body?.cancel().catch(() => {});
        throw new HelmError(`Cannot download ${label(entry)} from "${where}": HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get("content-length") ?? "0");
      if (declared > maxBytes) {
        await res.body.cancel().catch(() => {});
        throw new HelmError(
          `Cannot download ${
            label(entry)
          } from "${where}": ${declared} bytes is over the limit of ${maxBytes}`,
        );
      }
      const hashing = digestingStream();
      let size = 0;
      const capped = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > maxBytes) {
            controller.error(
              new HelmError(`Cannot download ${label(entry)} from "${where}": more than ${maxBytes} bytes`),
            );
            return;
          }
          controller.enqueue(chunk);
        },
      });
      await writeStreamAtomic(file, res.body.pipeThrough(capped).pipeThrough(hashing.stream), {
        signal,
        check: () => {
          const { digest } = hashing.result();
          if (entry.digest !== undefined && digest !== entry.digest) {
            throw new DigestMismatchError(entry.digest, digest, `${label(entry)} from "${where}"`);
          }
        },
      });
      return { file, digest: hashing.result().digest, downloaded: true };
    } catch (e) {
      if (options.signal?.aborted) throw e;
      if (e instanceof DigestMismatchError) throw e;
      lastError = e instanceof HelmError ? e : new HelmError(
        `Cannot download ${label(entry)} from "${where}": ${
          timeout.aborted ? `no complete answer within ${timeoutMs} ms` : (e as Error).message
        }`,
        { cause: e },
      );
    }
  }
  throw lastError;
}
