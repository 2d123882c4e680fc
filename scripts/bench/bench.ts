/**
 * `deno task bench`: oc-mirror against skopeo on 127.0.0.1, same data, same run (issue 10). Starts two
 * Debian `docker-registry` instances (source; destination wiped before every run that writes to it),
 * writes seeded synthetic workloads into the source's storage (small = 20 images × 4 × 16 MiB layers, half
 * shared; big = one 1 GiB layer; many = 200 images × 3 small layers), and measures each tool on
 * registry→registry, registry→disk and disk→registry, N repetitions each: wall time, MB/s of unique blob
 * bytes, peak RSS and CPU seconds (GNU `/usr/bin/time -v`, else /proc polling). Then a no-change rerun
 * (must move 0 blob bytes) and a 10% change rerun. Prints one Markdown table with ours/skopeo per row and
 * the issue's targets, and writes it to `bench-results/bench-<timestamp>.{json,md}`.
 *
 *   deno task bench [--quick] [--workload small|big|many]... [--reps N] [--out DIR] [--tmp DIR]
 *                   [--cpu-prof DIR] [--ours-flag FLAG]... [--deno-flag FLAG]... [--label TEXT] [--keep]
 *                   [--install-packages]
 *
 * `--quick` uses tiny sizes (CI: `tests/bench_quick_test.ts`). `--ours-flag` passes a flag to our CLI
 * (`--ours-flag="--parallel-images 8"`), `--deno-flag` one to its `deno run`
 * (`--deno-flag=--v8-flags=--max-semi-space-size=2`). `--install-packages` apt-gets what is missing. `--cpu-prof DIR` runs our CLI through
 * `profile_main.ts` and writes one `.cpuprofile` per run (summarise with `cpu_profile_summary.ts`); the
 * profiler slows the runs, so do not compare those times. The micro-benchmarks next to this script
 * (`archive_bench.ts`, `filter_catalog_bench.ts`, `select_releases_bench.ts`) measure single modules.
 * @module
 */
// deno-lint-ignore-file no-console
import { join } from "node:path";
import { type DockerRegistry, startDockerRegistry } from "../../tests/_support/docker_registry.ts";
import { hasGnuTime } from "./_measure.ts";
import {
  type BenchResults,
  compare,
  type Comparison,
  evaluateTargets,
  formatMarkdown,
  PATH_LABEL,
  type PathId,
  PATHS,
  type Rerun,
  type Row,
  rowOf,
  type Sample,
  type Tool,
  type WorkloadInfo,
} from "./_report.ts";
import {
  currentDenoDir,
  iscFor,
  layoutTag,
  type OurRun,
  runOurs,
  skopeoCopyAll,
  skopeoSync,
  syncYamlFor,
  type ToolEnv,
} from "./_tools.ts";
import {
  buildWorkload,
  type BuiltImage,
  changedIndexes,
  FULL_WORKLOADS,
  QUICK_WORKLOADS,
  uniqueBlobsOf,
  WORKLOAD_NAMES,
  type WorkloadName,
} from "./_workload.ts";
import type { Digest } from "../../lib/oci/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DEBIAN_PACKAGES = ["docker-registry", "skopeo", "time"];

/** Command-line options. */
interface Options {
  quick: boolean;
  workloads: WorkloadName[];
  reps: number;
  out: string;
  tmp?: string;
  cpuProfileDir?: string;
  ourFlags: string[];
  denoFlags: string[];
  keep: boolean;
  installPackages: boolean;
  /** Names the version of oc-mirror measured. @default git commit of the checkout (+dirty) */
  label?: string;
}

const USAGE =
  `usage: deno task bench [--quick] [--workload small|big|many]... [--reps N] [--out DIR] [--tmp DIR]
                       [--cpu-prof DIR] [--ours-flag FLAG]... [--deno-flag FLAG]... [--label TEXT] [--keep] [--install-packages]`;

