/**
 * The benchmark's results: rows (one per workload × path × tool, over the repetitions), the ours/skopeo
 * comparison per workload × path, the incremental reruns, the issue's targets evaluated on them, and
 * the Markdown rendering (the same text is printed and written to `bench-results/`).
 * @module
 */
import type { WorkloadName, WorkloadSpec } from "./_workload.ts";

/** The three paths measured. */
export type PathId = "r2r" | "r2d" | "d2r";

/** Paths in run order. */
export const PATHS: readonly PathId[] = ["r2r", "r2d", "d2r"];

/** How a path is printed. */
export const PATH_LABEL: Record<PathId, string> = {
  r2r: "registry→registry",
  r2d: "registry→disk",
  d2r: "disk→registry",
};

/** The tools compared. */
export type Tool = "ours" | "skopeo";

/** One measured run. */
export interface Sample {
  wallMs: number;
  peakRssBytes: number;
  cpuSeconds: number;
  /** Ours only: `detail.bytes` of the "Moved" log line. */
  bytesMoved?: number;
}

/** All repetitions of one workload × path × tool. */
export interface Row {
  workload: WorkloadName;
  path: PathId;
  tool: Tool;
  runs: Sample[];
  minMs: number;
  medianMs: number;
  /** Unique blob bytes / median wall time, in 10^6 bytes per second. */
  mbPerSec: number;
  /** The highest peak RSS of the repetitions. */
  peakRssMB: number;
  /** Median CPU seconds (user + system) per 10^9 unique blob bytes. */
  cpuSecondsPerGB: number;
}

/** Ours against skopeo on one workload × path. */
export interface Comparison {
  workload: WorkloadName;
  path: PathId;
  /** skopeo median time / ours median time: above 1 means we are faster. */
  speedRatio: number;
  /** ours peak RSS / skopeo peak RSS. */
  rssRatio: number;
  /** The speed ratio the issue asks for. */
  target: number;
  holds: boolean;
}

/** An incremental rerun (no change, or 10% of the images replaced). */
export interface Rerun {
  workload: WorkloadName;
  kind: "no-change" | "10% change";
  path: "r2r" | "r2d";
  tool: Tool;
  sample: Sample;
  /** The same tool's median first-run time on this path. */
  firstMs: number;
  pctOfFirst: number;
  /** Blob bytes the rerun should move: 0 without a change, the new blobs' bytes with one. */
  expectedBytes: number;
  /**
   * What it moved: ours on registry→registry, the "Moved" log line; ours on registry→disk, the workload
   * blob bytes found in the new archive. Undefined for skopeo (it prints no totals).
   */
  movedBytes?: number;
  /**
   * registry→registry only: destination repositories that received a blob upload (distribution's
   * `_uploads` folder changed), counted from the registry's storage, not from the tool's report.
   */
  uploadingRepositories?: number;
  /**
   * `movedBytes` equals `expectedBytes` and, without a change, nothing was uploaded (true for skopeo's
   * bytes, which are not reported).
   */
  bytesOk: boolean;
}

/** A workload as run. */
export interface WorkloadInfo extends WorkloadSpec {
  uniqueBlobs: number;
  uniqueBlobBytes: number;
  /** Images replaced by the 10% change rerun (none for one image). */
  changedImages: number;
}

/** One of the issue's targets, evaluated. */
export interface Target {
  description: string;
  /** `null`: not measured in this run (workload not selected). */
  holds: boolean | null;
  detail: string;
}

/** Everything one benchmark run found (the JSON file). */
export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  reps: number;
  machine: Record<string, string | number>;
  tools: Record<string, string>;
  ourFlags: string[];
  workloads: WorkloadInfo[];
  rows: Row[];
  comparisons: Comparison[];
  reruns: Rerun[];
  targets: Target[];
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Builds a row from its repetitions. */
export function rowOf(
  workload: WorkloadInfo,
  path: PathId,
  tool: Tool,
  runs: Sample[],
): Row {
  const medianMs = median(runs.map((r) => r.wallMs));
  return {
    workload: workload.name,
    path,
    tool,
    runs,
    minMs: Math.min(...runs.map((r) => r.wallMs)),
    medianMs,
    mbPerSec: workload.uniqueBlobBytes / 1e6 / (medianMs / 1000),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssBytes)) / 1e6,
    cpuSecondsPerGB: median(runs.map((r) => r.cpuSeconds)) / (workload.uniqueBlobBytes / 1e9),
  };
}

