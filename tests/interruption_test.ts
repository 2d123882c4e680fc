/**
 * Issue 11, "Interruption": the CLI is killed (SIGKILL) at several points of mirror-to-disk,
 * disk-to-mirror and mirror-to-mirror. After each kill nothing looks complete that is not (an archive
 * set in place opens and verifies, or is refused; the history moves only with a complete set; every tag
 * at a registry names the right image; no blob file in the registry's storage is corrupt), and a rerun
 * without the kill ends exactly like an uninterrupted run. SIGINT (and SIGTERM) stop a run within
 * seconds, with a message, a non-zero exit code, the lock released and no partial files.
 *
 * Kill points are picked from the `--log-format json` events; "mid-blob" points hold one 3 MiB layer
 * half-sent, through the synthetic upstream's store (mirror-to-disk, mirror-to-mirror) or a fault proxy
 * in front of docker-registry that holds the upload back (disk-to-mirror).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ArchiveReader } from "../lib/archive/mod.ts";
import { testContext } from "../lib/context.ts";
import type { Descriptor, Digest } from "../lib/oci/mod.ts";
import { writeImage } from "../lib/store/mod.ts";
import { Random, startUpstream, type Upstream } from "../fixtures/upstream/mod.ts";
import { type RunningCli, runOcMirror, spawnOcMirror } from "./_support/cli.ts";
import { type DockerRegistry, startDockerRegistry } from "./_support/docker_registry.ts";
import { type FaultProxy, type FaultRule, startFaultProxy } from "./_support/fault_proxy.ts";

const BIG_REPO = "quay.io/example/big";
const BIG_LAYER_BYTES = 3 << 20;

/** mirror-to-disk: a release (collection writes signatures and graph data), plain images, a 3 MiB layer. */
const ISC_DISK = `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.3
      maxVersion: 4.14.3
    graph: true
  additionalImages:
  - name: quay.io/example/app:1.0
  - name: quay.io/example/multi:latest
  - name: ${BIG_REPO}:1.0
`;

/** The registry workflows: plain images and the 3 MiB layer (pushed with a streamed PATCH). */
const ISC_REGISTRY = `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  additionalImages:
  - name: quay.io/example/app:1.0
  - name: quay.io/example/multi:latest
  - name: quay.io/example/worker:1.0
  - name: ${BIG_REPO}:1.0
`;

/** The incremental second run adds this image (its layer is the one held back). */
const ISC_DISK_MORE = `${ISC_DISK}  - name: ${BIG_REPO}:2.0\n`;

// ---------------------------------------------------------------------------------------------------
// The upstream, with a layer that can be held half-sent.

interface HeldBlob {
  /** Resolves once the first half of the layer has been handed to a client. */
  reached: Promise<void>;
}

/** The synthetic upstream plus two big images whose layers a test can hold half-sent. */
class HoldingUpstream {
  readonly up: Upstream;
  readonly layers: Digest[];
  #hold: { digest: Digest; reached: PromiseWithResolvers<void> } | undefined;
  #released = Promise.withResolvers<void>();

