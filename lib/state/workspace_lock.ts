/**
 * One run per workspace: a lock file created exclusively (`O_EXCL`) holding the run's PID. A second run
 * is refused with a message naming the other run's PID; a lock left by a dead process is taken over.
 * @module
 */
import process from "node:process";
import { LockError } from "../errors.ts";

/** A held workspace lock; release it (or `await using`) when the run ends. */
export interface WorkspaceLock extends AsyncDisposable {
  readonly file: string;
  release(): Promise<void>;
}

/** True when a process with this PID exists (signal 0 probes without signalling; EPERM means it exists). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/** Takes the lock file `file` for process `pid`, or throws {@link LockError}. */
export async function lockWorkspace(file: string, pid: number = Deno.pid): Promise<WorkspaceLock> {
  const dir = file.slice(0, file.lastIndexOf("/"));
  if (dir) await Deno.mkdir(dir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.writeTextFile(file, `${pid}\n`, { createNew: true, mode: 0o600 });
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await Deno.remove(file).catch(() => {});
      };
      return { file, release, [Symbol.asyncDispose]: release };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const other = Number.parseInt((await Deno.readTextFile(file).catch(() => "")).trim(), 10);
      // A lock naming this very process is stale too: in containers every run is PID 1.
      if (Number.isFinite(other) && other > 0 && other !== pid && isAlive(other)) {
        throw new LockError(`Another oc-mirror run (PID ${other}) is using this workspace: ${file}`, {
          hint: `Wait for it to finish; if no such process runs, delete ${file}`,
        });
      }
      await Deno.remove(file).catch(() => {});
    }
  }
  throw new LockError(`Cannot take the workspace lock ${file}`);
}
