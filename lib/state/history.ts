/**
 * The v2 archive history (§3.2 of the reference): `working-dir/.history/.history-<RFC3339 UTC>` files,
 * each the cumulative list of blob digests already shipped in archives, one per line. A run reads the
 * newest file (with `--since D`: the newest dated before D), leaves those blobs out of its archive, and
 * writes a new file with the union. Files are written under a temporary name and renamed.
 * @module
 */
import { StateError } from "../errors.ts";
import { type Digest, isDigest } from "../oci/mod.ts";

const PREFIX = ".history-";

/** Formats a history file timestamp: RFC 3339 UTC without fractions. */
export function historyStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The history files of a directory with their dates, oldest first. */
export async function listHistoryFiles(dir: string): Promise<{ file: string; date: Date }[]> {
  const out: { file: string; date: Date }[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(PREFIX)) continue;
      const date = new Date(e.name.slice(PREFIX.length));
      if (!Number.isNaN(date.getTime())) out.push({ file: `${dir}/${e.name}`, date });
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new StateError(`Cannot read the history directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return out.sort((a, b) => a.date.getTime() - b.date.getTime());
}

/** Options of {@link readHistory}. */
export interface ReadHistoryOptions {
  /** Use the newest history dated strictly before this instant (`--since`). */
  before?: Date;
}

/** Reads the blobs already shipped; empty when there is no history (a full archive). */
export async function readHistory(
  dir: string,
  o: ReadHistoryOptions = {},
): Promise<{ blobs: Set<Digest>; file?: string }> {
  const files = await listHistoryFiles(dir);
  const usable = o.before ? files.filter((f) => f.date.getTime() < (o.before as Date).getTime()) : files;
  const chosen = usable.at(-1);
  if (!chosen) return { blobs: new Set() };
  const text = await Deno.readTextFile(chosen.file);
  const blobs = new Set<Digest>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    if (!isDigest(line)) {
      throw new StateError(
        `History file ${chosen.file} line ${i + 1} is not a digest: "${line.slice(0, 80)}"`,
        {
          hint: "Delete the file to archive everything again",
        },
      );
    }
    blobs.add(line);
  });
  return { blobs, file: chosen.file };
}

/** Writes a new cumulative history file; returns its path. */
export async function writeHistory(dir: string, blobs: Iterable<Digest>, now: Date): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const file = `${dir}/${PREFIX}${historyStamp(now)}`;
  const tmp = `${file}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, [...new Set(blobs)].sort().map((d) => `${d}\n`).join(""), { mode: 0o600 });
  await Deno.rename(tmp, file);
  return file;
}
