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
/**
 * Format version of both files, as this version writes them: 2 (the set manifest pins each part by its
 * `partDigest`). Version 1 (each part pinned by the plain `sha256` of its bytes before the index) is still
 * read and verified the old way.
 */
export const ARCHIVE_INDEX_VERSION = 2;
/** The first format version, read but no longer written. */
export const ARCHIVE_INDEX_VERSION_1 = 1;
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

const versionSchema = z.union([z.literal(ARCHIVE_INDEX_VERSION_1), z.literal(ARCHIVE_INDEX_VERSION)]);

const partIndexSchema = z.strictObject({
  kind: z.literal(PART_INDEX_KIND),
  /** 1 or 2: the part index itself is the same in both, only the set manifest differs. */
  version: versionSchema,
  setId: z.string().min(1).max(200),
  /** 1-based position in the set, whatever the file naming (v1 files count from 0). */
  part: z.number().int().positive(),
  partCount: z.number().int().positive(),
  /** The part's file name, e.g. `mirror_000001.tar`. */
  file: z.string().min(1),
  /** Every entry before the index, in tar order. */
  entries: z.array(indexEntrySchema),
});

const setPartFields = {
  part: z.number().int().positive(),
  file: z.string().min(1),
  /** Bytes before the part's index entry. */
  dataSizeBytes: count,
  /** sha256 of the part's index entry data. */
  indexSha256: hex64,
  entryCount: count,
};

/** Version 2: the part digest (defined in `mod.ts` and `_part_digest.ts`): one hash per byte to check. */
const setPartSchema = z.strictObject({ ...setPartFields, partDigest: hex64 });

/** Version 1: the sha256 of the part's first `dataSizeBytes` bytes, as they are. */
const setPartV1Schema = z.strictObject({ ...setPartFields, sha256: hex64 });

const setManifestFields = {
  kind: z.literal(SET_MANIFEST_KIND),
  setId: z.string().min(1).max(200),
  createdAt: z.string(),
  partCount: z.number().int().positive(),
};

const setManifestSchema = z.strictObject({
  ...setManifestFields,
  version: z.literal(ARCHIVE_INDEX_VERSION),
  parts: z.array(setPartSchema),
});

const setManifestV1Schema = z.strictObject({
  ...setManifestFields,
  version: z.literal(ARCHIVE_INDEX_VERSION_1),
  parts: z.array(setPartV1Schema),
});

const anySetManifestSchema = z.discriminatedUnion("version", [setManifestSchema, setManifestV1Schema]);

/** One entry of a part: its name, where its data starts, its size and the sha256 of its data. */
export type ArchiveIndexEntry = z.infer<typeof indexEntrySchema>;

/** `oc-mirror/part-<NNNNNN>.json`: what one part holds. */
export type ArchivePartIndex = z.infer<typeof partIndexSchema>;

/** One part as the set manifest records it (version 2: pinned by its part digest). */
export type ArchiveSetPart = z.infer<typeof setPartSchema>;

/** One part as a version 1 set manifest records it (pinned by the sha256 of its bytes before the index). */
export type ArchiveSetPartV1 = z.infer<typeof setPartV1Schema>;

/**
 * `oc-mirror/set.json` as this version writes it: every part of the set with its size before the index,
 * its part digest and the sha256 of its index.
 */
export type ArchiveSetManifest = z.infer<typeof setManifestSchema>;

/** A version 1 `oc-mirror/set.json` (written by earlier versions; still read). */
export type ArchiveSetManifestV1 = z.infer<typeof setManifestV1Schema>;

/** A set manifest of any version this version reads. */
export type AnyArchiveSetManifest = ArchiveSetManifest | ArchiveSetManifestV1;

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

/** Parses a set manifest of version 1 or 2; throws {@link ArchiveError} naming `file`. */
export function parseSetManifest(bytes: Uint8Array, file: string): AnyArchiveSetManifest {
  return parseJson(anySetManifestSchema, bytes, file, SET_MANIFEST_ENTRY_NAME);
}

/** Serialises an index or set manifest. */
export function encodeIndex(value: ArchivePartIndex | AnyArchiveSetManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
