/**
 * Runs a build script the way its deno.json task does (`deno task bundle`, `deno task compile`): with the
 * task's exact permission flags and the repository root as working directory.
 * @module
 */
import { type CliRun, taskPermissionFlags } from "./cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Options of {@link runTaskScript}. */
export interface TaskScriptOptions {
  /** Extra environment, merged over this process's unless `clearEnv`. */
  env?: Record<string, string>;
  /** Start from an empty environment (plus `env`). @default false */
  clearEnv?: boolean;
  signal?: AbortSignal;
}

/** Runs `deno run <flags of task> SCRIPT ARGS` from the repository root. */
export async function runTaskScript(
  task: string,
  script: string,
  args: string[] = [],
  options: TaskScriptOptions = {},
): Promise<CliRun> {
  const flags = await taskPermissionFlags(task);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, script, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...options.env },
    clearEnv: options.clearEnv ?? false,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.signal ? { signal: options.signal } : {}),
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}
