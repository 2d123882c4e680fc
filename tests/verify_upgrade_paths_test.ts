import assert from "node:assert/strict";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";

Deno.test("verify-upgrade-paths proves the mirrored releases connect, and names the version that closes a gap", async () => {
  const dir = await Deno.makeTempDir({ prefix: "verify-paths-" });
  try {
    await using up = await startUpstream();
    await using reg = await startDockerRegistry(`${dir}/registry`);
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.1
      maxVersion: 4.14.6
      shortestPath: true
`,
    );
    const m2m = await runOcMirror([
      "--v2",
      "-c",
      "isc.yaml",
      "--workspace",
      "file://ws",
      `docker://${reg.host}/ocp`,
    ], {
      cwd: dir,
      env: up.env(),
    });
    assert.equal(m2m.code, 0, m2m.stderr);
    assert.match(
      m2m.stderr,
      /Upgrade paths \(amd64\): every mirrored release reaches every higher mirrored release/,
    );

    const ok = await runOcMirror([
      "verify-upgrade-paths",
      "--workspace",
      "file://ws",
      `docker://${reg.host}/ocp`,
    ], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /stable-4\.14 \(amd64\): 4\.14\.1, 4\.14\.3, 4\.14\.6/);
    assert.match(ok.stderr, /Every mirrored release can upgrade to every higher mirrored release/);

    // Forget that 4.14.3 was mirrored: 4.14.1 can no longer reach 4.14.6 through mirrored releases.
    for (const e of Deno.readDirSync(`${dir}/ws/working-dir/signatures`)) {
      if (e.name.startsWith("4.14.3-")) Deno.removeSync(`${dir}/ws/working-dir/signatures/${e.name}`);
    }
    const gap = await runOcMirror(["verify-upgrade-paths", "--workspace", "file://ws"], { cwd: dir });
    assert.equal(gap.code, 2, gap.stderr);
    assert.match(gap.stderr, /4\.14\.1/);
    assert.match(gap.stderr, /4\.14\.3/);
    assert.match(gap.stderr, /Some mirrored releases cannot reach higher ones/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
