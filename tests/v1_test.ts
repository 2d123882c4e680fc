/**
 * End-to-end v1 semantics (apiVersion v1alpha2): sequences, differential archives, the sequence check at
 * publish, pruning at a real docker-registry (deletes enabled), the results directory, mirror-to-mirror
 * pruning and the stateless warning. The CLI runs as a subprocess against the synthetic upstream.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { skopeoInspectRaw } from "./_support/skopeo.ts";

const KEY = new URL("../fixtures/keys/release-public.asc", import.meta.url).pathname;
const D2M_ENV = { OCP_SIGNATURE_VERIFICATION_PK: KEY };
const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface Association {
  name: string;
  path: string;
  id: string;
  tagSymlink: string;
  manifestDigests: string[] | null;
  layerDigests: string[] | null;
}

interface Metadata {
  uid: string;
  singleUse: boolean;
  pastMirror: { sequence: number };
  pastAssociations: Association[];
}

function isc(o: { maxVersion: string; images: string[]; storage?: boolean; operators?: boolean }): string {
  return [
    "apiVersion: mirror.openshift.io/v1alpha2",
    "kind: ImageSetConfiguration",
    ...(o.storage === false ? [] : ["storageConfig:", "  local:", "    path: ./metadata"]),
    "mirror:",
    "  platform:",
    ...(o.operators ? ["    graph: true"] : []),
    "    channels:",
    "    - name: stable-4.14",
    "      minVersion: 4.14.3",
    `      maxVersion: ${o.maxVersion}`,
    ...(o.operators
      ? [
        "  operators:",
        "  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.14",
        "    packages:",
        "    - name: web-terminal",
      ]
      : []),
    "  additionalImages:",
    ...o.images.map((i) => `  - name: ${i}`),
    "",
  ].join("\n");
}

async function readMetadata(file: string): Promise<Metadata> {
  return JSON.parse(await Deno.readTextFile(file)) as Metadata;
}

async function tarNames(file: string): Promise<string[]> {
  const out = await new Deno.Command("tar", { args: ["-tf", file], stdout: "piped" }).output();
  assert.ok(out.success, `tar -tf ${file}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "");
}

async function manifestStatus(url: string, repo: string, digest: string): Promise<number> {
  const res = await fetch(`${url}/v2/${repo}/manifests/${digest}`, {
    method: "HEAD",
    headers: { Accept: ACCEPT },
  });
  await res.body?.cancel();
  return res.status;
}

async function moveSequence(from: string, to: string, sequence: number): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    if (e.name.startsWith(`mirror_seq${sequence}_`)) {
      await Deno.rename(`${from}/${e.name}`, `${to}/${e.name}`);
    }
  }
}

function newestResults(workspace: string): string {
  const dirs = [...Deno.readDirSync(workspace)].map((e) => e.name).filter((n) => /^results-\d+$/.test(n))
    .sort();
  assert.ok(dirs.length > 0, `a results-<epoch> directory in ${workspace}`);
  return `${workspace}/${dirs[dirs.length - 1]}`;
}

/** What pruning must delete going from `before` to `after`: (path, digest) no longer used in that repository. */
function dropped(before: Association[], after: Association[]): Set<string> {
  const used = new Set(
    after.flatMap((a) => [a.id, ...(a.manifestDigests ?? [])].map((d) => `${a.path}@${d}`)),
  );
  return new Set(before.map((a) => `${a.path}@${a.id}`).filter((k) => !used.has(k)));
}

