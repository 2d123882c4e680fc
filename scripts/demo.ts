/**
 * `deno task demo`: shows oc-mirror working end to end on the embedded synthetic upstream, on loopback
 * only. Grows with the product; today it prints the command surface and the version.
 * @module
 */
// deno-lint-ignore-file no-console
import { COMMANDS, runCli } from "../lib/cli/mod.ts";
import type { RunContext } from "../lib/context.ts";

const ctx: RunContext = {
  env: (n) => Deno.env.get(n),
  homeDir: Deno.env.get("HOME") ?? "/",
  cwd: Deno.cwd(),
  now: () => new Date(),
  report: () => {},
  signal: new AbortController().signal,
};
const io = {
  stdout: (t: string) => void Deno.stdout.writeSync(new TextEncoder().encode(t)),
  stderr: (t: string) => void Deno.stderr.writeSync(new TextEncoder().encode(t)),
  isTty: false,
  columns: 100,
};
console.log("$ oc-mirror --help");
await runCli(["--help"], ctx, io, COMMANDS);
console.log("$ oc-mirror version");
const r = await runCli(["version"], ctx, io, COMMANDS);
if (r.error) Deno.exit(1);
