import assert from "node:assert/strict";
import { catalogFromFiles, catalogFromText } from "./catalog_builder.ts";
import { CatalogFileError } from "./catalog_file_error.ts";
import { parseFbcStream, parseFbcText } from "./parse_fbc.ts";

const JSON_CATALOG = `{
    "schema": "olm.package",
    "name": "foo",
    "defaultChannel": "stable",
    "icon": { "base64data": "iVBORw0KGgo=", "mediatype": "image/png" }
}
{
    "schema": "olm.channel",
    "name": "stable",
    "package": "foo",
    "entries": [
        { "name": "foo.v1.0.0" },
        { "name": "foo.v1.1.0", "replaces": "foo.v1.0.0", "skips": ["foo.v0.9.0"], "skipRange": ">=0.9.0 <1.1.0" }
    ]
}
{
    "schema": "olm.bundle",
    "name": "foo.v1.0.0",
    "package": "foo",
    "image": "quay.io/foo/bundle@sha256:aaaa",
    "properties": [ { "type": "olm.package", "value": { "packageName": "foo", "version": "1.0.0" } } ],
    "relatedImages": [ { "name": "", "image": "quay.io/foo/bundle@sha256:aaaa" } ]
}
{ "schema": "olm.bundle", "name": "foo.v1.1.0", "package": "foo", "image": "quay.io/foo/bundle@sha256:bbbb",
  "properties": [ { "type": "olm.package", "value": { "packageName": "foo", "version": "1.1.0" } } ] }
{ "schema": "olm.deprecations", "package": "foo", "entries": [ { "reference": { "schema": "olm.bundle", "name": "foo.v1.0.0" }, "message": "old" } ] }
{ "schema": "com.example.custom", "package": "foo", "anything": { "goes": [1, 2] } }
`;

const YAML_CATALOG = `---
schema: olm.package
name: bar
defaultChannel: alpha
---
# a comment between documents
schema: olm.channel
package: bar
name: alpha
entries:
  - name: bar.v0.1.0
---
schema: olm.bundle
package: bar
name: bar.v0.1.0
image: quay.io/bar/bundle:v0.1.0
properties:
  - type: olm.package
    value: {packageName: bar, version: 0.1.0}
`;

Deno.test("catalogFromText() types the known schemas and keeps unknown ones as opaque blobs", () => {
  const c = catalogFromText(JSON_CATALOG);
  assert.deepEqual(c.packages.map((p) => [p.name, p.defaultChannel, p.icon?.mediatype]), [[
    "foo",
    "stable",
    "image/png",
  ]]);
  assert.deepEqual(c.channels[0]?.entries[1], {
    name: "foo.v1.1.0",
    replaces: "foo.v1.0.0",
    skips: ["foo.v0.9.0"],
    skipRange: ">=0.9.0 <1.1.0",
  });
  assert.deepEqual(c.bundles.map((b) => b.name), ["foo.v1.0.0", "foo.v1.1.0"]);
  assert.deepEqual(c.bundles[1]?.relatedImages, [], "missing relatedImages default to an empty list");
  assert.equal(c.deprecations[0]?.entries[0]?.message, "old");
  assert.deepEqual(c.others, [{ schema: "com.example.custom", package: "foo", anything: { goes: [1, 2] } }]);
});

Deno.test("catalogFromFiles() reads multi-document YAML next to JSON streams", () => {
  const c = catalogFromFiles([{ path: "configs/foo/catalog.json", text: JSON_CATALOG }, {
    path: "configs/bar/catalog.yaml",
    text: YAML_CATALOG,
  }]);
  assert.deepEqual(c.packages.map((p) => p.name), ["foo", "bar"]);
  assert.deepEqual(c.bundles.find((b) => b.package === "bar")?.properties[0]?.value, {
    packageName: "bar",
    version: "0.1.0",
  });
  assert.equal(c.bundles.find((b) => b.package === "bar")?.relatedImages.length, 0);
});

function assertLocated(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CatalogFileError, String(e));
    assert.equal(e.code, "CATALOG");
    assert.equal(e.message, message);
    return true;
  });
}

