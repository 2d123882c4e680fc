import assert from "node:assert/strict";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror, spawnOcMirror } from "./_support/cli.ts";

Deno.test("two runs on one workspace cannot interleave: the second is refused naming the first one's PID", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lock-" });
  try {
    await using up = await startUpstream();
    // Hold the first run inside a blob transfer until the second one has been refused.
    let release = () => {};
    const held = new Promise<void>((r) => release = r);
    const getBlob = up.store.getBlob.bind(up.store);
    up.store.getBlob = async (...args) => {
      await held;
      return await getBlob(...args);
    };
    await Deno.writeTextFile(
      `${dir}/isc.yaml`,
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  additionalImages:\n  - name: quay.io/example/app:1.0\n",
    );
    await using first = await spawnOcMirror(
      ["--v2", "-c", "isc.yaml", "file://out", "--log-format", "json"],
      {
        cwd: dir,
        env: up.env(),
      },
    );
    await first.waitForLine(/"state":"start"/);
    const lock = (await Deno.readTextFile(`${dir}/out/working-dir/.lock`)).trim();
    assert.equal(lock, String(first.child.pid));
    const second = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
    assert.equal(second.code, 1, second.stderr);
    assert.equal(
      second.stderr.split("\n").find((l) => l.startsWith("error:")),
      `error: Another oc-mirror run (PID ${first.child.pid}) is using this workspace: ${dir}/out/working-dir/.lock`,
    );
    release();
    const code = await first.child.status;
    assert.equal(code.code, 0, first.stderr());
    await assert.rejects(Deno.stat(`${dir}/out/working-dir/.lock`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
