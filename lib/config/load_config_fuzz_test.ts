import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { loadConfig } from "./load_config.ts";

const FIXTURES = new URL("../../fixtures/configs/valid/", import.meta.url);

/** A small seeded PRNG (mulberry32), so every run mutates the same way. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  ":",
  "-",
  " ",
  "\n",
  "\t",
  "'",
  '"',
  "[",
  "]",
  "{",
  "}",
  "&a",
  "*a",
  "!!binary",
  "#",
  "|",
  ">",
  "?",
  "\u0000",
  "é",
  "%",
];

function mutate(text: string, random: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (s.length + 1));
    const kind = random();
    if (kind < 0.3) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(random() * 8)); // delete
    else if (kind < 0.6) s = s.slice(0, at) + PIECES[Math.floor(random() * PIECES.length)] + s.slice(at); // insert
    else if (kind < 0.8) { // duplicate a line
      const lines = s.split("\n");
      const l = Math.floor(random() * lines.length);
      lines.splice(l, 0, lines[l] ?? "");
      s = lines.join("\n");
    } else s = s.slice(0, at) + s.slice(at).replace(/[a-z]/, (c) => c.toUpperCase()); // case change
  }
  return s;
}

/** Loads text; anything but success or a located ConfigError is a failure of the loader. */
function loadsOrRefuses(text: string, label: string): void {
  try {
    loadConfig(text, { file: "fuzz.yaml" });
  } catch (e) {
    assert.ok(
      e instanceof ConfigError,
      `${label}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
    assert.ok(e.problems.length > 0, `${label}: a ConfigError with no problem`);
    assert.match(e.message, /^fuzz\.yaml(:\d+:\d+)?: /, `${label}: the message is located`);
    assert.doesNotMatch(e.message, /\n\s+at .*\.(ts|js):\d+/, `${label}: no stack trace in the message`);
  }
}

Deno.test("loadConfig never crashes on mutated configurations: it loads them or gives a located error", async () => {
  const random = rng(20261124);
  let cases = 0;
  for await (const f of Deno.readDir(FIXTURES)) {
    const text = await Deno.readTextFile(new URL(f.name, FIXTURES));
    for (let i = 0; i < 150; i++) {
      loadsOrRefuses(mutate(text, random), `${f.name} mutation ${i}`);
      cases++;
    }
  }
  assert.ok(cases >= 1500);
});

Deno.test("loadConfig refuses random bytes, deep nesting and huge files with a located error", () => {
  const random = rng(7);
  for (let i = 0; i < 200; i++) {
    const bytes = Array.from(
      { length: 1 + Math.floor(random() * 400) },
      () => String.fromCharCode(Math.floor(random() * 128)),
    );
    loadsOrRefuses(bytes.join(""), `random ${i}`);
  }
  loadsOrRefuses("a: ".repeat(1) + "[".repeat(5000) + "]".repeat(5000), "deep flow nesting");
  loadsOrRefuses(
    Array.from({ length: 2000 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n"),
    "deep block nesting",
  );
  const huge =
    "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  additionalImages:\n" +
    Array.from({ length: 50_000 }, (_, i) => `  - name: quay.io/example/image-${i}:v${i}\n`).join("");
  const loaded = loadConfig(huge, { file: "huge.yaml" });
  assert.equal(loaded.config.kind, "ImageSetConfiguration");
  loadsOrRefuses("x: &a [*a]\n" + "y: *a\n".repeat(1000), "alias bombs");
});
