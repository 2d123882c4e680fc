import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import type { RunEvent } from "../context.ts";
import { ConfigError, NotFoundError, OcMirrorError, RegistryError } from "../errors.ts";
import type { Descriptor } from "../oci/mod.ts";
import { deleteImageList, formatDeleteImageList, parseDeleteImageList } from "../state/mod.ts";
import { MemoryStore, type OpOptions, writeImage, writeIndex } from "../store/mod.ts";
import { applyDeletionPlan, checkDeleteList, describeDeletionPlan } from "./delete_execute.ts";
import { planDeletion } from "./plan_deletion.ts";

const REG = "127.0.0.1:5000";
const DEST = { kind: "docker" as const, registry: REG, namespace: "mirror" };

function listOf(items: [string, string][]) {
  const list = deleteImageList(items.map(([ref, type]) => ({
    imageName: "quay.io/x/y:1",
    imageReference: ref,
    type: type as never,
  })));
  return parseDeleteImageList(formatDeleteImageList(list), "delete-images.yaml");
}

function collect(): { events: RunEvent[]; ctx: ReturnType<typeof testContext> } {
  const events: RunEvent[] = [];
  return { events, ctx: testContext({ report: (e) => events.push(e) }) };
}

Deno.test("checkDeleteList() accepts items under the destination and skips catalogs with a warning", () => {
  const { events, ctx } = collect();
  const loaded = listOf([
    [`docker://${REG}/mirror/openshift/release-images:4.14.3-x86_64`, "ocpRelease"],
    [`docker://${REG}/mirror/openshift/release:4.14.3-x86_64-etcd`, "ocpReleaseContent"],
    [`docker://${REG}/mirror/example/app:1.0`, "generic"],
    [`docker://${REG}/mirror/redhat/redhat-operator-index:v4.14`, "operatorCatalog"],
    [`docker://${REG}/mirror-openshift-release:4.14.3-x86_64-pod`, "ocpReleaseContent"],
  ]);
  const checked = checkDeleteList(ctx, loaded, DEST);
  assert.deepEqual(checked.images, [
    { repository: "mirror-openshift-release", reference: "4.14.3-x86_64-pod" },
    { repository: "mirror/example/app", reference: "1.0" },
    { repository: "mirror/openshift/release-images", reference: "4.14.3-x86_64" },
    { repository: "mirror/openshift/release", reference: "4.14.3-x86_64-etcd" },
  ]);
  assert.equal(checked.skippedCatalogs, 1);
  assert.ok(events.some((e) => e.kind === "log" && e.level === "warn" && /never deleted/.test(e.message)));
});

Deno.test("checkDeleteList() refuses the whole list when an item is outside the destination or misplaced", () => {
  const loaded = listOf([
    ["docker://other.example.com/mirror/example/app:1.0", "generic"],
    [`docker://${REG}/elsewhere/app:1.0`, "generic"],
    [`docker://${REG}/mirror/example/release-images:4.14.3-x86_64`, "ocpRelease"],
    [`docker://${REG}/mirror/openshift/release-images:4.14.3-x86_64-etcd`, "ocpReleaseContent"],
    [`docker://${REG}/mirror/example/ok:1.0`, "generic"],
  ]);
  assert.throws(() => checkDeleteList(testContext(), loaded, DEST), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    const lines = e.message.split("\n");
    assert.equal(lines.length, 4, e.message);
    assert.match(
      e.message,
      /delete-images\.yaml:\d+:\d+: items\[\d\]\.imageReference "docker:\/\/127\.0\.0\.1:5000\/elsewhere\/app:1\.0" is not under the destination docker:\/\/127\.0\.0\.1:5000\/mirror/,
    );
    assert.match(e.message, /"docker:\/\/other\.example\.com\/mirror\/example\/app:1\.0" is not under/);
    assert.match(
      e.message,
      /is a release payload \(ocpRelease\) outside docker:\/\/127\.0\.0\.1:5000\/mirror\/openshift\/release-images/,
    );
    assert.match(
      e.message,
      /is a release component \(ocpReleaseContent\) outside .*\/mirror\/openshift\/release$/m,
    );
    assert.match(e.hint ?? "", /Nothing was deleted/);
    return true;
  });
});

async function image(store: MemoryStore, repo: string, name: string, tag?: string): Promise<Descriptor> {
  return await writeImage(store, repo, {
    config: { name },
    layers: [{ bytes: new TextEncoder().encode(name) }],
    ...(tag !== undefined ? { tag } : {}),
  });
}

