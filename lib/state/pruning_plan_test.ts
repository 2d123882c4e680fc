import assert from "node:assert/strict";
import { digestOf } from "../oci/mod.ts";
import { formatPruningPlan, pruningPlan } from "./pruning_plan.ts";
import type { V1Association } from "./v1_metadata.ts";

function a(path: string, tag: string, seed: string, children: string[] = []): V1Association {
  return {
    name: `quay.io/${path}:${tag}`,
    path,
    id: digestOf(seed),
    tagSymlink: tag,
    type: "generic",
    manifestDigests: children.map((c) => digestOf(c)),
    layerDigests: [],
  };
}

Deno.test("pruning plan: images dropped from the configuration are pruned, kept ones are not", () => {
  const previous = [
    a("example/app", "1.0", "app1"),
    a("example/worker", "1.0", "w1"),
    a("example/app", "1.1", "app2"),
  ];
  const current = [a("example/app", "1.0", "app1"), a("example/app", "1.1", "app2")];
  const plan = pruningPlan(previous, current);
  assert.equal(plan.kept, 2);
  assert.deepEqual(plan.targets, [{
    path: "example/worker",
    digest: digestOf("w1"),
    tags: ["1.0"],
    names: ["quay.io/example/worker:1.0"],
    child: false,
  }]);
  assert.deepEqual(formatPruningPlan(plan, (p) => `reg/ns/${p}`), [
    `reg/ns/example/worker@${digestOf("w1")} (tag 1.0): quay.io/example/worker:1.0`,
  ]);
});

Deno.test("pruning plan: a digest still used under another tag or as a child in the same repository is kept", () => {
  const previous = [
    a("openshift/release", "4.14.5-etcd", "etcd-shared"),
    a("openshift/release", "4.14.5-cli", "cli-5"),
    a("example/multi", "old", "single-arch"),
  ];
  const current = [
    a("openshift/release", "4.14.4-etcd", "etcd-shared"),
    a("example/multi", "new", "index", ["single-arch"]),
  ];
  const plan = pruningPlan(previous, current);
  assert.deepEqual(plan.targets.map((t) => [t.path, t.digest]), [["openshift/release", digestOf("cli-5")]]);
  assert.equal(plan.kept, 2);
});

Deno.test("pruning plan: the same digest in another repository is pruned there only", () => {
  const plan = pruningPlan([a("a/app", "1", "d"), a("b/app", "1", "d")], [a("a/app", "1", "d")]);
  assert.deepEqual(plan.targets.map((t) => t.path), ["b/app"]);
});

Deno.test("pruning plan: children of a pruned index are pruned after it unless still used", () => {
  const previous = [a("x/multi", "1", "idx", ["amd", "arm"]), a("x/multi", "2", "arm")];
  const plan = pruningPlan(previous, [a("x/multi", "2", "arm")]);
  assert.deepEqual(plan.targets.map((t) => [t.digest, t.child]), [
    [digestOf("idx"), false],
    [digestOf("amd"), true],
  ]);
  assert.deepEqual(
    formatPruningPlan(plan, (p) => p)[1],
    `x/multi@${digestOf("amd")} (child manifest): quay.io/x/multi:1`,
  );
});

Deno.test("pruning plan: nothing earlier means nothing to prune; tags of one digest are merged", () => {
  assert.deepEqual(pruningPlan([], [a("x", "1", "x")]), { targets: [], kept: 0 });
  const plan = pruningPlan([a("x", "1", "x"), a("x", "2", "x")], []);
  assert.equal(plan.targets.length, 1);
  assert.deepEqual(plan.targets[0]?.tags, ["1", "2"]);
});
