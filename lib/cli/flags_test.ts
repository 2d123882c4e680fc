import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { type FlagSpec, parseDuration, parseFlags, renderHelp } from "./flags.ts";

const specs: FlagSpec[] = [
  { name: "config", short: "c", type: "string", description: "config" },
  { name: "dry-run", type: "boolean", description: "dry" },
  { name: "parallel-images", type: "int", default: 4, min: 1, max: 10, description: "images" },
  { name: "image-timeout", type: "duration", default: "10m", description: "timeout" },
  { name: "platform", type: "list", description: "platforms" },
  { name: "log-level", type: "string", default: "info", choices: ["info", "debug"], description: "level" },
];

Deno.test("parseFlags reads long, short, inline and boolean forms and keeps positionals", () => {
  const p = parseFlags(
    [
      "-c",
      "isc.yaml",
      "--dry-run",
      "--parallel-images=7",
      "file://out",
      "--platform",
      "linux/amd64,linux/arm64",
    ],
    specs,
    "t",
  );
  assert.equal(p.values.get("config"), "isc.yaml");
  assert.equal(p.values.get("dry-run"), true);
  assert.equal(p.values.get("parallel-images"), 7);
  assert.deepEqual(p.values.get("platform"), ["linux/amd64", "linux/arm64"]);
  assert.deepEqual(p.positionals, ["file://out"]);
  assert.deepEqual([...p.given].sort(), ["config", "dry-run", "parallel-images", "platform"]);
});

Deno.test("parseFlags fills defaults and converts durations to milliseconds", () => {
  const p = parseFlags(["-cisc.yaml"], specs, "t");
  assert.equal(p.values.get("config"), "isc.yaml");
  assert.equal(p.values.get("parallel-images"), 4);
  assert.equal(p.values.get("image-timeout"), 600_000);
  assert.equal(parseFlags(["--dry-run=false"], specs, "t").values.get("dry-run"), false);
});

Deno.test("parseFlags rejects unknown flags with a suggestion", () => {
  assert.throws(
    () => parseFlags(["--parallel-imags", "3"], specs, "oc-mirror"),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === 'Unknown flag --parallel-imags for "oc-mirror": did you mean --parallel-images?',
  );
  assert.throws(
    () => parseFlags(["--zzzzzzzz"], specs, "t"),
    (e: unknown) => e instanceof UsageError && e.message === 'Unknown flag --zzzzzzzz for "t"',
  );
});

Deno.test("parseFlags checks ranges, choices, numbers and missing values", () => {
  assert.throws(
    () => parseFlags(["--parallel-images", "11"], specs, "t"),
    /Flag --parallel-images is 11: want 1..10/,
  );
  assert.throws(() => parseFlags(["--parallel-images", "x"], specs, "t"), /takes a whole number, not "x"/);
  assert.throws(
    () => parseFlags(["--log-level", "loud"], specs, "t"),
    /Flag --log-level is "loud": want one of info, debug/,
  );
  assert.throws(() => parseFlags(["--config"], specs, "t"), /Flag --config needs a value/);
  assert.throws(() => parseFlags(["--image-timeout", "soon"], specs, "t"), /takes a duration like 30s/);
});

Deno.test("parseDuration understands Go durations", () => {
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("2.5s"), 2500);
  assert.equal(parseDuration("10"), undefined);
  assert.equal(parseDuration("5x"), undefined);
});

Deno.test("renderHelp lists visible flags with defaults and hides hidden ones", () => {
  const text = renderHelp({
    usage: ["t [flags]"],
    description: "Test",
    flags: [...specs, { name: "secret", type: "boolean", hidden: true, description: "x" }],
  });
  assert.match(text, /--parallel-images INT\s+images \(default 4\)/);
  assert.match(text, /-c, --config STRING/);
  assert.doesNotMatch(text, /secret/);
});
