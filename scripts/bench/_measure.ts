/**
 * Runs one process and measures it: wall time (ours, from spawn to exit), peak RSS and user+system CPU
 * seconds. Uses GNU `/usr/bin/time -v` when installed (exact: the kernel's rusage of the child); else
 * a shell polls `/proc/<pid>/status` (VmHWM) and `/proc/<pid>/stat` (utime+stime) every 20 ms, which can
 * miss the last few milliseconds of CPU and adds the poller's own load.
 * @module
 */

/** What one process did. */
export interface Measured {
  code: number;
  wallMs: number;
  peakRssBytes: number;
  cpuSeconds: number;
  stdout: string;
  stderr: string;
}

/** How a process is started. */
export interface MeasureOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Start from an empty environment (plus `env`). @default false */
  clearEnv?: boolean;
}

const GNU_TIME = "/usr/bin/time";

/** True when `/usr/bin/time` is GNU time (has `-v`). */
export async function hasGnuTime(): Promise<boolean> {
  try {
    const out = await new Deno.Command(GNU_TIME, { args: ["-v", "true"], stdout: "null", stderr: "piped" })
      .output();
    return out.success && new TextDecoder().decode(out.stderr).includes("Maximum resident set size");
  } catch {
    return false;
  }
}

function field(text: string, label: string): number {
  const m = new RegExp(`^\\s*${label.replace(/[()]/g, "\\$&")}: ([0-9.]+)$`, "m").exec(text);
  if (!m?.[1]) throw new Error(`/usr/bin/time -v printed no "${label}": ${text}`);
  return Number(m[1]);
}

async function spawnCollect(
  cmd: string,
  args: string[],
  o: MeasureOptions,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(cmd, {
    args,
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.env ? { env: o.env } : {}),
    clearEnv: o.clearEnv ?? false,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Runs `cmd args` to completion and measures it (see the module note for how). */
export async function measure(
  cmd: string,
  args: string[],
  options: MeasureOptions & { gnuTime: boolean },
): Promise<Measured> {
  if (options.gnuTime) {
    const report = await Deno.makeTempFile({ prefix: "bench-time-" });
    try {
      const started = performance.now();
      const r = await spawnCollect(GNU_TIME, ["-v", "-o", report, cmd, ...args], options);
      const wallMs = performance.now() - started;
      const text = await Deno.readTextFile(report);
      return {
        ...r,
        wallMs,
        peakRssBytes: field(text, "Maximum resident set size (kbytes)") * 1024,
        cpuSeconds: field(text, "User time (seconds)") + field(text, "System time (seconds)"),
      };
    } finally {
      await Deno.remove(report).catch(() => {});
    }
  }
  // Deno reads /proc only with --allow-all, so a shell polls it: VmHWM (monotonic, so the last value
  // read is the peak) and utime+stime of the child every 20 ms, until it is a zombie; written to $REPORT.
  const report = await Deno.makeTempFile({ prefix: "bench-proc-" });
  const script = [
    '"$@" & pid=$!; hwm=0; ticks=0',
    "while [ -r /proc/$pid/stat ]; do",
    '  v=$(sed -n "s/^VmHWM:[[:space:]]*\\([0-9]*\\) kB/\\1/p" /proc/$pid/status 2>/dev/null)',
    '  [ -n "$v" ] && hwm=$v',
    '  s=$(sed "s/.*) //" /proc/$pid/stat 2>/dev/null | cut -d" " -f1,12,13)',
    '  case "$s" in Z*|"") break ;; esac',
    "  t=${s#* }; ticks=$(( ${t% *} + ${t#* } ))",
    "  sleep 0.02",
    "done",
    'wait $pid; rc=$?; echo "$hwm $ticks $(getconf CLK_TCK)" > "$REPORT"; exit $rc',
  ].join("\n");
  try {
    const started = performance.now();
    const r = await spawnCollect("sh", ["-c", script, "sh", cmd, ...args], {
      ...options,
      env: { ...options.env, REPORT: report },
    });
    const wallMs = performance.now() - started;
    const [hwm, ticks, hz] = (await Deno.readTextFile(report)).trim().split(" ").map(Number);
    return { ...r, wallMs, peakRssBytes: (hwm ?? 0) * 1024, cpuSeconds: (ticks ?? 0) / (hz || 100) };
  } finally {
    await Deno.remove(report).catch(() => {});
  }
}

/** Several processes run one after the other as one measurement: wall summed, peak RSS max, CPU summed. */
export function combine(runs: readonly Measured[], wallMs: number): Measured {
  return {
    code: runs.find((r) => r.code !== 0)?.code ?? 0,
    wallMs,
    peakRssBytes: Math.max(0, ...runs.map((r) => r.peakRssBytes)),
    cpuSeconds: runs.reduce((s, r) => s + r.cpuSeconds, 0),
    stdout: runs.map((r) => r.stdout).join(""),
    stderr: runs.map((r) => r.stderr).join(""),
  };
}