Deno.test("applyDeletionPlan() deletes parents before children and leaves what the plan keeps", async () => {
  const store = new MemoryStore();
  const amd = await image(store, "m/multi", "amd64");
  const arm = await image(store, "m/multi", "arm64");
  const index = await writeIndex(store, "m/multi", [amd, arm], { tag: "latest" });
  const shared = await image(store, "m/release", "pod", "4.14.3-x86_64-pod");
  await store.putManifest("m/release", shared, await store.getManifest("m/release", shared), {
    tag: "4.14.5-x86_64-pod",
  });
  const order: string[] = [];
  const recording = {
    label: store.label,
    deleteManifest: async (repo: string, d: Descriptor, o?: OpOptions) => {
      order.push(d.digest);
      await store.deleteManifest(repo, d, o);
    },
  };
  const plan = await planDeletion(store, [
    { repository: "m/multi", reference: "latest" },
    { repository: "m/release", reference: "4.14.3-x86_64-pod" },
  ]);
  const done = await applyDeletionPlan(recording, plan, { ctx: testContext(), parallel: 1 });
  assert.equal(done.deleted.length, 3);
  assert.equal(order[0], index.digest);
  assert.deepEqual(order.slice(1).sort(), [amd.digest, arm.digest].sort());
  await assert.rejects(() => store.resolve("m/multi", "latest"), NotFoundError);
  assert.equal((await store.resolve("m/release", "4.14.5-x86_64-pod")).digest, shared.digest);
  assert.equal((await store.resolve("m/release", "4.14.3-x86_64-pod")).digest, shared.digest);
  const lines = describeDeletionPlan(plan, REG);
  assert.ok(lines.includes(`delete: ${REG}/m/multi@${index.digest} (latest)`), lines.join("\n"));
  assert.ok(
    lines.includes(
      `kept: ${REG}/m/release:4.14.3-x86_64-pod (${shared.digest}): still referenced by ${REG}/m/release:4.14.5-x86_64-pod`,
    ),
    lines.join("\n"),
  );
});

Deno.test("applyDeletionPlan() warns about manifests already gone and counts them", async () => {
  const store = new MemoryStore();
  await image(store, "m/app", "app", "1.0");
  const plan = await planDeletion(store, [{ repository: "m/app", reference: "1.0" }]);
  await store.deleteManifest("m/app", plan.deletions[0]?.descriptor as Descriptor);
  const { events, ctx } = collect();
  const done = await applyDeletionPlan(store, plan, { ctx });
  assert.equal(done.deleted.length, 0);
  assert.equal(done.alreadyGone.length, 1);
  assert.ok(events.some((e) => e.kind === "log" && e.level === "warn" && /already gone/.test(e.message)));
});

Deno.test("applyDeletionPlan() stops with a hint when the registry does not allow deletes (HTTP 405)", async () => {
  const store = new MemoryStore();
  await image(store, "m/a", "a", "1");
  await image(store, "m/b", "b", "1");
  const plan = await planDeletion(store, [{ repository: "m/a", reference: "1" }, {
    repository: "m/b",
    reference: "1",
  }]);
  let calls = 0;
  const refusing = {
    label: "docker://127.0.0.1:5000",
    deleteManifest: () => {
      calls++;
      return Promise.reject(
        new RegistryError(
          "Registry docker://127.0.0.1:5000 failed to delete manifest: HTTP 405 (UNSUPPORTED)",
          {
            registry: "127.0.0.1:5000",
            status: 405,
            registryCode: "UNSUPPORTED",
            operation: "delete manifest",
          },
        ),
      );
    },
  };
  await assert.rejects(
    () => applyDeletionPlan(refusing, plan, { ctx: testContext(), parallel: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.status, 405);
      assert.match(
        e.message,
        /^Registry docker:\/\/127\.0\.0\.1:5000 does not allow deleting manifests: HTTP 405/,
      );
      assert.match(e.hint ?? "", /storage\.delete/);
      return true;
    },
  );
  assert.equal(calls, 1, "no further deletes after a 405");
});

Deno.test("applyDeletionPlan() tries every manifest and then reports the ones that failed", async () => {
  const store = new MemoryStore();
  await image(store, "m/a", "a", "1");
  await image(store, "m/b", "b", "1");
  const plan = await planDeletion(store, [{ repository: "m/a", reference: "1" }, {
    repository: "m/b",
    reference: "1",
  }]);
  const flaky = {
    label: store.label,
    deleteManifest: (repo: string, d: Descriptor) =>
      repo === "m/a" ? Promise.reject(new Error("connection reset")) : store.deleteManifest(repo, d),
  };
  await assert.rejects(() => applyDeletionPlan(flaky, plan, { ctx: testContext() }), (e: unknown) => {
    assert.ok(e instanceof OcMirrorError);
    assert.match(
      e.message,
      /^1 of 2 manifests could not be deleted from memory:\/\/: m\/a@sha256:[0-9a-f]+: connection reset/,
    );
    return true;
  });
  await assert.rejects(() => store.resolve("m/b", "1"), NotFoundError);
});
