/**
 * Verifies one part of a scanned set in a single sequential read, hashing each byte once: every entry's
 * data against its expected sha256 (a blob's digest, the index's sha256 for other entries), and the part
 * against the set manifest. For a version 2 set the part digest (`_part_digest.ts`) is rebuilt from the
 * header and padding bytes between the entries plus those entry hashes; a version 1 set pins the plain
 * sha256 of the bytes before the index, which costs a second hash of every byte. The next read runs
 * while the current chunk is hashed.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { ArchiveError, throwIfAborted } from "../errors.ts";
import { PartDigest } from "./_part_digest.ts";
import type { LocatedEntry, SetPart } from "./_set_scanner.ts";
import { paddingSize } from "./_tar_header.ts";

const READ_BYTES = 4 * 1024 * 1024;

/** Options of {@link verifyPart}. */
export interface VerifyPartOptions {
  /** The part's content entries (any order). */
  entries: LocatedEntry[];
  /** The sha256 an entry's data must have; undefined when nothing says (sets without index). */
  expectedSha256: (e: LocatedEntry) => string | undefined;
  /** Throws the error for an entry whose data hashes to `actual` instead of `expected`. */
  mismatch: (e: LocatedEntry, expected: string, actual: string) => Error;
  /** Called with the number of bytes read after each read. */
  onBytes: (count: number) => void;
  signal?: AbortSignal;
}

/** What {@link verifyPart} checked. */
export interface VerifyPartResult {
  /** Content entries hashed (the index is not counted). */
  entries: number;
  bytes: number;
}

interface Region {
  start: number;
  end: number;
  expected: string | undefined;
  entry?: LocatedEntry;
}

/** Reads `buffer.byteLength` bytes at the file's position, or fewer at the end of the file. */
async function readFull(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    const n = await file.read(buffer.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/** Verifies one part; throws {@link ArchiveError} naming the part and the entry that does not match. */
export async function verifyPart(part: SetPart, options: VerifyPartOptions): Promise<VerifyPartResult> {
  const { signal } = options;
  const regions: Region[] = options.entries
    .map((e) => ({
      start: e.dataOffset,
      end: e.dataOffset + e.size,
      expected: options.expectedSha256(e),
      entry: e,
    }))
    .sort((a, b) => a.start - b.start);
  const lastEnd = regions.reduce((n, r) => Math.max(n, r.end), 0);
  const pin = part.pin;
  let digest: PartDigest | undefined;
  let raw: Hash | undefined;
  let readEnd = lastEnd;
  if (pin?.kind === "partDigest") {
    const { dataOffset, size, sha256 } = pin.index;
    regions.push({ start: dataOffset, end: dataOffset + size, expected: sha256 });
    readEnd = Math.max(lastEnd, dataOffset + size + paddingSize(size));
    digest = new PartDigest();
  } else if (pin?.kind === "sha256") {
    raw = createHash("sha256");
    readEnd = Math.max(lastEnd, part.dataSizeBytes);
  }

  let k = 0;
  let entries = 0;
  let entryHash: Hash | undefined;
  const finish = (r: Region) => {
    const actual = (entryHash ?? createHash("sha256")).digest("hex");
    entryHash = undefined;
    if (r.expected !== undefined && actual !== r.expected) {
      if (r.entry) throw options.mismatch(r.entry, r.expected, actual);
      throw new ArchiveError(
        part.path,
        `Archive part ${part.path} index does not match the set manifest: expected sha256 ${r.expected}, ` +
          `got ${actual}`,
      );
    }
    digest?.entry(actual);
    if (r.entry) entries++;
  };
  /** Hashes `chunk` (the bytes at `pos`): entry data per entry, the rest into the part digest. */
  const process = (chunk: Uint8Array, pos: number) => {
    const end = pos + chunk.byteLength;
    if (raw && pos < part.dataSizeBytes) {
      raw.update(chunk.subarray(0, Math.min(chunk.byteLength, part.dataSizeBytes - pos)));
    }
    let c = pos;
    for (;;) {
      const r = regions[k];
      if (r && c >= r.start) {
        const to = Math.min(r.end, end);
        if (to > c) {
          if (r.expected !== undefined || digest) {
            entryHash ??= createHash("sha256");
            entryHash.update(chunk.subarray(c - pos, to - pos));
          }
          c = to;
        }
        if (c < r.end) return;
        finish(r);
        k++;
        continue;
      }
      if (c >= end) return;
      const to = r ? Math.min(r.start, end) : end;
      digest?.structure(chunk.subarray(c - pos, to - pos));
      c = to;
    }
  };

  let bytes = 0;
  using file = await Deno.open(part.path, { read: true });
  const buffers = [new Uint8Array(READ_BYTES), new Uint8Array(READ_BYTES)];
  let current = 0;
  const startRead = (pos: number) => {
    const p = readFull(
      file,
      (buffers[current] as Uint8Array).subarray(0, Math.min(READ_BYTES, readEnd - pos)),
    );
    p.catch(() => {}); // awaited below; this only keeps an abandoned read from counting as unhandled
    return p;
  };
  let pos = 0;
  let next = readEnd > 0 ? startRead(0) : undefined;
  try {
    while (next) {
      throwIfAborted(signal);
      const want = Math.min(READ_BYTES, readEnd - pos);
      const n = await next;
      next = undefined;
      if (n < want) {
        throw new ArchiveError(
          part.path,
          `Archive part ${part.path} ended at offset ${pos + n} while being verified`,
        );
      }
      const chunk = (buffers[current] as Uint8Array).subarray(0, n);
      current = 1 - current;
      if (pos + n < readEnd) next = startRead(pos + n);
      process(chunk, pos);
      pos += n;
      bytes += n;
      options.onBytes(n);
    }
  } finally {
    await next?.catch(() => {});
  }
  const missing = regions[k];
  if (missing) {
    throw new ArchiveError(
      part.path,
      `Archive part ${part.path} ended before entry "${missing.entry?.name ?? "its index"}"`,
    );
  }
  if (raw && pin?.kind === "sha256") {
    const actual = raw.digest("hex");
    if (actual !== pin.sha256) {
      throw new ArchiveError(
        part.path,
        `Archive part ${part.path} does not match the set manifest: the sha256 of its first ` +
          `${part.dataSizeBytes} bytes is ${actual}, the manifest says ${pin.sha256}`,
      );
    }
  }
  if (digest && pin?.kind === "partDigest") {
    const actual = digest.hex();
    if (actual !== pin.partDigest) {
      throw new ArchiveError(
        part.path,
        `Archive part ${part.path} does not match the set manifest: its part digest (the tar headers and ` +
          `padding of its first ${readEnd} bytes and the sha256 of each entry) is ${actual}, the manifest ` +
          `says ${pin.partDigest}`,
      );
    }
  }
  return { entries, bytes };
}
