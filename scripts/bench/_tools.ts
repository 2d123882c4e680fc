/**
 * The two tools under test, one function per path: ours (the oc-mirror CLI as one `deno run` process with
 * the `oc-mirror` task's exact permission flags, `--log-format json`) and skopeo (`sync --src yaml` for
 * registry→registry, one `skopeo copy` per image for the `oci:` layout paths, the way a skopeo user moves
 * a list of images through disk).
 * @module
 */
import { join } from "node:path";
import { taskPermissionFlags } from "../../tests/_support/cli.ts";
import { combine, measure, type Measured } from "./_measure.ts";
import type { BuiltImage } from "./_workload.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Settings shared by every run. */
export interface ToolEnv {
  /** GNU time available (see `_measure.ts`). */
  gnuTime: boolean;
  /** DENO_DIR of this Deno, so the CLI's module graph stays compiled between runs. */
  denoDir: string;
  /** Write a `.cpuprofile` of each of our runs into this directory (runs `profile_main.ts`). */
  cpuProfileDir?: string;
  /** Extra flags for our CLI, e.g. `--parallel-images 8`. */
  extraFlags: string[];
  /** Extra flags for `deno run` of our CLI, e.g. `--v8-flags=--max-semi-space-size=2`. */
  denoFlags: string[];
}

/** One of our runs: the measurement plus what its summary log line said it moved. */
export interface OurRun extends Measured {
  /** `detail.bytes` of the "Moved X in Ys" log line. */
  bytesMoved: number;
}

/** The DENO_DIR this Deno uses (`deno info --json`). */
export async function currentDenoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .output();
  return (JSON.parse(new TextDecoder().decode(out.stdout)) as { denoDir: string }).denoDir;
}

/** The ImageSetConfiguration listing images as `mirror.additionalImages`. */
export function iscFor(sourceHost: string, images: readonly BuiltImage[]): string {
  return [
    "apiVersion: mirror.openshift.io/v2alpha1",
    "kind: ImageSetConfiguration",
    "mirror:",
    "  additionalImages:",
    ...images.map((i) => `  - name: ${sourceHost}/${i.repository}:${i.tag}`),
    "",
  ].join("\n");
}

/** The `skopeo sync --src yaml` file listing the images. */
export function syncYamlFor(sourceHost: string, images: readonly BuiltImage[]): string {
  return [
    `${sourceHost}:`,
    "  tls-verify: false",
    "  images:",
    ...images.map((i) => `    ${i.repository}: [${i.tag}]`),
    "",
  ].join("\n");
}

function parseMoved(stderr: string): number {
  let bytes = -1;
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const e = JSON.parse(line) as { kind?: string; message?: string; detail?: { bytes?: number } };
      if (e.kind === "log" && e.message?.startsWith("Moved ") && typeof e.detail?.bytes === "number") {
        bytes = e.detail.bytes;
      }
    } catch {
      // Not an event line.
    }
  }
  return bytes;
}

/**
 * Runs `oc-mirror ARGS --log-format json` in `cwd` with a fresh HOME; throws on a non-zero exit. `label`
 * names the run in errors and its profile file, so it should be unique.
 */
export async function runOurs(env: ToolEnv, cwd: string, args: string[], label: string): Promise<OurRun> {
  let flags = await taskPermissionFlags("oc-mirror");
  const home = await Deno.makeTempDir({ prefix: "bench-home-" });
  const vars: Record<string, string> = {
    HOME: home,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    DENO_DIR: env.denoDir,
  };
  let entry = join(ROOT, "main.ts");
  if (env.cpuProfileDir) {
    entry = join(ROOT, "scripts/bench/profile_main.ts");
    // The in-process profiler needs sys access "inspector", which only a bare --allow-sys grants, and
    // reads OC_MIRROR_CPU_PROFILE.
    flags = [
      ...flags.filter((f) => !f.startsWith("--allow-sys")).map((f) =>
        f.startsWith("--allow-env=") ? `${f},OC_MIRROR_CPU_PROFILE` : f
      ),
      "--allow-sys",
    ];
    vars.OC_MIRROR_CPU_PROFILE = join(env.cpuProfileDir, `${label.replace(/[^\w.-]+/g, "_")}.cpuprofile`);
  }
  try {
    const r = await measure(
      Deno.execPath(),
      ["run", ...flags, ...env.denoFlags, entry, "--v2", ...args, "--log-format", "json", ...env.extraFlags],
      { cwd, env: vars, clearEnv: true, gnuTime: env.gnuTime },
    );
    if (r.code !== 0) {
      throw new Error(`oc-mirror ${args.join(" ")} (${label}) exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    }
    return { ...r, bytesMoved: parseMoved(r.stderr) };
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/** Runs `skopeo --insecure-policy ARGS` once; throws on a non-zero exit. */
async function runSkopeo(env: ToolEnv, args: string[]): Promise<Measured> {
  const r = await measure("skopeo", ["--insecure-policy", ...args], { gnuTime: env.gnuTime });
  if (r.code !== 0) throw new Error(`skopeo ${args.join(" ")} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
  return r;
}

/**
 * registry→registry with skopeo: `skopeo sync --src yaml` into `destination` (`HOST/bench` keeps the
 * source repository names: sync appends the last path component).
 */
export async function skopeoSync(env: ToolEnv, yamlFile: string, destination: string): Promise<Measured> {
  return await runSkopeo(env, [
    "sync",
    "--src",
    "yaml",
    "--dest",
    "docker",
    "--src-tls-verify=false",
    "--dest-tls-verify=false",
    yamlFile,
    destination,
  ]);
}

/** The `oci:` layout tag of an image (`small-007`). */
export function layoutTag(image: BuiltImage): string {
  return image.repository.slice(image.repository.lastIndexOf("/") + 1);
}

/** Runs one `skopeo copy` per pair, one after the other, as one measurement. */
export async function skopeoCopyAll(env: ToolEnv, pairs: readonly [string, string][]): Promise<Measured> {
  const runs: Measured[] = [];
  const started = performance.now();
  for (const [src, dest] of pairs) {
    runs.push(await runSkopeo(env, ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", src, dest]));
  }
  return combine(runs, performance.now() - started);
}
