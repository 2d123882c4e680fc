/**
 * YAML and JSON as Helm reads and writes values: YAML 1.1 scalars (`yes`/`on` are booleans, as in
 * go-yaml v2) with merge keys, timestamps kept as strings, numbers as float64; `toYaml` with sorted keys
 * and unindented sequences; `toJson` with sorted keys and Go's HTML escaping.
 * @module
 */
import { parse, parseAllDocuments, stringify } from "yaml";
import { GoStruct, isGoMap, sortedKeys } from "./_go_value.ts";

// deno-lint-ignore no-explicit-any
type Tags = any[];

const PARSE_OPTIONS = {
  version: "1.1" as const,
  merge: true,
  maxAliasCount: 1000,
  customTags: (tags: Tags): Tags =>
    tags.filter((t: { tag?: string }) => t.tag !== "tag:yaml.org,2002:timestamp"),
};

/** Turns parsed YAML into template values (binary scalars become strings). */
function toTemplateValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v)) return v.map(toTemplateValue);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) {
      Object.defineProperty(out, String(k), {
        value: toTemplateValue(x),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      Object.defineProperty(out, k, {
        value: toTemplateValue((v as Record<string, unknown>)[k]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

/** Parses one YAML document as Helm does; throws the parser's error (with line and column). */
export function parseYaml(text: string): unknown {
  return toTemplateValue(parse(text, PARSE_OPTIONS));
}

/** Parses every document of a YAML stream; a document that fails to parse is returned as an Error. */
export function parseYamlDocuments(text: string): Array<unknown | Error> {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((d) => {
    if (d.errors.length > 0) return new Error(d.errors[0]?.message ?? "invalid YAML");
    return toTemplateValue(d.toJS({ maxAliasCount: 1000 }));
  });
}

/** Converts template values to plain data for serialisation (ints as numbers, structs as maps). */
function toPlain(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return btoa(String.fromCharCode(...v));
  if (Array.isArray(v)) return v.map(toPlain);
  if (isGoMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of sortedKeys(v)) {
      Object.defineProperty(out, k, {
        value: toPlain(v[k]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (v instanceof GoStruct) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).filter((k) => /^[A-Z]/.test(k)).sort()) {
      const key = k[0]?.toLowerCase() + k.slice(1);
      out[key] = toPlain((v as unknown as Record<string, unknown>)[k]);
    }
    return out;
  }
  return v;
}

/** Helm's `toYaml`: sorted keys, sequences not indented, no trailing newline. */
export function toYaml(v: unknown): string {
  const text = stringify(toPlain(v), {
    version: "1.1",
    sortMapEntries: true,
    indentSeq: false,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
  return text.replace(/\n$/, "");
}

const HTML_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

function jsonString(s: string, escapeHtml: boolean): string {
  const q = JSON.stringify(s);
  return escapeHtml ? q.replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c] ?? c) : q;
}

/** Go's `encoding/json` output for template values: sorted keys, optional indent and HTML escaping. */
export function toJson(v: unknown, options: { escapeHtml?: boolean; indent?: string } = {}): string {
  const escapeHtml = options.escapeHtml ?? true;
  const indent = options.indent ?? "";
  const write = (x: unknown, prefix: string): string => {
    const p = toPlainScalar(x);
    if (p === null) return "null";
    if (typeof p === "string") return jsonString(p, escapeHtml);
    if (typeof p === "number") {
      if (!Number.isFinite(p)) throw new Error(`json: unsupported value: ${p}`);
      return JSON.stringify(p);
    }
    if (typeof p === "bigint" || typeof p === "boolean") return String(p);
    const inner = prefix + indent;
    const nl = indent === "" ? "" : "\n";
    const sep = indent === "" ? ":" : ": ";
    if (Array.isArray(p)) {
      if (p.length === 0) return "[]";
      return `[${nl}${p.map((e) => inner + write(e, inner)).join(`,${nl}`)}${nl}${prefix}]`;
    }
    const m = p as Record<string, unknown>;
    const keys = sortedKeys(m);
    if (keys.length === 0) return "{}";
    return `{${nl}${
      keys.map((k) => `${inner}${jsonString(k, escapeHtml)}${sep}${write(m[k], inner)}`).join(`,${nl}`)
    }${nl}${prefix}}`;
  };
  return write(v, "");
}

function toPlainScalar(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof GoStruct || v instanceof Uint8Array) return toPlain(v);
  return v;
}
