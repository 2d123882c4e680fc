import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import {
  deleteFilePaths,
  deleteImageList,
  formatDeleteImageList,
  parseDeleteImageList,
  parseDeleteReference,
  readDeleteImageList,
  writeDeleteFiles,
  writeDeleteImageList,
} from "./delete_plan.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

Deno.test("deleteImageList() sorts items by imageReference and keeps each reference once", () => {
  const list = deleteImageList([
    { imageName: "quay.io/b/c:1", imageReference: "docker://reg:5000/b/c:1", type: "generic" },
    {
      imageName: `quay.io/openshift-release-dev/ocp-release@${DIGEST}`,
      imageReference: "docker://reg:5000/openshift/release-images:4.14.3-x86_64",
      type: "ocpRelease",
    },
    { imageName: "quay.io/b/c:1", imageReference: "docker://reg:5000/b/c:1", type: "generic" },
  ]);
  assert.equal(list.kind, "DeleteImageList");
  assert.equal(list.apiVersion, "mirror.openshift.io/v2alpha1");
  assert.deepEqual(list.items.map((i) => i.imageReference), [
    "docker://reg:5000/b/c:1",
    "docker://reg:5000/openshift/release-images:4.14.3-x86_64",
  ]);
});

Deno.test("formatDeleteImageList() writes the original's shape and parseDeleteImageList() reads it back", () => {
  const list = deleteImageList([
    {
      imageName: "quay.io/example/app:1.0",
      imageReference: "docker://127.0.0.1:5000/ns/example/app:1.0",
      type: "generic",
    },
    {
      imageName: `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${DIGEST}`,
      imageReference: "docker://127.0.0.1:5000/ns/openshift/release:4.14.3-x86_64-etcd",
      type: "ocpReleaseContent",
    },
  ]);
  const text = formatDeleteImageList(list);
  assert.match(
    text,
    /^kind: DeleteImageList\napiVersion: mirror\.openshift\.io\/v2alpha1\nitems:\n {2}- imageName: /,
  );
  const loaded = parseDeleteImageList(text, "delete-images.yaml");
  assert.deepEqual(loaded.list, list);
  assert.deepEqual(loaded.references[1], {
    registry: "127.0.0.1:5000",
    repository: "ns/openshift/release",
    tag: "4.14.3-x86_64-etcd",
  });
});

Deno.test("parseDeleteImageList() accepts an empty list and ignores the old relatedBlobs field", () => {
  assert.deepEqual(
    parseDeleteImageList("kind: DeleteImageList\napiVersion: mirror.openshift.io/v2alpha1\nitems: []\n", "f")
      .list.items,
    [],
  );
  const loaded = parseDeleteImageList(
    "kind: DeleteImageList\napiVersion: mirror.openshift.io/v2alpha1\nitems:\n" +
      "- imageName: a/b:1\n  imageReference: docker://reg.example.com/a/b:1\n  type: generic\n" +
      `  relatedBlobs:\n  - ${DIGEST}\n`,
    "f",
  );
  assert.deepEqual(loaded.list.items, [
    { imageName: "a/b:1", imageReference: "docker://reg.example.com/a/b:1", type: "generic" },
  ]);
});

Deno.test("parseDeleteImageList() reports every schema problem at its line and column", () => {
  const text = [
    "kind: DeleteImageList",
    "apiVersion: mirror.openshift.io/v2alpha1",
    "items:",
    "- imageName: a/b:1",
    "  imageReference: docker://reg.example.com/a/b:1",
    "  type: sometype",
    "- imageReference: docker://reg.example.com/a/c:1",
    "  type: generic",
    "",
  ].join("\n");
  assert.throws(() => parseDeleteImageList(text, "delete-images.yaml"), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, "CONFIG_INVALID");
    const lines = e.message.split("\n");
    assert.equal(lines.length, 2, e.message);
    assert.match(
      lines[0] as string,
      /^delete-images\.yaml:6:9: items\[0\]\.type "sometype" is not allowed \(want ocpRelease, /,
    );
    assert.match(lines[1] as string, /^delete-images\.yaml:7:3: items\[1\]\.imageName is required$/);
    return true;
  });
});

Deno.test("parseDeleteImageList() refuses another kind and an image reference without docker:// or tag", () => {
  assert.throws(
    () =>
      parseDeleteImageList(
        "kind: ImageSetConfiguration\napiVersion: mirror.openshift.io/v2alpha1\n",
        "x.yaml",
      ),
    /^ConfigError: x\.yaml:1:7: kind "ImageSetConfiguration" is not allowed \(want DeleteImageList\)/,
  );
  const text = (ref: string) =>
    `kind: DeleteImageList\napiVersion: mirror.openshift.io/v2alpha1\nitems:\n- imageName: a\n  imageReference: ${ref}\n  type: generic\n`;
  assert.throws(
    () => parseDeleteImageList(text("reg.example.com/a/b:1"), "x.yaml"),
    /^ConfigError: x\.yaml:5:19: items\[0\]\.imageReference "reg\.example\.com\/a\/b:1" does not start with docker:\/\//,
  );
  assert.throws(
    () => parseDeleteImageList(text("docker://reg.example.com/a/b"), "x.yaml"),
    /names neither a tag nor a digest/,
  );
  assert.throws(
    () => parseDeleteImageList(text("docker://reg.example.com/a/b@sha256:12"), "x.yaml"),
    /invalid digest/,
  );
  assert.throws(
    () => parseDeleteImageList("items: [\n", "x.yaml"),
    /^ConfigError: x\.yaml:\d+:\d+: Invalid YAML/,
  );
  assert.throws(() => parseDeleteImageList("", "x.yaml"), /^ConfigError: x\.yaml:1:1: The file is empty/);
});

Deno.test("parseDeleteReference() treats the first component as the registry host", () => {
  assert.deepEqual(parseDeleteReference("docker://myregistry/ns/app:1"), {
    registry: "myregistry",
    repository: "ns/app",
    tag: "1",
  });
  assert.deepEqual(parseDeleteReference(`docker://127.0.0.1:5000/app@${DIGEST}`), {
    registry: "127.0.0.1:5000",
    repository: "app",
    digest: DIGEST,
  });
});

Deno.test("writeDeleteImageList() and readDeleteImageList() round-trip through a file; deleteFilePaths() adds the id", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = deleteFilePaths(dir, "run1");
    assert.equal(paths.list, `${dir}/delete-images-run1.yaml`);
    assert.equal(paths.config, `${dir}/delete-imageset-config-run1.yaml`);
    assert.equal(deleteFilePaths(`${dir}/`).list, `${dir}/delete-images.yaml`);
    const list = deleteImageList([
      { imageName: "a/b:1", imageReference: "docker://reg.example.com/a/b:1", type: "helmImage" },
    ]);
    await writeDeleteImageList(paths.list, list);
    assert.deepEqual((await readDeleteImageList(paths.list)).list, list);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["delete-images-run1.yaml"]);
    const nested = deleteFilePaths(`${dir}/working-dir/delete`);
    await writeDeleteFiles(nested, list, "kind: DeleteImageSetConfiguration\n");
    assert.deepEqual((await readDeleteImageList(nested.list)).list, list);
    assert.equal(await Deno.readTextFile(nested.config), "kind: DeleteImageSetConfiguration\n");
    await assert.rejects(
      () => readDeleteImageList(`${dir}/missing.yaml`, { file: "missing.yaml" }),
      /^ConfigError: missing\.yaml: Cannot read the delete list: it does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
