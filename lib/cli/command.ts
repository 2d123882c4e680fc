/**
 * What a CLI command is: its flags, help text and a `run` that turns parsed flags into a call of the
 * workflow layer. Commands hold no business logic.
 * @module
 */
import type { RunContext } from "../context.ts";
import type { Flags, FlagSpec } from "./flags.ts";

/** Where command output goes; `main.ts` wires it to the real streams. */
export interface CliIo {
  /** Command results (lists, templates, version): for pipes. */
  stdout(text: string): void;
  /** Logs, progress and errors. */
  stderr(text: string): void;
  /** True when stderr is a terminal (progress bars, colours). */
  isTty: boolean;
  /** Terminal width in columns. */
  columns: number;
}

/** Image categories whose failures the exit code reports (bitmask 2, 4, 8, 16). */
export type FailureCategory = "release" | "operator" | "additional" | "helm";

/** The outcome of a command that did not throw. */
export interface CommandResult {
  /** Categories with at least one image that failed (with `--continue-on-error`). */
  failed?: FailureCategory[];
}

/** Everything a command's `run` gets. */
export interface CommandEnv {
  ctx: RunContext;
  io: CliIo;
  flags: Flags;
}

/** A CLI command. */
export interface Command {
  /** Name as typed after `oc-mirror` (`""` for the root mirror command), e.g. `list releases`. */
  name: string;
  description: string;
  usage: string[];
  flags: FlagSpec[];
  examples?: string[];
  /** Sub-commands listed in help. */
  commands?: { name: string; description: string }[];
  run(env: CommandEnv): Promise<CommandResult>;
}
