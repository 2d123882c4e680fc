import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { parseToml } from "./toml_subset.ts";

Deno.test("parseToml reads tables, arrays of tables, strings, booleans, integers and arrays", () => {
  const doc = parseToml(
    `# registries
unqualified-search-registries = ["registry.fedoraproject.org", 'quay.io',] # trailing comma

[[registry]]
prefix = "quay.io/ns"
location = "mirror.local:5000/quay-ns"
insecure = true
count = 1_000

[[registry.mirror]]
location = "m1.local\\u0041"

[[registry.mirror]]
"location" = 'C:\\literal'

[[registry]]
location = "b.io"
[aliases]
"docker.io/library/x" = "y"
a.b = false
`,
    "registries.conf",
  );
  assert.deepEqual(doc.value, {
    "unqualified-search-registries": ["registry.fedoraproject.org", "quay.io"],
    registry: [
      {
        prefix: "quay.io/ns",
        location: "mirror.local:5000/quay-ns",
        insecure: true,
        count: 1000,
        mirror: [{ location: "m1.localA" }, { location: "C:\\literal" }],
      },
      { location: "b.io" },
    ],
    aliases: { "docker.io/library/x": "y", a: { b: false } },
  });
  assert.deepEqual(doc.positions.get("registry[0].mirror[1].location"), { line: 14, column: 1 });
  assert.deepEqual(doc.positions.get("registry[1].location"), { line: 17, column: 1 });
});

Deno.test("parseToml reports the line and column of syntax errors", () => {
  const cases: [string, RegExp, number, number][] = [
    ['a = "open', /String is not closed/, 1, 5],
    ["a = 1\na = 2", /Key "a" is defined twice/, 2, 1],
    ["[t]\n[t]", /Table "t" is defined twice/, 2, 1],
    ["x = { a = 1 }", /Inline tables are not supported/, 1, 5],
    ["x = 1.5", /Value "1.5" of key "x" is not supported/, 1, 5],
    ['x = """a"""', /Multi-line strings/, 1, 5],
    ["x = [1, 2", /not closed/, 1, 10],
    ['x = "a" y', /Unexpected "y" after a value/, 1, 9],
    ["[registry\nx=1", /Table header is not closed/, 1, 1],
    ['x = "\\q"', /Unknown escape/, 1, 8],
    ["a = 1\n[[a]]", /already defined and is not an array of tables/, 2, 1],
  ];
  for (const [text, re, line, column] of cases) {
    assert.throws(() => parseToml(text, "f.conf"), (e: unknown) => {
      assert.ok(e instanceof ConfigError, text);
      assert.match(e.message, re, text);
      assert.equal(e.file, "f.conf");
      assert.deepEqual([e.line, e.column], [line, column], `${text}: ${e.message}`);
      assert.ok(e.message.startsWith(`f.conf:${line}:${column}: `), e.message);
      return true;
    });
  }
});