  private constructor(up: Upstream, layers: Digest[]) {
    this.up = up;
    this.layers = layers;
    const getBlob = up.store.getBlob.bind(up.store);
    up.store.getBlob = async (repo: string, d: Descriptor, o?: { signal?: AbortSignal }) => {
      const body = await getBlob(repo, d, o);
      const hold = this.#hold;
      if (!hold || d.digest !== hold.digest) return body;
      const bytes = new Uint8Array(await new Response(body).arrayBuffer());
      const released = this.#released.promise;
      let step = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (step === 0) {
            step = 1;
            controller.enqueue(bytes.subarray(0, bytes.byteLength >> 1));
            return;
          }
          hold.reached.resolve();
          // Never sends the rest: the client is killed (or aborts) while it waits.
          await released;
          controller.error(new Error("held blob released"));
        },
      }, { highWaterMark: 0 });
    };
  }

  static async start(): Promise<HoldingUpstream> {
    const up = await startUpstream();
    const layers: Digest[] = [];
    for (const [i, tag] of ["1.0", "2.0"].entries()) {
      const bytes = Random.for(11, `big-${tag}`).bytes(BIG_LAYER_BYTES);
      await writeImage(up.store, BIG_REPO, {
        config: { architecture: "amd64", os: "linux", config: { Labels: { n: String(i) } } },
        layers: [{ bytes }],
        tag,
      });
      layers.push(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    }
    return new HoldingUpstream(up, layers);
  }

  /** Holds the next reads of `digest` after half of its bytes. */
  hold(digest: Digest): HeldBlob {
    const reached = Promise.withResolvers<void>();
    this.#hold = { digest, reached };
    return { reached: reached.promise };
  }

  /** Lets every held read fail (so the server can close) and stops holding. */
  release(): void {
    this.#hold = undefined;
    this.#released.resolve();
    this.#released = Promise.withResolvers<void>();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
    await this.up.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading the run's JSON events and killing it.

interface RunEventLine {
  kind: string;
  state?: string;
  name?: string;
  level?: string;
  message?: string;
}

function eventsOf(cli: RunningCli): RunEventLine[] {
  const out: RunEventLine[] = [];
  for (const line of cli.stderr().split("\n")) {
    if (!line.startsWith("{") || !line.endsWith("}")) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A line being written.
    }
  }
  return out;
}

/** Polls until `ready` holds (or the run ends, which fails the test: it was meant to be killed). */
async function waitFor(cli: RunningCli, what: string, ready: () => boolean, timeoutMs = 20_000) {
  let ended = false;
  cli.child.status.then(() => ended = true);
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (ended) assert.fail(`the run ended before ${what}:\n${cli.stderr().slice(-3000)}`);
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}:\n${cli.stderr()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const count = (cli: RunningCli, test: (e: RunEventLine) => boolean) => eventsOf(cli).filter(test).length;
const imageEvents = (state: string) => (e: RunEventLine) => e.kind === "image" && e.state === state;
const messageMatches = (re: RegExp) => (e: RunEventLine) => e.kind === "log" && re.test(e.message ?? "");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `ready()` holds (the kill helper gives up when the run ends first). */
async function poll(ready: () => boolean): Promise<void> {
  while (!ready()) await sleep(5);
}

/** A place to kill a run. */
interface KillPoint {
  name: string;
  /** The run may finish before the kill lands (points in its last milliseconds). @default false */
  mayFinish?: boolean;
  /** Extra arguments of the killed run and of its rerun (e.g. `--cache-dir`). */
  args?: string[];
  /**
   * Called before the run starts (to arm a held blob); returns what resolves once the run is there.
   * Registry scenarios pass the fault proxy in front of the registry, if the point has one.
   */
  start(proxy?: FaultProxy): (cli: RunningCli) => Promise<void>;
  /** Faults of a proxy put in front of the destination registry (registry workflows). */
  proxyFaults?: FaultRule[];
  /** mirror-to-disk: the kill must find a `.partial` part (the point is inside the archive write). */
  leavesPartial?: boolean;
  /** Registry workflows: a tag the kill must find missing (the image was being copied). */
  untagged?: string;
}

/** Resolves when `total` image copies of the run's phase are done. */
function allImagesDone(cli: RunningCli): Promise<void> {
  return waitFor(cli, "every image done", () => {
    const phase = eventsOf(cli).find((e) => e.kind === "phase" && e.name !== "verify-archive") as
      | { total?: number }
      | undefined;
    return phase?.total !== undefined && count(cli, imageEvents("done")) >= phase.total;
  });
}

/** A point reached once a log message matches `re` (plus `delayMs`). */
function atMessage(name: string, re: RegExp, delayMs = 0): KillPoint {
  return {
    name,
    start: () => async (cli) => {
      await waitFor(cli, `${re}`, () => count(cli, messageMatches(re)) > 0);
      await sleep(delayMs);
    },
  };
}

const JSON_ARGS = ["--log-format", "json", "--log-level", "debug"];

/** The runs share this process's Deno cache instead of compiling the tool again under each fresh HOME. */
const DENO_CACHE: Record<string, string> = denoCache();

function denoCache(): Record<string, string> {
  const dir = Deno.env.get("DENO_DIR") ??
    (Deno.env.get("HOME") === undefined ? undefined : `${Deno.env.get("HOME")}/.cache/deno`);
  return dir === undefined ? {} : { DENO_DIR: dir };
}

// ---------------------------------------------------------------------------------------------------
// What a finished or interrupted run left behind.

/** The content of an archive set: repositories with tags, and every blob whose data it holds. */
interface ArchiveContent {
  tags: Record<string, string>;
  blobs: string[];
  files: string[];
}

async function tarNames(file: string): Promise<string[]> {
  const out = await new Deno.Command("tar", { args: ["-tf", file], stdout: "piped" }).output();
  assert.ok(out.success, `tar -tf ${file}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
}

/** Opens and verifies the set in `dir` and lists its content (throws when ArchiveReader refuses it). */
async function archiveContent(dir: string): Promise<ArchiveContent> {
  const reader = await ArchiveReader.open(dir, { ctx: testContext() });
  await reader.verify();
  const tags: Record<string, string> = {};
  for await (const repo of reader.listRepositories()) {
    for await (const tag of reader.listTags(repo)) {
      tags[`${repo}:${tag}`] = (await reader.resolve(repo, tag)).digest;
    }
  }
  const blobs = new Set<string>();
  const files = new Set<string>();
  for (const part of reader.parts) {
    for (const name of await tarNames(`${dir}/${part.file}`)) {
      const m = /^docker\/registry\/v2\/blobs\/sha256\/..\/([a-f0-9]{64})\/data$/.exec(name);
      if (m) {
        assert.ok(reader.containsBlob(`sha256:${m[1]}`));
        blobs.add(`sha256:${m[1]}`);
      } else if (name.startsWith("working-dir/")) files.add(name);
      else if (name.startsWith("isc_")) files.add("isc_<time>.yaml");
    }
  }
  return { tags, blobs: [...blobs].sort(), files: [...files].sort() };
}

function listNames(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

function historyFiles(workspace: string): string[] {
  return listNames(`${workspace}/working-dir/.history`).filter((n) => /^\.history-[^.]+$/.test(n));
}

/** Every file under `dir` (relative paths), recursively. */
function filesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of listNames(dir)) {
    const path = `${dir}/${name}`;
    const st = Deno.lstatSync(path);
    if (st.isDirectory) out.push(...filesUnder(path, base));
    else out.push(path.slice(base.length + 1));
  }
  return out;
}

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

/** Asserts every blob file of a registry storage tree holds the bytes its path names; returns how many. */
async function assertBlobTreeIntact(root: string, where: string): Promise<number> {
  const blobs = `${root}/docker/registry/v2/blobs/sha256`;
  let n = 0;
  for (const prefix of listNames(blobs)) {
    for (const hex of listNames(`${blobs}/${prefix}`)) {
      const data = `${blobs}/${prefix}/${hex}/data`;
      try {
        Deno.statSync(data);
      } catch {
        continue; // a blob directory whose data has not been moved in yet
      }
      assert.equal(await sha256File(data), hex, `${where}: blob file ${data} is corrupt`);
      n++;
    }
  }
  return n;
}

const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `repo:tag → digest` of everything a docker-registry holds under `namespace/`. */
async function registryTags(registryUrl: string, namespace: string): Promise<Record<string, string>> {
  const catalog = await (await fetch(`${registryUrl}/v2/_catalog?n=1000`)).json() as {
    repositories: string[];
  };
  const out: Record<string, string> = {};
  for (const repo of catalog.repositories ?? []) {
    if (!repo.startsWith(`${namespace}/`)) continue;
    const res = await fetch(`${registryUrl}/v2/${repo}/tags/list`);
    const tags = res.ok ? ((await res.json()) as { tags: string[] | null }).tags ?? [] : [];
    for (const tag of tags) {
      const head = await fetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, {
        method: "HEAD",
        headers: { accept: MANIFEST_ACCEPT },
      });
      await head.body?.cancel();
      assert.equal(head.status, 200, `${repo}:${tag}`);
      out[`${repo.slice(namespace.length + 1)}:${tag}`] = head.headers.get("docker-content-digest") ?? "";
    }
  }
  return out;
}

/** The cluster resources a run wrote, with the registry host made neutral. */
function clusterResources(workspace: string, host: string): Record<string, string> {
  const dir = `${workspace}/working-dir/cluster-resources`;
  const out: Record<string, string> = {};
  for (const name of listNames(dir)) {
    out[name] = Deno.readTextFileSync(`${dir}/${name}`).replaceAll(host, "REGISTRY")
      .replace(/(createdAt|creationTimestamp|generated|date)(["']?:\s*)\S+/gi, "$1$2<time>");
  }
  return out;
}

/** The lock a killed run left must not name a live process; returns whether there was one. */
function assertLockStale(workspace: string, where: string): boolean {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${workspace}/working-dir/.lock`);
  } catch {
    return false;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (Number.isFinite(pid) && pid > 0) {
    assert.ok(!isAlive(pid), `${where}: the lock names PID ${pid}, which still runs`);
  }
  return true;
}

function isAlive(pid: number): boolean {
  const out = new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" }).outputSync();
  return out.success;
}

function assertNoLeftovers(workspace: string, archiveDir: string | undefined, where: string): void {
  assert.ok(!listNames(`${workspace}/working-dir`).includes(".lock"), `${where}: the lock was released`);
  if (archiveDir !== undefined) {
    const partials = listNames(archiveDir).filter((n) => n.endsWith(".partial"));
    assert.deepEqual(partials, [], `${where}: no .partial part is left`);
  }
}

/** Runs `args` until the point is reached, then SIGKILLs it; returns false when it finished first. */
async function killAt(
  point: KillPoint,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  proxy?: FaultProxy,
): Promise<boolean> {
  const reach = point.start(proxy);
  let killed = false;
  const cli = await spawnOcMirror([...args, ...(point.args ?? []), ...JSON_ARGS], { cwd, env });
  try {
    const ended = cli.child.status.then((s) => {
      if (s.success && point.mayFinish) return;
      throw new Error(`the run ended before "${point.name}":\n${cli.stderr().slice(-3000)}`);
    });
    await Promise.race([reach(cli), ended]);
  } finally {
    const code = await cli.stop("SIGKILL");
    if (code === 0) assert.ok(point.mayFinish, `${point.name}: the run was killed, not finished`);
    killed = code !== 0;
  }
  return killed;
}

// ---------------------------------------------------------------------------------------------------
// mirror-to-disk

Deno.test("SIGKILL at any point of mirror-to-disk never leaves a set that looks complete, and the rerun archives the same content", async (t) => {
  await using upstream = await HoldingUpstream.start();
  const env = { ...upstream.up.env(), ...DENO_CACHE };
  const root = await Deno.makeTempDir({ prefix: "interrupt-m2d-" });
  try {
    await Deno.writeTextFile(`${root}/isc.yaml`, ISC_DISK);
    await Deno.writeTextFile(`${root}/isc-more.yaml`, ISC_DISK_MORE);
    const base = await runOcMirror(["--v2", "-c", "isc.yaml", "file://base"], { cwd: root, env });
    assert.equal(base.code, 0, base.stderr);
    const expected = await archiveContent(`${root}/base`);
    // Through a cache the set holds fewer blobs (not the graph image's base index), so it has its own.
    const baseCached = await runOcMirror([
      "--v2",
      "-c",
      "isc.yaml",
      "file://base-cached",
      "--cache-dir",
      "c0",
    ], {
      cwd: root,
      env,
    });
    assert.equal(baseCached.code, 0, baseCached.stderr);
    const expectedCached = await archiveContent(`${root}/base-cached`);
    assert.ok(expected.blobs.includes(upstream.layers[0] as string), "the big layer is archived");
    assert.ok(Object.keys(expected.tags).some((t) => t.startsWith("openshift/release-images:")));

    const midBlob = (name: string, layer: number, extra: Partial<KillPoint> = {}) => ({
      name,
      start: () => {
        const held = upstream.hold(upstream.layers[layer] as Digest);
        return async () => {
          await held.reached;
          await sleep(50);
        };
      },
      ...extra,
    });
    const points: (KillPoint & { incremental?: boolean })[] = [
      atMessage("while collecting (release channel resolved)", /^Channel stable-4\.14/),
      {
        name: "at the first image",
        start: () => (cli) => waitFor(cli, "an image start", () => count(cli, imageEvents("start")) > 0),
      },
      midBlob("mid-blob (3 MiB layer half read)", 0, { leavesPartial: true }),
      midBlob("mid-blob into the cache (--cache-dir)", 0, { args: ["--cache-dir", "cache"] }),
      { name: "after the last image (working files, close)", start: () => allImagesDone, mayFinish: true },
      {
        name: "after the last image + 15 ms (close, rename)",
        mayFinish: true,
        start: () => async (cli) => {
          await allImagesDone(cli);
          await sleep(15);
        },
      },
      {
        ...atMessage("once the set is renamed (around the history write)", /^Archive set written/),
        mayFinish: true,
      },
      {
        ...midBlob("mid-blob of an incremental run (an earlier set is in place)", 1, { leavesPartial: true }),
        incremental: true,
      },
    ];
    for (const [i, point] of points.entries()) {
      await t.step(point.name, async () => {
        const out = `out${i}`;
        const dir = `${root}/${out}`;
        const config = point.incremental ? "isc-more.yaml" : "isc.yaml";
        let before: ArchiveContent | undefined;
        let historyBefore: string[] = [];
        if (point.incremental) {
          const first = await runOcMirror(["--v2", "-c", "isc.yaml", `file://${out}`], { cwd: root, env });
          assert.equal(first.code, 0, first.stderr);
          before = await archiveContent(dir);
          historyBefore = historyFiles(dir);
          assert.equal(historyBefore.length, 1);
        }
        const args = ["--v2", "-c", config, `file://${out}`];
        let killed: boolean;
        try {
          killed = await killAt(point, args, root, env);
        } finally {
          upstream.release();
        }
        const cached = point.args?.includes("--cache-dir") ?? false;
        const want = cached ? expectedCached : expected;

        // What the kill left.
        const names = listNames(dir);
        if (point.leavesPartial) assert.ok(names.some((n) => n.endsWith(".partial")), `${names}`);
        let complete: ArchiveContent | undefined;
        if (names.some((n) => /^mirror_\d{6}\.tar$/.test(n))) {
          // A set in place either verifies (and is then checked to be the complete one) or is refused.
          complete = await archiveContent(dir).catch(() => undefined);
        }
        const history = historyFiles(dir);
        if (!killed) {
          assert.ok(complete && history.length > historyBefore.length, "a finished run is complete");
        }
        if (point.incremental) {
          assert.ok(complete, "the earlier set is still in place and verifies");
          const isNew = complete.blobs.includes(upstream.layers[1] as string);
          if (!isNew) assert.deepEqual(complete, before, "the earlier set is untouched");
          if (!isNew) assert.deepEqual(history, historyBefore, "the history did not move");
        } else if (complete) {
          assert.deepEqual(complete, want, "a set in place is the complete one");
        } else {
          assert.deepEqual(history, [], "no history for an archive that was not completed");
        }
        if (history.length > historyBefore.length) {
          assert.ok(complete, "the history moved only with a complete set");
        }
        assertLockStale(dir, point.name);

        // The rerun.
        const rerun = await runOcMirror([...args, ...(point.args ?? [])], { cwd: root, env });
        assert.equal(rerun.code, 0, `${point.name}: rerun\n${rerun.stderr}`);
        assertNoLeftovers(dir, dir, point.name);
        const after = await archiveContent(dir);
        if (point.incremental) {
          assert.ok(after.blobs.includes(upstream.layers[1] as string), "the rerun archives the new layer");
          assert.ok(
            !after.blobs.includes(upstream.layers[0] as string),
            "but not what the first set shipped",
          );
          assert.equal(Object.keys(after.tags).length, Object.keys(expected.tags).length + 1);
        } else if (history.length === 0) {
          assert.deepEqual(after, want, "the rerun archives what an uninterrupted run does");
        } else {
          // The killed run had finished its set: the rerun is an incremental run after it.
          assert.deepEqual(after.tags, want.tags);
          for (const b of after.blobs) assert.ok(want.blobs.includes(b));
        }
        if (cached) {
          const n = await assertBlobTreeIntact(`${root}/cache/.oc-mirror/.cache`, "cache");
          assert.ok(n >= want.blobs.length, `cache blobs: ${n}`);
          // The rerun swept what the killed run left half-written (blob data and link temp files).
          const temps = filesUnder(`${root}/cache`).filter((f) => f.endsWith(".tmp"));
          assert.deepEqual(temps, [], "no temp file of the killed run is left in the cache");
        }
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------------
// disk-to-mirror and mirror-to-mirror

/** What a registry run produced: every tag's digest at the registry and the cluster resources. */
interface RegistryResult {
  tags: Record<string, string>;
  resources: Record<string, string>;
}

async function registryResult(reg: DockerRegistry, workspace: string, host: string): Promise<RegistryResult> {
  return { tags: await registryTags(reg.url, "mirror"), resources: clusterResources(workspace, host) };
}

/** After a kill: every tag at the registry names the image an uninterrupted run puts there; no corrupt blob. */
async function assertRegistryConsistent(reg: DockerRegistry, expected: RegistryResult, where: string) {
  const tags = await registryTags(reg.url, "mirror");
  for (const [tag, digest] of Object.entries(tags)) {
    assert.equal(digest, expected.tags[tag], `${where}: ${tag} at the registry is the right image`);
  }
  await assertBlobTreeIntact(reg.root, where);
  return tags;
}

interface RegistryScenario {
  /** The workspace (disk-to-mirror: a fresh copy of the archive directory). */
  workspace: string;
  reg: DockerRegistry;
  /** Host the run pushes to (the registry, or a fault proxy in front of it). */
  host: string;
  proxy?: FaultProxy;
}

/** Runs the kill points of one registry workflow against a fresh docker-registry each. */
async function registryKills(
  t: Deno.TestContext,
  o: {
    root: string;
    env: Record<string, string>;
    args: (s: RegistryScenario) => string[];
    prepare: (workspace: string) => Promise<void>;
    expected: RegistryResult;
    points: KillPoint[];
    release?: () => void;
  },
): Promise<void> {
  for (const [i, point] of o.points.entries()) {
    await t.step(point.name, async () => {
      const workspace = `${o.root}/ws${i}`;
      await o.prepare(workspace);
      await using reg = await startDockerRegistry(`${o.root}/reg${i}`);
      await using proxy = point.proxyFaults
        ? await startFaultProxy(reg.url, { faults: point.proxyFaults })
        : undefined;
      const s: RegistryScenario = {
        workspace,
        reg,
        host: proxy?.host ?? reg.host,
        ...(proxy ? { proxy } : {}),
      };
      let killed: boolean;
      try {
        killed = await killAt(point, o.args(s), o.root, o.env, proxy);
      } finally {
        o.release?.();
        proxy?.setFaults([]);
      }
      const tagged = await assertRegistryConsistent(reg, o.expected, point.name);
      if (point.untagged) {
        assert.equal(tagged[point.untagged], undefined, `${point.untagged} is not tagged yet`);
      }
      if (!killed) assert.deepEqual(tagged, o.expected.tags, "a finished run mirrored everything");
      assertLockStale(workspace, point.name);

      const rerun = await runOcMirror(o.args(s), { cwd: o.root, env: o.env });
      assert.equal(rerun.code, 0, `${point.name}: rerun\n${rerun.stderr}`);
      assertNoLeftovers(workspace, undefined, point.name);
      assert.deepEqual(await registryResult(reg, workspace, s.host), o.expected, point.name);
      assert.ok(await assertBlobTreeIntact(reg.root, point.name) > 10);
    });
  }
}

function copyDir(from: string, to: string): Promise<void> {
  return new Deno.Command("cp", { args: ["-a", from, to] }).output().then((r) => assert.ok(r.success));
}

const firstImageStart: KillPoint = {
  name: "at the first image",
  start: () => (cli) => waitFor(cli, "an image start", () => count(cli, imageEvents("start")) > 0),
};
const firstImageDone: KillPoint = {
  name: "after the first image is done",
  start: () => (cli) => waitFor(cli, "an image done", () => count(cli, imageEvents("done")) > 0),
};
const lastImageDone: KillPoint = {
  name: "after the last image (errors file, cluster resources)",
  mayFinish: true,
  start: () => allImagesDone,
};

Deno.test("SIGKILL at any point of disk-to-mirror leaves only right images at the registry, and the rerun completes the same mirror", async (t) => {
  await using upstream = await HoldingUpstream.start();
  const root = await Deno.makeTempDir({ prefix: "interrupt-d2m-" });
  try {
    await Deno.writeTextFile(`${root}/isc.yaml`, ISC_REGISTRY);
    const m2d = await runOcMirror(["--v2", "-c", "isc.yaml", "file://archive"], {
      cwd: root,
      env: { ...upstream.up.env(), ...DENO_CACHE },
    });
    assert.equal(m2d.code, 0, m2d.stderr);
    await upstream.up.close(); // disk-to-mirror is offline
    const env: Record<string, string> = DENO_CACHE;
    const args = (
      s: RegistryScenario,
    ) => ["--v2", "-c", "isc.yaml", "--from", `file://${s.workspace}`, `docker://${s.host}/mirror`];
    const prepare = (workspace: string) => copyDir(`${root}/archive`, workspace);

    await prepare(`${root}/base`);
    await using baseReg = await startDockerRegistry(`${root}/reg-base`);
    const base = await runOcMirror(args({ workspace: `${root}/base`, reg: baseReg, host: baseReg.host }), {
      cwd: root,
      env,
    });
    assert.equal(base.code, 0, base.stderr);
    const expected = await registryResult(baseReg, `${root}/base`, baseReg.host);
    assert.ok(Object.keys(expected.tags).includes("example/big:1.0"));
    assert.ok(Object.keys(expected.resources).length > 0);

    await registryKills(t, {
      root,
      env,
      args,
      prepare,
      expected,
      points: [
        {
          name: "while verifying the archive",
          start: () => (cli) =>
            waitFor(
              cli,
              "verify phase",
              () => count(cli, (e) => e.kind === "phase" && e.name === "verify-archive") > 0,
            ),
        },
        firstImageStart,
        {
          name: "mid-upload of the 3 MiB layer (PATCH held by a proxy)",
          untagged: "example/big:1.0",
          proxyFaults: [{
            method: "PATCH",
            path: /\/blobs\/uploads\//,
            fault: { kind: "delay", ms: 20_000 },
          }],
          start: (proxy) => async () => {
            await poll(() =>
              proxy?.requests.some((r) => r.method === "PATCH" && r.fault !== undefined) ?? false
            );
            await sleep(50);
          },
        },
        firstImageDone,
        lastImageDone,
      ],
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("SIGKILL at any point of mirror-to-mirror leaves only right images at the registry, and the rerun completes the same mirror", async (t) => {
  await using upstream = await HoldingUpstream.start();
  const env = { ...upstream.up.env(), ...DENO_CACHE };
  const root = await Deno.makeTempDir({ prefix: "interrupt-m2m-" });
  try {
    await Deno.writeTextFile(`${root}/isc.yaml`, ISC_REGISTRY);
    const args = (s: RegistryScenario) => [
      "--v2",
      "-c",
      "isc.yaml",
      "--workspace",
      `file://${s.workspace}`,
      `docker://${s.host}/mirror`,
    ];
    await using baseReg = await startDockerRegistry(`${root}/reg-base`);
    const base = await runOcMirror(args({ workspace: `${root}/base`, reg: baseReg, host: baseReg.host }), {
      cwd: root,
      env,
    });
    assert.equal(base.code, 0, base.stderr);
    const expected = await registryResult(baseReg, `${root}/base`, baseReg.host);
    assert.ok(Object.keys(expected.tags).includes("example/big:1.0"));

    await registryKills(t, {
      root,
      env,
      args,
      prepare: () => Promise.resolve(),
      expected,
      release: () => upstream.release(),
      points: [
        {
          name: "once the plan is made",
          start: () => (cli) =>
            waitFor(cli, "the copy phase", () => count(cli, (e) => e.kind === "phase") > 0),
        },
        firstImageStart,
        {
          name: "mid-blob (3 MiB layer half read, its PATCH half sent)",
          untagged: "example/big:1.0",
          start: () => {
            const held = upstream.hold(upstream.layers[0] as Digest);
            return async () => {
              await held.reached;
              await sleep(50);
            };
          },
        },
        firstImageDone,
        lastImageDone,
      ],
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------------
// SIGINT

/** Sends SIGINT once the run is at `reach`; returns the exit code, the seconds it took to stop and stderr. */
async function interruptAt(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  reach: (cli: RunningCli) => Promise<void>,
  json = true,
  signal: Deno.Signal = "SIGINT",
): Promise<{ code: number; seconds: number; stderr: string }> {
  const cli = await spawnOcMirror([...args, ...(json ? JSON_ARGS : [])], { cwd, env });
  try {
    const ended = cli.child.status.then(() => {
      throw new Error(`the run ended before it was interrupted:\n${cli.stderr().slice(-3000)}`);
    });
    await Promise.race([reach(cli), ended]);
  } catch (e) {
    await cli.stop("SIGKILL");
    throw e;
  }
  const started = performance.now();
  const stopping = cli.stop(signal);
  const timer = setTimeout(() => cli.child.kill("SIGKILL"), 15_000);
  const code = await stopping.finally(() => clearTimeout(timer));
  return { code, seconds: (performance.now() - started) / 1000, stderr: cli.stderr() };
}

function assertStoppedCleanly(r: { code: number; seconds: number; stderr: string }, workspace: string) {
  assert.notEqual(r.code, 0, r.stderr);
  assert.ok(r.seconds < 5, `stopped within 5 s (took ${r.seconds.toFixed(1)} s)`);
  const errors = r.stderr.split("\n").filter((l) => /^\{"time":"[^"]+","kind":"error"|^error:/.test(l));
  assert.ok(
    errors.some((l) => /interrupted/i.test(l)),
    `an error names the interruption:\n${r.stderr}`,
  );
  assert.ok(!listNames(`${workspace}/working-dir`).includes(".lock"), "the lock is released");
}

Deno.test("SIGINT (and SIGTERM) stop each workflow within seconds: a message, a non-zero exit, the lock released, nothing partial left", async (t) => {
  await using upstream = await HoldingUpstream.start();
  const env = { ...upstream.up.env(), ...DENO_CACHE };
  const root = await Deno.makeTempDir({ prefix: "interrupt-int-" });
  try {
    await Deno.writeTextFile(`${root}/isc.yaml`, ISC_REGISTRY);
    const holdBig = () => {
      const held = upstream.hold(upstream.layers[0] as Digest);
      return async () => {
        await held.reached;
        await sleep(50);
      };
    };

    await t.step("mirror-to-disk, mid-blob", async () => {
      const reach = holdBig();
      // Plain output here: the message a person at a terminal sees.
      const r = await interruptAt(["--v2", "-c", "isc.yaml", "file://out"], root, env, reach, false).finally(
        () => upstream.release(),
      );
      assertStoppedCleanly(r, `${root}/out`);
      assert.deepEqual(
        listNames(`${root}/out`).filter((n) => n.startsWith("mirror_")),
        [],
        "no part, no .partial",
      );
      assert.deepEqual(historyFiles(`${root}/out`), []);
    });

    await t.step(
      "mirror-to-disk through --cache-dir, SIGTERM (as a container stop sends) mid-blob",
      async () => {
        const reach = holdBig();
        const r = await interruptAt(
          ["--v2", "-c", "isc.yaml", "file://out-term", "--cache-dir", "cache-term"],
          root,
          env,
          reach,
          true,
          "SIGTERM",
        ).finally(() => upstream.release());
        assertStoppedCleanly(r, `${root}/out-term`);
        assert.deepEqual(listNames(`${root}/out-term`).filter((n) => n.startsWith("mirror_")), []);
        const temps = filesUnder(`${root}/cache-term`).filter((f) => f.endsWith(".tmp"));
        assert.deepEqual(temps, [], "a stopped run removes its temp files from the cache");
      },
    );

    await t.step("mirror-to-mirror, mid-blob (PATCH half sent)", async () => {
      await using reg = await startDockerRegistry(`${root}/reg-m2m`);
      const reach = holdBig();
      const r = await interruptAt(
        ["--v2", "-c", "isc.yaml", "--workspace", "file://ws", `docker://${reg.host}/mirror`],
        root,
        env,
        reach,
      ).finally(() => upstream.release());
      assertStoppedCleanly(r, `${root}/ws`);
      assert.equal((await registryTags(reg.url, "mirror"))["example/big:1.0"], undefined);
      await assertBlobTreeIntact(reg.root, "mirror-to-mirror after SIGINT");
      // The half-sent layer was not committed. (Its upload session may stay in docker-registry's
      // _uploads even though the run sent the DELETE: the registry's PATCH handler races with it.)
      const head = await fetch(`${reg.url}/v2/mirror/example/big/blobs/${upstream.layers[0]}`, {
        method: "HEAD",
      });
      await head.body?.cancel();
      assert.equal(head.status, 404, "the half-sent layer is not in the registry");
    });

    await t.step("disk-to-mirror, mid-upload", async () => {
      const m2d = await runOcMirror(["--v2", "-c", "isc.yaml", "file://archive"], { cwd: root, env });
      assert.equal(m2d.code, 0, m2d.stderr);
      await using reg = await startDockerRegistry(`${root}/reg-d2m`);
      await using proxy = await startFaultProxy(reg.url, {
        faults: [{ method: "PATCH", path: /\/blobs\/uploads\//, fault: { kind: "delay", ms: 20_000 } }],
      });
      const r = await interruptAt(
        ["--v2", "-c", "isc.yaml", "--from", "file://archive", `docker://${proxy.host}/mirror`],
        root,
        DENO_CACHE,
        async () => {
          await poll(() => proxy.requests.some((q) => q.method === "PATCH" && q.fault !== undefined));
          await sleep(50);
        },
      );
      proxy.setFaults([]);
      assertStoppedCleanly(r, `${root}/archive`);
      assert.equal((await registryTags(reg.url, "mirror"))["example/big:1.0"], undefined);
      await assertBlobTreeIntact(reg.root, "disk-to-mirror after SIGINT");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
