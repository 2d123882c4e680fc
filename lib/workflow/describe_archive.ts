/**
 * What `oc-mirror describe` shows about an archive set (v2 `mirror_NNNNNN.tar` or v1
 * `mirror_seq<N>_NNNNNN.tar`): its id, parts and sizes, the repositories and tags it carries, the
 * working-dir files, the ImageSetConfiguration it was made from (`isc_*` entry) and, for v1 sets, the
 * metadata (imageset uid, sequence, associations). Opening validates the set's structure; content is
 * not hashed (disk-to-mirror does that).
 * @module
 */
import { basename, dirname } from "node:path";
import { ArchiveReader, parsePartFileName } from "../archive/mod.ts";
import type { RunContext } from "../context.ts";
import { V1_METADATA_PATH } from "../state/mod.ts";
import { readArchiveMetadata } from "./disk_to_mirror_v1.ts";
import { v1ArchiveSequences } from "./v1_archive_source.ts";

/** Largest ISC text shown. */
const MAX_ISC_BYTES = 8 * 1024 * 1024;

/** An archive set, described. */
export interface ArchiveDescription {
  /** The directory holding the parts. */
  dir: string;
  naming: "v1" | "v2";
  /** v1: the sequence of the parts described. */
  sequence?: number;
  /** v1: every sequence whose parts are in the directory. */
  sequences?: number[];
  /** From the set's index; undefined for sets written by the original oc-mirror. */
  setId?: string;
  parts: { file: string; sizeBytes: number }[];
  totalBytes: number;
  repositories: { name: string; tags: string[] }[];
  /** `working-dir/...` entries. */
  files: { path: string; sizeBytes: number }[];
  /** The `isc_*` entry, when there is one. */
  isc?: { path: string; text: string };
  /** v1 only: the metadata the set begins with. */
  metadata?: {
    uid: string;
    sequence: number;
    singleUse: boolean;
    /** Unix seconds. */
    timestamp: number;
    associations: number;
  };
}

/** Options of {@link describeArchive}. */
export interface DescribeArchiveOptions {
  /** v1: the sequence to describe when the directory holds several. @default the newest */
  sequence?: number;
}

/**
 * Describes the set in `path`: a directory, or one part file (its directory is read, and for a v1 part
 * its sequence).
 */
export async function describeArchive(
  ctx: RunContext,
  path: string,
  o: DescribeArchiveOptions = {},
): Promise<ArchiveDescription> {
  let dir = path;
  let sequence = o.sequence;
  const info = await Deno.stat(path).catch(() => undefined);
  if (info?.isFile) {
    dir = dirname(path);
    const parsed = parsePartFileName(basename(path));
    if (parsed?.kind === "v1" && sequence === undefined) sequence = parsed.sequence;
  }
  const sequences = await v1ArchiveSequences(dir);
  let hasV2 = false;
  for await (const e of Deno.readDir(dir)) if (parsePartFileName(e.name)?.kind === "v2") hasV2 = true;
  if (sequence === undefined && !hasV2 && sequences.length > 1) sequence = sequences[sequences.length - 1];
  const reader = await ArchiveReader.open(dir, {
    ctx,
    signal: ctx.signal,
    ...(sequence !== undefined ? { sequence } : {}),
  });
  const first = parsePartFileName(reader.parts[0]?.file ?? "");
  const naming = first?.kind ?? "v2";
  const repositories: ArchiveDescription["repositories"] = [];
  for await (const name of reader.listRepositories()) {
    repositories.push({ name, tags: await Array.fromAsync(reader.listTags(name)) });
  }
  const iscEntry = reader.listFiles("isc_").at(-1);
  const out: ArchiveDescription = {
    dir,
    naming,
    ...(reader.setId !== undefined ? { setId: reader.setId } : {}),
    parts: reader.parts.map((p) => ({ file: p.file, sizeBytes: p.sizeBytes })),
    totalBytes: reader.parts.reduce((n, p) => n + p.sizeBytes, 0),
    repositories,
    files: reader.listFiles("working-dir/"),
  };
  if (iscEntry) {
    const bytes = await reader.readFile(iscEntry.path, { maxBytes: MAX_ISC_BYTES, signal: ctx.signal });
    out.isc = { path: iscEntry.path, text: new TextDecoder().decode(bytes) };
  }
  if (first?.kind === "v1") {
    out.sequence = first.sequence;
    out.sequences = sequences;
    if (reader.listFiles(V1_METADATA_PATH).length > 0) {
      const meta = await readArchiveMetadata(reader, ctx.signal);
      out.metadata = {
        uid: meta.uid,
        sequence: meta.pastMirror.sequence,
        singleUse: meta.singleUse,
        timestamp: meta.pastMirror.timestamp,
        associations: meta.pastAssociations.length,
      };
    }
  }
  return out;
}
