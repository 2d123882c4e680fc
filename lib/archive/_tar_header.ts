/**
 * Tar header blocks: encoding the headers of regular files (ustar, with a pax extended header when a
 * name or size does not fit) and decoding any header a POSIX, pax, GNU or Go writer produces.
 *
 * Written here rather than taken from `modern-tar` because archives need two things that library's
 * streaming packer and decoder do not offer: offsets (the reader seeks over blob data instead of reading
 * it, and serves a blob as a byte range), and rollback (the writer truncates a part back to an entry's
 * start when the blob's bytes turn out wrong).
 * @see https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_01
 * @module
 */

/** Size of a tar block; headers and data are padded to it. */
export const BLOCK_SIZE = 512;

/** Largest size the 11 octal digits of a ustar size field hold (8 GiB - 1). */
const MAX_OCTAL_SIZE = 0o77777777777;

/** A header that is not valid tar; the scanner adds the file and offset. */
export class TarHeaderError extends Error {}

/** Type flags we name in messages. */
export const TYPE_NAMES: Readonly<Record<string, string>> = {
  "0": "regular file",
  "\0": "regular file",
  "7": "contiguous file",
  "1": "hard link",
  "2": "symbolic link",
  "3": "character device",
  "4": "block device",
  "5": "directory",
  "6": "FIFO",
  "x": "pax extended header",
  "g": "pax global header",
  "L": "GNU long name",
  "K": "GNU long link name",
  "S": "GNU sparse file",
};

/** A decoded header block, before pax or GNU extensions are applied. */
export interface DecodedHeader {
  /** `prefix/name` for ustar, `name` otherwise. */
  name: string;
  linkName: string;
  /** The type flag character (`"\0"` for old regular files). */
  typeflag: string;
  size: number;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** Bytes after `size` up to the next block boundary. */
export function paddingSize(size: number): number {
  const r = size % BLOCK_SIZE;
  return r === 0 ? 0 : BLOCK_SIZE - r;
}

/** Size of header(s) plus padded data of a regular file entry with this name and size. */
export function entrySize(name: string, size: number): number {
  return fileHeader(name, size, 0).byteLength + size + paddingSize(size);
}

function writeString(block: Uint8Array, offset: number, length: number, value: Uint8Array): void {
  block.set(value.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, "0");
  writeString(block, offset, length - 1, encoder.encode(digits));
  block[offset + length - 1] = 0;
}

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((b) => b > 0 && b < 0x80);
}

/** Splits a name into ustar prefix (≤ 155 bytes) and name (≤ 100 bytes) at a slash, if possible. */
function splitUstarName(bytes: Uint8Array): { prefix: Uint8Array; name: Uint8Array } | undefined {
  if (bytes.byteLength <= 100) return { prefix: new Uint8Array(0), name: bytes };
  for (let i = Math.min(155, bytes.byteLength - 2); i > 0; i--) {
    if (bytes[i] === 0x2f && bytes.byteLength - i - 1 <= 100) {
      return { prefix: bytes.subarray(0, i), name: bytes.subarray(i + 1) };
    }
  }
  return undefined;
}

function checksum(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i] ?? 0;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

function ustarBlock(
  fields: { prefix: Uint8Array; name: Uint8Array; size: number; typeflag: string; mtimeSeconds: number },
): Uint8Array {
  const block = new Uint8Array(BLOCK_SIZE);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size <= MAX_OCTAL_SIZE ? fields.size : 0);
  writeOctal(block, 136, 12, Math.max(0, Math.min(fields.mtimeSeconds, MAX_OCTAL_SIZE)));
  block[156] = fields.typeflag.charCodeAt(0);
  writeString(block, 257, 6, encoder.encode("ustar\0"));
  writeString(block, 263, 2, encoder.encode("00"));
  writeString(block, 345, 155, fields.prefix);
  const sum = checksum(block).unsigned;
  writeString(block, 148, 8, encoder.encode(`${sum.toString(8).padStart(6, "0")}\0 `));
  return block;
}

/** One pax record: `<length> <key>=<value>\n`, the length counting itself. */
export function paxRecord(key: string, value: string): Uint8Array {
  const body = encoder.encode(` ${key}=${value}\n`).byteLength;
  let length = body + String(body).length;
  while (length !== body + String(length).length) length = body + String(length).length;
  return encoder.encode(`${length} ${key}=${value}\n`);
}

/**
 * Encodes the header block(s) of a regular file: one ustar block, preceded by a pax `x` header (and its
 * padded records) when the name is not ASCII or too long for ustar, or the size exceeds 8 GiB - 1.
 */
