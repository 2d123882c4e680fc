/**
 * Go value semantics for the template engine. Values come from YAML (maps are plain objects, lists are
 * arrays, numbers are float64 as in Helm, which reads values through JSON) or from template code, where
 * Go `int`s are JS `bigint`s (`len`, `add`, range indexes, integer constants). Go structs (`.Chart`,
 * `.Capabilities`, `.Files`) are instances of {@link GoStruct}. `null` is Go's nil.
 * @module
 */

/** A Go `map[string]interface{}`. */
export type GoMap = Record<string, unknown>;

/**
 * Base class of the Go structs templates see. Exported fields are capitalised own properties; methods are
 * capitalised prototype functions called with the template's arguments.
 */
export abstract class GoStruct {
  /** The Go type name used in messages, e.g. `*chart.Metadata`. */
  abstract readonly goType: string;
}

/** True for a Go map (a plain object). */
export function isGoMap(v: unknown): v is GoMap {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Own-property lookup on a map, nil when absent. */
export function mapGet(m: GoMap, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] ?? null : null;
}

/** Sets a map entry without ever touching the prototype (`__proto__` is an ordinary key). */
export function mapSet(m: GoMap, key: string, value: unknown): void {
  Object.defineProperty(m, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Map keys sorted as Go sorts string keys (by bytes; code units are close enough for keys). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's truth: false for nil, false, zero numbers, empty strings, lists and maps. */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case "boolean":
      return v;
    case "string":
      return v.length > 0;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    default:
      break;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Uint8Array) return v.byteLength > 0;
  if (isGoMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** Sprig's `empty`: like Go's falsity, structs are never empty. */
export function isEmpty(v: unknown): boolean {
  return !isTrue(v);
}

/** The Go type name of a value, as `printf "%T"` and error messages show it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    default:
      break;
  }
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof Uint8Array) return "[]uint8";
  if (v instanceof GoStruct) return v.goType;
  if (isGoMap(v)) return "map[string]interface {}";
  return "interface {}";
}

/** Sprig's `kindOf`: the reflect kind name. */
export function goKindName(v: unknown): string {
  if (v === null || v === undefined) return "invalid";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    default:
      break;
  }
  if (Array.isArray(v) || v instanceof Uint8Array) return "slice";
  if (isGoMap(v)) return "map";
  return "ptr";
}

/**
 * Formats a float64 as Go's `%v` does: shortest digits, exponent form below 1e-4 and from 1e6 (why Helm
 * prints a values `1000000` as `1e+06`).
 */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const exp = v.toExponential();
  const e = exp.indexOf("e");
  const exponent = Number(exp.slice(e + 1));
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${exp.slice(0, e)}e${sign}${digits}`;
  }
  return String(v);
}

/**
 * Formats a value as Go's `fmt` `%v` does: maps as `map[k:v ...]` with sorted keys, lists as `[a b]`,
 * nil as `<nil>`, structs through their `String()` method when they have one.
 */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return formatFloat(v);
    case "bigint":
    case "boolean":
      return String(v);
    default:
      break;
  }
  if (Array.isArray(v)) return `[${v.map(formatValue).join(" ")}]`;
  if (v instanceof Uint8Array) return `[${Array.from(v).join(" ")}]`;
  if (isGoMap(v)) return `map[${sortedKeys(v).map((k) => `${k}:${formatValue(v[k])}`).join(" ")}]`;
  if (v instanceof GoStruct) {
    const s = (v as unknown as { String?: () => unknown }).String;
    if (typeof s === "function") return String(s.call(v));
    const fields = Object.keys(v).filter((k) => /^[A-Z]/.test(k));
    return `{${fields.map((k) => formatValue((v as unknown as GoMap)[k])).join(" ")}}`;
  }
  return String(v);
}

/** How the template engine prints an action's value: nil prints `<no value>` (Helm removes it later). */
export function printValue(v: unknown): string {
  return v === null || v === undefined ? "<no value>" : formatValue(v);
}

/** Sprig's `strval`/`toString`: strings unchanged, bytes decoded, everything else as `%v`. */
export function toGoString(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return formatValue(v);
}

const QUOTE_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

/** Go's `strconv.Quote`: a double-quoted string with Go escapes; printable Unicode is kept. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = QUOTE_ESCAPES[ch];
    if (esc !== undefined) {
      out += esc;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) out += `\\u${cp.toString(16)}`;
    else out += ch;
  }
  return `${out}"`;
}

/** True for a Go number (float64 or int). */
export function isNumber(v: unknown): v is number | bigint {
  return typeof v === "number" || typeof v === "bigint";
}

/** Sprig's `toInt64` (via `cast`): numbers truncated, numeric strings parsed, everything else 0. */
export function toInt(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string") {
    const s = v.trim().replace(/\.0*$/, "");
    try {
      if (/^[+-]?(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|[0-9]+)$/i.test(s)) {
        const neg = s.startsWith("-");
        const body = s.replace(/^[+-]/, "");
        const n = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
        return neg ? -n : n;
      }
    } catch {
      return 0n;
    }
    return 0n;
  }
  return 0n;
}

/** Sprig's `toFloat64` (via `cast`). */
export function toFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const n = Number(v.trim());
    return Number.isNaN(n) || v.trim() === "" ? 0 : n;
  }
  return 0;
}

/**
 * Equality as the template `eq` sees it. Unlike Go, an int and a float64 compare by value instead of
 * failing ("incompatible types"), so charts that compare a values number with a constant still render.
 */
export function goEqual(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (isNumber(a) && isNumber(b)) {
    return typeof a === typeof b ? a === b : Number(a) === Number(b);
  }
  if (a === null || b === null) return a === b;
  if (typeof a !== "object" && typeof b !== "object") return a === b;
  return a === b;
}

/** Deep equality (sprig `deepEqual`). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isGoMap(a) && isGoMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return goEqual(a, b);
}

/** Orders two basic values for `lt`/`le`/`gt`/`ge`; throws for values that are not ordered. */
export function goCompare(a: unknown, b: unknown): number {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (a === null || b === null || a === undefined || b === undefined) {
    throw new Error("invalid type for comparison");
  }
  if (typeof a !== typeof b) throw new Error("incompatible types for comparison");
  throw new Error(`invalid type for comparison: ${goTypeName(a)}`);
}

/** A deep copy of YAML-shaped data (maps and lists copied, everything else shared). */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) mapSet(out, k, deepCopy(v[k]));
    return out as T;
  }
  return v;
}
