import assert from "node:assert/strict";
import { runOcMirror, taskPermissionFlags } from "./_support/cli.ts";
import { runTaskScript } from "./_support/task_script.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { foreignImports } from "../scripts/bundle.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function gitCommit(): Promise<string> {
  try {
    const out = await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"], cwd: ROOT }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : "unknown";
  } catch {
    return "unknown";
  }
}

Deno.test("deno task bundle builds a self-contained dist/oc-mirror.js that runs anywhere", async () => {
  const before = await gitCommit();
  const build = await runTaskScript("bundle", "scripts/bundle.ts");
  const after = await gitCommit();
  assert.equal(build.code, 0, build.stderr);
  assert.match(build.stdout, /^Wrote dist\/oc-mirror\.js \(\d+ KiB, commit [0-9a-z]+\)\n$/);

  const code = await Deno.readTextFile(`${ROOT}dist/oc-mirror.js`);
  const runFlags = await taskPermissionFlags("oc-mirror");
  const firstLine = code.slice(0, code.indexOf("\n"));
  assert.ok(firstLine.startsWith("// "), firstLine);
  assert.ok(firstLine.includes(`deno run ${runFlags.join(" ")} dist/oc-mirror.js`), firstLine);
  assert.doesNotMatch(code, /["'`]npm:/, "no npm: specifiers");
  assert.doesNotMatch(code, /^import[^;\n]*["'][^"'\n]*node_modules/m, "no node_modules imports");
  assert.deepEqual(foreignImports(code), []);
  assert.ok(!code.includes("__OC_MIRROR_COMMIT__"), "the commit placeholder is replaced");

  const elsewhere = await Deno.makeTempDir({ prefix: "oc-mirror-bundle-cwd-" });
  try {
    const help = await runOcMirror(["--help"], { bundle: true, cwd: elsewhere });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /mirror-to-disk/);
    assert.match(help.stdout, /\n {2}version /);

    const version = await runOcMirror(["version", "--output", "json"], { bundle: true, cwd: elsewhere });
    assert.equal(version.code, 0, version.stderr);
    const info = JSON.parse(version.stdout) as { version: string; commit: string; deno: string };
    assert.equal(info.deno, Deno.version.deno);
    assert.match(info.commit, /^([0-9a-f]{4,}|unknown)$/);
    assert.ok([before, after].includes(info.commit), `commit ${info.commit} is git's ${before}`);
    assert.ok(firstLine.includes(`(commit ${info.commit})`), firstLine);

    // The smoke test through the bundle: mirror-to-disk from the synthetic upstream, then disk-to-mirror
    // with the upstream stopped.
    await using reg = await startDockerRegistry(`${elsewhere}/registry`);
    const up = await startUpstream();
    const env = up.env();
    try {
      await Deno.writeTextFile(
        `${elsewhere}/isc.yaml`,
        `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.5
      maxVersion: 4.14.5
  operators:
  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.14
    packages:
    - name: web-terminal
  additionalImages:
  - name: quay.io/example/multi:latest
`,
      );
      const m2d = await runOcMirror(["--v2", "-c", "isc.yaml", "file://archive"], {
        bundle: true,
        cwd: elsewhere,
        env,
      });
      assert.equal(m2d.code, 0, m2d.stderr);
      assert.match(m2d.stderr, /Wrote mirror_000001\.tar/);
    } finally {
      await up.close();
    }
    const d2m = await runOcMirror([
      "--v2",
      "-c",
      "isc.yaml",
      "--from",
      "file://archive",
      `docker://${reg.host}/ocp`,
    ], {
      bundle: true,
      cwd: elsewhere,
      env: { OCP_SIGNATURE_VERIFICATION_PK: env.OCP_SIGNATURE_VERIFICATION_PK ?? "" },
    });
    assert.equal(d2m.code, 0, d2m.stderr);
    assert.match(d2m.stderr, /✓ 16 \/ 16 release images mirrored/);
    const tags = await (await fetch(`${reg.url}/v2/ocp/openshift/release-images/tags/list`)).json();
    assert.deepEqual(tags.tags, ["4.14.5-x86_64"]);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("foreignImports() finds every import of bundled code that is not a node: built-in", () => {
  const code = [
    'import { createHash } from "node:crypto";',
    'import yaml from "npm:yaml@2.9.1";',
    'import "./node_modules/zod/index.js";',
    'export { x } from "https://deno.land/x/y.ts";',
    'var p = __require("node:process");',
    'var s = require("semver");',
    'const m = await import("npm:openpgp");',
    '  description: "Do not require release signatures"',
    "  // inline `import()` of an ESM path",
  ].join("\n");
  assert.deepEqual(foreignImports(code), [
    { specifier: "npm:yaml@2.9.1", line: 2 },
    { specifier: "./node_modules/zod/index.js", line: 3 },
    { specifier: "https://deno.land/x/y.ts", line: 4 },
    { specifier: "semver", line: 6 },
    { specifier: "npm:openpgp", line: 7 },
  ]);
});