export function fileHeader(name: string, size: number, mtimeSeconds: number): Uint8Array {
  const nameBytes = encoder.encode(name);
  const split = isAscii(nameBytes) ? splitUstarName(nameBytes) : undefined;
  const records: Uint8Array[] = [];
  if (!split) records.push(paxRecord("path", name));
  if (size > MAX_OCTAL_SIZE) records.push(paxRecord("size", String(size)));
  const main = ustarBlock({
    prefix: split?.prefix ?? new Uint8Array(0),
    name: split?.name ?? encoder.encode(asciiFallbackName(name)),
    size,
    typeflag: "0",
    mtimeSeconds,
  });
  if (records.length === 0) return main;
  const paxData = concat(records);
  const paxHeader = ustarBlock({
    prefix: new Uint8Array(0),
    name: encoder.encode(`PaxHeaders/${asciiFallbackName(name.slice(name.lastIndexOf("/") + 1))}`),
    size: paxData.byteLength,
    typeflag: "x",
    mtimeSeconds,
  });
  const out = new Uint8Array(BLOCK_SIZE + paxData.byteLength + paddingSize(paxData.byteLength) + BLOCK_SIZE);
  out.set(paxHeader, 0);
  out.set(paxData, BLOCK_SIZE);
  out.set(main, out.byteLength - BLOCK_SIZE);
  return out;
}

/** A name readers without pax support see: ASCII only, at most 100 bytes. */
function asciiFallbackName(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, "_").slice(-100);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** True for a block of zeros (the end-of-archive marker is two of them). */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.byteLength; i++) if (block[i] !== 0) return false;
  return true;
}

function readString(block: Uint8Array, offset: number, length: number, field: string): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  try {
    return strictDecoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
  } catch {
    throw new TarHeaderError(`the ${field} field is not valid UTF-8`);
  }
}

/** Parses an octal or GNU base-256 numeric field. */
export function parseNumeric(field: Uint8Array, what: string): number {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new TarHeaderError(`the ${what} field is negative`);
    let value = first & 0x7f;
    for (let i = 1; i < field.byteLength; i++) {
      value = value * 256 + (field[i] ?? 0);
      if (!Number.isSafeInteger(value)) throw new TarHeaderError(`the ${what} field is too large`);
    }
    return value;
  }
  let text = "";
  for (const b of field) {
    if (b === 0) break;
    text += String.fromCharCode(b);
  }
  text = text.trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new TarHeaderError(`the ${what} field ${JSON.stringify(text)} is not octal`);
  }
  const value = parseInt(text, 8);
  if (!Number.isSafeInteger(value)) throw new TarHeaderError(`the ${what} field is too large`);
  return value;
}

/** Decodes one header block; throws {@link TarHeaderError} for a bad checksum or malformed field. */
export function decodeHeader(block: Uint8Array): DecodedHeader {
  const stored = parseNumeric(block.subarray(148, 156), "checksum");
  const sum = checksum(block);
  if (stored !== sum.unsigned && stored !== sum.signed) {
    throw new TarHeaderError(`the header checksum is ${stored}, but the header adds up to ${sum.unsigned}`);
  }
  const magic = String.fromCharCode(...block.subarray(257, 263));
  let name = readString(block, 0, 100, "name");
  if (magic === "ustar\0") {
    const prefix = readString(block, 345, 155, "prefix");
    if (prefix !== "") name = `${prefix}/${name}`;
  }
  return {
    name,
    linkName: readString(block, 157, 100, "linkname"),
    typeflag: String.fromCharCode(block[156] ?? 0),
    size: parseNumeric(block.subarray(124, 136), "size"),
  };
}

/** Parses the records of a pax extended header into key → value. */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.byteLength) {
    if (data[pos] === 0) break; // some writers pad records with NULs
    const space = data.indexOf(0x20, pos);
    const lengthText = space < 0 ? "" : String.fromCharCode(...data.subarray(pos, space));
    if (!/^[1-9][0-9]{0,8}$/.test(lengthText)) {
      throw new TarHeaderError(`a pax record at byte ${pos} has no valid length`);
    }
    const length = Number(lengthText);
    const end = pos + length;
    if (end > data.byteLength || data[end - 1] !== 0x0a || space + 1 >= end) {
      throw new TarHeaderError(`the pax record at byte ${pos} is malformed`);
    }
    let text: string;
    try {
      text = strictDecoder.decode(data.subarray(space + 1, end - 1));
    } catch {
      throw new TarHeaderError(`the pax record at byte ${pos} is not valid UTF-8`);
    }
    const eq = text.indexOf("=");
    if (eq <= 0) throw new TarHeaderError(`the pax record at byte ${pos} has no key`);
    records.set(text.slice(0, eq), text.slice(eq + 1));
    pos = end;
  }
  return records;
}

/** Decodes a GNU long name/link payload (NUL-terminated). */
export function decodeGnuLongName(data: Uint8Array): string {
  const end = data.indexOf(0);
  try {
    return strictDecoder.decode(end < 0 ? data : data.subarray(0, end));
  } catch {
    throw new TarHeaderError("the GNU long name is not valid UTF-8");
  }
}
