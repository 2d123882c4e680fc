/**
 * The index entries our archive sets carry (see the format in `mod.ts`): each part ends with
 * `oc-mirror/part-<NNNNNN>.json` listing its entries, and the last part also carries
 * `oc-mirror/set.json`, the set manifest listing every part. The original oc-mirror ignores both
 * (it extracts only `docker/registry/v2/...` and `working-dir/...` entries).
 * @module
 */
import { z } from "zod";
import { ArchiveError } from "../errors.ts";

/** Value of the `kind` field of a part index. */
export const PART_INDEX_KIND = "oc-mirror.archive-part";
/** Value of the `kind` field of a set manifest. */
export const SET_MANIFEST_KIND = "oc-mirror.archive-set";
/** Format version of both files. */
export const ARCHIVE_INDEX_VERSION = 1;
/** Tar entry name of the set manifest (last part only). */
export const SET_MANIFEST_ENTRY_NAME = "oc-mirror/set.json";
/** Largest index or set manifest we read into memory. */
export const MAX_INDEX_BYTES = 256 * 1024 * 1024;

/** Tar entry name of part `part`'s index (1-based): `oc-mirror/part-000001.json`. */
export function partIndexEntryName(part: number): string {
  return `oc-mirror/part-${String(part).padStart(6, "0")}.json`;
}

const hex64 = z.string().regex(/^[a-f0-9]{64}$/);
const count = z.number().int().nonnegative();

const indexEntrySchema = z.strictObject({
  name: z.string().min(1),
  /** Offset of the entry's data in the part. */
  offset: count,
  size: count,
  sha256: hex64,
});

const partIndexSchema = z.strictObject({
  kind: z.literal(PART_INDEX_KIND),
  version: z.literal(ARCHIVE_INDEX_VERSION),
  setId: z.string().min(1).max(200),
  /** 1-based position in the set, whatever the file naming (v1 files count from 0). */
  part: z.number().int().positive(),
  partCount: z.number().int().positive(),
  /** The part's file name, e.g. `mirror_000001.tar`. */
  file: z.string().min(1),
  /** Every entry before the index, in tar order. */
  entries: z.array(indexEntrySchema),
});

const setPartSchema = z.strictObject({
  part: z.number().int().positive(),
  file: z.string().min(1),
  dataSizeBytes: count,
  sha256: hex64,
  indexSha256: hex64,
  entryCount: count,
});

const setManifestSchema = z.strictObject({
  kind: z.literal(SET_MANIFEST_KIND),
  version: z.literal(ARCHIVE_INDEX_VERSION),
  setId: z.string().min(1).max(200),
  createdAt: z.string(),
  partCount: z.number().int().positive(),
  parts: z.array(setPartSchema),
});

/** One entry of a part: its name, where its data starts, its size and the sha256 of its data. */
export type ArchiveIndexEntry = z.infer<typeof indexEntrySchema>;

/** `oc-mirror/part-<NNNNNN>.json`: what one part holds. */
export type ArchivePartIndex = z.infer<typeof partIndexSchema>;

/** One part as the set manifest records it. */
export type ArchiveSetPart = z.infer<typeof setPartSchema>;

/** `oc-mirror/set.json`: every part of the set with the size and sha256 of its bytes before the index. */
export type ArchiveSetManifest = z.infer<typeof setManifestSchema>;

function parseJson<T>(schema: z.ZodType<T>, bytes: Uint8Array, file: string, entry: string): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ArchiveError(file, `Archive part ${file} entry "${entry}" is not valid JSON`, { cause });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new ArchiveError(
      file,
      `Archive part ${file} entry "${entry}" is not a valid archive index${where}: ${
        issue?.message ?? "invalid"
      }`,
    );
  }
  return r.data;
}

/** Parses a part index; throws {@link ArchiveError} naming `file`. */
export function parsePartIndex(bytes: Uint8Array, file: string, entry: string): ArchivePartIndex {
  return parseJson(partIndexSchema, bytes, file, entry);
}

/** Parses a set manifest; throws {@link ArchiveError} naming `file`. */
export function parseSetManifest(bytes: Uint8Array, file: string): ArchiveSetManifest {
  return parseJson(setManifestSchema, bytes, file, SET_MANIFEST_ENTRY_NAME);
}

/** Serialises an index or set manifest. */
export function encodeIndex(value: ArchivePartIndex | ArchiveSetManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