function parseArgs(args: string[]): Options {
  const o: Options = {
    quick: false,
    workloads: [],
    reps: 3,
    out: join(ROOT, "bench-results"),
    ourFlags: [],
    denoFlags: [],
    keep: false,
    installPackages: false,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [name, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
      return v;
    };
    switch (name) {
      case "--quick":
        o.quick = true;
        break;
      case "--workload":
        for (const w of value().split(",")) {
          if (!WORKLOAD_NAMES.includes(w as WorkloadName)) {
            throw new Error(`Unknown workload "${w}": want one of ${WORKLOAD_NAMES.join(", ")}`);
          }
          o.workloads.push(w as WorkloadName);
        }
        break;
      case "--reps":
        o.reps = Number(value());
        if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error(`--reps wants a positive integer`);
        break;
      case "--out":
        o.out = value();
        break;
      case "--tmp":
        o.tmp = value();
        break;
      case "--cpu-prof":
        o.cpuProfileDir = value();
        break;
      case "--ours-flag":
        o.ourFlags.push(...value().split(/\s+/).filter(Boolean));
        break;
      case "--label":
        o.label = value();
        break;
      case "--deno-flag":
        o.denoFlags.push(value());
        break;
      case "--keep":
        o.keep = true;
        break;
      case "--install-packages":
        o.installPackages = true;
        break;
      case "-h":
      case "--help":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        throw new Error(`Unknown argument "${a}"\n${USAGE}`);
    }
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOAD_NAMES];
  o.workloads = WORKLOAD_NAMES.filter((w) => o.workloads.includes(w));
  return o;
}

