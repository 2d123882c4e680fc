import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { RegistryError, StateError } from "../errors.ts";
import type { Descriptor } from "../oci/mod.ts";
import { MemoryStore, writeImage } from "../store/mod.ts";
import { pruneImages } from "./prune_images.ts";
import type { PruneTarget, PruningPlan } from "./pruning_plan.ts";

async function storeWith(images: [string, string][]): Promise<{ store: MemoryStore; plan: PruningPlan }> {
  const store = new MemoryStore({ label: "docker://reg" });
  const plan: PruningPlan = { targets: [], kept: 0 };
  for (const [repo, tag] of images) {
    const d = await writeImage(store, `ns/${repo}`, {
      config: { tag },
      layers: [{ bytes: new TextEncoder().encode(tag) }],
      tag,
    });
    plan.targets.push({ path: repo, digest: d.digest, tags: [tag], names: [`${repo}:${tag}`], child: false });
  }
  return { store, plan };
}

function logs(): { ctx: ReturnType<typeof testContext>; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    ctx: testContext({ report: (e) => e.kind === "log" && lines.push(`${e.level}: ${e.message}`) }),
  };
}

Deno.test("pruneImages deletes every planned manifest under the target's namespace", async () => {
  const { store, plan } = await storeWith([["a", "1"], ["b", "2"]]);
  const { ctx, lines } = logs();
  const r = await pruneImages(plan, { ctx, store, repository: (p) => `ns/${p}`, continueOnError: false });
  assert.equal(r.deleted.length, 2);
  await assert.rejects(() => store.resolve("ns/a", "1"), /not found/);
  await assert.rejects(() => store.resolve("ns/b", "2"), /not found/);
  assert.ok(lines.some((l) => l.startsWith("info: Pruned reg/ns/a@sha256:")));
});

Deno.test("pruneImages: a manifest already gone (404) is a warning, not a failure", async () => {
  const { store, plan } = await storeWith([["a", "1"]]);
  await store.deleteManifest("ns/a", {
    mediaType: "",
    digest: (plan.targets[0] as PruneTarget).digest,
    size: 0,
  });
  const { ctx, lines } = logs();
  const r = await pruneImages(plan, { ctx, store, repository: (p) => `ns/${p}`, continueOnError: false });
  assert.equal(r.alreadyGone.length, 1);
  assert.equal(r.failed.length, 0);
  assert.ok(lines.some((l) => /^warn: Manifest reg\/ns\/a@sha256:\w+ is already gone \(404\)/.test(l)));
});

function failingStore(status: number, calls: Descriptor[]) {
  return {
    label: "docker://reg",
    deleteManifest(_repo: string, d: Descriptor): Promise<void> {
      calls.push(d);
      return Promise.reject(
        new RegistryError(`Registry reg refused: HTTP ${status}`, {
          registry: "reg",
          status,
          operation: "delete manifest",
        }),
      );
    },
  };
}

Deno.test("pruneImages: 405 stops with a hint, or only warns with --continue-on-error", async () => {
  const { plan } = await storeWith([["a", "1"], ["b", "2"], ["c", "3"]]);
  const calls: Descriptor[] = [];
  await assert.rejects(
    () =>
      pruneImages(plan, {
        ctx: testContext(),
        store: failingStore(405, calls),
        repository: (p) => p,
        continueOnError: false,
        parallel: 1,
      }),
    (e) => {
      assert.ok(e instanceof StateError);
      assert.match(
        e.message,
        /^Registry docker:\/\/reg does not allow deleting manifests \(HTTP 405 deleting reg\/a@sha256:/,
      );
      assert.match(e.hint ?? "", /storage\.delete\.enabled: true.*--skip-pruning/);
      return true;
    },
  );
  assert.equal(calls.length, 1, "no more deletes after a 405");
  const { ctx, lines } = logs();
  const r = await pruneImages(plan, {
    ctx,
    store: failingStore(405, []),
    repository: (p) => p,
    continueOnError: true,
    parallel: 1,
  });
  assert.equal(r.failed.length, 3);
  assert.ok(lines.some((l) => l.includes("nothing is pruned (--continue-on-error)")));
});

Deno.test("pruneImages: other failures are tried for every target and fail the run at the end", async () => {
  const { plan } = await storeWith([["a", "1"], ["b", "2"]]);
  const calls: Descriptor[] = [];
  await assert.rejects(
    () =>
      pruneImages(plan, {
        ctx: testContext(),
        store: failingStore(500, calls),
        repository: (p) => p,
        continueOnError: false,
      }),
    /^StateError: Pruning docker:\/\/reg failed for 2 of 2 manifests: a@sha256:\w+: Registry reg refused: HTTP 500$/,
  );
  assert.equal(calls.length, 2);
  const r = await pruneImages(plan, {
    ctx: testContext(),
    store: failingStore(500, []),
    repository: (p) => p,
    continueOnError: true,
  });
  assert.equal(r.failed.length, 2);
});

Deno.test("pruneImages: a store without deleteManifest cannot prune", async () => {
  const { plan } = await storeWith([["a", "1"]]);
  await assert.rejects(
    () =>
      pruneImages(plan, {
        ctx: testContext(),
        store: { label: "file://x" },
        repository: (p) => p,
        continueOnError: true,
      }),
    /Cannot prune file:\/\/x: it does not support deleting manifests/,
  );
});
