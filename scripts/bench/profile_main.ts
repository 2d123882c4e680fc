/**
 * Runs the oc-mirror CLI exactly as `main.ts` does, but in-process under the V8 CPU profiler
 * (`node:inspector`; this Deno has no `--cpu-prof`), and writes a `.cpuprofile` (Chrome DevTools format:
 * open it in DevTools > Performance, or summarise it with `cpu_profile_summary.ts`). Used by
 * `deno task bench --cpu-prof DIR`; can be run by hand with the `oc-mirror` task's permissions plus a
 * bare `--allow-sys` (the inspector needs sys access "inspector", which `--allow-sys=` cannot name) and
 * the variable `OC_MIRROR_CPU_PROFILE` in `--allow-env` (else the profile goes to `./oc-mirror.cpuprofile`):
 *
 *   OC_MIRROR_CPU_PROFILE=/tmp/m2m.cpuprofile deno run --allow-net --allow-read --allow-write \
 *     --allow-env --allow-run --allow-sys \
 *     scripts/bench/profile_main.ts --v2 -c isc.yaml --workspace file://ws docker://127.0.0.1:5000
 *
 * Only JavaScript on the main thread is sampled: work Deno does on its own threads (socket reads, file
 * writes) shows as the JS call waiting on it, or not at all.
 * @module
 */
import { Session } from "node:inspector/promises";
import type { RunContext } from "../../lib/context.ts";
import { COMMANDS, runCli } from "../../lib/cli/mod.ts";
import { exitCodeOf } from "../../main.ts";

// The variables the task grants are listed; read this one only if granted too.
const readEnv = (name: string) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};
const out = readEnv("OC_MIRROR_CPU_PROFILE") ?? `${Deno.cwd()}/oc-mirror.cpuprofile`;
const session = new Session();
session.connect();
await session.post("Profiler.enable");
// 200 µs: enough samples on runs of a few seconds.
await session.post("Profiler.setSamplingInterval", { interval: 200 });
await session.post("Profiler.start");

const controller = new AbortController();
const encoder = new TextEncoder();
const write = (stream: { writeSync(p: Uint8Array): number }) => (text: string) => {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
};
const ctx: RunContext = {
  env: readEnv,
  homeDir: Deno.env.get("HOME") ?? Deno.cwd(),
  cwd: Deno.cwd(),
  now: () => new Date(),
  report: () => {},
  signal: controller.signal,
};
const outcome = await runCli(Deno.args, ctx, {
  stdout: write(Deno.stdout),
  stderr: write(Deno.stderr),
  isTty: false,
  columns: 100,
}, COMMANDS);
const { profile } = await session.post("Profiler.stop");
await Deno.writeTextFile(out, JSON.stringify(profile));
session.disconnect();
Deno.exit(exitCodeOf(outcome));