async function commandOutput(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the Debian tools; installs them with apt-get when asked to. */
async function requireTools(install: boolean): Promise<Record<string, string>> {
  const probe = async () => ({
    skopeo: await commandOutput("skopeo", ["--version"]),
    "docker-registry": await commandOutput("/usr/bin/docker-registry", ["--version"]),
  });
  let found = await probe();
  if ((!found.skopeo || !found["docker-registry"]) && install) {
    const sudo = Deno.uid() === 0 ? [] : ["sudo"];
    for (
      const args of [["apt-get", "update"], [
        "apt-get",
        "install",
        "-y",
        "--no-install-recommends",
        ...DEBIAN_PACKAGES,
      ]]
    ) {
      const cmd = [...sudo, ...args];
      console.error(`$ ${cmd.join(" ")}`);
      const r = await new Deno.Command(cmd[0] as string, {
        args: cmd.slice(1),
        stdout: "inherit",
        stderr: "inherit",
      })
        .output();
      if (!r.success) throw new Error(`${cmd.join(" ")} failed`);
    }
    found = await probe();
  }
  if (!found.skopeo || !found["docker-registry"]) {
    throw new Error(
      `The benchmark needs skopeo and /usr/bin/docker-registry: install them with ` +
        `"apt-get install ${DEBIAN_PACKAGES.join(" ")}" (or rerun with --install-packages)`,
    );
  }
  return {
    skopeo: found.skopeo.replace(/^skopeo version /, ""),
    "docker-registry": found["docker-registry"].split(" ").slice(1).join(" "),
    deno: Deno.version.deno,
  };
}

/** A /proc file's text (through `cat`: Deno reads /proc only with --allow-all). */
async function readProc(path: string): Promise<string> {
  return await commandOutput("cat", [path]) ?? "";
}

/** The commit of the checkout measured, `+dirty` when lib/ or main.ts have uncommitted changes. */
async function ourVersion(): Promise<string> {
  const commit = await commandOutput("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
  if (!commit) return "unknown (not a git checkout)";
  const dirty = await commandOutput("git", ["-C", ROOT, "status", "--porcelain", "--", "lib", "main.ts"]);
  return dirty ? `${commit}+dirty` : commit;
}

async function machineInfo(): Promise<Record<string, string | number>> {
  const read = readProc;
  const cpuinfo = await read("/proc/cpuinfo");
  const meminfo = await read("/proc/meminfo");
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    memoryGiB: Math.round(memKb / 1024 / 1024),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    loadBefore: (await read("/proc/loadavg")).split(" ").slice(0, 3).join(" "),
  };
}

/** A destination registry that can be wiped: stopped, its root deleted, started fresh. */
class Destination {
  #root: string;
  #registry: DockerRegistry | undefined;
  constructor(root: string) {
    this.#root = root;
  }
  get host(): string {
    if (!this.#registry) throw new Error("destination registry not started");
    return this.#registry.host;
  }
  async wipe(): Promise<string> {
    await this.stop();
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
    await Deno.mkdir(this.#root, { recursive: true });
    this.#registry = await startDockerRegistry(this.#root);
    return this.#registry.host;
  }
  /**
   * Repositories whose `_uploads` folder changed since `sinceMs`: distribution creates and removes an
   * upload session folder there for every blob upload (even of a blob it already stores), so this counts
   * uploads independently of what the client reports.
   */
  async uploadActivitySince(sinceMs: number): Promise<number> {
    let count = 0;
    const walk = async (dir: string): Promise<void> => {
      for await (const e of Deno.readDir(dir)) {
        if (!e.isDirectory) continue;
        const p = join(dir, e.name);
        if (e.name === "_uploads") {
          if (((await Deno.stat(p)).mtime?.getTime() ?? 0) >= sinceMs) count++;
        } else if (!e.name.startsWith("_")) {
          await walk(p);
        }
      }
    };
    await walk(join(this.#root, "docker/registry/v2/repositories")).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    return count;
  }

  async stop(): Promise<void> {
    const r = this.#registry;
    this.#registry = undefined;
    await r?.[Symbol.asyncDispose]();
  }
}

/** Checks that every image's manifest is at `host/<prefix><repository>` (by digest). */
async function verifyRegistry(
  host: string,
  images: readonly BuiltImage[],
  what: string,
  repositoryOf: (img: BuiltImage) => string = (img) => img.repository,
): Promise<void> {
  for (const img of images) {
    const repository = repositoryOf(img);
    const res = await fetch(`http://${host}/v2/${repository}/manifests/${img.manifest}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    await res.body?.cancel();
    if (res.status !== 200) {
      throw new Error(`${what}: ${host}/${repository}@${img.manifest} is missing (HTTP ${res.status})`);
    }
  }
}

/** Bytes of the given blobs found in the archive parts written since `sinceMs` (via `tar -tf`). */
async function archivedBlobBytes(dir: string, sinceMs: number, blobs: Map<Digest, number>): Promise<number> {
  let bytes = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !/^mirror_\d{6}\.tar$/.test(e.name)) continue;
    const stat = await Deno.stat(join(dir, e.name));
    if ((stat.mtime?.getTime() ?? 0) < sinceMs) continue;
    const out = await new Deno.Command("tar", {
      args: ["-tf", join(dir, e.name)],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    if (!out.success) throw new Error(`tar -tf ${e.name} failed: ${new TextDecoder().decode(out.stderr)}`);
    for (const name of new TextDecoder().decode(out.stdout).split("\n")) {
      const m = /blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(name);
      if (m) bytes += blobs.get(`sha256:${m[1]}` as Digest) ?? 0;
    }
  }
  return bytes;
}

function sampleOf(
  r: { wallMs: number; peakRssBytes: number; cpuSeconds: number },
  bytesMoved?: number,
): Sample {
  const s: Sample = { wallMs: r.wallMs, peakRssBytes: r.peakRssBytes, cpuSeconds: r.cpuSeconds };
  if (bytesMoved !== undefined) s.bytesMoved = bytesMoved;
  return s;
}

function progress(text: string): void {
  console.error(`[bench] ${text}`);
}

async function main(): Promise<number> {
  const options = parseArgs(Deno.args);
  const tools = await requireTools(options.installPackages);
  const gnuTime = await (async () => {
    const ok = await hasGnuTime();
    if (!ok) progress('GNU /usr/bin/time not found (Debian package "time"): polling /proc instead');
    return ok;
  })();
  const machine = await machineInfo();
  const startedAt = new Date();
  const specs = options.quick ? QUICK_WORKLOADS : FULL_WORKLOADS;
  const env: ToolEnv = {
    gnuTime,
    denoDir: await currentDenoDir(),
    extraFlags: options.ourFlags,
    denoFlags: options.denoFlags,
  };
  if (options.cpuProfileDir) {
    await Deno.mkdir(options.cpuProfileDir, { recursive: true });
    env.cpuProfileDir = options.cpuProfileDir;
  }
  const base = options.tmp
    ? await Deno.makeTempDir({ dir: options.tmp, prefix: "oc-mirror-bench-" })
    : await Deno.makeTempDir({ prefix: "oc-mirror-bench-" });
  const destination = new Destination(join(base, "destination"));
  let source: DockerRegistry | undefined;
  const cleanup = async () => {
    await destination.stop().catch(() => {});
    await Promise.resolve(source?.[Symbol.asyncDispose]()).catch(() => {});
    source = undefined;
    if (!options.keep) await Deno.remove(base, { recursive: true }).catch(() => {});
  };
  const onSignal = () => {
    progress("interrupted: stopping the registries and removing the temp dir");
    cleanup().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  const workloads: WorkloadInfo[] = [];
  const rows: Row[] = [];
  const comparisons: Comparison[] = [];
  const reruns: Rerun[] = [];
  try {
    progress(
      `temp dir ${base}; ${options.quick ? "quick mode" : "full sizes"}, ${options.reps} repetition(s)`,
    );
    const sourceRoot = join(base, "source");
    await Deno.mkdir(sourceRoot, { recursive: true });
    source = await startDockerRegistry(sourceRoot);
    const src = source.host;

    for (const name of options.workloads) {
      const spec = specs[name];
      const t0 = performance.now();
      let images = await buildWorkload(sourceRoot, spec);
      const unique = uniqueBlobsOf(images);
      const changed = spec.images > 1 ? changedIndexes(spec) : [];
      const info: WorkloadInfo = {
        ...spec,
        uniqueBlobs: unique.blobs.size,
        uniqueBlobBytes: unique.bytes,
        changedImages: changed.length,
      };
      workloads.push(info);
      progress(
        `${name}: wrote ${images.length} images, ${(unique.bytes / 1e6).toFixed(1)} MB of unique blobs in ${
          ((performance.now() - t0) / 1000).toFixed(1)
        }s`,
      );
      const work = join(base, name);
      await Deno.mkdir(work, { recursive: true });
      const isc = join(work, "isc.yaml");
      const syncYaml = join(work, "sync.yaml");
      await Deno.writeTextFile(isc, iscFor(src, images));
      await Deno.writeTextFile(syncYaml, syncYamlFor(src, images));
      const archiveDir = join(work, "archive");
      const layoutDir = join(work, "layout");
      const samples: Record<PathId, Record<Tool, Sample[]>> = {
        r2r: { ours: [], skopeo: [] },
        r2d: { ours: [], skopeo: [] },
        d2r: { ours: [], skopeo: [] },
      };
      const ours = (args: string[], label: string): Promise<OurRun> =>
        runOurs(env, work, ["-c", isc, ...args], `${name}-${label}`);
      const report = (path: PathId, rep: number, tool: Tool, s: Sample) =>
        progress(
          `${name} ${PATH_LABEL[path]} rep ${rep}/${options.reps} ${tool}: ${
            (s.wallMs / 1000).toFixed(2)
          }s, ${(info.uniqueBlobBytes / 1e6 / (s.wallMs / 1000)).toFixed(0)} MB/s, RSS ${
            (s.peakRssBytes / 1e6).toFixed(0)
          } MB, CPU ${s.cpuSeconds.toFixed(2)}s${
            s.bytesMoved !== undefined ? `, moved ${s.bytesMoved} B` : ""
          }`,
        );

      for (const path of PATHS) {
        for (let rep = 1; rep <= options.reps; rep++) {
          // skopeo first, then ours: ours runs last, so its output stays for the next path and the reruns.
          if (path === "r2r") {
            const dest = await destination.wipe();
            const s = sampleOf(await skopeoSync(env, syncYaml, `${dest}/bench`));
            await verifyRegistry(dest, images, "skopeo sync");
            samples.r2r.skopeo.push(s);
            report(path, rep, "skopeo", s);
            const dest2 = await destination.wipe();
            const ws = join(work, "workspace");
            await Deno.remove(ws, { recursive: true }).catch(() => {});
            const r = await ours(["--workspace", `file://${ws}`, `docker://${dest2}`], `r2r-${rep}`);
            await verifyRegistry(dest2, images, "oc-mirror mirror-to-mirror");
            const o = sampleOf(r, r.bytesMoved);
            samples.r2r.ours.push(o);
            report(path, rep, "ours", o);
          } else if (path === "r2d") {
            await Deno.remove(layoutDir, { recursive: true }).catch(() => {});
            const s = sampleOf(
              await skopeoCopyAll(
                env,
                images.map((
                  i,
                ) => [`docker://${src}/${i.repository}:${i.tag}`, `oci:${layoutDir}:${layoutTag(i)}`]),
              ),
            );
            samples.r2d.skopeo.push(s);
            report(path, rep, "skopeo", s);
            await Deno.remove(archiveDir, { recursive: true }).catch(() => {});
            const r = await ours([`file://${archiveDir}`], `r2d-${rep}`);
            const o = sampleOf(r, r.bytesMoved);
            samples.r2d.ours.push(o);
            report(path, rep, "ours", o);
          } else {
            const dest = await destination.wipe();
            const s = sampleOf(
              await skopeoCopyAll(
                env,
                images.map((
                  i,
                ) => [`oci:${layoutDir}:${layoutTag(i)}`, `docker://${dest}/${i.repository}:${i.tag}`]),
              ),
            );
            await verifyRegistry(dest, images, "skopeo copy from oci:");
            samples.d2r.skopeo.push(s);
            report(path, rep, "skopeo", s);
            const dest2 = await destination.wipe();
            const r = await ours(["--from", `file://${archiveDir}`, `docker://${dest2}`], `d2r-${rep}`);
            await verifyRegistry(dest2, images, "oc-mirror disk-to-mirror");
            const o = sampleOf(r, r.bytesMoved);
            samples.d2r.ours.push(o);
            report(path, rep, "ours", o);
          }
        }
        const o = rowOf(info, path, "ours", samples[path].ours);
        const s = rowOf(info, path, "skopeo", samples[path].skopeo);
        rows.push(o, s);
        comparisons.push(compare(o, s));
      }

      // Reruns. Each tool gets its own namespace of a fresh destination, filled once (not timed): ours
      // mirror-to-mirror into `ours/...`, skopeo sync into `skopeo/...`. The archive directory holds our
      // last mirror-to-disk, the layout skopeo's last copy.
      const firstMs = (path: PathId, tool: Tool) =>
        rows.find((r) => r.workload === name && r.path === path && r.tool === tool)?.medianMs ?? NaN;
      const workspace = join(work, "workspace");
      const oursRepo = (img: BuiltImage) => `ours/${img.repository}`;
      const skopeoRepo = (img: BuiltImage) => `skopeo/${layoutTag(img)}`;
      {
        const dest = await destination.wipe();
        progress(`${name}: filling a fresh destination for the reruns (ours/..., skopeo/...)`);
        await ours(["--workspace", `file://${workspace}`, `docker://${dest}/ours`], "rerun-fill-r2r");
        await verifyRegistry(dest, images, "oc-mirror mirror-to-mirror fill", oursRepo);
        await skopeoSync(env, syncYaml, `${dest}/skopeo`);
        await verifyRegistry(dest, images, "skopeo sync fill", skopeoRepo);
      }
      const rerun = async (
        kind: Rerun["kind"],
        current: BuiltImage[],
        expectedBytes: number,
        blobs: Map<Digest, number>,
      ) => {
        const dest = destination.host;
        const sinceOurs = Date.now();
        const r1 = await ours(
          ["--workspace", `file://${workspace}`, `docker://${dest}/ours`],
          `rerun-${kind}-r2r`,
        );
        await verifyRegistry(dest, current, `oc-mirror mirror-to-mirror rerun (${kind})`, oursRepo);
        const oursUploads = await destination.uploadActivitySince(sinceOurs);
        const sinceSkopeo = Date.now();
        const s1 = await skopeoSync(env, syncYaml, `${dest}/skopeo`);
        await verifyRegistry(dest, current, `skopeo sync rerun (${kind})`, skopeoRepo);
        const skopeoUploads = await destination.uploadActivitySince(sinceSkopeo);
        // Kernel file times are a few ms coarse; the previous archive is seconds older.
        const since = Date.now() - 50;
        const r2 = await ours([`file://${archiveDir}`], `rerun-${kind}-r2d`);
        const archived = await archivedBlobBytes(archiveDir, since, blobs);
        const s2 = await skopeoCopyAll(
          env,
          current.map((
            i,
          ) => [`docker://${src}/${i.repository}:${i.tag}`, `oci:${layoutDir}:${layoutTag(i)}`]),
        );
        const add = (path: "r2r" | "r2d", tool: Tool, sample: Sample, moved?: number, uploads?: number) => {
          const first = firstMs(path, tool);
          const x: Rerun = {
            workload: name,
            kind,
            path,
            tool,
            sample,
            firstMs: first,
            pctOfFirst: 100 * sample.wallMs / first,
            expectedBytes,
            bytesOk: (moved === undefined || moved === expectedBytes) &&
              (uploads === undefined || expectedBytes > 0 || uploads === 0),
          };
          if (moved !== undefined) x.movedBytes = moved;
          if (uploads !== undefined) x.uploadingRepositories = uploads;
          reruns.push(x);
          progress(
            `${name} ${kind} rerun ${PATH_LABEL[path]} ${tool}: ${(sample.wallMs / 1000).toFixed(2)}s (${
              x.pctOfFirst.toFixed(0)
            }% of first)${moved !== undefined ? `, moved ${moved} B (expected ${expectedBytes})` : ""}${
              uploads !== undefined ? `, uploads into ${uploads} repositories` : ""
            }`,
          );
        };
        add("r2r", "ours", sampleOf(r1, r1.bytesMoved), r1.bytesMoved, oursUploads);
        add("r2r", "skopeo", sampleOf(s1), undefined, skopeoUploads);
        add("r2d", "ours", sampleOf(r2, archived), archived);
        add("r2d", "skopeo", sampleOf(s2));
      };
      await rerun("no-change", images, 0, unique.blobs);

      if (changed.length > 0) {
        const replaced = await buildWorkload(sourceRoot, spec, { only: changed, generation: 1 });
        const byRepo = new Map(replaced.map((i) => [i.repository, i]));
        images = images.map((i) => byRepo.get(i.repository) ?? i);
        const fresh = new Map<Digest, number>();
        for (const [d, size] of uniqueBlobsOf(replaced).blobs) if (!unique.blobs.has(d)) fresh.set(d, size);
        let freshBytes = 0;
        for (const size of fresh.values()) freshBytes += size;
        progress(
          `${name}: replaced ${changed.length} of ${spec.images} images (${
            (freshBytes / 1e6).toFixed(1)
          } MB new)`,
        );
        // The blobs whose bytes count in the archive check: every blob of the workload, old and new.
        const all = new Map([...unique.blobs, ...fresh]);
        await rerun("10% change", images, freshBytes, all);
      }
    }
  } finally {
    machine.loadAfter = (await readProc("/proc/loadavg")).split(" ").slice(0, 3)
      .join(" ");
    await cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }

  const partial = { rows, comparisons, reruns, workloads };
  const results: BenchResults = {
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick: options.quick,
    reps: options.reps,
    machine,
    tools: {
      "oc-mirror": options.label ?? await ourVersion(),
      ...tools,
      measuredWith: gnuTime ? "/usr/bin/time -v" : "/proc polling",
    },
    ourFlags: [...options.denoFlags.map((f) => `deno ${f}`), ...options.ourFlags],
    ...partial,
    targets: evaluateTargets(partial),
  };
  const markdown = formatMarkdown(results);
  console.log(markdown);
  await Deno.mkdir(options.out, { recursive: true });
  const stamp = results.startedAt.replace(/\.\d{3}Z$/, "Z").replaceAll(":", "-");
  const file = join(options.out, `bench-${stamp}`);
  await Deno.writeTextFile(`${file}.json`, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(`${file}.md`, markdown);
  console.error(`[bench] wrote ${file}.json and ${file}.md`);
  const failedChecks = reruns.filter((r) => !r.bytesOk && r.kind === "no-change");
  if (failedChecks.length) {
    console.error(
      `[bench] ${failedChecks.length} no-change rerun(s) moved blob bytes: ${
        failedChecks.map((r) => `${r.workload} ${r.kind} ${PATH_LABEL[r.path]}`).join(", ")
      }`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    console.error(`[bench] ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
