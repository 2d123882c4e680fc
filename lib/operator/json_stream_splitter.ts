/**
 * Splits a JSON stream (many top-level objects one after another, as `opm` writes `catalog.json`) into
 * the text of each object, chunk by chunk, without ever holding more than one object: a huge catalog is
 * never parsed as a whole. Strings and escapes are honoured, so braces inside values do not count.
 * @module
 */
import { CatalogFileError } from "./catalog_file_error.ts";

/** The text of one complete top-level object and where it started. */
export interface SplitObject {
  text: string;
  /** 1-based line of the opening brace. */
  line: number;
  /** 1-based index of the object in the stream. */
  index: number;
}

/** Options of {@link JsonStreamSplitter}. */
export interface JsonStreamSplitterOptions {
  /** Names the stream in errors. */
  file: string;
  /** Largest object accepted, in UTF-16 code units. @default 64 MiB */
  maxObjectChars?: number;
}

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
const BOM = 0xfeff;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === BOM;
}

/** An incremental splitter: feed text with {@link push}, then call {@link end}. */
export class JsonStreamSplitter {
  readonly #file: string;
  readonly #maxObjectChars: number;
  #parts: string[] = [];
  #partsLength = 0;
  #depth = 0;
  #inString = false;
  #escape = false;
  #line = 1;
  #startLine = 0;
  #count = 0;

  constructor(options: JsonStreamSplitterOptions) {
    this.#file = options.file;
    this.#maxObjectChars = options.maxObjectChars ?? 64 * 1024 * 1024;
  }

  /** Objects completed so far. */
  get count(): number {
    return this.#count;
  }

  /** Consumes a chunk and returns the objects it completed. */
  push(chunk: string): SplitObject[] {
    const out: SplitObject[] = [];
    let start = this.#depth > 0 ? 0 : -1;
    let nextBackslash = -2;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#inString) {
        if (this.#escape) {
          this.#escape = false;
          i++;
          continue;
        }
        // Jump to the next quote or backslash: long strings (icons, descriptions) are skipped fast.
        const q = chunk.indexOf('"', i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf("\\", i);
        if (q === -1 && nextBackslash === -1) {
          i = n;
          break;
        }
        if (nextBackslash !== -1 && (q === -1 || nextBackslash < q)) {
          this.#escape = true;
          i = nextBackslash + 1;
          continue;
        }
        this.#inString = false;
        i = q + 1;
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (this.#depth === 0) {
        if (c === NEWLINE) this.#line++;
        else if (c === OPEN_BRACE) {
          this.#depth = 1;
          start = i;
          this.#startLine = this.#line;
        } else if (!isSpace(c)) {
          throw new CatalogFileError(
            { file: this.#file, line: this.#line, object: this.#count + 1 },
            `Expected "{" to start an object, found ${JSON.stringify(chunk[i])}: a catalog.json holds ` +
              `one JSON object per blob`,
          );
        }
        i++;
        continue;
      }
      if (c === QUOTE) this.#inString = true;
      else if (c === NEWLINE) this.#line++;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.#depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.#depth--;
        if (this.#depth === 0) {
          const piece = chunk.slice(start, i + 1);
          this.#checkSize(piece.length);
          const text = this.#parts.length > 0 ? this.#parts.join("") + piece : piece;
          this.#parts = [];
          this.#partsLength = 0;
          this.#count++;
          out.push({ text, line: this.#startLine, index: this.#count });
          start = -1;
        }
      }
      i++;
    }
    if (this.#depth > 0 && start >= 0) {
      const rest = chunk.slice(start);
      this.#checkSize(rest.length);
      this.#parts.push(rest);
      this.#partsLength += rest.length;
    }
    return out;
  }

  /** Signals the end of the stream; throws when an object is unfinished. */
  end(): void {
    if (this.#depth > 0 || this.#inString) {
      throw new CatalogFileError(
        { file: this.#file, line: this.#startLine, object: this.#count + 1 },
        "Object is not terminated: the file ends inside it",
      );
    }
  }

  #checkSize(adding: number): void {
    if (this.#partsLength + adding > this.#maxObjectChars) {
      throw new CatalogFileError(
        { file: this.#file, line: this.#startLine, object: this.#count + 1 },
        `Object is larger than ${this.#maxObjectChars} characters: the limit protects memory`,
      );
    }
  }
}
