/**
 * The functions Go's text/template predefines: `not len index slice print printf println eq ne lt le gt
 * ge html js urlquery` (`and`/`or` short-circuit inside the executor).
 * @module
 */
import type { TemplateFunction } from "./_template_executor.ts";
import { arity, int, str } from "./_function_args.ts";
import { goSprint, goSprintf, goSprintln } from "./_go_printf.ts";
import { goCompare, goEqual, goTypeName, isGoMap, isTrue, mapGet, toGoString } from "./_go_value.ts";

function indexOne(item: unknown, index: unknown): unknown {
  if (item === null || item === undefined) throw new Error("index of untyped nil");
  if (Array.isArray(item) || typeof item === "string") {
    if (typeof index !== "bigint" && !(typeof index === "number" && Number.isInteger(index))) {
      throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
    }
    const i = Number(index);
    const length = typeof item === "string" ? new TextEncoder().encode(item).length : item.length;
    if (i < 0 || i >= length) throw new Error(`index out of range: ${i}`);
    if (typeof item === "string") return BigInt(new TextEncoder().encode(item)[i] ?? 0);
    return item[i] ?? null;
  }
  if (isGoMap(item)) {
    if (index === null) return null;
    if (typeof index !== "string") throw new Error(`value has type ${goTypeName(index)}; should be string`);
    return mapGet(item, index);
  }
  throw new Error(`can't index item of type ${goTypeName(item)}`);
}

function comparable(name: string, v: unknown): void {
  if (Array.isArray(v) || isGoMap(v)) throw new Error(`${name}: non-comparable type ${goTypeName(v)}`);
}

function escapeHtml(s: string): string {
  return s.replace(
    /[<>&'"\0]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;", "\0": "\uFFFD" })[c] ?? c,
  );
}

function escapeJs(s: string): string {
  return s.replace(/[\\'"<>&=\n\r\t\0]/g, (c) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case "'":
        return "\\'";
      case '"':
        return '\\"';
      default:
        return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    }
  });
}

/** The predefined functions of Go's text/template. */
export function builtinFunctions(): Map<string, TemplateFunction> {
  const f = new Map<string, TemplateFunction>();
  f.set("not", (a) => {
    arity("not", a, 1);
    return !isTrue(a[0]);
  });
  f.set("len", (a) => {
    arity("len", a, 1);
    const v = a[0];
    if (typeof v === "string") return BigInt(new TextEncoder().encode(v).length);
    if (Array.isArray(v)) return BigInt(v.length);
    if (v instanceof Uint8Array) return BigInt(v.byteLength);
    if (isGoMap(v)) return BigInt(Object.keys(v).length);
    if (v === null || v === undefined) throw new Error("len of nil pointer");
    throw new Error(`len of type ${goTypeName(v)}`);
  });
  f.set("index", (a) => {
    arity("index", a, 1, Infinity);
    let v = a[0];
    for (const i of a.slice(1)) v = indexOne(v, i);
    return v;
  });
  f.set("slice", (a) => {
    arity("slice", a, 1, 4);
    const v = a[0];
    const idx = a.slice(1).map(int);
    if (typeof v === "string") {
      if (idx.length > 2) throw new Error("cannot 3-index slice a string");
      const start = idx[0] ?? 0;
      const end = idx[1] ?? v.length;
      if (start < 0 || end < start || end > v.length) throw new Error(`index out of range: ${end}`);
      return v.slice(start, end);
    }
    if (Array.isArray(v)) {
      const start = idx[0] ?? 0;
      const end = idx[1] ?? v.length;
      if (start < 0 || end < start || end > v.length) throw new Error(`index out of range: ${end}`);
      return v.slice(start, end);
    }
    if (v === null || v === undefined) throw new Error("slice of untyped nil");
    throw new Error(`can't slice item of type ${goTypeName(v)}`);
  });
  f.set("print", (a) => goSprint(a));
  f.set("printf", (a) => {
    arity("printf", a, 1, Infinity);
    return goSprintf(str(a[0]), a.slice(1));
  });
  f.set("println", (a) => goSprintln(a));
  f.set("eq", (a) => {
    if (a.length < 2) throw new Error("missing argument for comparison");
    const first = a[0];
    for (const b of a.slice(1)) {
      if (first !== null && b !== null) {
        comparable("eq", first);
        comparable("eq", b);
      }
      if (goEqual(first, b)) return true;
    }
    return false;
  });
  f.set("ne", (a) => {
    arity("ne", a, 2);
    if (a[0] !== null && a[1] !== null) {
      comparable("ne", a[0]);
      comparable("ne", a[1]);
    }
    return !goEqual(a[0], a[1]);
  });
  f.set("lt", (a) => {
    arity("lt", a, 2);
    return goCompare(a[0], a[1]) < 0;
  });
  f.set("le", (a) => {
    arity("le", a, 2);
    return goCompare(a[0], a[1]) <= 0;
  });
  f.set("gt", (a) => {
    arity("gt", a, 2);
    return goCompare(a[0], a[1]) > 0;
  });
  f.set("ge", (a) => {
    arity("ge", a, 2);
    return goCompare(a[0], a[1]) >= 0;
  });
  f.set("html", (a) => escapeHtml(a.map(toGoString).join("")));
  f.set("js", (a) => escapeJs(a.map(toGoString).join("")));
  f.set("urlquery", (a) => encodeURIComponent(a.map(toGoString).join("")).replace(/%20/g, "+"));
  f.set("call", () => {
    throw new Error("call is not supported: templates here have no function values");
  });
  return f;
}