/** The speed ratio the issue's targets ask of a workload × path. */
export function speedTarget(workload: WorkloadName, path: PathId): number {
  if (path === "r2d") return 1.5;
  return workload === "many" ? 1.3 : 1.0;
}

/** Compares the two tools' rows. */
export function compare(ours: Row, skopeo: Row): Comparison {
  const speedRatio = skopeo.medianMs / ours.medianMs;
  const target = speedTarget(ours.workload, ours.path);
  return {
    workload: ours.workload,
    path: ours.path,
    speedRatio,
    rssRatio: ours.peakRssMB / skopeo.peakRssMB,
    target,
    holds: speedRatio >= target,
  };
}

const RSS_LIMIT_MB = 150;
const RERUN_LIMIT_PCT = 10;

/** Evaluates the issue's "Targets" section on the results. */
export function evaluateTargets(
  r: Pick<BenchResults, "rows" | "comparisons" | "reruns" | "workloads">,
): Target[] {
  const fmt = (c: Comparison) => `${c.workload} ${c.speedRatio.toFixed(2)}×`;
  const targets: Target[] = [];
  const r2d = r.comparisons.filter((c) => c.path === "r2d");
  targets.push({
    description: "registry→disk ≥ 1.5× skopeo",
    holds: r2d.length ? r2d.every((c) => c.holds) : null,
    detail: r2d.map(fmt).join(", "),
  });
  for (const path of ["r2r", "d2r"] as const) {
    const cs = r.comparisons.filter((c) => c.path === path);
    targets.push({
      description: `${PATH_LABEL[path]} ≥ 1.0× skopeo on small and big, ≥ 1.3× on many`,
      holds: cs.length ? cs.every((c) => c.holds) : null,
      detail: cs.map(fmt).join(", "),
    });
  }
  const ours = [
    ...r.rows.filter((row) => row.tool === "ours").map((row) => ({ w: row.workload, mb: row.peakRssMB })),
    ...r.reruns.filter((x) => x.tool === "ours").map((x) => ({
      w: x.workload,
      mb: x.sample.peakRssBytes / 1e6,
    })),
  ];
  const perWorkload = r.workloads.map((w) => {
    const mbs = ours.filter((o) => o.w === w.name).map((o) => o.mb);
    return { w: w.name, mb: mbs.length ? Math.max(...mbs) : 0 };
  });
  targets.push({
    description: `peak RSS ≤ ${RSS_LIMIT_MB} MB on every workload (ours, all paths and reruns)`,
    holds: perWorkload.length ? perWorkload.every((p) => p.mb <= RSS_LIMIT_MB) : null,
    detail: perWorkload.map((p) => `${p.w} ${p.mb.toFixed(0)} MB`).join(", "),
  });
  const noChange = r.reruns.filter((x) => x.kind === "no-change" && x.tool === "ours");
  targets.push({
    description:
      `no-change rerun: 0 blob bytes moved and ≤ ${RERUN_LIMIT_PCT}% of the first run's time (ours)`,
    holds: noChange.length ? noChange.every((x) => x.bytesOk && x.pctOfFirst <= RERUN_LIMIT_PCT) : null,
    detail: noChange.map((x) =>
      `${x.workload} ${PATH_LABEL[x.path]} ${x.movedBytes ?? "?"} B, ${x.pctOfFirst.toFixed(0)}%`
    ).join("; "),
  });
  const cpu = r.rows.filter((row) => row.tool === "ours");
  targets.push({
    description: "CPU per GB reported for our process",
    holds: cpu.length ? true : null,
    detail: cpu.map((row) => `${row.workload} ${row.path} ${row.cpuSecondsPerGB.toFixed(1)} s/GB`).join(", "),
  });
  return targets;
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

function mark(holds: boolean | null): string {
  return holds === null ? "–" : holds ? "✓" : "✗";
}

/** The results as Markdown: the comparison table, the reruns, the targets. */
export function formatMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(
    `# oc-mirror benchmark ${r.startedAt}${
      r.quick ? " (quick mode: tiny sizes, targets not meaningful)" : ""
    }`,
  );
  lines.push("");
  lines.push(
    `${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB RAM, ${r.machine.os}; ` +
      `load before ${r.machine.loadBefore}, after ${r.machine.loadAfter}. ${r.reps} repetition(s). ` +
      `Tools: ${Object.entries(r.tools).map(([k, v]) => `${k} ${v}`).join(", ")}.` +
      (r.ourFlags.length ? ` Our extra flags: ${r.ourFlags.join(" ")}.` : ""),
  );
  lines.push("");
  lines.push("| workload | images × layers × size | unique blobs |");
  lines.push("|---|---|---:|");
  for (const w of r.workloads) {
    const size = w.layerBytes >= 1 << 30
      ? `${w.layerBytes / (1 << 30)} GiB`
      : w.layerBytes >= 1 << 20
      ? `${w.layerBytes / (1 << 20)} MiB`
      : `${w.layerBytes / 1024} KiB`;
    const shared = w.sharedLayers ? ` (${w.sharedLayers} shared)` : "";
    lines.push(
      `| ${w.name} | ${w.images} × ${w.layersPerImage}${shared} × ${size} | ${w.uniqueBlobs} blobs, ${
        (w.uniqueBlobBytes / 1e6).toFixed(1)
      } MB |`,
    );
  }
  lines.push("");
  lines.push(
    "Times are wall clock, median (min) of the repetitions; MB/s = unique blob bytes / median time; RSS = " +
      "highest peak of the repetitions; CPU = user+system seconds per GB of unique blob bytes. " +
      "Speed ours/skopeo = skopeo median / our median (above 1: we are faster).",
  );
  lines.push("");
  lines.push(
    "| workload | path | ours | skopeo | ours MB/s | skopeo MB/s | speed ours/skopeo | target | ours RSS MB | skopeo RSS MB | ours CPU s/GB | skopeo CPU s/GB |",
  );
  lines.push("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
  for (const c of r.comparisons) {
    const o = r.rows.find((x) => x.workload === c.workload && x.path === c.path && x.tool === "ours");
    const s = r.rows.find((x) => x.workload === c.workload && x.path === c.path && x.tool === "skopeo");
    if (!o || !s) continue;
    lines.push(
      `| ${c.workload} | ${PATH_LABEL[c.path]} | ${secs(o.medianMs)} (${secs(o.minMs)}) | ${
        secs(s.medianMs)
      } (${secs(s.minMs)}) | ${o.mbPerSec.toFixed(0)} | ${s.mbPerSec.toFixed(0)} | ${
        c.speedRatio.toFixed(2)
      }× | ≥ ${c.target.toFixed(1)}× ${mark(c.holds)} | ${o.peakRssMB.toFixed(0)} | ${
        s.peakRssMB.toFixed(0)
      } | ${o.cpuSecondsPerGB.toFixed(1)} | ${s.cpuSecondsPerGB.toFixed(1)} |`,
    );
  }
  lines.push("");
  if (r.reruns.length) {
    lines.push(
      "Incremental reruns (ours: mirror-to-mirror on the filled destination, mirror-to-disk again into the " +
        "same directory; skopeo: sync into the filled destination, copy into the same `oci:` layout). " +
        "% = rerun time / the same tool's median first-run time on that path. Bytes moved: ours " +
        'registry→registry from its "Moved" log line, ours registry→disk = workload blob bytes found in ' +
        "the new archive. Repos uploaded to: destination repositories whose upload folder changed during " +
        "the rerun (from the registry's storage).",
    );
    lines.push("");
    lines.push(
      "| workload | rerun | path | tool | time | % of first | blob bytes moved | expected | repos uploaded to | RSS MB | check |",
    );
    lines.push("|---|---|---|---|---:|---:|---:|---:|---:|---:|---|");
    for (const x of r.reruns) {
      lines.push(
        `| ${x.workload} | ${x.kind} | ${PATH_LABEL[x.path]} | ${x.tool} | ${secs(x.sample.wallMs)} | ${
          x.pctOfFirst.toFixed(0)
        }% | ${x.movedBytes ?? "n/a"} | ${x.expectedBytes} | ${x.uploadingRepositories ?? "–"} | ${
          (x.sample.peakRssBytes / 1e6).toFixed(0)
        } | ${x.tool === "ours" || x.uploadingRepositories !== undefined ? mark(x.bytesOk) : "–"} |`,
      );
    }
    lines.push("");
  }
  lines.push("Targets (issue 10):");
  lines.push("");
  for (const t of r.targets) lines.push(`- ${mark(t.holds)} ${t.description}: ${t.detail}`);
  lines.push("");
  return lines.join("\n");
}