Deno.test("v1: sequences, differential archives, the publish order check and pruning at docker-registry", async () => {
  const dir = await Deno.makeTempDir({ prefix: "v1-" });
  try {
    await using up = await startUpstream();
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const target = `docker://${reg.host}/ns`;
    const m2d = () => runOcMirror(["-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
    const d2m = (from: string, ...extra: string[]) =>
      runOcMirror(["-c", "isc.yaml", "--from", `file://${from}`, target, ...extra], {
        cwd: dir,
        env: D2M_ENV,
      });
    const app = "quay.io/example/app:1.0";
    const worker = "quay.io/example/worker:1.0";
    const multi = "quay.io/example/multi:latest";

    // Sequence 1: three images and releases 4.14.3 to 4.14.5.
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      isc({ maxVersion: "4.14.5", images: [app, worker, multi], operators: true }),
    );
    const first = await m2d();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Using the v1 engine/);
    assert.match(first.stderr, /Wrote mirror_seq1_000000\.tar/);
    const seq1Names = await tarNames(`${dir}/out/mirror_seq1_000000.tar`);
    assert.equal(seq1Names[0], "publish/.metadata.json", "the first entry is the metadata");
    const seq1 = await readMetadata(`${dir}/metadata/publish/.metadata.json`);
    assert.equal(seq1.pastMirror.sequence, 1);
    assert.equal(seq1.singleUse, false);
    assert.ok(seq1.pastAssociations.some((a) => a.name === worker));

    const publish1 = await d2m("out");
    assert.equal(publish1.code, 0, publish1.stderr);
    assert.match(publish1.stderr, /Publishing sequence 1 of imageset [0-9a-f-]+ to .* \(first publish\)/);
    const metaImage = JSON.parse(
      new TextDecoder().decode(await skopeoInspectRaw(`docker://${reg.host}/ns/oc-mirror:${seq1.uid}`)),
    );
    assert.equal(metaImage.layers.length, 1, "the metadata image at the target has one layer");
    const results1 = newestResults(`${dir}/oc-mirror-workspace`);
    const mapping = await Deno.readTextFile(`${results1}/mapping.txt`);
    assert.match(
      mapping,
      new RegExp(`^quay\\.io/example/worker:1\\.0=${reg.host}/ns/example/worker:1\\.0$`, "m"),
    );
    assert.doesNotMatch(mapping, /docker:\/\//, "v1 mapping.txt has no transports");
    const icsp = parseAllDocuments(await Deno.readTextFile(`${results1}/imageContentSourcePolicy.yaml`))
      .map((d) =>
        d.toJS() as { kind: string; metadata: { name: string }; spec: { repositoryDigestMirrors: unknown[] } }
      );
    assert.deepEqual(icsp.map((o) => [o.kind, o.metadata.name]), [
      ["ImageContentSourcePolicy", "release-0"],
      ["ImageContentSourcePolicy", "operator-0"],
    ]);
    const [cs] = parseAllDocuments(
      await Deno.readTextFile(`${results1}/catalogSource-redhat-operator-index.yaml`),
    )
      .map((d) => d.toJS() as { metadata: Record<string, unknown>; spec: { image: string } });
    assert.deepEqual(cs?.metadata, { name: "redhat-operator-index", namespace: "openshift-marketplace" });
    assert.equal(cs?.spec.image, `${reg.host}/ns/redhat/redhat-operator-index:v4.14`);
    const us = await Deno.readTextFile(`${results1}/updateService.yaml`);
    assert.match(us, /kind: UpdateService\nmetadata:\n {2}name: update-service-oc-mirror\nspec:/);
    assert.ok(Deno.readDirSync(`${results1}/release-signatures`).next().value, "release signatures written");
    await assert.rejects(Deno.stat(`${dir}/out/working-dir/cluster-resources`), Deno.errors.NotFound);

    // Sequence 2: drop the worker image and narrow the release range; only new blobs are archived.
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      isc({ maxVersion: "4.14.3", images: [app, multi], operators: true }),
    );
    const second = await m2d();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Wrote mirror_seq2_000000\.tar/);
    const seq2 = await readMetadata(`${dir}/metadata/publish/.metadata.json`);
    assert.equal(seq2.pastMirror.sequence, 2);
    assert.equal(seq2.uid, seq1.uid);
    const seq1Layers = new Set(seq1.pastAssociations.flatMap((a) => a.layerDigests ?? []));
    const seq2Blobs = (await tarNames(`${dir}/out/mirror_seq2_000000.tar`))
      .map((n) => /^docker\/registry\/v2\/blobs\/sha256\/..\/([a-f0-9]{64})\/data$/.exec(n)?.[1])
      .filter((h) => h !== undefined);
    assert.ok(seq2Blobs.length > 0);
    for (const h of seq2Blobs) assert.ok(!seq1Layers.has(`sha256:${h}`), `sequence 2 re-archived ${h}`);

    // Sequence 3 (one more image) goes to its own folder; the same configuration again makes nothing.
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      isc({ maxVersion: "4.14.3", images: [app, multi, "quay.io/example/cache:2.0"], operators: true }),
    );
    const third = await m2d();
    assert.equal(third.code, 0, third.stderr);
    await moveSequence(`${dir}/out`, `${dir}/out3`, 3);
    const again = await m2d();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /No new images detected, process stopping/);
    assert.ok(![...Deno.readDirSync(`${dir}/out`)].some((e) => e.name.startsWith("mirror_seq4")));
    assert.equal((await readMetadata(`${dir}/metadata/publish/.metadata.json`)).pastMirror.sequence, 3);

    // Sequence 3 before 2 is refused; --skip-metadata-check lets it through (here as a dry run).
    const workerAt = (s: Association) => manifestStatus(reg.url, `ns/${s.path}`, s.id);
    const workerAssoc = seq1.pastAssociations.find((a) => a.name === worker) as Association;
    const early = await d2m("out3");
    assert.equal(early.code, 1, early.stderr);
    assert.match(early.stderr, /invalid mirror sequence order, want 2, got 3/);
    const skipped = await d2m("out3", "--skip-metadata-check", "--dry-run");
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(
      skipped.stderr,
      /Sequence check bypassed \(--skip-metadata-check\): invalid mirror sequence order, want 2, got 3/,
    );
    assert.match(skipped.stderr, /Pruning plan: \d+ manifests .* \(dry run: nothing is deleted\)/);
    assert.equal(await workerAt(workerAssoc), 200, "a dry run deletes nothing");

    // Sequence 2 in order: published, then pruned exactly by what the configuration dropped.
    const publish2 = await d2m("out");
    assert.equal(publish2.code, 0, publish2.stderr);
    assert.match(publish2.stderr, /holds sequences 1, 2: publishing sequence 2/);
    const planAt = publish2.stderr.indexOf("Pruning plan:");
    assert.ok(
      planAt >= 0 && planAt < publish2.stderr.indexOf("Pruned "),
      "the plan is printed before deleting",
    );
    const expected = dropped(seq1.pastAssociations, seq2.pastAssociations);
    assert.ok(expected.has(`${workerAssoc.path}@${workerAssoc.id}`));
    const payload5 = seq1.pastAssociations.find((a) =>
      a.tagSymlink === "4.14.5-x86_64" && a.path.endsWith("release-images")
    );
    assert.ok(payload5 && expected.has(`${payload5.path}@${payload5.id}`));
    const shared = seq1.pastAssociations.filter((a) =>
      a.tagSymlink.startsWith("4.14.5-") && !expected.has(`${a.path}@${a.id}`)
    );
    assert.ok(shared.length > 0, "some 4.14.5 components share a digest with 4.14.3 and must stay");
    assert.match(publish2.stderr, new RegExp(`Pruned ${expected.size} of ${expected.size} manifests`));
    for (const a of seq1.pastAssociations) {
      const status = await manifestStatus(reg.url, `ns/${a.path}`, a.id);
      assert.equal(status, expected.has(`${a.path}@${a.id}`) ? 404 : 200, `${a.path}:${a.tagSymlink}`);
    }
    for (const a of seq2.pastAssociations) {
      assert.equal(await manifestStatus(reg.url, `ns/${a.path}`, a.id), 200, `${a.path}:${a.tagSymlink}`);
    }

    // The same sequence again is refused with the original's message.
    const repeat = await d2m("out");
    assert.equal(repeat.code, 1, repeat.stderr);
    assert.match(
      repeat.stderr,
      /cannot be published to .*\(it is at sequence 2\): mirror sequence is the same/,
    );
    const forced = await d2m("out", "--skip-metadata-check");
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(
      forced.stderr,
      /Sequence check bypassed \(--skip-metadata-check\): mirror sequence is the same/,
    );
    assert.match(forced.stderr, /Pruning: nothing to prune/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("v1: mirror-to-mirror prunes what the configuration dropped; a stateless run warns and keeps no state", async () => {
  const dir = await Deno.makeTempDir({ prefix: "v1-m2m-" });
  try {
    await using up = await startUpstream();
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const m2m = () =>
      runOcMirror(["--v1", "-c", "isc.yaml", `docker://${reg.host}/m2m`], { cwd: dir, env: up.env() });
    const images = ["quay.io/example/app:1.0", "quay.io/example/worker:1.0"];
    await Deno.writeTextFile(`${dir}/isc.yaml`, isc({ maxVersion: "4.14.3", images }));
    const first = await m2m();
    assert.equal(first.code, 0, first.stderr);
    const seq1 = await readMetadata(`${dir}/metadata/publish/.metadata.json`);
    const worker = seq1.pastAssociations.find((a) => a.path === "example/worker") as Association;
    assert.equal(await manifestStatus(reg.url, "m2m/example/worker", worker.id), 200);

    await Deno.writeTextFile(`${dir}/isc.yaml`, isc({ maxVersion: "4.14.3", images: images.slice(0, 1) }));
    const second = await m2m();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Pruning plan: 1 manifests/);
    assert.equal(await manifestStatus(reg.url, "m2m/example/worker", worker.id), 404);
    const app = seq1.pastAssociations.find((a) => a.path === "example/app") as Association;
    assert.equal(await manifestStatus(reg.url, "m2m/example/app", app.id), 200);
    assert.equal((await readMetadata(`${dir}/metadata/publish/.metadata.json`)).pastMirror.sequence, 2);
    const results = newestResults(`${dir}/oc-mirror-workspace`);
    assert.match(await Deno.readTextFile(`${results}/mapping.txt`), /^quay\.io\/example\/app:1\.0=/m);
    assert.ok((await Deno.stat(`${results}/imageContentSourcePolicy.yaml`)).isFile);

    // Stateless: no storageConfig.
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      isc({ maxVersion: "4.14.3", images: images.slice(0, 1), storage: false }),
    );
    const stateless = await runOcMirror(["-c", "isc.yaml", "file://sl"], { cwd: dir, env: up.env() });
    assert.equal(stateless.code, 0, stateless.stderr);
    assert.equal(
      stateless.stderr.match(/no storageConfig: pruning and differential archives are off/g)?.length,
      1,
      "the stateless warning is given once",
    );
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/sl`)].map((e) => e.name).filter((n) => n.endsWith(".tar")),
      ["mirror_seq1_000000.tar"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
