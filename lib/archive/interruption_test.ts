/**
 * A writer process killed with SIGKILL at several points never leaves a set that looks complete: the
 * directory then holds the previous set (intact), the new one (complete), or something ArchiveReader
 * refuses; and a rerun after the kill finishes normally.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ArchiveError } from "../errors.ts";
import { writeImage } from "../store/mod.ts";
import { ArchiveReader } from "./archive_reader.ts";
import { ArchiveWriter } from "./archive_writer.ts";
import { recordingContext, seededBytes, tempDir, writeSampleImages } from "./_test_support.ts";

const IMAGES = 30;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

const CHILD = `
import { ArchiveWriter } from ${JSON.stringify(new URL("./mod.ts", import.meta.url).href)};
import { writeImage } from ${JSON.stringify(new URL("../store/mod.ts", import.meta.url).href)};
import { testContext } from ${JSON.stringify(new URL("../context.ts", import.meta.url).href)};
import { seededBytes } from ${JSON.stringify(new URL("./_test_support.ts", import.meta.url).href)};
const writer = await ArchiveWriter.create(Deno.args[0], {
  ctx: testContext(), archiveSizeBytes: 64 * 1024, setId: "new-run",
});
for (let i = 0; i < ${IMAGES}; i++) {
  await writeImage(writer, "ns/img" + i, { config: { i }, layers: [{ bytes: seededBytes(i, 20000) }], tag: "v1" });
  console.log("put " + i);
}
console.log("closing");
await writer.close();
console.log("closed");
`;

async function writeNewSet(writer: ArchiveWriter): Promise<void> {
  for (let i = 0; i < IMAGES; i++) {
    await writeImage(writer, `ns/img${i}`, {
      config: { i },
      layers: [{ bytes: seededBytes(i, 20000) }],
      tag: "v1",
    });
  }
}

/** Runs the child writer and SIGKILLs it once `trigger` is printed (after `delayMs`). */
async function killAt(script: string, dir: string, trigger: string, delayMs: number): Promise<string[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-check",
      `--config=${CONFIG}`,
      "--allow-read",
      "--allow-write",
      script,
      dir,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  let buffered = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let killed = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += value;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    if (!killed && lines.includes(trigger)) {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      try {
        child.kill("SIGKILL");
      } catch {
        // it finished first
      }
      killed = true;
    }
  }
  await child.status;
  return lines;
}

Deno.test("SIGKILL at any point of a run never leaves an archive set that looks complete but is not", async () => {
  await using scripts = await tempDir();
  const script = join(scripts.path, "child.ts");
  await Deno.writeTextFile(script, CHILD);
  const points: [string, number][] = [
    ["put 0", 0],
    ["put 12", 0],
    // close() takes some 50 ms here: links, indexes, fsync, re-scan, renames.
    ...[0, 10, 20, 28, 34, 40, 44, 48, 52, 60, 80, 150].map((ms): [string, number] => ["closing", ms]),
  ];
  const outcomes: string[] = [];
  for (const [trigger, delayMs] of points) {
    await using dir = await tempDir();
    const { ctx } = recordingContext();
    const old = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 64 * 1024, setId: "old-run" });
    const sample = await writeSampleImages(old);
    await old.close();

    const lines = await killAt(script, dir.path, trigger, delayMs);
    const finished = lines.includes("closed");
    let outcome: string;
    try {
      const reader = await ArchiveReader.open(dir.path, { ctx });
      await reader.verify();
      outcome = reader.setId ?? "none";
      if (outcome === "old-run") {
        assert.equal((await reader.resolve("ns/app", "v1")).digest, sample.app.digest);
      } else {
        assert.equal(outcome, "new-run");
        for (let i = 0; i < IMAGES; i++) await reader.resolve(`ns/img${i}`, "v1");
      }
    } catch (e) {
      assert.ok(e instanceof ArchiveError, `${trigger}+${delayMs}ms: ${e}`);
      outcome = "refused";
    }
    if (!lines.includes("closing")) assert.equal(outcome, "old-run", `killed at ${trigger}`);
    if (finished) assert.equal(outcome, "new-run");
    outcomes.push(`${trigger}+${delayMs}ms: ${outcome}`);

    // A rerun after the kill completes.
    const rerun = await ArchiveWriter.create(dir.path, { ctx, archiveSizeBytes: 64 * 1024, setId: "rerun" });
    await writeNewSet(rerun);
    await rerun.close();
    const after = await ArchiveReader.open(dir.path, { ctx });
    assert.equal(after.setId, "rerun");
    await after.verify();
    for await (const e of Deno.readDir(dir.path)) assert.ok(!e.name.endsWith(".partial"), e.name);
  }
  assert.ok(outcomes.some((o) => o.endsWith("old-run")), outcomes.join("; "));
});
