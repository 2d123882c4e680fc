import assert from "node:assert/strict";
import { OcMirrorError } from "../errors.ts";
import { parseImageReference } from "../reference/mod.ts";
import { applyBlockRules, compileBlockRules } from "./blocked_images.ts";
import { dedupeMappings } from "./dedupe_mappings.ts";
import { categoryOf, type ImageKind, type ImageMapping, mappingText, sortForCopy } from "./image_mapping.ts";

function m(
  src: string,
  dst: string,
  kind: ImageKind = "generic",
  extra: Partial<ImageMapping> = {},
): ImageMapping {
  const source = parseImageReference(src);
  return { source, origin: source, destination: parseImageReference(dst), kind, ...extra };
}

Deno.test("mapping.txt lines carry transports and are sorted", () => {
  const text = mappingText([
    m("quay.io/b/c:1", "reg.example.com/b/c:1"),
    m("quay.io/a/c:1", "reg.example.com/a/c:1"),
  ]);
  assert.equal(
    text,
    "docker://quay.io/a/c:1=docker://reg.example.com/a/c:1\ndocker://quay.io/b/c:1=docker://reg.example.com/b/c:1\n",
  );
  assert.equal(mappingText([]), "");
});

Deno.test("sortForCopy puts release content first and catalogs last", () => {
  const sorted = sortForCopy([
    m("q.io/cat:1", "r.io/cat:1", "operatorCatalog"),
    m("q.io/bundle:1", "r.io/bundle:1", "operatorBundle"),
    m("q.io/gen:1", "r.io/gen:1", "generic"),
    m("q.io/rel:1", "r.io/rel:1", "ocpRelease"),
    m("q.io/comp:1", "r.io/comp:1", "ocpReleaseContent"),
  ]);
  assert.deepEqual(sorted.map((x) => x.kind), [
    "ocpReleaseContent",
    "ocpRelease",
    "generic",
    "operatorBundle",
    "operatorCatalog",
  ]);
});

Deno.test("categoryOf maps kinds to the exit-code categories", () => {
  assert.equal(categoryOf("ocpReleaseContent"), "release");
  assert.equal(categoryOf("operatorRelatedImage"), "operator");
  assert.equal(categoryOf("generic"), "additional");
  assert.equal(categoryOf("helmImage"), "helm");
});

Deno.test("blocked images match origin or destination and report the rule", () => {
  const rules = compileBlockRules(["^quay.io/blocked/", "internal-only"]);
  const { kept, blocked } = applyBlockRules([
    m("quay.io/blocked/x:1", "r.io/blocked/x:1"),
    m("quay.io/ok/x:1", "r.io/internal-only/x:1"),
    m("quay.io/ok/y:1", "r.io/ok/y:1"),
  ], rules);
  assert.deepEqual(kept.map((x) => x.source.repository), ["ok/y"]);
  assert.deepEqual(blocked.map((b) => b.rule), ["^quay.io/blocked/", "internal-only"]);
});

Deno.test("dedupeMappings merges the same image and refuses two images for one destination", () => {
  const merged = dedupeMappings([
    m("quay.io/a/b:1", "r.io/a/b:1", "operatorRelatedImage", { bundles: ["x.v1"] }),
    m("quay.io/a/b:1", "r.io/a/b:1", "operatorRelatedImage", { bundles: ["y.v2"] }),
  ]);
  assert.equal(merged.length, 1);
  assert.deepEqual(merged[0]?.bundles, ["x.v1", "y.v2"]);
  assert.throws(
    () => dedupeMappings([m("quay.io/a/b:1", "r.io/a/b:1"), m("docker.io/a/b:1", "r.io/a/b:1")]),
    (e: unknown) =>
      e instanceof OcMirrorError &&
      e.message === "Two images would be mirrored to r.io/a/b:1: quay.io/a/b:1 and docker.io/a/b:1",
  );
});

Deno.test("dedupeMappings keeps every platform any source needs: a whole image wins over a filtered one", () => {
  const arm64 = { os: "linux", architecture: "arm64" };
  const amd64 = { os: "linux", architecture: "amd64" };
  const whole = dedupeMappings([
    m("quay.io/a/b:1", "r.io/a/b:1", "generic", { platforms: [arm64] }),
    m("quay.io/a/b:1", "r.io/a/b:1", "helmImage"),
  ]);
  assert.equal(whole.length, 1);
  assert.equal(whole[0]?.platforms, undefined);
  const configured = [arm64];
  const union = dedupeMappings([
    m("quay.io/a/b:1", "r.io/a/b:1", "generic", { platforms: configured }),
    m("quay.io/a/b:1", "r.io/a/b:1", "operatorRelatedImage", { platforms: [amd64, arm64] }),
  ]);
  assert.deepEqual(union[0]?.platforms, [arm64, amd64]);
  assert.deepEqual(configured, [arm64], "the configuration's list is not changed");
});
