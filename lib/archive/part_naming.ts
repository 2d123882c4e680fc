/**
 * File names of archive parts: v2 `mirror_000001.tar`, `mirror_000002.tar`, ... (numbered from 1) and
 * v1 `mirror_seq<N>_000000.tar`, `mirror_seq<N>_000001.tar`, ... (numbered from 0).
 * @module
 */

/** How parts are named. */
export type ArchiveNaming = { kind: "v2" } | { kind: "v1"; sequence: number };

/** Suffix of a part while it is being written; renamed away when the whole set is complete. */
export const PARTIAL_SUFFIX = ".partial";

/** Regex source of v2 part names, as the original oc-mirror matches them. */
export const V2_PART_PATTERN = "mirror_[0-9]{6}\\.tar";

const V2_RE = /^mirror_([0-9]{6})\.tar$/;
const V1_RE = /^mirror_seq([0-9]+)_([0-9]{6})\.tar$/;

/** The file name of the part at 0-based `position` in the set. */
export function partFileName(naming: ArchiveNaming, position: number): string {
  if (naming.kind === "v2") return `mirror_${String(position + 1).padStart(6, "0")}.tar`;
  return `mirror_seq${naming.sequence}_${String(position).padStart(6, "0")}.tar`;
}

/** A part file name parsed back. */
export type ParsedPartName =
  | { kind: "v2"; number: number }
  | { kind: "v1"; sequence: number; number: number };

/** Parses a part file name; undefined for other files (including `.partial` ones). */
export function parsePartFileName(name: string): ParsedPartName | undefined {
  const v2 = V2_RE.exec(name);
  if (v2) return { kind: "v2", number: Number(v2[1]) };
  const v1 = V1_RE.exec(name);
  if (v1) return { kind: "v1", sequence: Number(v1[1]), number: Number(v1[2]) };
  return undefined;
}

/** The number the first part of a set carries: 1 for v2, 0 for v1. */
export function firstPartNumber(kind: "v1" | "v2"): number {
  return kind === "v2" ? 1 : 0;
}
