/**
 * The CLI dispatcher: finds the command in argv, parses its flags, builds the run's renderer and a
 * context that reports to it, runs the command, and reports an error the way a user can act on. Returns
 * the outcome; only `main.ts` turns it into an exit code.
 * @module
 */
import type { LogLevel, RunContext } from "../context.ts";
import { OcMirrorError, UsageError } from "../errors.ts";
import type { CliIo, Command, CommandResult } from "./command.ts";
import { didYouMean } from "../config/mod.ts";
import { Flags, parseFlags, renderHelp } from "./flags.ts";
import { createRenderer } from "./render_events.ts";

/** The outcome of one CLI invocation. */
export interface CliOutcome extends CommandResult {
  /** The error that ended the run, already reported to the user. */
  error?: unknown;
}

function commandFor(
  argv: readonly string[],
  commands: readonly Command[],
): { command: Command; rest: string[] } {
  const root = commands.find((c) => c.name === "");
  if (!root) throw new Error("no root command");
  const named = commands.filter((c) => c.name !== "").sort((a, b) =>
    b.name.split(" ").length - a.name.split(" ").length
  );
  const valueFlags = new Set<string>();
  for (const c of commands) {
    for (const f of c.flags) {
      if (f.type !== "boolean") {
        valueFlags.add(`--${f.name}`);
        if (f.short) valueFlags.add(`-${f.short}`);
      }
    }
  }
  const words: { word: string; index: number }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") break;
    if (a.startsWith("-")) {
      if (!a.includes("=") && valueFlags.has(a)) i++;
      continue;
    }
    words.push({ word: a, index: i });
  }
  for (const c of named) {
    const parts = c.name.split(" ");
    if (parts.every((p, i) => words[i]?.word === p)) {
      const drop = new Set(words.slice(0, parts.length).map((w) => w.index));
      return { command: c, rest: argv.filter((_, i) => !drop.has(i)) };
    }
  }
  return { command: root, rest: [...argv] };
}

/** After the root command's flags parsed: a first word that is not a location is a mistyped command. */
function checkRootWord(word: string | undefined, commands: readonly Command[]): void {
  if (word === undefined || word.includes("://")) return;
  const named = commands.filter((c) => c.name !== "");
  const group = named.filter((c) => c.name.split(" ")[0] === word);
  if (group.length > 0) {
    throw new UsageError(`"${word}" needs a sub-command: ${group.map((c) => c.name).join(", ")}`);
  }
  const suggestion = didYouMean(word, named.map((c) => c.name.split(" ")[0] as string));
  throw new UsageError(
    `Unknown command "${word}"${
      suggestion ? `: did you mean "${suggestion}"?` : ": a destination must start with file:// or docker://"
    }`,
    { hint: 'Run "oc-mirror --help" to list the commands' },
  );
}

/** Formats an error for the user: message, hint, and with debug the causes. */
export function formatError(e: unknown, debug: boolean): string {
  if (e instanceof OcMirrorError) {
    let s = `error: ${e.message}`;
    if (e.hint) s += `\nhint: ${e.hint}`;
    if (debug) {
      let cause = e.cause;
      while (cause !== undefined) {
        s += `\ncaused by: ${cause instanceof Error ? cause.stack ?? cause.message : String(cause)}`;
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return s;
  }
  return `error: ${e instanceof Error ? (debug ? e.stack ?? e.message : e.message) : String(e)}` +
    (debug ? "" : "\nhint: this is unexpected; rerun with --log-level debug and report it");
}

/** Runs the CLI for `argv` with the given base context and streams. */
export async function runCli(
  argv: readonly string[],
  base: RunContext,
  io: CliIo,
  commands: readonly Command[],
): Promise<CliOutcome> {
  let level: LogLevel = "info";
  let format: "text" | "json" = "text";
  let debug = false;
  let renderer = createRenderer({
    format,
    level,
    quiet: false,
    isTty: io.isTty,
    columns: io.columns,
    write: io.stderr,
    now: base.now,
  });
  try {
    const { command, rest } = commandFor(argv, commands);
    const flags = new Flags(
      parseFlags(rest, command.flags, command.name === "" ? "oc-mirror" : command.name),
    );
    if (command.name === "" && !flags.bool("help")) checkRootWord(flags.positionals[0], commands);
    if (flags.bool("help")) {
      io.stdout(renderHelp({
        usage: command.usage,
        description: command.description,
        flags: command.flags,
        ...(command.commands ? { commands: command.commands } : {}),
        ...(command.examples ? { examples: command.examples } : {}),
      }));
      return {};
    }
    level = (flags.string("log-level") ?? "info") as LogLevel;
    format = flags.string("log-format") === "json" ? "json" : "text";
    debug = level === "debug" || level === "trace";
    renderer = createRenderer({
      format,
      level,
      quiet: flags.bool("quiet"),
      isTty: io.isTty && format === "text",
      columns: io.columns,
      write: io.stderr,
      now: base.now,
    });
    const ctx: RunContext = { ...base, report: (e) => renderer.report(e) };
    const result = await command.run({ ctx, io, flags });
    renderer.finish();
    return result;
  } catch (e) {
    renderer.finish();
    if (format === "json") {
      const code = e instanceof OcMirrorError ? e.code : "GENERIC";
      const message = e instanceof Error ? e.message : String(e);
      const hint = e instanceof OcMirrorError ? e.hint : undefined;
      io.stderr(
        JSON.stringify({
          time: base.now().toISOString(),
          kind: "error",
          code,
          message,
          ...(hint ? { hint } : {}),
        }) + "\n",
      );
    } else {
      io.stderr(formatError(e, debug) + "\n");
    }
    return { error: e };
  }
}
