import assert from "node:assert/strict";
import { loadConfig } from "../config/mod.ts";
import { testContext } from "../context.ts";
import { ConfigError, StateError, UsageError } from "../errors.ts";
import type { ImageMapping } from "../plan/mod.ts";
import { parseImageReference } from "../reference/mod.ts";
import { deleteConfigAsMirror, deleteItemsOf, deleteTypeOf, generateDeleteList } from "./delete_generate.ts";

Deno.test("deleteConfigAsMirror() gives the collectors mirror content that points at the delete: keys", () => {
  const loaded = loadConfig(
    [
      "apiVersion: mirror.openshift.io/v2alpha1",
      "kind: DeleteImageSetConfiguration",
      "delete:",
      "  platform:",
      "    channels:",
      "    - name: stable-4.14",
      "      minVersion: 4.14.3",
      "      maxVersion: 4.14.3",
      "",
    ].join("\n"),
    { file: "disc.yaml", kind: "DeleteImageSetConfiguration" },
  );
  const asMirror = deleteConfigAsMirror(loaded);
  assert.equal(asMirror.kind, "ImageSetConfiguration");
  assert.equal(asMirror.config.mirror.platform.channels[0]?.name, "stable-4.14");
  assert.deepEqual(asMirror.config.mirror.blockedImages, []);
  assert.deepEqual(asMirror.positionOf(["mirror", "platform", "channels", 0, "name"]), {
    line: 6,
    column: 13,
  });
  const problem = asMirror.problemAt(["mirror", "platform", "channels", 0, "name"], "has no releases");
  assert.equal(problem.file, "disc.yaml");
  assert.equal(problem.line, 6);
  assert.equal(problem.message, "delete.platform.channels[0].name has no releases");
});

Deno.test("deleteItemsOf() lists every mapping but catalogs, with the original's types", () => {
  const m = (kind: ImageMapping["kind"], origin: string, destination: string): ImageMapping => ({
    kind,
    origin: parseImageReference(origin),
    source: parseImageReference(origin),
    destination: parseImageReference(destination),
  });
  const digest = `sha256:${"c".repeat(64)}`;
  const items = deleteItemsOf([
    m(
      "ocpReleaseContent",
      `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${digest}`,
      "reg:5000/m/openshift/release:4.14.3-x86_64-etcd",
    ),
    m(
      "kubeVirtContainer",
      `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${digest}`,
      "reg:5000/m/openshift/release:4.14.3-x86_64-kube-virt-container",
    ),
    m(
      "operatorCatalog",
      "registry.redhat.io/redhat/redhat-operator-index:v4.14",
      "reg:5000/m/redhat/redhat-operator-index:v4.14",
    ),
    m("helmImage", "quay.io/example/app:1.0", "reg:5000/m/example/app:1.0"),
  ]);
  assert.deepEqual(items, [
    {
      imageName: `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${digest}`,
      imageReference: "docker://reg:5000/m/openshift/release:4.14.3-x86_64-etcd",
      type: "ocpReleaseContent",
    },
    {
      imageName: `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${digest}`,
      imageReference: "docker://reg:5000/m/openshift/release:4.14.3-x86_64-kube-virt-container",
      type: "ocpReleaseContent",
    },
    {
      imageName: "quay.io/example/app:1.0",
      imageReference: "docker://reg:5000/m/example/app:1.0",
      type: "helmImage",
    },
  ]);
  assert.equal(deleteTypeOf("operatorCatalog"), undefined);
  assert.equal(deleteTypeOf("cincinnatiGraph"), "cincinnatiGraph");
});

Deno.test("generateDeleteList() refuses a workspace without working-dir before touching any registry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/disc.yaml`,
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: DeleteImageSetConfiguration\ndelete:\n" +
        "  additionalImages:\n  - name: quay.io/example/app:1.0\n",
    );
    const request = {
      configFile: "disc.yaml",
      workspace: "ws",
      destination: { kind: "docker" as const, registry: "127.0.0.1:1", namespace: "" },
      maxNestedPaths: 0,
      ignoreReleaseSignature: false,
      includeConditionalEdges: false,
      resolveDependencies: false,
      registry: {
        srcTlsVerify: true,
        destTlsVerify: true,
        retryTimes: 0,
        retryDelayMs: 0,
        maxPerRegistry: 1,
      },
    };
    await assert.rejects(() => generateDeleteList(testContext({ cwd: dir }), request), (e: unknown) => {
      assert.ok(e instanceof StateError);
      assert.match(e.message, /^Workspace ws has no working-dir: .*\/ws\/working-dir does not exist$/);
      assert.match(e.hint ?? "", /workspace of the mirror-to-mirror run/);
      return true;
    });
    await assert.rejects(
      () => generateDeleteList(testContext({ cwd: dir }), { ...request, deleteId: "../x" }),
      (e: unknown) => e instanceof UsageError && /--delete-id is "\.\.\/x"/.test(e.message),
    );
    await Deno.mkdir(`${dir}/ws/working-dir`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror: {}\n",
    );
    await assert.rejects(
      () => generateDeleteList(testContext({ cwd: dir }), { ...request, configFile: "isc.yaml" }),
      ConfigError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
