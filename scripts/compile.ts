/**
 * `deno task compile [--target TRIPLE] [--output PATH]`: builds the `oc-mirror` executable with
 * `deno compile` from the bundle (`dist/oc-mirror.js`, so the commit is substituted and no node_modules
 * tree is embedded), with exactly the permission flags of the `oc-mirror` task baked in.
 *
 * - Without `--target` it builds for this machine into `dist/oc-mirror`; with `--target` into
 *   `dist/TRIPLE/oc-mirror` (`oc-mirror.exe` for Windows). Targets: x86_64-unknown-linux-gnu,
 *   aarch64-unknown-linux-gnu, x86_64-apple-darwin, aarch64-apple-darwin, x86_64-pc-windows-msvc.
 *   `--output PATH` writes elsewhere (its folder must exist; `deno task` runs in the repository root, so
 *   relative paths start there).
 * - `deno compile` needs the `denort` runtime of the same Deno version for the target. With `DENORT_BIN`
 *   set (a path to an unzipped denort binary) it uses that file and needs no network. Otherwise Deno uses
 *   its cached copy (`DENO_DIR/dl/release/vVERSION/denort-TRIPLE.zip`) or downloads it from dl.deno.land;
 *   when that host cannot be reached within 10 s the script stops before building anything with:
 *
 *       error: deno compile needs the denort runtime of Deno 2.9.6 for TRIPLE and cannot download it
 *       from https://dl.deno.land/release/v2.9.6/denort-TRIPLE.zip: REASON
 *       hint: Set DENORT_BIN to a denort binary of Deno 2.9.6 for TRIPLE (unzip denort-TRIPLE.zip from
 *       https://github.com/denoland/deno/releases/tag/v2.9.6), or run "deno task compile" on a machine
 *       that can reach dl.deno.land
 *
 * Exits 1 without a stack trace on every failure.
 * @module
 */
import { BuildError, ROOT, runScript, taskPermissionFlags, withoutBacktrace } from "./_build_support.ts";
import { buildBundle, BUNDLE_PATH } from "./bundle.ts";

/** The `--target` values deno compile accepts for release builds. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** Data files the executable reads at run time (`--include`); none: templates and schemas are modules. */
export const INCLUDES: readonly string[] = [];

/** How long the reachability check of dl.deno.land may take before the download counts as impossible. */
export const DENORT_PROBE_TIMEOUT_MS = 10_000;

/** Options of {@link compileBinary}. */
export interface CompileOptions {
  /** Target triple. @default Deno.build.target */
  target?: string;
  /** A denort binary to build on (instead of Deno's cached or downloaded one). @default $DENORT_BIN */
  denortBin?: string;
  /**
   * Output path (absolute, or relative to the repository root); its folder must exist.
   * @default outputFor(target)
   */
  output?: string;
  signal?: AbortSignal;
}

/** What {@link compileBinary} wrote. */
export interface CompileResult {
  /** Output path (absolute, or relative to the repository root). */
  output: string;
  target: string;
  commit: string;
  sizeBytes: number;
}

/** The output path of a build: `dist/oc-mirror` for this machine, else `dist/TRIPLE/oc-mirror[.exe]`. */
export function outputFor(target: string | undefined): string {
  if (target === undefined) return "dist/oc-mirror";
  return `dist/${target}/oc-mirror${target.includes("windows") ? ".exe" : ""}`;
}

/** The `deno compile` arguments for a bundle, with the run flags baked in. */
export function compileArgs(
  runFlags: readonly string[],
  options: { output: string; target?: string; entry?: string },
): string[] {
  return [
    "compile",
    "--no-config", // the bundle imports only node: built-ins; do not embed node_modules
    "--no-check", // the bundle is JavaScript; `deno task check` type-checks the sources
    "--no-prompt", // cron and scripts: a missing permission fails instead of waiting for an answer
    ...runFlags,
    ...(options.target === undefined ? [] : ["--target", options.target]),
    ...INCLUDES.flatMap((f) => ["--include", f]),
    "--output",
    options.output,
    options.entry ?? BUNDLE_PATH,
  ];
}

/** Builds the bundle, then the executable from it; fails early when no denort runtime can be had. */
export async function compileBinary(options: CompileOptions = {}): Promise<CompileResult> {
  const { signal } = options;
  const explicitTarget = options.target;
  if (explicitTarget !== undefined && !(TARGETS as readonly string[]).includes(explicitTarget)) {
    throw new BuildError(`Unknown --target "${explicitTarget}": use one of ${TARGETS.join(", ")}`);
  }
  const target = explicitTarget ?? Deno.build.target;
  const denortBin = options.denortBin;
  if (denortBin !== undefined) await checkDenortBin(denortBin);
  else await checkDenortAvailable(target, signal);

  const runFlags = await taskPermissionFlags("oc-mirror");
  const bundle = await buildBundle(signal ? { signal } : {});
  const output = options.output ?? outputFor(explicitTarget);
  if (options.output === undefined) {
    await Deno.mkdir(`${ROOT}${output.slice(0, output.lastIndexOf("/"))}`, { recursive: true });
  }
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (denortBin !== undefined) env.DENORT_BIN = denortBin;
  const out = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(runFlags, { output, ...(explicitTarget ? { target: explicitTarget } : {}) }),
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(signal ? { signal } : {}),
  }).output();
  if (!out.success) {
    throw compileFailure(new TextDecoder().decode(out.stderr), {
      target,
      hasDenortBin: denortBin !== undefined,
    });
  }
  const { size } = await Deno.stat(output.startsWith("/") ? output : `${ROOT}${output}`);
  return { output, target, commit: bundle.commit, sizeBytes: size };
}

