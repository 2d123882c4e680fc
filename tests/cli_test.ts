import assert from "node:assert/strict";
import { runOcMirror } from "./_support/cli.ts";

Deno.test("oc-mirror --help lists the modes, the commands and the flags", async () => {
  const r = await runOcMirror(["--help"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mirror-to-disk/);
  assert.match(r.stdout, /--parallel-images INT/);
  for (
    const c of ["init", "list releases", "list operators", "describe", "delete", "copy", "serve", "version"]
  ) {
    assert.match(r.stdout, new RegExp(`\\n  ${c} `), `help lists ${c}`);
  }
});

Deno.test("oc-mirror version prints version, commit and Deno version", async () => {
  const r = await runOcMirror(["version", "--output", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.version, "0.1.0");
  assert.equal(typeof info.commit, "string");
  assert.equal(info.deno, Deno.version.deno);
});

Deno.test("usage errors exit 1 with a message and a hint, never a stack trace", async () => {
  const r = await runOcMirror(["--parallel-imags", "3"]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    'error: Unknown flag --parallel-imags for "oc-mirror": did you mean --parallel-images?\nhint: Run "oc-mirror --help" to list the flags\n',
  );
  const m = await runOcMirror(["-c", "isc.yaml", "--v2", "docker://registry.example.com"]);
  assert.equal(m.code, 1);
  assert.match(m.stderr, /^error: A docker:\/\/ destination needs --from file:\/\/DIR/);
  assert.doesNotMatch(m.stderr, /at .*\.ts:\d+/);
});

Deno.test("--log-format json reports errors as one JSON object with a stable code", async () => {
  const r = await runOcMirror(["--log-format", "json", "--v1", "--v2", "-c", "x.yaml", "file://out"]);
  assert.equal(r.code, 1);
  const line = JSON.parse(r.stderr.trim());
  assert.equal(line.kind, "error");
  assert.equal(line.code, "USAGE");
  assert.equal(line.message, "Flags --v1 and --v2 cannot be used together");
});

Deno.test("a misspelt command gets a suggestion", async () => {
  const r = await runOcMirror(["lsit", "releases"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Unknown command "lsit": did you mean "list"\?/);
});

Deno.test("init writes a template that loads back without warnings, for both API versions", async () => {
  const { loadConfig } = await import("../lib/config/mod.ts");
  for (
    const [args, apiVersion] of [[["init"], "v2alpha1"], [
      ["init", "--v1", "--local-path", "./meta"],
      "v1alpha2",
    ]] as const
  ) {
    const r = await runOcMirror([...args]);
    assert.equal(r.code, 0, r.stderr);
    const loaded = loadConfig(r.stdout, { file: "init.yaml" });
    assert.equal(loaded.apiVersion, apiVersion);
    assert.deepEqual(loaded.warnings, []);
  }
  const dir = await Deno.makeTempDir();
  try {
    const r = await runOcMirror(["init", "--output", "isc.yaml"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(await Deno.readTextFile(`${dir}/isc.yaml`), /kind: ImageSetConfiguration/);
    const again = await runOcMirror(["init", "--output", "isc.yaml"], { cwd: dir });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "error: File isc.yaml already exists: choose another --output or remove it\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
