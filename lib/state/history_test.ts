import assert from "node:assert/strict";
import { StateError } from "../errors.ts";
import { digestOf } from "../oci/mod.ts";
import { listHistoryFiles, readHistory, writeHistory } from "./history.ts";
import { lockWorkspace } from "./workspace_lock.ts";
import { LockError } from "../errors.ts";

Deno.test("history: newest file wins, --since picks the newest before the date", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = digestOf("a"), b = digestOf("b"), c = digestOf("c");
    assert.deepEqual((await readHistory(dir)).blobs, new Set());
    await writeHistory(dir, [a], new Date("2026-01-01T10:00:00Z"));
    await writeHistory(dir, [a, b], new Date("2026-01-05T10:00:00Z"));
    await writeHistory(dir, [a, b, c], new Date("2026-01-09T10:00:00Z"));
    assert.equal((await listHistoryFiles(dir)).length, 3);
    assert.deepEqual((await readHistory(dir)).blobs, new Set([a, b, c]));
    assert.deepEqual(
      (await readHistory(dir, { before: new Date("2026-01-05T00:00:00Z") })).blobs,
      new Set([a]),
    );
    assert.deepEqual((await readHistory(dir, { before: new Date("2026-01-01T00:00:00Z") })).blobs, new Set());
    const text = await Deno.readTextFile(`${dir}/.history-2026-01-09T10:00:00Z`);
    assert.equal(text, [a, b, c].sort().join("\n") + "\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: a corrupt line is a StateError naming file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/.history-2026-01-01T00:00:00Z`, `${digestOf("x")}\nnot-a-digest\n`);
    await assert.rejects(
      readHistory(dir),
      (e: unknown) =>
        e instanceof StateError &&
        e.message ===
          `History file ${dir}/.history-2026-01-01T00:00:00Z line 2 is not a digest: "not-a-digest"`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("workspace lock: a second holder is refused naming the PID, a stale lock is taken over", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/ws/.lock`;
    const lock = await lockWorkspace(file);
    await assert.rejects(
      lockWorkspace(file, 999999),
      (e: unknown) =>
        e instanceof LockError &&
        e.message === `Another oc-mirror run (PID ${Deno.pid}) is using this workspace: ${file}`,
    );
    await lock.release();
    await Deno.writeTextFile(file, "2147483646\n");
    const taken = await lockWorkspace(file);
    assert.equal((await Deno.readTextFile(file)).trim(), String(Deno.pid));
    await taken.release();
    await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
