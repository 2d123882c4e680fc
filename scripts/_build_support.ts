/**
 * Shared by the bundle and compile scripts: the repository root, the permission flags of a deno.json task,
 * the commit being built, and a readable failure that ends the script without a stack trace.
 * @module
 */

/** The repository root (the folder holding deno.json), with a trailing slash. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** The placeholder in lib/cli/build_info.ts that a build replaces with the commit. */
export const COMMIT_PLACEHOLDER = "__OC_MIRROR_COMMIT__";

/** A build failure whose message (and hint) is printed as is, without a stack trace, before exiting 1. */
export class BuildError extends Error {
  override name = "BuildError";
  /** What the user can do next, printed as `hint: ...`. */
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** The `--allow-*`/`--deny-*` and `--v8-flags=` flags of a deno.json task, e.g. `oc-mirror`, in their order. */
export async function taskPermissionFlags(task: string): Promise<string[]> {
  const file = `${ROOT}deno.json`;
  const json = JSON.parse(await Deno.readTextFile(file)) as { tasks?: Record<string, string> };
  const line = json.tasks?.[task];
  if (line === undefined) throw new BuildError(`${file} has no task "${task}"`);
  const flags = line.split(/\s+/).filter((w) =>
    w.startsWith("--allow-") || w.startsWith("--deny-") || w.startsWith("--v8-flags=")
  );
  if (flags.length === 0) throw new BuildError(`Task "${task}" in ${file} names no --allow-* flags`);
  return flags;
}

/** The short commit of the checkout (`git rev-parse --short HEAD`), or `unknown` without git. */
export async function buildCommit(signal?: AbortSignal): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      ...(signal ? { signal } : {}),
    }).output();
    const commit = new TextDecoder().decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{4,64}$/.test(commit) ? commit : "unknown";
  } catch {
    return "unknown"; // git is not installed
  }
}

/** Replaces every commit placeholder in `code`; fails when there is none (build_info.ts was not bundled). */
export function substituteCommit(code: string, commit: string): string {
  const parts = code.split(COMMIT_PLACEHOLDER);
  if (parts.length < 2) {
    throw new BuildError(
      `The bundle does not contain the commit placeholder "${COMMIT_PLACEHOLDER}": ` +
        "lib/cli/build_info.ts changed or is no longer imported by main.ts",
    );
  }
  return parts.join(commit);
}

/** Deno's stderr without the Rust "Stack backtrace:" it appends to errors, trimmed. */
export function withoutBacktrace(stderr: string): string {
  return stderr.replace(/\n*Stack backtrace:[\s\S]*$/, "").trim();
}

/** Runs a script's main function: prints a {@link BuildError} as `error: MESSAGE` (+ `hint:`) and exits 1. */
export async function runScript(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    // deno-lint-ignore no-console
    console.error(`error: ${e.message}` + (e.hint === undefined ? "" : `\nhint: ${e.hint}`));
    Deno.exit(1);
  }
}
