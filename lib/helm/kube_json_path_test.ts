import assert from "node:assert/strict";
import { HelmError } from "../errors.ts";
import { compileKubeJsonPath, DEFAULT_IMAGE_PATHS, evaluateKubeJsonPath } from "./kube_json_path.ts";

const pod = {
  spec: {
    initContainers: [{ name: "init", image: "i:1" }],
    containers: [
      {
        name: "a",
        image: "a:1",
        env: [{ name: "X", value: "x/y:1" }, { name: "N", value: "n" }],
        args: ["--a", "--b"],
      },
      { name: "b", image: "b:1" },
    ],
  },
};

Deno.test("evaluateKubeJsonPath() reads wildcards, filters and recursive descent", () => {
  const values = (expr: string) => evaluateKubeJsonPath(compileKubeJsonPath(expr), pod);
  assert.deepEqual(values("{.spec.containers[*].image}"), ["a:1", "b:1"]);
  assert.deepEqual(values("{.spec.containers[*].env[*].value}"), ["x/y:1", "n"]);
  assert.deepEqual(values('{.spec.containers[?(@.name=="b")].image}'), ["b:1"]);
  assert.deepEqual(values("{..image}"), ["i:1", "a:1", "b:1"]);
  assert.deepEqual(values("{.spec.containers[0].args}"), ["--a", "--b"], "lists are flattened");
  assert.deepEqual(values("{.spec.template.spec.containers[*].image}"), [], "missing fields select nothing");
  assert.deepEqual(values("{.spec.initContainers[*].image}{.spec.containers[1].image}"), ["i:1", "b:1"]);
});

Deno.test("DEFAULT_IMAGE_PATHS cover pods, pod templates and cron jobs", () => {
  const found = (doc: unknown) =>
    DEFAULT_IMAGE_PATHS.flatMap((p) => evaluateKubeJsonPath(compileKubeJsonPath(p), doc));
  assert.deepEqual(found(pod), ["i:1", "a:1", "b:1"]);
  assert.deepEqual(found({ spec: { template: pod } }), ["i:1", "a:1", "b:1"]);
  assert.deepEqual(found({ spec: { jobTemplate: { spec: { template: pod } } } }), ["i:1", "a:1", "b:1"]);
  assert.deepEqual(found("text"), []);
});

Deno.test("compileKubeJsonPath() rejects what it cannot evaluate, naming the path", () => {
  for (
    const [expr, why] of [
      ["spec.containers", "want an expression in braces"],
      ["{.spec.containers[*.image}", "unclosed bracket"],
      ["{range .items[*]}{.name}{end}", "{range} and {end} are not supported"],
      ["{spec}", '"spec" must start with "."'],
      ["{.spec.}", '".spec." has an empty field name'],
    ]
  ) {
    assert.throws(() => compileKubeJsonPath(expr as string), (e: Error) => {
      assert.ok(e instanceof HelmError);
      assert.equal(e.message, `Image path "${expr}" is not a valid JSONPath: ${why}`);
      return true;
    });
  }
});
