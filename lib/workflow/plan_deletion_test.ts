import assert from "node:assert/strict";
import type { Descriptor } from "../oci/mod.ts";
import { MemoryStore, writeImage, writeIndex } from "../store/mod.ts";
import { planDeletion, signatureTag } from "./plan_deletion.ts";

const REL = "mirror/openshift/release";

async function image(store: MemoryStore, repo: string, name: string, tag?: string): Promise<Descriptor> {
  return await writeImage(store, repo, {
    config: { name },
    layers: [{ bytes: new TextEncoder().encode(`layer of ${name}`) }],
    ...(tag !== undefined ? { tag } : {}),
  });
}

async function tag(store: MemoryStore, repo: string, d: Descriptor, t: string): Promise<void> {
  await store.putManifest(repo, d, await store.getManifest(repo, d), { tag: t });
}

/** Two releases: etcd differs, pod is the same image under both releases' tags. */
async function releases(): Promise<
  { store: MemoryStore; etcd3: Descriptor; etcd5: Descriptor; pod: Descriptor }
> {
  const store = new MemoryStore();
  const etcd3 = await image(store, REL, "etcd g1", "4.14.3-x86_64-etcd");
  const etcd5 = await image(store, REL, "etcd g2", "4.14.5-x86_64-etcd");
  const pod = await image(store, REL, "pod", "4.14.3-x86_64-pod");
  await tag(store, REL, pod, "4.14.5-x86_64-pod");
  return { store, etcd3, etcd5, pod };
}

Deno.test("planDeletion() keeps a digest that a tag outside the list still points at", async () => {
  const { store, etcd3, pod } = await releases();
  const plan = await planDeletion(store, [
    { repository: REL, reference: "4.14.3-x86_64-etcd" },
    { repository: REL, reference: "4.14.3-x86_64-pod" },
  ]);
  assert.deepEqual(plan.deletions.map((d) => [d.descriptor.digest, d.listed, d.reason]), [
    [etcd3.digest, ["4.14.3-x86_64-etcd"], "listed"],
  ]);
  assert.equal(plan.kept.length, 1);
  assert.equal(plan.kept[0]?.descriptor.digest, pod.digest);
  assert.deepEqual(plan.kept[0]?.listed, ["4.14.3-x86_64-pod"]);
  assert.equal(plan.kept[0]?.referencedBy, `${REL}:4.14.5-x86_64-pod`);
  assert.deepEqual(plan.missing, []);
  assert.equal(plan.tagsChecked, 2);
});

Deno.test("planDeletion() deletes a shared digest when every tag pointing at it is listed", async () => {
  const { store, etcd3, pod } = await releases();
  const plan = await planDeletion(store, [
    { repository: REL, reference: "4.14.3-x86_64-etcd" },
    { repository: REL, reference: "4.14.3-x86_64-pod" },
    { repository: REL, reference: "4.14.5-x86_64-pod" },
  ]);
  assert.deepEqual(
    plan.deletions.map((d) => d.descriptor.digest).sort(),
    [etcd3.digest, pod.digest].sort(),
  );
  assert.deepEqual(plan.deletions.find((d) => d.descriptor.digest === pod.digest)?.listed, [
    "4.14.3-x86_64-pod",
    "4.14.5-x86_64-pod",
  ]);
  assert.deepEqual(plan.kept, []);
});

Deno.test("planDeletion() keeps a manifest that a kept tag references as a child of an index", async () => {
  const store = new MemoryStore();
  const amd = await image(store, "mirror/x", "amd64", "old");
  const arm = await image(store, "mirror/x", "arm64");
  const index = await writeIndex(store, "mirror/x", [amd, arm], { tag: "new" });
  const plan = await planDeletion(store, [{ repository: "mirror/x", reference: "old" }]);
  assert.deepEqual(plan.deletions, []);
  assert.equal(plan.kept[0]?.descriptor.digest, amd.digest);
  assert.equal(plan.kept[0]?.referencedBy, "mirror/x:new");
  assert.equal(plan.kept[0]?.via, index.digest);
});

