/**
 * Scans one tar part: reads its headers, seeking over entry data (never reading blobs), and returns
 * every regular file and directory with the offset and size of its data. Refuses, with an
 * {@link ArchiveError} naming the file and entry, anything a safe archive never holds: bad headers,
 * unsafe names, links, devices, sizes past the end of the file, and a missing end-of-archive marker.
 * @module
 */
import { ArchiveError, throwIfAborted } from "../errors.ts";
import { normalizeEntryName, unsafeNameReason } from "./_entry_name.ts";
import { WindowedReader } from "./_file_io.ts";
import {
  BLOCK_SIZE,
  decodeGnuLongName,
  decodeHeader,
  isZeroBlock,
  paddingSize,
  parsePaxRecords,
  TarHeaderError,
  TYPE_NAMES,
} from "./_tar_header.ts";

/** A part on disk: where it is and the name it has (or will have) in the set. */
export interface PartFile {
  /** Where to read it (a `.partial` file while the writer verifies the set). */
  path: string;
  /** Its name in the set, e.g. `mirror_000001.tar`. */
  name: string;
}

/** A regular file or directory found in a part. */
export interface ScannedEntry {
  /** Normalised name (no `./` prefix, no trailing slash). */
  name: string;
  directory: boolean;
  /** Offset of the entry's first header block (pax and GNU headers included). */
  headerOffset: number;
  dataOffset: number;
  size: number;
  /** The data, for entries `capture` asked for. */
  data?: Uint8Array;
}

/** A scanned part. */
export interface ScannedPart extends PartFile {
  sizeBytes: number;
  entries: ScannedEntry[];
}

/** Options of {@link scanPart}. */
export interface ScanPartOptions {
  /** Returns true for entries whose data should be read (small ones only). */
  capture?: (name: string, size: number) => boolean;
  signal?: AbortSignal;
}

const MAX_EXTENSION_BYTES = 1024 * 1024;
const SMALL_READ_AHEAD = 64 * 1024;

/** Scans the tar headers of one part. */
export async function scanPart(part: PartFile, options: ScanPartOptions = {}): Promise<ScannedPart> {
  const { path } = part;
  using file = await Deno.open(path, { read: true });
  const sizeBytes = (await file.stat()).size;
  if (sizeBytes === 0) throw new ArchiveError(path, `Archive part ${path} is empty (0 bytes)`);
  const reader = new WindowedReader(file);
  const entries: ScannedEntry[] = [];
  const fail = (message: string, cause?: unknown) =>
    new ArchiveError(path, message, cause === undefined ? {} : { cause });

  let offset = 0;
  let readAhead = SMALL_READ_AHEAD;
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let entryStart: number | undefined;
  for (let n = 0;; n++) {
    if (n % 1024 === 0) throwIfAborted(options.signal);
    if (offset === sizeBytes) {
      throw fail(
        `Archive part ${path} is truncated: it ends at offset ${offset} without the end-of-archive marker`,
      );
    }
    const block = await reader.read(offset, BLOCK_SIZE, readAhead);
    if (block.byteLength < BLOCK_SIZE) {
      throw fail(`Archive part ${path} is truncated: it ends inside a tar header at offset ${offset}`);
    }
    if (isZeroBlock(block)) {
      if (entryStart !== undefined) {
        throw fail(
          `Archive part ${path} has an extended header at offset ${entryStart} that no entry follows`,
        );
      }
      const next = await reader.read(offset + BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE);
      if (next.byteLength < BLOCK_SIZE) {
        throw fail(
          `Archive part ${path} is truncated: it ends inside the end-of-archive marker at offset ${offset}`,
        );
      }
      if (!isZeroBlock(next)) {
        throw fail(`Archive part ${path} has an empty tar header at offset ${offset} followed by more data`);
      }
      break;
    }
    let header;
    try {
      header = decodeHeader(block);
    } catch (e) {
      if (!(e instanceof TarHeaderError)) throw e;
      throw fail(`Archive part ${path} has an invalid tar header at offset ${offset}: ${e.message}`, e);
    }
    entryStart ??= offset;
    const rawName = pax?.get("path") ?? longName ?? header.name;
    const paxSize = pax?.get("size");
    let size = header.size;
    if (paxSize !== undefined) {
      if (!/^[0-9]{1,16}$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) {
        throw fail(
          `Archive part ${path} entry "${rawName}" has an invalid pax size ${JSON.stringify(paxSize)}`,
        );
      }
      size = Number(paxSize);
    }
    const dataOffset = offset + BLOCK_SIZE;
    if (dataOffset + size > sizeBytes) {
      throw fail(
        `Archive part ${path} entry "${rawName}" declares ${size} bytes at offset ${dataOffset}, past the ` +
          `end of the file (${sizeBytes} bytes): the part is truncated or corrupt`,
      );
    }
    const next = dataOffset + size + paddingSize(size);
    const type = header.typeflag;
    if (type === "x" || type === "g" || type === "L" || type === "K") {
      if (size > MAX_EXTENSION_BYTES) {
        throw fail(
          `Archive part ${path} has a ${TYPE_NAMES[type]} of ${size} bytes at offset ${offset}: ` +
            `the limit is ${MAX_EXTENSION_BYTES}`,
        );
      }
      const data = (await reader.read(dataOffset, size, SMALL_READ_AHEAD)).slice();
      try {
        if (type === "x") pax = parsePaxRecords(data);
        else if (type === "L") longName = decodeGnuLongName(data);
        else if (type === "K") longLink = decodeGnuLongName(data);
        else parsePaxRecords(data); // global headers are checked, and ignored
      } catch (e) {
        if (!(e instanceof TarHeaderError)) throw e;
        throw fail(
          `Archive part ${path} has an invalid ${TYPE_NAMES[type]} at offset ${offset}: ${e.message}`,
          e,
        );
      }
      if (type === "g") entryStart = undefined;
      offset = next;
      continue;
    }
    const name = normalizeEntryName(rawName);
    const isFile = type === "0" || type === "\0" || type === "7";
    const isDirectory = type === "5";
    if (!isFile && !isDirectory) {
      const target = pax?.get("linkpath") ?? longLink ?? header.linkName;
      const what = TYPE_NAMES[type] ?? `an entry of unknown type ${JSON.stringify(type)}`;
      const to = type === "1" || type === "2" ? ` to "${target}"` : "";
      throw fail(
        `Archive part ${path} entry "${rawName}" is a ${what}${to}: archives may hold only regular files ` +
          `and directories`,
      );
    }
    if (!(isDirectory && (name === "" || name === "."))) {
      const unsafe = unsafeNameReason(name);
      if (unsafe !== undefined) throw fail(`Archive part ${path} entry "${rawName}" is refused: ${unsafe}`);
      const entry: ScannedEntry = {
        name,
        directory: isDirectory,
        headerOffset: entryStart,
        dataOffset,
        size,
      };
      if (isFile && options.capture?.(name, size)) {
        entry.data = (await reader.read(dataOffset, size, SMALL_READ_AHEAD)).slice();
      }
      entries.push(entry);
    }
    pax = undefined;
    longName = undefined;
    longLink = undefined;
    entryStart = undefined;
    readAhead = size < SMALL_READ_AHEAD ? SMALL_READ_AHEAD : BLOCK_SIZE;
    offset = next;
  }
  return { ...part, sizeBytes, entries };
}
