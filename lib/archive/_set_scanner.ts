/**
 * Scans and validates a whole archive set before anything in it is used: every part's headers, every
 * entry's name against the allowed tree, duplicate entries, and (for sets we wrote) each part's index and
 * the set manifest: a missing, foreign, reordered or truncated part is an {@link ArchiveError} naming it.
 * Content hashes are checked later, by `ArchiveReader.verify()`.
 * @module
 */
import { createHash } from "node:crypto";
import { ArchiveError, throwIfAborted } from "../errors.ts";
import { digestHex, digestOf } from "../oci/mod.ts";
import { REGISTRY_TREE_ROOT } from "../layout/mod.ts";
import {
  type AnyArchiveSetManifest,
  type ArchivePartIndex,
  MAX_INDEX_BYTES,
  parsePartIndex,
  parseSetManifest,
  partIndexEntryName,
  SET_MANIFEST_ENTRY_NAME,
} from "./archive_index.ts";
import { classifyEntryName, directoryNameProblem, type EntryKind } from "./_entry_name.ts";
import { rangeStream, readAt } from "./_file_io.ts";
import { type PartFile, type ScannedEntry, scanPart } from "./_part_scanner.ts";

/** Largest link file we read (distribution's are 71 bytes). */
export const MAX_LINK_BYTES = 1024;

/** A content entry of the set and where its data is. */
export interface LocatedEntry {
  name: string;
  /** 0-based position of its part in the set. */
  part: number;
  dataOffset: number;
  size: number;
  kind: Exclude<EntryKind, { kind: "partIndex" } | { kind: "setManifest" } | { kind: "upload" }>;
  /** The sha256 its part index lists (sets we wrote). */
  sha256?: string;
  /** The data of link files. */
  data?: Uint8Array;
}

/**
 * How the set manifest pins a part's content: by its part digest (version 2, see `_part_digest.ts`),
 * which also spans the index entry, or by the sha256 of its bytes before the index (version 1).
 */
export type PartPin =
  | {
    kind: "partDigest";
    partDigest: string;
    /** The part's index entry: where its data is, and its sha256 from the set manifest. */
    index: { dataOffset: number; size: number; sha256: string };
  }
  | { kind: "sha256"; sha256: string };

/** A validated part. */
export interface SetPart extends PartFile {
  sizeBytes: number;
  /** Bytes before the part's index entry (the whole file when there is no index). */
  dataSizeBytes: number;
  /** What the set manifest says the content is (sets we wrote). */
  pin?: PartPin;
}

/** A validated set. */
export interface ScannedSet {
  parts: SetPart[];
  /** Every content entry in order, duplicates included. */
  entries: LocatedEntry[];
  /** The first entry of each name. */
  byName: Map<string, LocatedEntry>;
  /** Present for sets we wrote. */
  manifest?: AnyArchiveSetManifest;
  /** Number of `_uploads` entries (leftovers of interrupted uploads in the original's cache) ignored. */
  ignoredUploads: number;
}

/** Options of {@link scanArchiveSet}. */
export interface ScanSetOptions {
  /** Where the set is, for messages, e.g. `/mnt/usb`. */
  where: string;
  signal?: AbortSignal;
}

const REPOSITORIES_PREFIX = `${REGISTRY_TREE_ROOT}/repositories/`;

function captureLinks(name: string, size: number): boolean {
  return size <= MAX_LINK_BYTES && name.startsWith(REPOSITORIES_PREFIX);
}

