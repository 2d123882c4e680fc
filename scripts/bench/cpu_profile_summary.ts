/**
 * Summarises a V8 `.cpuprofile` (from `profile_main.ts` / `deno task bench --cpu-prof DIR`): the functions
 * with the most self time, and the most inclusive time, as a Markdown table.
 *
 *   deno run --allow-read scripts/bench/cpu_profile_summary.ts FILE.cpuprofile [top=25]
 * @module
 */
// deno-lint-ignore-file no-console

/** A node of a V8 CPU profile. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** A V8 CPU profile (`Profiler.stop`'s result). */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self and total time of one function (all its nodes merged). */
export interface FunctionTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

function label(frame: ProfileNode["callFrame"]): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const url = frame.url.replace(/^file:\/\/.*?\/(lib|scripts|main\.ts|node_modules|ext:)/, "$1")
    .replace(/^.*\/deno\/npm\/registry\.npmjs\.org\//, "npm:");
  // Line numbers of TypeScript files are those of the transpiled code, so they are left out.
  return url.endsWith(".ts") ? `${name} ${url}` : `${name} ${url}:${frame.lineNumber + 1}`;
}

/** Self and inclusive milliseconds per function, sorted by self time. */
export function summarize(profile: CpuProfile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const name = label(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    // Inclusive: once per distinct function on the stack (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const l = label(n.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const functions = [...total.keys()].map((name) => ({
    name,
    selfMs: (self.get(name) ?? 0) / 1000,
    totalMs: (total.get(name) ?? 0) / 1000,
  })).sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: (profile.endTime - profile.startTime) / 1000, functions };
}

/** Markdown tables of the top functions by self and by inclusive time. */
export function formatSummary(s: { totalMs: number; functions: FunctionTime[] }, top: number): string {
  const pct = (ms: number) => `${(100 * ms / s.totalMs).toFixed(1)}%`;
  const rows = (list: FunctionTime[]) =>
    list.slice(0, top).map((f) =>
      `| ${f.name.replaceAll("|", "\\|")} | ${f.selfMs.toFixed(0)} | ${pct(f.selfMs)} | ${
        f.totalMs.toFixed(0)
      } | ${pct(f.totalMs)} |`
    ).join("\n");
  const head = "| function | self ms | self % | total ms | total % |\n|---|---:|---:|---:|---:|";
  const interesting = s.functions.filter((f) => !f.name.startsWith("(root)"));
  return [
    `Profile length ${s.totalMs.toFixed(0)} ms.`,
    "",
    "By self time:",
    "",
    head,
    rows(s.functions),
    "",
    "By inclusive time:",
    "",
    head,
    rows([...interesting].sort((a, b) => b.totalMs - a.totalMs)),
  ].join("\n");
}

if (import.meta.main) {
  const file = Deno.args[0];
  if (!file) {
    console.error("usage: cpu_profile_summary.ts FILE.cpuprofile [top]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  console.log(formatSummary(summarize(profile), Number(Deno.args[1] ?? 25)));
}
