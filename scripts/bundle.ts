/**
 * `deno task bundle`: builds `dist/oc-mirror.js`, one self-contained ES module with every npm dependency
 * inlined (only `node:` built-ins stay imports) and the commit in place of the build_info placeholder.
 * Run it with the `oc-mirror` task's permission flags, from any directory:
 *
 *     deno run --allow-net --allow-read ... dist/oc-mirror.js --help
 *
 * Fails (exit 1, no stack trace) when `deno bundle` fails or the output still imports anything but a
 * `node:` built-in (an `npm:` specifier, a node_modules path, a URL).
 * @module
 */
import {
  buildCommit,
  BuildError,
  ROOT,
  runScript,
  substituteCommit,
  taskPermissionFlags,
  withoutBacktrace,
} from "./_build_support.ts";

/** Where `deno task bundle` writes the bundle, relative to the repository root. */
export const BUNDLE_PATH = "dist/oc-mirror.js";

/** Options of {@link buildBundle}. */
export interface BundleOptions {
  /** Output file relative to the repository root. @default BUNDLE_PATH */
  output?: string;
  signal?: AbortSignal;
}

/** What {@link buildBundle} wrote. */
export interface BundleResult {
  /** Absolute path of the bundle. */
  path: string;
  commit: string;
  sizeBytes: number;
}

/** The `deno bundle` arguments: ESM for the Deno platform, npm packages inlined, not minified. */
export function bundleArgs(entry: string): string[] {
  return ["bundle", "--quiet", "--platform", "deno", "--format", "esm", "--packages", "bundle", entry];
}

/** Bundles main.ts, checks the imports left, substitutes the commit and writes the file atomically. */
export async function buildBundle(options: BundleOptions = {}): Promise<BundleResult> {
  const { signal } = options;
  const output = `${ROOT}${options.output ?? BUNDLE_PATH}`;
  const [runFlags, commit] = await Promise.all([taskPermissionFlags("oc-mirror"), buildCommit(signal)]);
  // Deno.execPath(), not "deno": inside a task "deno" is node_modules/.bin/deno, a Node wrapper script.
  const out = await new Deno.Command(Deno.execPath(), {
    args: bundleArgs("main.ts"),
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(signal ? { signal } : {}),
  }).output();
  const stderr = withoutBacktrace(new TextDecoder().decode(out.stderr));
  if (!out.success) throw new BuildError(`deno bundle main.ts failed (exit code ${out.code}):\n${stderr}`);
  const code = new TextDecoder().decode(out.stdout);
  const leftovers = foreignImports(code);
  if (leftovers.length > 0) {
    throw new BuildError(
      `The bundle of main.ts is not self-contained: it still imports ` +
        leftovers.map((l) => `"${l.specifier}" (line ${l.line})`).join(", ") +
        ": every npm package must be inlined (deno bundle --packages bundle)",
    );
  }
  const usage = `deno run ${runFlags.join(" ")} ${BUNDLE_PATH}`;
  const text =
    `// oc-mirror (commit ${commit}), one self-contained file. Run it with: ${usage} [COMMAND] [FLAGS]\n` +
    substituteCommit(code, commit);
  await writeAtomically(output, text);
  return { path: output, commit, sizeBytes: new TextEncoder().encode(text).length };
}

/** An import the bundle still makes, with its 1-based line. */
export interface ForeignImport {
  specifier: string;
  line: number;
}

/**
 * The imports of bundled code that are not `node:` built-ins: static `import`/`export ... from` at the
 * start of a line (where esbuild writes them), and `import("...")`/`require("...")` calls anywhere.
 */
export function foreignImports(code: string): ForeignImport[] {
  const found: ForeignImport[] = [];
  const patterns = [
    /^(?:import|export)\b[^;'"`]*?\bfrom\s*(["'])([^"']+)\1/gm,
    /^import\s*(["'])([^"']+)\1/gm,
    /\b(?:import|require|__require)\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) {
      const specifier = m[2] ?? "";
      if (specifier.startsWith("node:")) continue;
      found.push({ specifier, line: code.slice(0, m.index).split("\n").length });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}

if (import.meta.main) {
  await runScript(async () => {
    const r = await buildBundle();
    // deno-lint-ignore no-console
    console.log(
      `Wrote ${r.path.slice(ROOT.length)} (${Math.round(r.sizeBytes / 1024)} KiB, commit ${r.commit})`,
    );
  });
}
