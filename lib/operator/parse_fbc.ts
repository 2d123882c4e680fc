/**
 * Parsing one catalog file into located JSON objects. A file is a JSON stream (many concatenated objects,
 * split one object at a time by {@link JsonStreamSplitter}) when its first character is `{`, otherwise
 * multi-document YAML (held whole, capped: YAML catalogs are small). Typing the objects is
 * {@link CatalogBuilder}'s job.
 * @module
 */
import { LineCounter, parseAllDocuments } from "yaml";
import { CatalogFileError, type CatalogLocation } from "./catalog_file_error.ts";
import { JsonStreamSplitter } from "./json_stream_splitter.ts";

/** A parsed top-level object and where it came from. */
export interface LocatedObject {
  value: Record<string, unknown>;
  at: CatalogLocation;
}

/** Options of the parse functions. */
export interface ParseFbcOptions {
  /** Largest file accepted, in bytes (streams) or characters (text). @default 1 GiB */
  maxFileBytes?: number;
  /** Largest single object, in characters. @default 64 MiB */
  maxObjectChars?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_FILE = 1024 * 1024 * 1024;

function jsonObject(text: string, at: CatalogLocation): LocatedObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CatalogFileError(at, `Object is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CatalogFileError(at, "Value is not a JSON object");
  }
  return { value: value as Record<string, unknown>, at };
}

function* yamlObjects(text: string, file: string): Generator<LocatedObject> {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  let index = 0;
  for (const doc of list) {
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const at = { file, line: lineCounter.linePos(start).line, object: index + 1 };
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line ?? at.line;
      throw new CatalogFileError({ ...at, line }, `Document is not valid YAML: ${error.message}`, {
        cause: error,
      });
    }
    if (doc.contents === null) continue;
    index++;
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new CatalogFileError(at, "Document is not a mapping: each YAML document must be one blob");
    }
    yield { value: value as Record<string, unknown>, at };
  }
}

function firstSignificant(text: string): string | undefined {
  const m = /[^\s\uFEFF]/.exec(text);
  return m?.[0];
}

/** Parses a whole catalog file held in memory (JSON stream or YAML). */
export function* parseFbcText(text: string, file: string, o: ParseFbcOptions = {}): Generator<LocatedObject> {
  const max = o.maxFileBytes ?? DEFAULT_MAX_FILE;
  if (text.length > max) {
    throw new CatalogFileError(
      { file, line: 0, object: 0 },
      `File is larger than ${max} characters: the limit protects memory`,
    );
  }
  const first = firstSignificant(text);
  if (first === undefined) return;
  if (first !== "{") {
    yield* yamlObjects(text, file);
    return;
  }
  const splitter = new JsonStreamSplitter({
    file,
    ...(o.maxObjectChars ? { maxObjectChars: o.maxObjectChars } : {}),
  });
  for (const s of splitter.push(text)) yield jsonObject(s.text, { file, line: s.line, object: s.index });
  splitter.end();
}

/** Parses a catalog file as it streams; JSON streams never hold more than one object in memory. */
export async function* parseFbcStream(
  body: ReadableStream<Uint8Array>,
  file: string,
  o: ParseFbcOptions = {},
): AsyncGenerator<LocatedObject> {
  const max = o.maxFileBytes ?? DEFAULT_MAX_FILE;
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let bytes = 0;
  let mode: "unknown" | "json" | "yaml" = "unknown";
  let pending: string[] = [];
  const splitter = new JsonStreamSplitter({
    file,
    ...(o.maxObjectChars ? { maxObjectChars: o.maxObjectChars } : {}),
  });
  const reader = body.getReader();
  let finished = false;
  try {
    while (true) {
      if (o.signal?.aborted) throw o.signal.reason;
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (!done) {
        bytes += value.byteLength;
        if (bytes > max) {
          throw new CatalogFileError(
            { file, line: 0, object: 0 },
            `File is larger than ${max} bytes: the limit protects memory`,
          );
        }
      }
      if (mode === "unknown" && text !== "") {
        pending.push(text);
        const first = firstSignificant(text);
        if (first !== undefined) mode = first === "{" ? "json" : "yaml";
        if (mode === "json") {
          const joined = pending.join("");
          pending = [];
          for (const s of splitter.push(joined)) {
            yield jsonObject(s.text, { file, line: s.line, object: s.index });
          }
        }
      } else if (mode === "json") {
        for (const s of splitter.push(text)) {
          yield jsonObject(s.text, { file, line: s.line, object: s.index });
        }
      } else if (mode === "yaml") {
        pending.push(text);
      }
      if (done) break;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  if (mode === "json") splitter.end();
  if (mode === "yaml") yield* yamlObjects(pending.join(""), file);
}
