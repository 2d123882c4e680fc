import assert from "node:assert/strict";
import { CatalogFileError } from "./catalog_file_error.ts";
import { JsonStreamSplitter } from "./json_stream_splitter.ts";

const TRICKY = [
  { schema: "olm.package", name: "a", description: "braces } { ] [ inside a string" },
  {
    schema: "x",
    s: 'quote \\" and backslash \\\\ and "escaped" }',
    u: "\u00e9\u4e2d\ud83d\ude00",
    n: [1, [2, [3]], {}],
  },
  { schema: "y", empty: "", nested: { deep: { deeper: ["}"] } }, trailing: "\\" },
];

function splitAll(text: string, chunkSize: number): { values: unknown[]; lines: number[] } {
  const s = new JsonStreamSplitter({ file: "catalog.json" });
  const values: unknown[] = [];
  const lines: number[] = [];
  for (let i = 0; i < text.length; i += chunkSize) {
    for (const o of s.push(text.slice(i, i + chunkSize))) {
      values.push(JSON.parse(o.text));
      lines.push(o.line);
    }
  }
  s.end();
  return { values, lines };
}

Deno.test("JsonStreamSplitter splits concatenated objects with strings, escapes and nesting at any chunk size", () => {
  const text = "\uFEFF" + TRICKY.map((o) => JSON.stringify(o, null, 4)).join("\n") + "\n";
  for (const size of [1, 2, 3, 7, 64, 100000]) {
    const { values } = splitAll(text, size);
    assert.deepEqual(values, TRICKY, `chunk size ${size}`);
  }
});

Deno.test("JsonStreamSplitter reports the start line and index of each object", () => {
  const text = `{"a":1}\n\n{\n"b":\n2}{"c":3}\n`;
  const s = new JsonStreamSplitter({ file: "f.json" });
  const out = s.push(text);
  s.end();
  assert.deepEqual(out.map((o) => [o.line, o.index]), [[1, 1], [3, 2], [5, 3]]);
  assert.equal(s.count, 3);
});

Deno.test("JsonStreamSplitter rejects a top-level value that is not an object, naming file, line and object", () => {
  const s = new JsonStreamSplitter({ file: "configs/a/catalog.json" });
  s.push(`{"a":1}\n`);
  assert.throws(() => s.push(`\n[1, 2]`), (e: unknown) => {
    assert.ok(e instanceof CatalogFileError);
    assert.equal(e.file, "configs/a/catalog.json");
    assert.equal(e.line, 3);
    assert.equal(e.object, 2);
    assert.match(
      e.message,
      /^configs\/a\/catalog\.json:3 \(object 2\): Expected "\{" to start an object, found "\["/,
    );
    return true;
  });
});

Deno.test("JsonStreamSplitter fails on a truncated object and on an oversized one", () => {
  const s = new JsonStreamSplitter({ file: "t.json" });
  s.push(`{"a": {"b": "unterminated`);
  assert.throws(() => s.end(), /t\.json:1 \(object 1\): Object is not terminated/);
  const small = new JsonStreamSplitter({ file: "big.json", maxObjectChars: 10 });
  assert.throws(() => small.push(`{"a": "0123456789"}`), /larger than 10 characters/);
});
