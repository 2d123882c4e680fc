/**
 * The oc-mirror executable: reads arguments and environment once, builds the run context (SIGINT and
 * SIGTERM abort it), runs the CLI, and maps the outcome to the original's exit-code bitmask:
 * 0 ok; 1 generic, usage or configuration error; OR-ed 2 release, 4 operator, 8 additional, 16 helm
 * images failed.
 * @module
 */
import type { RunContext } from "./lib/context.ts";
import { AbortedError } from "./lib/errors.ts";
import { type CliOutcome, COMMANDS, type FailureCategory, runCli } from "./lib/cli/mod.ts";

const CATEGORY_BITS: Record<FailureCategory, number> = { release: 2, operator: 4, additional: 8, helm: 16 };

/** The exit code of an outcome: 1 for usage, configuration and other errors, else the failed categories. */
export function exitCodeOf(outcome: CliOutcome): number {
  let code = 0;
  for (const c of outcome.failed ?? []) code |= CATEGORY_BITS[c];
  if (outcome.error !== undefined) {
    const category = (outcome.error as { category?: FailureCategory }).category;
    code |= category ? CATEGORY_BITS[category] : 1;
  }
  return code;
}

if (import.meta.main) {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string) => () => {
    interrupts++;
    if (interrupts > 1) Deno.exit(130);
    Deno.stderr.writeSync(
      new TextEncoder().encode(`\nInterrupted by ${name}: stopping cleanly (again to exit at once)\n`),
    );
    controller.abort(new AbortedError(`Interrupted by ${name}`));
  };
  Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
  Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));
  const encoder = new TextEncoder();
  const write = (stream: { writeSync(p: Uint8Array): number }) => (text: string) => {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  };
  const ctx: RunContext = {
    // The binary is granted only the variables it uses: any other name reads as unset.
    env: (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
    homeDir: Deno.env.get("HOME") ?? Deno.cwd(),
    cwd: Deno.cwd(),
    now: () => new Date(),
    report: () => {},
    signal: controller.signal,
  };
  const outcome = await runCli(Deno.args, ctx, {
    stdout: write(Deno.stdout),
    stderr: write(Deno.stderr),
    isTty: Deno.stderr.isTerminal(),
    columns: Deno.stderr.isTerminal() ? Deno.consoleSize().columns : 100,
  }, COMMANDS);
  Deno.exit(exitCodeOf(outcome));
}
