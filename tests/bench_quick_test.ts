import assert from "node:assert/strict";
import { runTaskScript } from "./_support/task_script.ts";

interface QuickResults {
  quick: boolean;
  reps: number;
  workloads: { name: string; uniqueBlobBytes: number }[];
  rows: {
    workload: string;
    path: string;
    tool: string;
    runs: unknown[];
    medianMs: number;
    peakRssMB: number;
  }[];
  comparisons: { workload: string; path: string; speedRatio: number }[];
  reruns: {
    workload: string;
    kind: string;
    path: string;
    tool: string;
    bytesOk: boolean;
    movedBytes?: number;
  }[];
  targets: { description: string; holds: boolean | null }[];
}

Deno.test("deno task bench --quick runs every workload and path against skopeo and writes the results", async () => {
  const out = await Deno.makeTempDir({ prefix: "bench-quick-out-" });
  try {
    const r = await runTaskScript("bench", "scripts/bench/bench.ts", [
      "--quick",
      "--reps",
      "1",
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const files = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort();
    assert.equal(files.length, 2, files.join(", "));
    assert.match(files[0] as string, /^bench-.*\.json$/);
    assert.match(files[1] as string, /^bench-.*\.md$/);
    const results = JSON.parse(await Deno.readTextFile(`${out}/${files[0]}`)) as QuickResults;
    assert.equal(results.quick, true);
    assert.deepEqual(results.workloads.map((w) => w.name), ["small", "big", "many"]);
    const keys = results.rows.map((x) => `${x.workload} ${x.path} ${x.tool}`).sort();
    const expected = ["small", "big", "many"].flatMap((w) =>
      ["r2r", "r2d", "d2r"].flatMap((p) => [`${w} ${p} ours`, `${w} ${p} skopeo`])
    ).sort();
    assert.deepEqual(keys, expected);
    for (const row of results.rows) {
      assert.equal(row.runs.length, 1);
      assert.ok(row.medianMs > 0 && row.peakRssMB > 0, `${row.workload} ${row.path} ${row.tool}`);
    }
    assert.equal(results.comparisons.length, 9);
    // No-change reruns move nothing; big has one image, so no 10% change rerun.
    const noChange = results.reruns.filter((x) => x.kind === "no-change" && x.tool === "ours");
    assert.equal(noChange.length, 6);
    for (const x of noChange) assert.equal(x.movedBytes, 0, `${x.workload} ${x.path}`);
    assert.ok(noChange.every((x) => x.bytesOk));
    const changed = results.reruns.filter((x) => x.kind === "10% change" && x.tool === "ours");
    assert.deepEqual(changed.map((x) => `${x.workload} ${x.path}`).sort(), [
      "many r2d",
      "many r2r",
      "small r2d",
      "small r2r",
    ]);
    for (const x of changed.filter((c) => c.path === "r2d")) assert.ok(x.bytesOk, `${x.workload} archive`);
    assert.equal(results.targets.length, 6);
    const markdown = await Deno.readTextFile(`${out}/${files[1]}`);
    assert.match(markdown, /\| small \| registry→registry \|/);
    assert.match(markdown, /Targets \(issue 10\)/);
    assert.match(r.stdout, /speed ours\/skopeo/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
