/**
 * A small, strict TOML parser for the subset `registries.conf` uses: comments, `[tables]`,
 * `[[arrays.of.tables]]`, bare/quoted/dotted keys, basic and literal strings, booleans, integers and
 * (multi-line) arrays. Anything else (inline tables, floats, dates, multi-line strings) is a located
 * {@link ConfigError}, as are duplicate keys and redefined tables. Records where each key was written.
 * @see https://toml.io/en/v1.0.0
 * @module
 */
import { ConfigError } from "../errors.ts";

/** A TOML table as plain values. */
export type TomlTable = { [key: string]: TomlValue };
/** A TOML value of the supported subset. */
export type TomlValue = string | boolean | number | TomlValue[] | TomlTable;

/** A parsed document and the position of each key, by path (`registry[0].mirror[1].location`). */
export interface TomlDocument {
  value: TomlTable;
  positions: Map<string, { line: number; column: number }>;
}

const BARE_KEY_RE = /^[A-Za-z0-9_-]+/;

class Parser {
  #text: string;
  #file: string;
  #i = 0;
  #line = 1;
  #col = 1;
  readonly root: TomlTable = {};
  readonly positions = new Map<string, { line: number; column: number }>();
  /** Tables defined by a header or implicitly, to detect redefinition. */
  #explicit = new Set<TomlTable>();
  #arrays = new Set<TomlValue[]>();

  constructor(text: string, file: string) {
    this.#text = text.replace(/^\uFEFF/, "");
    this.#file = file;
  }

