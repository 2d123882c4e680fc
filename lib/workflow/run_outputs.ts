/**
 * The files and messages that end a run: the dry-run plan (`mapping.txt`, `missing.txt`, the size the
 * run would move), the errors file in the original's format, and the per-category summary.
 * @module
 */
import { join } from "node:path";
import { log, type RunContext } from "../context.ts";
import { categoryOf, type ImageMapping, type MappingLineOptions, mappingText } from "../plan/mod.ts";
import type { ImageAt, SourceStore } from "../store/mod.ts";
import { forEachLimited, graphBlobs, walkImage } from "../transfer/mod.ts";
import type { Digest } from "../oci/mod.ts";
import { formatBytes } from "./format_bytes.ts";
import { type BatchFailure, type BatchResult, failureLine } from "./copy_batch.ts";
import { fileStamp } from "./working_dir.ts";

/** What a dry run measured. */
export interface DryRunSize {
  images: number;
  /** Distinct blob bytes of every image. */
  totalBytes: number;
  /** Distinct blob bytes not already at the destination (or in earlier archives). */
  missingBytes: number;
  /** Images with something missing at the destination. */
  missing: ImageMapping[];
  /** Images that could not be read. */
  unreadable: { mapping: ImageMapping; error: string }[];
  /** The platform manifests of every multi-arch image (for `--dry-run-manifest-lists`). */
  children: Map<ImageMapping, Digest[]>;
}

/** Options of {@link measurePlan}. */
export interface MeasureOptions {
  ctx: RunContext;
  parallelImages: number;
  /** Where each image is read. */
  locate: (m: ImageMapping) => ImageAt<SourceStore>;
  /** True when the destination (or an earlier archive) already has the blob. */
  hasBlob: (m: ImageMapping, digest: Digest) => Promise<boolean>;
}

/** Walks every image of a plan (manifests only) to size it and find what is missing at the destination. */
export async function measurePlan(mappings: readonly ImageMapping[], o: MeasureOptions): Promise<DryRunSize> {
  const sizes = new Map<Digest, number>();
  const missingBlobs = new Map<Digest, number>();
  const missing: ImageMapping[] = [];
  const unreadable: { mapping: ImageMapping; error: string }[] = [];
  const children = new Map<ImageMapping, Digest[]>();
  await forEachLimited(mappings, o.parallelImages, async (m) => {
    try {
      const graph = await walkImage(o.locate(m), {
        signal: o.ctx.signal,
        ...(m.platforms ? { platforms: m.platforms } : {}),
      });
      if (graph.root.children.length > 0) {
        children.set(
          m,
          graph.root.children.map((c) => c.descriptor.digest),
        );
      }
      let isMissing = false;
      for (const b of graphBlobs(graph)) {
        sizes.set(b.digest, b.size);
        if (!(await o.hasBlob(m, b.digest))) {
          missingBlobs.set(b.digest, b.size);
          isMissing = true;
        }
      }
      if (isMissing) missing.push(m);
    } catch (e) {
      if (o.ctx.signal.aborted) throw e;
      unreadable.push({ mapping: m, error: (e as Error).message });
      missing.push(m);
    }
  });
  const sum = (x: Map<Digest, number>) => [...x.values()].reduce((a, b) => a + b, 0);
  return {
    images: mappings.length,
    totalBytes: sum(sizes),
    missingBytes: sum(missingBlobs),
    missing,
    unreadable,
    children,
  };
}

/**
 * Writes `dry-run/mapping.txt` and `missing.txt`; returns their paths. With `manifestLists` (mapping
 * index → platform manifest digests, `--dry-run-manifest-lists`) mapping.txt also lists
 * `docker://<source repo>@<child>=docker://<destination repo>@<child>` for every platform manifest.
 */
export async function writeDryRun(
  dir: string,
  mappings: readonly ImageMapping[],
  missing: readonly ImageMapping[],
  o: MappingLineOptions = {},
  manifestLists?: Map<number, Digest[]>,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const files = [join(dir, "mapping.txt"), join(dir, "missing.txt")];
  let text = mappingText(mappings, o);
  if (manifestLists) {
    const lines: string[] = [];
    for (const [i, m] of mappings.entries()) {
      for (const d of manifestLists.get(i) ?? []) {
        lines.push(
          `docker://${m.source.registry}/${m.source.repository}@${d}=docker://${m.destination.registry}/${m.destination.repository}@${d}`,
        );
      }
    }
    text += lines.sort().map((l) => `${l}\n`).join("");
  }
  await Deno.writeTextFile(files[0] as string, text);
  await Deno.writeTextFile(files[1] as string, mappingText(missing, o));
  return files;
}

/** Writes the errors file when anything failed; returns its path. */
export async function writeErrorsFile(
  logsDir: string,
  failures: readonly BatchFailure[],
  now: Date,
): Promise<string | undefined> {
  if (failures.length === 0) return undefined;
  await Deno.mkdir(logsDir, { recursive: true });
  const file = join(logsDir, `mirroring_errors_${fileStamp(now)}.txt`);
  await Deno.writeTextFile(file, failures.map(failureLine).join("\n") + "\n");
  return file;
}

const CATEGORY_LABEL = {
  release: "release",
  operator: "operator",
  additional: "additional",
  helm: "helm",
} as const;

/** Logs `✓ 12 / 12 release images mirrored` per category and returns the categories that failed. */
export function summarize(
  ctx: RunContext,
  total: readonly ImageMapping[],
  result: BatchResult,
  elapsedMs: number,
): ("release" | "operator" | "additional" | "helm")[] {
  const failed = new Set<"release" | "operator" | "additional" | "helm">();
  for (const cat of ["release", "operator", "additional", "helm"] as const) {
    const all = total.filter((m) => categoryOf(m.kind) === cat).length;
    if (all === 0) continue;
    const bad = result.failures.filter((f) => categoryOf(f.item.mapping.kind) === cat).length;
    if (bad > 0) failed.add(cat);
    log(
      ctx,
      bad > 0 ? "warn" : "info",
      `${bad > 0 ? "✗" : "✓"} ${all - bad} / ${all} ${CATEGORY_LABEL[cat]} images mirrored`,
    );
  }
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  log(
    ctx,
    "info",
    `Moved ${formatBytes(result.bytesCopied)} in ${seconds.toFixed(1)}s (${
      formatBytes(result.bytesCopied / seconds)
    }/s)`,
    {
      bytes: result.bytesCopied,
      seconds,
    },
  );
  return [...failed];
}