Deno.test("planDeletion() deletes a listed index's children after it, except those another tag keeps", async () => {
  const store = new MemoryStore();
  const amd = await image(store, "mirror/multi", "amd64");
  const arm = await image(store, "mirror/multi", "arm64");
  const inner = await writeIndex(store, "mirror/multi", [arm]);
  const index = await writeIndex(store, "mirror/multi", [amd, inner], { tag: "latest" });
  await tag(store, "mirror/multi", amd, "amd64-only");
  const plan = await planDeletion(store, [{ repository: "mirror/multi", reference: "latest" }]);
  assert.deepEqual(plan.deletions.map((d) => [d.descriptor.digest, d.reason, d.depth]), [
    [index.digest, "listed", 0],
    [inner.digest, "child", 1],
    [arm.digest, "child", 2],
  ]);
  assert.equal(plan.deletions[1]?.of, index.digest);
  assert.deepEqual(plan.kept.map((k) => [k.descriptor.digest, k.reason, k.referencedBy]), [
    [amd.digest, "child", "mirror/multi:amd64-only"],
  ]);
});

Deno.test("planDeletion() reports listed images that are not in the registry as missing", async () => {
  const { store } = await releases();
  const plan = await planDeletion(store, [
    { repository: REL, reference: "4.14.9-x86_64-etcd" },
    { repository: REL, reference: `sha256:${"0".repeat(64)}` },
    { repository: "mirror/none", reference: "1.0" },
  ]);
  assert.deepEqual(plan.deletions, []);
  assert.deepEqual(plan.missing, [
    { repository: "mirror/none", reference: "1.0" },
    { repository: REL, reference: "4.14.9-x86_64-etcd" },
    { repository: REL, reference: `sha256:${"0".repeat(64)}` },
  ]);
});

Deno.test("planDeletion() deletes sigstore signature tags of deleted images only with deleteSignatures", async () => {
  const { store, etcd3 } = await releases();
  const sig = await image(store, REL, `signature of ${etcd3.digest}`, signatureTag(etcd3.digest));
  const listed = [{ repository: REL, reference: "4.14.3-x86_64-etcd" }];
  const without = await planDeletion(store, listed);
  assert.deepEqual(without.deletions.map((d) => d.descriptor.digest), [etcd3.digest]);
  const withSigs = await planDeletion(store, listed, { deleteSignatures: true });
  assert.deepEqual(
    withSigs.deletions.map((d) => [d.descriptor.digest, d.reason]).sort(),
    [
      [etcd3.digest, "listed"],
      [sig.digest, "signature"],
    ].sort(),
  );
  assert.equal(withSigs.deletions.find((d) => d.reason === "signature")?.of, etcd3.digest);
});

Deno.test("planDeletion() accepts a digest reference and checks only the tags of its repository", async () => {
  const { store } = await releases();
  const untagged = await image(store, REL, "etcd g0");
  // The same image tagged in another repository does not keep it: a delete is per repository.
  const other = await image(store, "mirror/other", "etcd g0", "keep-me");
  assert.equal(other.digest, untagged.digest);
  const plan = await planDeletion(store, [{ repository: REL, reference: untagged.digest }]);
  assert.deepEqual(plan.deletions.map((d) => [d.descriptor.digest, d.listed]), [[untagged.digest, [
    untagged.digest,
  ]]]);
  assert.deepEqual(plan.kept, []);
});

Deno.test("planDeletion() keeps a digest reference that a tag outside the list points at", async () => {
  const { store, etcd3 } = await releases();
  const plan = await planDeletion(store, [{ repository: REL, reference: etcd3.digest }]);
  assert.deepEqual(plan.deletions, []);
  assert.equal(plan.kept[0]?.referencedBy, `${REL}:4.14.3-x86_64-etcd`);
});