async function sha256OfRange(
  path: string,
  offset: number,
  size: number,
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash("sha256");
  const where = `${path} at offset ${offset}`;
  const stream = await rangeStream(path, offset, size, signal ? { where, signal } : { where });
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

async function readEntry(part: PartFile, entry: ScannedEntry): Promise<Uint8Array> {
  if (entry.size > MAX_INDEX_BYTES) {
    throw new ArchiveError(
      part.path,
      `Archive part ${part.path} entry "${entry.name}" is ${entry.size} bytes: the limit is ${MAX_INDEX_BYTES}`,
    );
  }
  using file = await Deno.open(part.path, { read: true });
  const data = new Uint8Array(entry.size);
  await readAt(file, entry.dataOffset, data);
  return data;
}

interface PartMeta {
  index?: { entry: ScannedEntry; bytes: Uint8Array; parsed: ArchivePartIndex };
  manifest?: AnyArchiveSetManifest;
  content: LocatedEntry[];
  contentScanned: ScannedEntry[];
  /** Directories and upload leftovers: never written by us, so refused in an indexed part. */
  unlisted: string[];
}

/** Scans and validates every part of a set, in order. */
export async function scanArchiveSet(files: PartFile[], options: ScanSetOptions): Promise<ScannedSet> {
  const { signal, where } = options;
  const metas: PartMeta[] = [];
  const sizes: number[] = [];
  let ignoredUploads = 0;
  for (const [position, file] of files.entries()) {
    throwIfAborted(signal);
    const scanned = await scanPart(
      file,
      signal ? { capture: captureLinks, signal } : { capture: captureLinks },
    );
    sizes.push(scanned.sizeBytes);
    const meta: PartMeta = { content: [], contentScanned: [], unlisted: [] };
    const indexEntries: ScannedEntry[] = [];
    let manifestEntry: ScannedEntry | undefined;
    for (const [i, e] of scanned.entries.entries()) {
      const fail = (why: string) =>
        new ArchiveError(file.path, `Archive part ${file.path} entry "${e.name}" is refused: ${why}`);
      if (e.directory) {
        const problem = directoryNameProblem(e.name);
        if (problem !== undefined) throw fail(problem);
        meta.unlisted.push(e.name);
        continue;
      }
      const kind = classifyEntryName(e.name);
      if (typeof kind === "string") throw fail(kind);
      if (kind.kind === "upload") {
        ignoredUploads++;
        meta.unlisted.push(e.name);
        continue;
      }
      if (kind.kind === "partIndex") {
        indexEntries.push(e);
        continue;
      }
      if (kind.kind === "setManifest") {
        if (manifestEntry || i !== scanned.entries.length - 1) {
          throw fail("the set manifest must be the last entry of the last part, and appear once");
        }
        manifestEntry = e;
        continue;
      }
      if (indexEntries.length > 0) throw fail(`it follows the part's index "${indexEntries[0]?.name}"`);
      if (kind.kind === "tree" && kind.tree.kind !== "blob" && e.data === undefined) {
        throw fail(`a link file must be at most ${MAX_LINK_BYTES} bytes, this one is ${e.size}`);
      }
      const located: LocatedEntry = {
        name: e.name,
        part: position,
        dataOffset: e.dataOffset,
        size: e.size,
        kind,
      };
      if (e.data) located.data = e.data;
      meta.content.push(located);
      meta.contentScanned.push(e);
    }
    if (indexEntries.length > 1) {
      throw new ArchiveError(
        file.path,
        `Archive part ${file.path} has ${indexEntries.length} index entries: want one`,
      );
    }
    const indexEntry = indexEntries[0];
    if (indexEntry) {
      const bytes = await readEntry(file, indexEntry);
      meta.index = { entry: indexEntry, bytes, parsed: parsePartIndex(bytes, file.path, indexEntry.name) };
    }
    if (manifestEntry) {
      if (!indexEntry) {
        throw new ArchiveError(file.path, `Archive part ${file.path} has a set manifest but no index`);
      }
      meta.manifest = parseSetManifest(await readEntry(file, manifestEntry), file.path);
    }
    metas.push(meta);
  }

  const manifest = checkIndexes(files, metas, where);
  const parts: SetPart[] = files.map((f, i) => {
    const meta = metas[i] as PartMeta;
    const part: SetPart = {
      ...f,
      sizeBytes: sizes[i] ?? 0,
      dataSizeBytes: meta.index ? meta.index.entry.headerOffset : sizes[i] ?? 0,
    };
    const pinned = manifest?.parts[i];
    if (pinned && "partDigest" in pinned && meta.index) {
      const { dataOffset, size } = meta.index.entry;
      part.pin = {
        kind: "partDigest",
        partDigest: pinned.partDigest,
        index: { dataOffset, size, sha256: pinned.indexSha256 },
      };
    } else if (pinned && "sha256" in pinned) {
      part.pin = { kind: "sha256", sha256: pinned.sha256 };
    }
    return part;
  });

  const entries: LocatedEntry[] = [];
  const byName = new Map<string, LocatedEntry>();
  for (const meta of metas) {
    for (const e of meta.content) {
      entries.push(e);
      if (e.kind.kind === "void") continue; // verified, never served
      const first = byName.get(e.name);
      if (!first) {
        byName.set(e.name, e);
        continue;
      }
      await checkDuplicate(first, e, parts, signal);
    }
  }
  const set: ScannedSet = { parts, entries, byName, ignoredUploads };
  if (manifest) set.manifest = manifest;
  return set;
}

async function checkDuplicate(
  first: LocatedEntry,
  second: LocatedEntry,
  parts: SetPart[],
  signal?: AbortSignal,
): Promise<void> {
  const a = parts[first.part] as SetPart;
  const b = parts[second.part] as SetPart;
  let same = first.size === second.size;
  if (same) {
    if (first.data && second.data) {
      same = first.data.every((x, i) => second.data?.[i] === x);
    } else if (first.sha256 !== undefined && second.sha256 !== undefined) {
      same = first.sha256 === second.sha256;
    } else {
      same = (await sha256OfRange(a.path, first.dataOffset, first.size, signal)) ===
        (await sha256OfRange(b.path, second.dataOffset, second.size, signal));
    }
  }
  if (!same) {
    throw new ArchiveError(
      b.path,
      `Archive entry "${second.name}" appears twice with different content: in ${a.path} at offset ` +
        `${first.dataOffset} (${first.size} bytes) and in ${b.path} at offset ${second.dataOffset} ` +
        `(${second.size} bytes)`,
    );
  }
}

/** Checks the part indexes and set manifest against the parts found; returns the manifest. */
function checkIndexes(
  files: PartFile[],
  metas: PartMeta[],
  where: string,
): AnyArchiveSetManifest | undefined {
  const withIndex = metas.findIndex((m) => m.index);
  if (withIndex < 0) return undefined;
  const without = metas.findIndex((m) => !m.index);
  if (without >= 0) {
    const file = files[without] as PartFile;
    throw new ArchiveError(
      file.path,
      `Archive part ${file.path} has no index, while ${files[withIndex]?.path} has one: the part does not ` +
        `belong to this archive set, or it was altered`,
    );
  }
  const last = metas[metas.length - 1] as PartMeta;
  const lastFile = files[files.length - 1] as PartFile;
  const reference = last.manifest ?? last.index?.parsed;
  const setId = reference?.setId ?? "";
  for (const [i, meta] of metas.entries()) {
    const index = meta.index?.parsed as ArchivePartIndex;
    const file = files[i] as PartFile;
    if (index.setId !== setId) {
      throw new ArchiveError(
        file.path,
        `Archive part ${file.path} belongs to another archive set (set ${index.setId}) than ` +
          `${lastFile.path} (set ${setId}): do not mix parts of different runs`,
      );
    }
  }
  const partCount = (metas[0]?.index?.parsed as ArchivePartIndex).partCount;
  for (const [i, meta] of metas.entries()) {
    const index = meta.index?.parsed as ArchivePartIndex;
    if (index.partCount !== partCount) {
      throw new ArchiveError(
        files[i]?.path ?? where,
        `Archive part ${files[i]?.path} says its set has ${index.partCount} parts, while ` +
          `${files[0]?.path} says ${partCount}`,
      );
    }
  }
  if (partCount !== files.length) {
    const missing = partCount > files.length
      ? `${partCount - files.length} part(s) after ${lastFile.name} are missing`
      : `${files.length - partCount} extra part(s) are present`;
    throw new ArchiveError(
      lastFile.path,
      `Archive set in ${where} has ${files.length} parts, but its index lists ${partCount}: ${missing}`,
    );
  }
  for (const [i, meta] of metas.entries()) {
    const index = meta.index?.parsed as ArchivePartIndex;
    const file = files[i] as PartFile;
    if (index.part !== i + 1 || index.file !== file.name) {
      throw new ArchiveError(
        file.path,
        `Archive part ${file.path} holds part ${index.part} of its set (written as ${index.file}), not part ` +
          `${i + 1}: the parts were renamed or reordered`,
      );
    }
    const entryName = meta.index?.entry.name;
    if (entryName !== partIndexEntryName(index.part)) {
      throw new ArchiveError(
        file.path,
        `Archive part ${file.path} has index "${entryName}" for part ${index.part}`,
      );
    }
    checkEntriesMatchIndex(file, meta, index);
  }
  const manifest = last.manifest;
  if (!manifest) {
    throw new ArchiveError(
      lastFile.path,
      `Archive part ${lastFile.path} has no set manifest "${SET_MANIFEST_ENTRY_NAME}": it is not the last ` +
        `part of its set, or it was truncated`,
    );
  }
  if (manifest.partCount !== files.length || manifest.parts.length !== files.length) {
    throw new ArchiveError(
      lastFile.path,
      `Archive set manifest in ${lastFile.path} lists ${manifest.parts.length} parts (partCount ` +
        `${manifest.partCount}), but ${files.length} were found in ${where}`,
    );
  }
  for (const [i, p] of manifest.parts.entries()) {
    const meta = metas[i] as PartMeta;
    const file = files[i] as PartFile;
    const index = meta.index as NonNullable<PartMeta["index"]>;
    const problems: string[] = [];
    if (p.part !== i + 1 || p.file !== file.name) problems.push(`it names part ${p.part} "${p.file}"`);
    if (p.dataSizeBytes !== index.entry.headerOffset) {
      problems.push(
        `it says ${p.dataSizeBytes} bytes precede the index, the part has ${index.entry.headerOffset}`,
      );
    }
    if (p.indexSha256 !== digestHex(digestOf(index.bytes))) {
      problems.push("the part's index has another sha256");
    }
    if (p.entryCount !== index.parsed.entries.length) {
      problems.push(`it counts ${p.entryCount} entries, the index lists ${index.parsed.entries.length}`);
    }
    if (index.parsed.version !== manifest.version) {
      problems.push(`it has format version ${manifest.version}, the part's index ${index.parsed.version}`);
    }
    if (problems.length > 0) {
      throw new ArchiveError(
        file.path,
        `Archive part ${file.path} does not match the set manifest in ${lastFile.path}: ${
          problems.join("; ")
        }`,
      );
    }
  }
  return manifest;
}

function checkEntriesMatchIndex(file: PartFile, meta: PartMeta, index: ArchivePartIndex): void {
  const listed = index.entries;
  const found = meta.contentScanned;
  const mismatch = (detail: string) =>
    new ArchiveError(
      file.path,
      `Archive part ${file.path} does not match its index "${meta.index?.entry.name}": ${detail}`,
    );
  const unlisted = meta.unlisted[0];
  if (unlisted !== undefined) throw mismatch(`entry "${unlisted}" is not listed`);
  const content = meta.content.length;
  if (listed.length !== content) {
    throw mismatch(`the index lists ${listed.length} entries, the part holds ${content}`);
  }
  for (let i = 0; i < listed.length; i++) {
    const l = listed[i] as ArchivePartIndex["entries"][number];
    const f = found[i] as ScannedEntry;
    if (l.name !== f.name || l.size !== f.size || l.offset !== f.dataOffset) {
      throw mismatch(
        `entry ${i + 1} is "${f.name}" (${f.size} bytes at offset ${f.dataOffset}) in the tar, but ` +
          `"${l.name}" (${l.size} bytes at offset ${l.offset}) in the index`,
      );
    }
    const located = meta.content[i] as LocatedEntry;
    if (located.kind.kind === "tree" && located.kind.tree.kind === "blob") {
      if (digestHex(located.kind.tree.digest) !== l.sha256) {
        throw mismatch(`entry "${l.name}" is listed with sha256 ${l.sha256}, which is not its name`);
      }
    }
    located.sha256 = l.sha256;
  }
}