Deno.test("catalog parsing errors name the file, line and object index", () => {
  assertLocated(
    () =>
      catalogFromText(
        `{"schema":"olm.package","name":"a"}\n{"schema":"olm.channel","package":"a","name":"s"}`,
        "c/a.json",
      ),
    'c/a.json:2 (object 2): olm.channel "s" of package "a" has no "entries" list',
  );
  assertLocated(
    () =>
      catalogFromText(
        `{"schema":"olm.package","name":"a"}\n\n{"schema": "olm.bundle", "name": 3}`,
        "c/b.json",
      ),
    'c/b.json:3 (object 2): olm.bundle has no "package": want a non-empty string',
  );
  assertLocated(
    () => catalogFromText(`{"name":"x"}`, "c/c.json"),
    'c/c.json:1 (object 1): Blob has no "schema": want olm.package, olm.channel, olm.bundle, ...',
  );
  assert.throws(
    () => catalogFromText(`{"schema":"olm.package","name":"a",}`, "c/d.json"),
    /^CatalogFileError: c\/d\.json:1 \(object 1\): Object is not valid JSON: /,
  );
  assert.throws(
    () => catalogFromText("schema: olm.package\nname: [unclosed\n", "c/e.yaml"),
    /^CatalogFileError: c\/e\.yaml:\d+ \(object 1\): Document is not valid YAML/,
  );
});

Deno.test("catalogFromFiles() rejects duplicates naming both places", () => {
  assertLocated(
    () =>
      catalogFromFiles([
        { path: "configs/a/catalog.json", text: `{"schema":"olm.package","name":"a"}` },
        { path: "configs/b/catalog.json", text: `\n{"schema":"olm.package","name":"a"}` },
      ]),
    'configs/b/catalog.json:2 (object 1): Duplicate olm.package "a": first defined at configs/a/catalog.json:1 (object 1)',
  );
  assert.throws(
    () =>
      catalogFromText(
        JSON_CATALOG + JSON.stringify({ schema: "olm.bundle", package: "foo", name: "foo.v1.0.0" }),
      ),
    /Duplicate olm.bundle "foo.v1.0.0" of package "foo": first defined at catalog.json:16 \(object 3\)/,
  );
});

Deno.test("parseFbcText() treats an empty file as no blobs", () => {
  assert.deepEqual([...parseFbcText("  \n\t", "empty.json")], []);
});

/** A seeded generator of a large catalog, streamed in small chunks, never built as one string. */
function largeCatalogStream(packages: number, bundlesPerPackage: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let p = 0;
  return new ReadableStream({
    pull(controller) {
      if (p >= packages) {
        controller.close();
        return;
      }
      const name = `pkg-${p}`;
      const names = Array.from({ length: bundlesPerPackage }, (_, i) => `${name}.v1.0.${i}`);
      const blobs: unknown[] = [
        { schema: "olm.package", name, defaultChannel: "stable", description: "x".repeat(2000) },
        {
          schema: "olm.channel",
          package: name,
          name: "stable",
          entries: names.map((n, i) => ({
            name: n,
            replaces: i > 0 ? names[i - 1] : undefined,
            skips: names.slice(0, i),
          })),
        },
        ...names.map((n, i) => ({
          schema: "olm.bundle",
          package: name,
          name: n,
          image: `quay.io/example/${name}-bundle:v1.0.${i}`,
          properties: [{ type: "olm.package", value: { packageName: name, version: `1.0.${i}` } }, {
            type: "olm.bundle.object",
            value: { data: "QUJD".repeat(500) },
          }],
          relatedImages: [{ name: "op", image: `quay.io/example/${name}:v1.0.${i}` }],
        })),
      ];
      const text = blobs.map((b) => JSON.stringify(b, null, 2)).join("\n");
      for (let i = 0; i < text.length; i += 4096) controller.enqueue(encoder.encode(text.slice(i, i + 4096)));
      p++;
    },
  });
}

Deno.test("parseFbcStream() parses a large catalog streamed in small chunks", async () => {
  let count = 0;
  let bundles = 0;
  let maxSkips = 0;
  for await (const o of parseFbcStream(largeCatalogStream(150, 40), "configs/big/catalog.json")) {
    count++;
    if (o.value.schema === "olm.bundle") bundles++;
    if (o.value.schema === "olm.channel") {
      const entries = o.value.entries as { skips: string[] }[];
      maxSkips = Math.max(maxSkips, ...entries.map((e) => e.skips.length));
    }
  }
  assert.equal(count, 150 * 42);
  assert.equal(bundles, 150 * 40);
  assert.equal(maxSkips, 39);
});

Deno.test("parseFbcStream() enforces the file size limit and reports YAML files as a whole", async () => {
  const stream = new Blob([JSON_CATALOG]).stream();
  await assert.rejects(async () => {
    for await (const _ of parseFbcStream(stream, "x.json", { maxFileBytes: 100 })) { /* drain */ }
  }, /x\.json: File is larger than 100 bytes/);
  const names: string[] = [];
  for await (const o of parseFbcStream(new Blob([YAML_CATALOG]).stream(), "y.yaml")) {
    names.push(String(o.value.schema));
  }
  assert.deepEqual(names, ["olm.package", "olm.channel", "olm.bundle"]);
});
