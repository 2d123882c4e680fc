/**
 * Runs many ImageSetConfigurations against one synthetic upstream and one destination registry: each
 * configuration gets its own folder and workspace, the CLI runs as a subprocess, and a dry run's
 * `mapping.txt` comes back parsed. Used by the acceptance tests of releases, operators, Helm and images.
 * @module
 */
import { type CliRun, runOcMirror } from "./cli.ts";
import { type MappingLine, readMapping } from "./mirror_checks.ts";

/** Where configurations run: a scratch folder, the destination registry host and the environment. */
export interface IscBench {
  /** Scratch folder; each run gets `<dir>/<name>/`. */
  dir: string;
  /** `127.0.0.1:PORT` of the destination registry. */
  registry: string;
  /** Environment of every run (the upstream's `env()`). */
  env: Record<string, string>;
}

/** What one run printed and planned. */
export interface IscRun extends CliRun {
  /** The run's folder (holds `isc.yaml` and the workspace `ws/`). */
  folder: string;
  /** `ws/working-dir`. */
  workingDir: string;
  /** Parsed `mapping.txt` of a successful dry run; empty otherwise. */
  lines: MappingLine[];
}

/** Options of {@link runIsc}. */
export interface RunIscOptions {
  /** Plan only (`--dry-run`). @default true */
  dryRun?: boolean;
  /** Extra flags. */
  flags?: string[];
  /** `mirror.openshift.io/<apiVersion>`. @default "v2alpha1" */
  apiVersion?: "v1alpha2" | "v2alpha1";
  /** Pass `--v2`. @default true for v2alpha1, false for v1alpha2 */
  forceV2?: boolean;
  /** Destination namespace under the registry. @default "mirror" */
  namespace?: string;
}

/** The text of an ImageSetConfiguration whose `mirror:` section is `mirrorYaml` (indented by two spaces). */
export function iscText(mirrorYaml: string, apiVersion = "v2alpha1"): string {
  return `apiVersion: mirror.openshift.io/${apiVersion}\nkind: ImageSetConfiguration\nmirror:\n${mirrorYaml}`;
}

/** Runs `oc-mirror -c isc.yaml --workspace file://ws docker://REG/ns` (mirror-to-mirror) in `<dir>/<name>`. */
export async function runIsc(
  bench: IscBench,
  name: string,
  mirrorYaml: string,
  o: RunIscOptions = {},
): Promise<IscRun> {
  const folder = `${bench.dir}/${name}`;
  await Deno.mkdir(folder, { recursive: true });
  const apiVersion = o.apiVersion ?? "v2alpha1";
  await Deno.writeTextFile(`${folder}/isc.yaml`, iscText(mirrorYaml, apiVersion));
  const dryRun = o.dryRun ?? true;
  const args = [
    ...(o.forceV2 ?? apiVersion === "v2alpha1" ? ["--v2"] : []),
    "-c",
    "isc.yaml",
    "--workspace",
    "file://ws",
    `docker://${bench.registry}/${o.namespace ?? "mirror"}`,
    ...(dryRun ? ["--dry-run"] : []),
    ...(o.flags ?? []),
  ];
  const run = await runOcMirror(args, { cwd: folder, env: bench.env });
  const workingDir = `${folder}/ws/working-dir`;
  const lines = run.code === 0 && dryRun ? await readMapping(`${workingDir}/dry-run/mapping.txt`) : [];
  return { ...run, folder, workingDir, lines };
}

/** The tags of `<ns>/<repository>:<tag>` destinations, sorted. */
export function destinationTags(lines: readonly MappingLine[], repository: string): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^[^/]+\/(.+):([^:/@]+)$/.exec(l.destination);
    if (!m) continue;
    const path = m[1] as string;
    if (path === repository || path.endsWith(`/${repository}`)) out.push(m[2] as string);
  }
  return out.sort();
}