  fail(message: string, line = this.#line, column = this.#col): never {
    throw new ConfigError([{ file: this.#file, line, column, path: "", message, severity: "error" }]);
  }

  #peek(offset = 0): string {
    return this.#text[this.#i + offset] ?? "";
  }

  #next(): string {
    const c = this.#text[this.#i++] ?? "";
    if (c === "\n") {
      this.#line++;
      this.#col = 1;
    } else {
      this.#col++;
    }
    return c;
  }

  #skipSpaces(): void {
    while (this.#peek() === " " || this.#peek() === "\t") this.#next();
  }

  #skipComment(): void {
    if (this.#peek() === "#") { while (this.#i < this.#text.length && this.#peek() !== "\n") this.#next(); }
  }

  /** Skips spaces, newlines and comments (inside arrays and between statements). */
  #skipBlank(): void {
    for (;;) {
      this.#skipSpaces();
      this.#skipComment();
      if (this.#peek() === "\n" || (this.#peek() === "\r" && this.#peek(1) === "\n")) {
        if (this.#peek() === "\r") this.#next();
        this.#next();
        continue;
      }
      return;
    }
  }

  #endOfLine(): void {
    this.#skipSpaces();
    this.#skipComment();
    if (this.#peek() === "\r" && this.#peek(1) === "\n") this.#next();
    if (this.#i < this.#text.length && this.#peek() !== "\n") {
      this.fail(`Unexpected "${this.#peek()}" after a value: want a new line`);
    }
  }

  parse(): TomlDocument {
    let current: TomlTable = this.root;
    let currentPath = "";
    for (;;) {
      this.#skipBlank();
      if (this.#i >= this.#text.length) break;
      if (this.#peek() === "[") {
        [current, currentPath] = this.#header();
      } else {
        this.#keyValue(current, currentPath);
      }
      this.#endOfLine();
    }
    return { value: this.root, positions: this.positions };
  }

  #key(): { parts: string[]; line: number; column: number } {
    const line = this.#line;
    const column = this.#col;
    const parts: string[] = [];
    for (;;) {
      this.#skipSpaces();
      const c = this.#peek();
      if (c === '"') parts.push(this.#basicString());
      else if (c === "'") parts.push(this.#literalString());
      else {
        const m = BARE_KEY_RE.exec(this.#text.slice(this.#i));
        if (!m) this.fail(c === "" ? "Unexpected end of file: want a key" : `Unexpected "${c}": want a key`);
        for (let k = 0; k < m[0].length; k++) this.#next();
        parts.push(m[0]);
      }
      this.#skipSpaces();
      if (this.#peek() !== ".") return { parts, line, column };
      this.#next();
    }
  }

  #header(): [TomlTable, string] {
    const line = this.#line;
    const column = this.#col;
    this.#next();
    const isArray = this.#peek() === "[";
    if (isArray) this.#next();
    const { parts } = this.#key();
    if (this.#next() !== "]" || (isArray && this.#next() !== "]")) {
      this.fail(`Table header is not closed: want "${isArray ? "]]" : "]"}"`, line, column);
    }
    let table = this.root;
    let path = "";
    for (let k = 0; k < parts.length; k++) {
      const name = parts[k] as string;
      const last = k === parts.length - 1;
      path = path === "" ? name : `${path}.${name}`;
      const existing = table[name];
      if (last && isArray) {
        let arr: TomlValue[];
        if (existing === undefined) {
          arr = [];
          table[name] = arr;
          this.#arrays.add(arr);
        } else if (Array.isArray(existing) && this.#arrays.has(existing)) {
          arr = existing;
        } else {
          this.fail(`Key "${path}" is already defined and is not an array of tables`, line, column);
        }
        const t: TomlTable = {};
        arr.push(t);
        path = `${path}[${arr.length - 1}]`;
        this.positions.set(path, { line, column });
        this.#explicit.add(t);
        return [t, path];
      }
      if (existing === undefined) {
        const t: TomlTable = {};
        table[name] = t;
        table = t;
        if (!this.positions.has(path)) this.positions.set(path, { line, column });
      } else if (Array.isArray(existing) && this.#arrays.has(existing)) {
        // `[[a.b]]` / `[a.b]` after `[[a]]`: extends the last element of `a`.
        const lastT = existing[existing.length - 1] as TomlTable;
        path = `${path}[${existing.length - 1}]`;
        table = lastT;
      } else if (typeof existing === "object" && !Array.isArray(existing)) {
        table = existing;
      } else {
        this.fail(`Key "${path}" is already defined as a value, not a table`, line, column);
      }
      if (last) {
        if (this.#explicit.has(table)) this.fail(`Table "${path}" is defined twice`, line, column);
        this.#explicit.add(table);
      }
    }
    return [table, path];
  }

  #keyValue(table: TomlTable, tablePath: string): void {
    const { parts, line, column } = this.#key();
    if (this.#next() !== "=") this.fail(`Key "${parts.join(".")}" has no value: want "="`, line, column);
    this.#skipSpaces();
    let t = table;
    let path = tablePath;
    for (let k = 0; k < parts.length - 1; k++) {
      const name = parts[k] as string;
      path = path === "" ? name : `${path}.${name}`;
      const existing = t[name];
      if (existing === undefined) {
        const n: TomlTable = {};
        t[name] = n;
        t = n;
      } else if (typeof existing === "object" && !Array.isArray(existing)) {
        t = existing;
      } else {
        this.fail(`Key "${path}" is already defined as a value, not a table`, line, column);
      }
    }
    const name = parts[parts.length - 1] as string;
    path = path === "" ? name : `${path}.${name}`;
    if (name in t) this.fail(`Key "${path}" is defined twice`, line, column);
    t[name] = this.#value(path);
    this.positions.set(path, { line, column });
  }

  #value(path: string): TomlValue {
    const c = this.#peek();
    if (c === '"') {
      if (this.#text.startsWith('"""', this.#i)) this.fail("Multi-line strings are not supported");
      return this.#basicString();
    }
    if (c === "'") {
      if (this.#text.startsWith("'''", this.#i)) this.fail("Multi-line strings are not supported");
      return this.#literalString();
    }
    if (c === "[") return this.#array(path);
    if (c === "{") this.fail(`Inline tables are not supported (key "${path}"): use a [table] section`);
    const rest = this.#text.slice(this.#i);
    const word = /^[^\s,\]#]+/.exec(rest)?.[0] ?? "";
    if (word === "true" || word === "false") {
      for (let k = 0; k < word.length; k++) this.#next();
      return word === "true";
    }
    if (/^[+-]?(0|[1-9](_?[0-9])*)$/.test(word)) {
      for (let k = 0; k < word.length; k++) this.#next();
      return Number(word.replace(/_/g, ""));
    }
    this.fail(
      word === ""
        ? `Key "${path}" has no value`
        : `Value "${word}" of key "${path}" is not supported: want a string, boolean, integer or array`,
    );
  }

  #array(path: string): TomlValue[] {
    this.#next();
    const out: TomlValue[] = [];
    for (;;) {
      this.#skipBlank();
      if (this.#peek() === "]") {
        this.#next();
        return out;
      }
      if (this.#i >= this.#text.length) this.fail(`Array of key "${path}" is not closed: want "]"`);
      out.push(this.#value(`${path}[${out.length}]`));
      this.#skipBlank();
      if (this.#peek() === ",") {
        this.#next();
        continue;
      }
      if (this.#i >= this.#text.length) this.fail(`Array of key "${path}" is not closed: want "]"`);
      if (this.#peek() !== "]") this.fail(`Unexpected "${this.#peek()}" in an array: want "," or "]"`);
    }
  }

  #basicString(): string {
    const line = this.#line;
    const column = this.#col;
    this.#next();
    let out = "";
    for (;;) {
      const c = this.#next();
      if (c === "" || c === "\n") this.fail("String is not closed: want '\"'", line, column);
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.#next();
      const simple: Record<string, string> = {
        b: "\b",
        t: "\t",
        n: "\n",
        f: "\f",
        r: "\r",
        '"': '"',
        "\\": "\\",
      };
      if (e in simple) out += simple[e];
      else if (e === "u" || e === "U") {
        const len = e === "u" ? 4 : 8;
        const hex = this.#text.slice(this.#i, this.#i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`Bad unicode escape "\\${e}${hex}"`);
        for (let k = 0; k < len; k++) this.#next();
        out += String.fromCodePoint(parseInt(hex, 16));
      } else this.fail(`Unknown escape "\\${e}" in a string`);
    }
  }

  #literalString(): string {
    const line = this.#line;
    const column = this.#col;
    this.#next();
    let out = "";
    for (;;) {
      const c = this.#next();
      if (c === "" || c === "\n") this.fail(`String is not closed: want "'"`, line, column);
      if (c === "'") return out;
      out += c;
    }
  }
}

/** Parses TOML text of the supported subset; `file` names it in errors. */
export function parseToml(text: string, file: string): TomlDocument {
  return new Parser(text, file).parse();
}
