/**
 * Go's `fmt.Sprintf`, `fmt.Sprint` and `fmt.Sprintln` for template values: the verbs charts use (`%s %d %v
 * %q %t %f %e %g %x %X %o %b %c %T %%`) with flags, width and precision, and Go's `%!d(float64=3)` marks
 * for a verb that does not fit its argument.
 * @module
 */
import { formatValue, goQuote, GoStruct, goTypeName, isGoMap, isNumber, sortedKeys } from "./_go_value.ts";

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  precision?: number;
}

function badVerb(verb: string, v: unknown): string {
  return v === null || v === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  const n = spec.width - s.length;
  if (spec.minus) return s + " ".repeat(n);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : "";
    return sign + "0".repeat(n) + s.slice(sign.length);
  }
  return " ".repeat(n) + s;
}

function signed(s: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function formatFloatVerb(v: number, verb: string, spec: Spec): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let s: string;
  switch (verb) {
    case "f":
    case "F":
      s = a.toFixed(spec.precision ?? 6);
      break;
    case "e":
    case "E": {
      const raw = a.toExponential(spec.precision ?? 6);
      s = raw.replace(/e([+-])(\d)$/, "e$10$2");
      if (verb === "E") s = s.toUpperCase();
      break;
    }
    default: {
      // %g: shortest representation unless a precision is given.
      const raw = spec.precision === undefined
        ? a.toExponential()
        : a.toExponential(Math.max(spec.precision - 1, 0));
      const e = raw.indexOf("e");
      const exp = Number(raw.slice(e + 1));
      const limit = spec.precision ?? 6;
      if (exp < -4 || exp >= limit) {
        s = raw.replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2");
      } else {
        s = String(Number(raw));
      }
      if (verb === "G") s = s.toUpperCase();
    }
  }
  return signed(s, neg, spec);
}

function formatInteger(v: bigint, verb: string, spec: Spec): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  let s: string;
  switch (verb) {
    case "x":
      s = a.toString(16);
      if (spec.sharp) s = `0x${s}`;
      break;
    case "X":
      s = a.toString(16).toUpperCase();
      if (spec.sharp) s = `0X${s}`;
      break;
    case "o":
      s = a.toString(8);
      if (spec.sharp) s = `0${s}`;
      break;
    case "b":
      s = a.toString(2);
      break;
    default:
      s = a.toString(10);
  }
  if (spec.precision !== undefined) s = s.padStart(spec.precision, "0");
  return signed(s, neg, spec);
}

function formatOne(v: unknown, verb: string, spec: Spec): string {
  if (verb === "T") return pad(goTypeName(v), spec, false);
  if (verb === "v") {
    return pad(formatValue(v), spec, isNumber(v));
  }
  if (Array.isArray(v) && verb !== "x" && verb !== "X") {
    return `[${v.map((x) => formatOne(x, verb, { ...spec, width: undefined })).join(" ")}]`;
  }
  if (isGoMap(v)) {
    const inner = sortedKeys(v).map((k) =>
      `${formatOne(k, verb, { ...spec, width: undefined })}:${
        formatOne(v[k], verb, { ...spec, width: undefined })
      }`
    );
    return `map[${inner.join(" ")}]`;
  }
  if (v instanceof GoStruct && (verb === "s" || verb === "q")) {
    const str = formatValue(v);
    return pad(verb === "q" ? goQuote(str) : str, spec, false);
  }
  switch (verb) {
    case "s":
    case "q": {
      let s: string;
      if (typeof v === "string") s = v;
      else if (v instanceof Uint8Array) s = new TextDecoder().decode(v);
      else if (verb === "q" && typeof v === "bigint") {
        return pad(`'${String.fromCodePoint(Number(v))}'`, spec, false);
      } else return badVerb(verb, v);
      if (spec.precision !== undefined) s = [...s].slice(0, spec.precision).join("");
      return pad(verb === "q" ? goQuote(s) : s, spec, false);
    }
    case "d":
    case "o":
    case "b":
      if (typeof v === "bigint") return pad(formatInteger(v, verb, spec), spec, true);
      return badVerb(verb, v);
    case "x":
    case "X": {
      if (typeof v === "bigint") return pad(formatInteger(v, verb, spec), spec, true);
      if (typeof v === "string" || v instanceof Uint8Array) {
        const bytes = typeof v === "string" ? new TextEncoder().encode(v) : v;
        let s = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
        if (verb === "X") s = s.toUpperCase();
        return pad(s, spec, false);
      }
      return badVerb(verb, v);
    }
    case "c":
      if (typeof v === "bigint") return pad(String.fromCodePoint(Number(v)), spec, false);
      return badVerb(verb, v);
    case "t":
      if (typeof v === "boolean") return pad(String(v), spec, false);
      return badVerb(verb, v);
    case "f":
    case "F":
    case "e":
    case "E":
    case "g":
    case "G":
      if (typeof v === "number") return pad(formatFloatVerb(v, verb, spec), spec, true);
      return badVerb(verb, v);
    default:
      return badVerb(verb, v);
  }
}

/** Go's `fmt.Sprintf` over template values. */
export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = "";
  let argIndex = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === "-") spec.minus = true;
      else if (c === "+") spec.plus = true;
      else if (c === "#") spec.sharp = true;
      else if (c === " ") spec.space = true;
      else if (c === "0") spec.zero = !spec.minus;
      else break;
    }
    const readNumber = (): number | undefined => {
      if (format[i] === "*") {
        i++;
        const a = args[argIndex++];
        return typeof a === "bigint" ? Number(a) : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = readNumber();
    if (format[i] === ".") {
      i++;
      spec.precision = readNumber() ?? 0;
    }
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(args[argIndex++], verb, spec);
  }
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map((a) =>
      a === null ? "<nil>" : `${goTypeName(a)}=${formatValue(a)}`
    );
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}

/** Go's `fmt.Sprint`: spaces between operands when neither side is a string. */
export function goSprint(args: readonly unknown[]): string {
  let out = "";
  for (let i = 0; i < args.length; i++) {
    const isString = typeof args[i] === "string";
    if (i > 0 && !isString && typeof args[i - 1] !== "string") out += " ";
    out += formatValue(args[i]);
  }
  return out;
}

/** Go's `fmt.Sprintln`: operands separated by spaces, then a newline. */
export function goSprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}