/**
 * The error for a failed `deno compile`, from its stderr (without Deno's "Stack backtrace"): the documented
 * denort message when the runtime download failed after all, else deno's own message.
 */
export function compileFailure(
  stderr: string,
  options: { target: string; hasDenortBin: boolean },
): BuildError {
  const text = withoutBacktrace(stderr);
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (!options.hasDenortBin && /dl\.deno\.land|denort/i.test(text)) {
    const reason = (lines.at(-1) ?? text).replace(/^\d+: /, "").replace(
      /^error sending request for url \([^)]*\): /,
      "",
    );
    return denortUnavailable(options.target, reason);
  }
  return new BuildError(`deno compile of ${BUNDLE_PATH} for ${options.target} failed:\n${text}`);
}

/** The documented failure when the denort runtime is neither given, cached nor downloadable. */
export function denortUnavailable(target: string, reason: string): BuildError {
  const version = Deno.version.deno;
  return new BuildError(
    `deno compile needs the denort runtime of Deno ${version} for ${target} and cannot download it from ` +
      `${denortUrl(target)}: ${reason}`,
    {
      hint:
        `Set DENORT_BIN to a denort binary of Deno ${version} for ${target} (unzip denort-${target}.zip ` +
        `from https://github.com/denoland/deno/releases/tag/v${version}), or run "deno task compile" on a ` +
        "machine that can reach dl.deno.land",
    },
  );
}

function denortUrl(target: string): string {
  return `https://dl.deno.land/release/v${Deno.version.deno}/denort-${target}.zip`;
}

async function checkDenortBin(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new BuildError(`DENORT_BIN "${path}" cannot be read: ${e instanceof Error ? e.message : e}`, {
      hint: `Point DENORT_BIN at a denort binary of Deno ${Deno.version.deno} for the target`,
      cause: e,
    });
  }
  if (!info.isFile) throw new BuildError(`DENORT_BIN "${path}" is not a file`);
}

/** Passes when Deno has the runtime cached or dl.deno.land answers within the probe timeout. */
async function checkDenortAvailable(target: string, signal: AbortSignal | undefined): Promise<void> {
  const cached = `${await denoDir(signal)}/dl/release/v${Deno.version.deno}/denort-${target}.zip`;
  if (await Deno.stat(cached).then((i) => i.isFile, () => false)) return;
  const timeout = AbortSignal.timeout(DENORT_PROBE_TIMEOUT_MS);
  try {
    const res = await fetch(denortUrl(target), {
      method: "HEAD",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await res.body?.cancel();
  } catch (e) {
    if (signal?.aborted) throw e;
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) throw e;
    const reason = timeout.aborted
      ? `no answer within ${DENORT_PROBE_TIMEOUT_MS / 1000} s`
      : innermostMessage(e);
    throw denortUnavailable(target, reason);
  }
}

/** The message of the deepest `cause` ("fetch failed" says less than "dns error: ..."), minus the URL. */
function innermostMessage(e: unknown): string {
  let message = String(e);
  for (let c: unknown = e; c instanceof Error; c = c.cause) message = c.message;
  return message.replace(/^error sending request for url \([^)]*\): /, "").split("\n")[0] ?? message;
}

async function denoDir(signal: AbortSignal | undefined): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    ...(signal ? { signal } : {}),
  }).output();
  const info = out.success ? JSON.parse(new TextDecoder().decode(out.stdout)) as { denoDir?: string } : {};
  if (typeof info.denoDir !== "string") throw new BuildError("deno info --json did not name the DENO_DIR");
  return info.denoDir;
}

const USAGE = `Usage: deno task compile [--target ${TARGETS.join("|")}] [--output PATH]`;

function parseArgs(args: string[]): { target?: string; output?: string } {
  const parsed: { target?: string; output?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const [name = "", inline] = (args[i] ?? "").split(/=(.*)/s, 2);
    if (name !== "--target" && name !== "--output") {
      throw new BuildError(`Unknown argument "${name}"`, { hint: USAGE });
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "") {
      throw new BuildError(`Flag ${name} needs a value`, { hint: USAGE });
    }
    if (name === "--target") parsed.target = value;
    else parsed.output = value.startsWith("/") ? value : `${Deno.cwd()}/${value}`;
  }
  return parsed;
}

if (import.meta.main) {
  await runScript(async () => {
    const denortBin = Deno.env.get("DENORT_BIN") || undefined;
    const r = await compileBinary({
      ...parseArgs(Deno.args),
      ...(denortBin === undefined ? {} : { denortBin }),
    });
    // deno-lint-ignore no-console
    console.log(
      `Wrote ${r.output} (${(r.sizeBytes / 2 ** 20).toFixed(1)} MiB, ${r.target}, commit ${r.commit})`,
    );
  });
}
