import assert from "node:assert/strict";
import { runTaskScript } from "./_support/task_script.ts";

Deno.test("deno task demo mirrors to disk, publishes offline into a second registry and shows the resources", async () => {
  const r = await runTaskScript("demo", "scripts/demo.ts", []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /The upstream is stopped/);
  assert.match(
    r.stdout,
    /mirror\/openshift\/release-images {2}\(3 tags: 4\.14\.1-x86_64, 4\.14\.3-x86_64, 4\.14\.6-x86_64\)/,
  );
  assert.match(r.stdout, /mirror\/redhat\/redhat-operator-index {2}\(1 tags: v4\.14\)/);
  assert.match(r.stdout, /kind: ImageDigestMirrorSet/);
  assert.match(r.stderr, /✓ 49 \/ 49 release images mirrored/);
  assert.match(r.stdout, /Demo complete\./);
});
