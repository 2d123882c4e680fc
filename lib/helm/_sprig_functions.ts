/**
 * The sprig functions Helm charts use: strings, lists, dicts, integer and float math, conversions, type
 * tests, encodings and hashes, semantic versions, regular expressions, paths, dates (from a fixed clock)
 * and random values (from a seeded generator, so a render is deterministic). Crypto generators
 * (`genCA`, `genPrivateKey`, ...) return placeholder PEM text: rendering here only looks for images.
 * @see https://masterminds.github.io/sprig/
 * @module
 */
import { createHash } from "node:crypto";
import semver from "semver";
import type { TemplateFunction } from "./_template_executor.ts";
import { arity, bool, int, list, map, str } from "./_function_args.ts";
import {
  deepCopy,
  deepEqual,
  goEqual,
  goKindName,
  goQuote,
  GoStruct,
  goTypeName,
  isEmpty,
  isGoMap,
  mapSet,
  sortedKeys,
  toFloat,
  toGoString,
  toInt,
} from "./_go_value.ts";
import { toJson } from "./_yaml_values.ts";

/** Options of {@link sprigFunctions}. */
export interface SprigOptions {
  /** What `now` returns. */
  now: Date;
  /** Seed of the random functions. */
  seed: number;
}

/** A Go `time.Time` as templates see it. */
export class GoTime extends GoStruct {
  readonly goType = "time.Time";
  readonly date: Date;
  constructor(date: Date) {
    super();
    this.date = date;
  }
  /** Seconds since the epoch. */
  Unix(): bigint {
    return BigInt(Math.floor(this.date.getTime() / 1000));
  }
  /** Go's default time format. */
  String(): string {
    return formatGoDate("2006-01-02 15:04:05.999999999 -0700 MST", this.date);
  }
  /** Formats with a Go layout. */
  Format(layout: unknown): string {
    return formatGoDate(str(layout), this.date);
  }
  /** The year. */
  Year(): bigint {
    return BigInt(this.date.getUTCFullYear());
  }
}

/** A parsed semantic version as sprig's `semver` returns it. */
class SemverObject extends GoStruct {
  readonly goType = "*semver.Version";
  readonly Major: bigint;
  readonly Minor: bigint;
  readonly Patch: bigint;
  readonly Prerelease: string;
  readonly Metadata: string;
  readonly Original: string;
  constructor(original: string, v: semver.SemVer) {
    super();
    this.Major = BigInt(v.major);
    this.Minor = BigInt(v.minor);
    this.Patch = BigInt(v.patch);
    this.Prerelease = v.prerelease.join(".");
    this.Metadata = v.build.join(".");
    this.Original = original;
  }
  /** The normalised version. */
  String(): string {
    let s = `${this.Major}.${this.Minor}.${this.Patch}`;
    if (this.Prerelease !== "") s += `-${this.Prerelease}`;
    if (this.Metadata !== "") s += `+${this.Metadata}`;
    return s;
  }
}

/** A generated certificate; the PEM text is a placeholder. */
class CertificateObject extends GoStruct {
  readonly goType = "sprig.certificate";
  readonly Cert: string;
  readonly Key: string;
  constructor(cn: string) {
    super();
    this.Cert = `-----BEGIN CERTIFICATE-----\nplaceholder certificate for ${cn}\n-----END CERTIFICATE-----`;
    this.Key = `-----BEGIN RSA PRIVATE KEY-----\nplaceholder key for ${cn}\n-----END RSA PRIVATE KEY-----`;
  }
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Formats a date (in UTC) with a Go reference-time layout (`2006-01-02T15:04:05Z07:00`). */
export function formatGoDate(layout: string, d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const h12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  const tokens: Array<[string, () => string]> = [
    ["January", () => MONTHS[d.getUTCMonth()] as string],
    ["Monday", () => DAYS[d.getUTCDay()] as string],
    ["2006", () => String(d.getUTCFullYear())],
    ["Z07:00", () => "Z"],
    ["-07:00", () => "+00:00"],
    ["Z0700", () => "Z"],
    ["-0700", () => "+0000"],
    [".000000000", () => `.${String(d.getUTCMilliseconds()).padStart(3, "0")}000000`],
    [
      ".999999999",
      () => (d.getUTCMilliseconds() === 0
        ? ""
        : `.${String(d.getUTCMilliseconds()).padStart(3, "0")}`.replace(/0+$/, "")),
    ],
    [".000000", () => `.${String(d.getUTCMilliseconds()).padStart(3, "0")}000`],
    [".000", () => `.${String(d.getUTCMilliseconds()).padStart(3, "0")}`],
    ["Jan", () => (MONTHS[d.getUTCMonth()] as string).slice(0, 3)],
    ["Mon", () => (DAYS[d.getUTCDay()] as string).slice(0, 3)],
    ["MST", () => "UTC"],
    ["01", () => p2(d.getUTCMonth() + 1)],
    ["02", () => p2(d.getUTCDate())],
    ["_2", () => String(d.getUTCDate()).padStart(2, " ")],
    ["06", () => p2(d.getUTCFullYear() % 100)],
    ["15", () => p2(d.getUTCHours())],
    ["03", () => p2(h12)],
    ["04", () => p2(d.getUTCMinutes())],
    ["05", () => p2(d.getUTCSeconds())],
    ["PM", () => (d.getUTCHours() < 12 ? "AM" : "PM")],
    ["pm", () => (d.getUTCHours() < 12 ? "am" : "pm")],
    ["1", () => String(d.getUTCMonth() + 1)],
    ["2", () => String(d.getUTCDate())],
    ["3", () => String(h12)],
    ["4", () => String(d.getUTCMinutes())],
    ["5", () => String(d.getUTCSeconds())],
  ];
  let out = "";
  let i = 0;
  outer: while (i < layout.length) {
    for (const [token, value] of tokens) {
      if (layout.startsWith(token, i)) {
        out += value();
        i += token.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}

function toDate(v: unknown): Date {
  if (v instanceof GoTime) return v.date;
  if (typeof v === "bigint") return new Date(Number(v) * 1000);
  if (typeof v === "number") return new Date(Math.trunc(v) * 1000);
  return new Date(0);
}

/** Sprig's `strslice`: a list of strings from any list (nils dropped) or a single value. */
function strslice(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(toGoString);
  if (v === null || v === undefined) return [];
  return [toGoString(v)];
}

function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === "") {
    const chars = [...s];
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join("")];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function toRegExp(pattern: string, flags = ""): RegExp {
  // RE2 and JS agree on the syntax charts use; (?i) style flags at the start are translated.
  let p = pattern;
  let f = flags;
  const m = /^\(\?([imsU]+)\)/.exec(p);
  if (m) {
    p = p.slice(m[0].length);
    for (const c of m[1] as string) if ("ims".includes(c) && !f.includes(c)) f += c;
  }
  p = p.replace(/\\z/g, "$").replace(/\(\?P</g, "(?<");
  return new RegExp(p, f);
}

function goExpand(repl: string): string {
  // Go's `${1}`/`$name` expansion to JS `$1`/`$<name>`.
  return repl.replace(/\$\{(\d+)\}/g, "$$$1").replace(/\$\{(\w+)\}/g, "$$<$1>");
}

function mergeInto(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): void {
  for (const k of Object.keys(src)) {
    const s = src[k];
    const d = Object.hasOwn(dst, k) ? dst[k] : undefined;
    if (isGoMap(d) && isGoMap(s)) {
      mergeInto(d, s, overwrite);
    } else if (overwrite || d === undefined || isEmpty(d)) {
      mapSet(dst, k, deepCopy(s));
    }
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(algorithm: string, s: string): string {
  return createHash(algorithm).update(s).digest("hex");
}

function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const byte of new TextEncoder().encode(s)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

function b64enc(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function b64dec(s: string): string {
  try {
    const bin = atob(s);
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch (e) {
    return `illegal base64 data: ${(e as Error).message}`;
  }
}

function normaliseConstraintVersion(v: string): string {
  // Masterminds accepts `v1.2`, `1.21-0`; npm semver wants `1.21.0-0`.
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(
    v,
  );
  if (!m) return v;
  const [, major, minor, patch, pre = "", build = ""] = m;
  if (pre === "") return [major, minor, patch].filter((x) => x !== undefined).join(".") + build;
  return `${major}.${minor ?? "0"}.${patch ?? "0"}${pre}${build}`;
}

/** Checks a version against a Masterminds constraint (`>=1.21-0`, `^1.2, <2`, `~1.2 || >=3`, `!=1.4`). */
export function semverSatisfies(constraint: string, version: string): boolean {
  const v = semver.parse(version.trim().replace(/^v/, ""), { loose: true });
  if (v === null) throw new Error(`Invalid Semantic Version`);
  return constraint.split("||").some((group) => {
    const g = group.trim().replace(/([<>=!~^]+)\s+/g, "$1");
    if (/\s-\s/.test(group)) {
      const [lo, hi] = group.split(/\s-\s/).map((x) => normaliseConstraintVersion(x.trim()));
      return semver.satisfies(v, `${lo} - ${hi}`, { includePrerelease: true, loose: true });
    }
    const terms = g.split(/[\s,]+/).filter((t) => t !== "");
    return terms.every((term) => {
      const m = /^(!=|~>|>=|<=|=>|=<|==|>|<|=|~|\^)?(.+)$/.exec(term);
      if (!m) throw new Error(`improper constraint: ${term}`);
      const op = m[1] ?? "";
      const ver = normaliseConstraintVersion(m[2] as string);
      if (op === "!=") return !semver.satisfies(v, ver, { includePrerelease: true, loose: true });
      const npmOp = op === "~>" ? "~" : op === "==" ? "=" : op === "=>" ? ">=" : op === "=<" ? "<=" : op;
      const range = semver.validRange(`${npmOp}${ver}`, { loose: true });
      if (range === null) throw new Error(`improper constraint: ${term}`);
      return semver.satisfies(v, range, { includePrerelease: true, loose: true });
    });
  });
}

function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

const ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";

/** The sprig function map Helm installs (without `env`/`expandenv`, which Helm removes). */
export function sprigFunctions(options: SprigOptions): Map<string, TemplateFunction> {
  const f = new Map<string, TemplateFunction>();
  const random = mulberry32(options.seed);
  const randFrom = (chars: string, n: number) => {
    let out = "";
    for (let i = 0; i < n; i++) out += chars[Math.floor(random() * chars.length)];
    return out;
  };
  const s1 = (name: string, fn: (s: string) => unknown) =>
    f.set(name, (a) => {
      arity(name, a, 1);
      return fn(str(a[0]));
    });
  const s2 = (name: string, fn: (a: string, b: string) => unknown) =>
    f.set(name, (a) => {
      arity(name, a, 2);
      return fn(str(a[0]), str(a[1]));
    });

  // Strings.
  s1("trim", (s) => s.trim());
  s2("trimAll", (cut, s) => {
    const set = new Set([...cut]);
    const chars = [...s];
    let i = 0;
    let j = chars.length;
    while (i < j && set.has(chars[i] as string)) i++;
    while (j > i && set.has(chars[j - 1] as string)) j--;
    return chars.slice(i, j).join("");
  });
  s2("trimPrefix", (p, s) => (p !== "" && s.startsWith(p) ? s.slice(p.length) : s));
  s2("trimSuffix", (p, s) => (p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s));
  s1("upper", (s) => s.toUpperCase());
  s1("lower", (s) => s.toLowerCase());
  s1("title", (s) => s.replace(/(^|[^\p{L}\p{N}_])(\p{Ll})/gu, (_m, sep, c) => sep + c.toUpperCase()));
  s1("untitle", (s) => s.replace(/(^|[^\p{L}\p{N}_])(\p{Lu})/gu, (_m, sep, c) => sep + c.toLowerCase()));
  s1("nospace", (s) => s.replace(/\s+/g, ""));
  s1("initials", (s) => words(s).map((w) => w[0]).join(""));
  s1("snakecase", (s) => words(s).map((w) => w.toLowerCase()).join("_"));
  s1("kebabcase", (s) => words(s).map((w) => w.toLowerCase()).join("-"));
  s1("camelcase", (s) => s.split("_").map((w) => (w[0]?.toUpperCase() ?? "") + w.slice(1)).join(""));
  s1(
    "swapcase",
    (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(""),
  );
  s2("contains", (sub, s) => s.includes(sub));
  s2("hasPrefix", (p, s) => s.startsWith(p));
  s2("hasSuffix", (p, s) => s.endsWith(p));
  f.set("repeat", (a) => {
    arity("repeat", a, 2);
    const n = int(a[0]);
    const s = str(a[1]);
    if (n < 0 || n * s.length > 16 * 1024 * 1024) throw new Error("repeat count out of range");
    return s.repeat(n);
  });
  f.set("substr", (a) => {
    arity("substr", a, 3);
    const start = int(a[0]);
    const end = int(a[1]);
    const s = str(a[2]);
    if (start < 0) return s.slice(0, end);
    if (end < 0 || end > s.length) return s.slice(start);
    return s.slice(start, end);
  });
  f.set("trunc", (a) => {
    arity("trunc", a, 2);
    const c = int(a[0]);
    const s = str(a[1]);
    if (c < 0 && s.length + c > 0) return s.slice(s.length + c);
    if (c >= 0 && s.length > c) return s.slice(0, c);
    return s;
  });
  f.set("abbrev", (a) => {
    arity("abbrev", a, 2);
    const w = int(a[0]);
    const s = str(a[1]);
    if (w < 4 || s.length <= w) return s;
    return `${s.slice(0, w - 3)}...`;
  });
  f.set("quote", (a) => a.filter((x) => x !== null).map((x) => goQuote(toGoString(x))).join(" "));
  f.set("squote", (a) => a.filter((x) => x !== null).map((x) => `'${toGoString(x)}'`).join(" "));
  f.set("cat", (a) => a.filter((x) => x !== null).map(toGoString).join(" "));
  f.set("indent", (a) => {
    arity("indent", a, 2);
    const pad = " ".repeat(Math.max(int(a[0]), 0));
    return pad + str(a[1]).replaceAll("\n", `\n${pad}`);
  });
  f.set("nindent", (a) => {
    arity("nindent", a, 2);
    const pad = " ".repeat(Math.max(int(a[0]), 0));
    return `\n${pad}${str(a[1]).replaceAll("\n", `\n${pad}`)}`;
  });
  f.set("replace", (a) => {
    arity("replace", a, 3);
    return str(a[2]).replaceAll(str(a[0]), str(a[1]));
  });
  f.set("plural", (a) => {
    arity("plural", a, 3);
    return int(a[2]) === 1 ? str(a[0]) : str(a[1]);
  });
  f.set("wrap", (a) => {
    arity("wrap", a, 2);
    const width = int(a[0]);
    return str(a[1]).replace(new RegExp(`(.{1,${Math.max(width, 1)}})(\\s+|$)`, "g"), "$1\n").replace(
      /\n$/,
      "",
    );
  });
  f.set("toString", (a) => {
    arity("toString", a, 1);
    return toGoString(a[0]);
  });
  f.set("toStrings", (a) => {
    arity("toStrings", a, 1);
    return strslice(a[0]);
  });
  f.set("split", (a) => {
    arity("split", a, 2);
    const out: Record<string, unknown> = {};
    goSplit(str(a[1]), str(a[0])).forEach((p, i) => mapSet(out, `_${i}`, p));
    return out;
  });
  f.set("splitn", (a) => {
    arity("splitn", a, 3);
    const out: Record<string, unknown> = {};
    goSplit(str(a[2]), str(a[0]), int(a[1])).forEach((p, i) => mapSet(out, `_${i}`, p));
    return out;
  });
  f.set("splitList", (a) => {
    arity("splitList", a, 2);
    return goSplit(str(a[1]), str(a[0]));
  });
  f.set("join", (a) => {
    arity("join", a, 2);
    return strslice(a[1]).join(str(a[0]));
  });
  f.set("sortAlpha", (a) => {
    arity("sortAlpha", a, 1);
    return strslice(a[0]).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  });

  // Regular expressions.
  f.set("regexMatch", (a) => {
    arity("regexMatch", a, 2);
    return toRegExp(str(a[0])).test(str(a[1]));
  });
  f.set("mustRegexMatch", f.get("regexMatch") as TemplateFunction);
  f.set("regexFind", (a) => {
    arity("regexFind", a, 2);
    return toRegExp(str(a[0])).exec(str(a[1]))?.[0] ?? "";
  });
  f.set("regexFindAll", (a) => {
    arity("regexFindAll", a, 3);
    const n = int(a[2]);
    const all = [...str(a[1]).matchAll(toRegExp(str(a[0]), "g"))].map((m) => m[0]);
    return n < 0 ? all : all.slice(0, n);
  });
  f.set("regexReplaceAll", (a) => {
    arity("regexReplaceAll", a, 3);
    return str(a[1]).replace(toRegExp(str(a[0]), "g"), goExpand(str(a[2])));
  });
  f.set("regexReplaceAllLiteral", (a) => {
    arity("regexReplaceAllLiteral", a, 3);
    const repl = str(a[2]);
    return str(a[1]).replace(toRegExp(str(a[0]), "g"), () => repl);
  });
  f.set("regexSplit", (a) => {
    arity("regexSplit", a, 3);
    const parts = str(a[1]).split(toRegExp(str(a[0])));
    const n = int(a[2]);
    return n < 0 ? parts : parts.slice(0, n);
  });
  f.set("regexQuoteMeta", (a) => {
    arity("regexQuoteMeta", a, 1);
    return str(a[0]).replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
  });

  // Lists.
  f.set("list", (a) => [...a]);
  f.set("tuple", (a) => [...a]);
  const listFn = (name: string, fn: (l: unknown[], rest: unknown[]) => unknown, min = 1, max = min) => {
    f.set(name, (a) => {
      arity(name, a, min, max);
      return fn(list(name, a[0]), a.slice(1));
    });
    f.set(`must${name[0]?.toUpperCase()}${name.slice(1)}`, f.get(name) as TemplateFunction);
  };
  listFn("first", (l) => l[0] ?? null);
  listFn("last", (l) => l[l.length - 1] ?? null);
  listFn("rest", (l) => l.slice(1));
  listFn("initial", (l) => l.slice(0, -1));
  listFn("reverse", (l) => [...l].reverse());
  listFn("uniq", (l) => l.filter((x, i) => l.findIndex((y) => deepEqual(x, y)) === i));
  listFn("compact", (l) => l.filter((x) => !isEmpty(x)));
  listFn("append", (l, r) => [...l, r[0] ?? null], 2);
  f.set("push", f.get("append") as TemplateFunction);
  listFn("prepend", (l, r) => [r[0] ?? null, ...l], 2);
  listFn("without", (l, r) => l.filter((x) => !r.some((y) => deepEqual(x, y))), 1, Infinity);
  f.set("chunk", (a) => {
    arity("chunk", a, 2);
    const size = int(a[0]);
    const l = list("chunk", a[1]);
    if (size <= 0) throw new Error("chunk size must be positive");
    const out: unknown[][] = [];
    for (let i = 0; i < l.length; i += size) out.push(l.slice(i, i + size));
    return out;
  });
  f.set("has", (a) => {
    arity("has", a, 2);
    const hay = a[1];
    if (hay === null) return false;
    return list("has", hay).some((x) => goEqual(x, a[0]) || deepEqual(x, a[0]));
  });
  f.set("mustHas", f.get("has") as TemplateFunction);
  f.set("concat", (a) => a.flatMap((l) => (Array.isArray(l) ? l : l === null ? [] : [l])));
  const MAX_LIST = 1_000_000;
  f.set("until", (a) => {
    arity("until", a, 1);
    const n = int(a[0]);
    if (Math.abs(n) > MAX_LIST) throw new Error(`until ${n} is too long`);
    const out: bigint[] = [];
    if (n >= 0) { for (let i = 0; i < n; i++) out.push(BigInt(i)); }
    else for (let i = 0; i > n; i--) out.push(BigInt(i));
    return out;
  });
  f.set("untilStep", (a) => {
    arity("untilStep", a, 3);
    const [start, stop, step] = [int(a[0]), int(a[1]), int(a[2])];
    const out: bigint[] = [];
    if (step === 0) return out;
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.push(BigInt(i));
      if (out.length > MAX_LIST) throw new Error("untilStep result is too long");
    }
    return out;
  });
  f.set("seq", (a) => {
    const n = a.map(int);
    let [start, step, end] = [1, 1, 0];
    if (n.length === 1) end = n[0] as number;
    else if (n.length === 2) [start, end] = [n[0] as number, n[1] as number];
    else if (n.length === 3) [start, step, end] = [n[0] as number, n[1] as number, n[2] as number];
    else return "";
    if (n.length < 3 && end < start) step = -1;
    const out: number[] = [];
    for (let i = start; step > 0 ? i <= end : i >= end; i += step) {
      out.push(i);
      if (out.length > MAX_LIST || step === 0) break;
    }
    return out.join(" ");
  });

  // Dicts.
  f.set("dict", (a) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < a.length; i += 2) mapSet(out, toGoString(a[i]), i + 1 < a.length ? a[i + 1] : "");
    return out;
  });
  f.set("get", (a) => {
    arity("get", a, 2);
    const m = map(a[0]);
    const k = str(a[1]);
    return Object.hasOwn(m, k) ? m[k] : "";
  });
  f.set("set", (a) => {
    arity("set", a, 3);
    const m = map(a[0]);
    mapSet(m, str(a[1]), a[2]);
    return m;
  });
  f.set("unset", (a) => {
    arity("unset", a, 2);
    const m = map(a[0]);
    delete m[str(a[1])];
    return m;
  });
  f.set("hasKey", (a) => {
    arity("hasKey", a, 2);
    return Object.hasOwn(map(a[0]), str(a[1]));
  });
  f.set("pluck", (a) => {
    arity("pluck", a, 1, Infinity);
    const k = str(a[0]);
    return a.slice(1).map(map).filter((m) => Object.hasOwn(m, k)).map((m) => m[k]);
  });
  f.set("keys", (a) => a.flatMap((m) => sortedKeys(map(m))).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  f.set("values", (a) => {
    arity("values", a, 1);
    const m = map(a[0]);
    return sortedKeys(m).map((k) => m[k]);
  });
  f.set("pick", (a) => {
    arity("pick", a, 1, Infinity);
    const m = map(a[0]);
    const out: Record<string, unknown> = {};
    for (const k of a.slice(1).map(str)) if (Object.hasOwn(m, k)) mapSet(out, k, m[k]);
    return out;
  });
  f.set("omit", (a) => {
    arity("omit", a, 1, Infinity);
    const m = map(a[0]);
    const drop = new Set(a.slice(1).map(str));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(m)) if (!drop.has(k)) mapSet(out, k, m[k]);
    return out;
  });
  f.set("dig", (a) => {
    arity("dig", a, 3, Infinity);
    const m = map(a[a.length - 1]);
    const fallback = a[a.length - 2];
    let cur: unknown = m;
    for (const k of a.slice(0, -2).map(str)) {
      if (!isGoMap(cur) || !Object.hasOwn(cur, k)) return fallback;
      cur = cur[k];
    }
    return cur;
  });
  const merge = (name: string, overwrite: boolean) =>
    f.set(name, (a) => {
      arity(name, a, 1, Infinity);
      const dst = map(a[0]);
      for (const src of a.slice(1)) if (src !== null) mergeInto(dst, map(src), overwrite);
      return dst;
    });
  merge("merge", false);
  merge("mustMerge", false);
  merge("mergeOverwrite", true);
  merge("mustMergeOverwrite", true);
  f.set("deepCopy", (a) => {
    arity("deepCopy", a, 1);
    return deepCopy(a[0]);
  });
  f.set("mustDeepCopy", f.get("deepCopy") as TemplateFunction);

  // Defaults and flow.
  f.set("default", (a) => {
    arity("default", a, 1, 2);
    if (a.length === 1) return a[0];
    return isEmpty(a[1]) ? a[0] : a[1];
  });
  f.set("empty", (a) => {
    arity("empty", a, 1);
    return isEmpty(a[0]);
  });
  f.set("coalesce", (a) => a.find((x) => !isEmpty(x)) ?? null);
  f.set("all", (a) => a.every((x) => !isEmpty(x)));
  f.set("any", (a) => a.some((x) => !isEmpty(x)));
  f.set("ternary", (a) => {
    arity("ternary", a, 3);
    return bool(a[2]) ? a[0] : a[1];
  });
  f.set("fail", (a) => {
    arity("fail", a, 1);
    throw new Error(str(a[0]));
  });

  // Math.
  const intFold = (name: string, fn: (x: bigint, y: bigint) => bigint, min = 2) =>
    f.set(name, (a) => {
      arity(name, a, min, Infinity);
      return a.map(toInt).reduce(fn);
    });
  intFold("add", (x, y) => x + y, 1);
  intFold("mul", (x, y) => x * y, 1);
  intFold("max", (x, y) => (x > y ? x : y), 1);
  intFold("min", (x, y) => (x < y ? x : y), 1);
  f.set("add1", (a) => {
    arity("add1", a, 1);
    return toInt(a[0]) + 1n;
  });
  f.set("sub", (a) => {
    arity("sub", a, 2);
    return toInt(a[0]) - toInt(a[1]);
  });
  f.set("div", (a) => {
    arity("div", a, 2);
    const d = toInt(a[1]);
    if (d === 0n) throw new Error("runtime error: integer divide by zero");
    return toInt(a[0]) / d;
  });
  f.set("mod", (a) => {
    arity("mod", a, 2);
    const d = toInt(a[1]);
    if (d === 0n) throw new Error("runtime error: integer divide by zero");
    return toInt(a[0]) % d;
  });
  const floatFold = (name: string, fn: (x: number, y: number) => number) =>
    f.set(name, (a) => {
      arity(name, a, 1, Infinity);
      return a.map(toFloat).reduce(fn);
    });
  floatFold("addf", (x, y) => x + y);
  floatFold("subf", (x, y) => x - y);
  floatFold("mulf", (x, y) => x * y);
  floatFold("divf", (x, y) => x / y);
  floatFold("maxf", (x, y) => Math.max(x, y));
  floatFold("minf", (x, y) => Math.min(x, y));
  f.set("add1f", (a) => toFloat(a[0]) + 1);
  f.set("floor", (a) => Math.floor(toFloat(a[0])));
  f.set("ceil", (a) => Math.ceil(toFloat(a[0])));
  f.set("round", (a) => {
    arity("round", a, 2, 3);
    const p = 10 ** int(a[1]);
    return Math.round(toFloat(a[0]) * p) / p;
  });

  // Conversions and types.
  f.set("int", (a) => {
    arity("int", a, 1);
    return toInt(a[0]);
  });
  f.set("int64", f.get("int") as TemplateFunction);
  f.set("float64", (a) => {
    arity("float64", a, 1);
    return toFloat(a[0]);
  });
  f.set("atoi", (a) => {
    arity("atoi", a, 1);
    const s = str(a[0]);
    return /^[+-]?\d+$/.test(s) ? BigInt(s) : 0n;
  });
  f.set("toDecimal", (a) => {
    arity("toDecimal", a, 1);
    const s = toGoString(a[0]);
    return /^[0-7]+$/.test(s) ? BigInt(`0o${s}`) : 0n;
  });
  f.set("typeOf", (a) => goTypeName(a[0]));
  f.set("typeIs", (a) => {
    arity("typeIs", a, 2);
    return goTypeName(a[1]) === str(a[0]);
  });
  f.set("typeIsLike", (a) => {
    arity("typeIsLike", a, 2);
    const t = goTypeName(a[1]);
    return t === str(a[0]) || `*${t}` === str(a[0]);
  });
  f.set("kindOf", (a) => goKindName(a[0]));
  f.set("kindIs", (a) => {
    arity("kindIs", a, 2);
    return goKindName(a[1]) === str(a[0]);
  });
  f.set("deepEqual", (a) => {
    arity("deepEqual", a, 2);
    return deepEqual(a[0], a[1]);
  });

  // Encodings and hashes.
  s1("b64enc", b64enc);
  s1("b64dec", b64dec);
  s1("b32enc", (s) => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = 0;
    let value = 0;
    let out = "";
    for (const byte of new TextEncoder().encode(s)) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        out += alphabet[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
    while (out.length % 8 !== 0) out += "=";
    return out;
  });
  s1("sha256sum", (s) => hash("sha256", s));
  s1("sha1sum", (s) => hash("sha1", s));
  s1("sha512sum", (s) => hash("sha512", s));
  s1("adler32sum", adler32);

  // Semantic versions.
  f.set("semverCompare", (a) => {
    arity("semverCompare", a, 2);
    return semverSatisfies(str(a[0]), str(a[1]));
  });
  f.set("semver", (a) => {
    arity("semver", a, 1);
    const s = str(a[0]);
    const v = semver.parse(s.replace(/^v/, ""), { loose: true }) ??
      semver.parse(normaliseConstraintVersion(s), { loose: true });
    if (v === null) throw new Error("Invalid Semantic Version");
    return new SemverObject(s, v);
  });

  // Paths and URLs.
  s1("base", (s) => {
    const t = s.replace(/\/+$/, "");
    return t === "" ? (s === "" ? "." : "/") : t.slice(t.lastIndexOf("/") + 1);
  });
  s1("dir", (s) => {
    const i = s.lastIndexOf("/");
    return i < 0 ? "." : i === 0 ? "/" : s.slice(0, i);
  });
  s1("ext", (s) => {
    const b = s.slice(s.lastIndexOf("/") + 1);
    const i = b.lastIndexOf(".");
    return i < 0 ? "" : b.slice(i);
  });
  s1("clean", (s) => {
    const abs = s.startsWith("/");
    const out: string[] = [];
    for (const p of s.split("/")) {
      if (p === "" || p === ".") continue;
      if (p === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (p !== ".." || !abs) out.push(p);
    }
    const joined = out.join("/");
    return abs ? `/${joined}` : joined === "" ? "." : joined;
  });
  s1("isAbs", (s) => s.startsWith("/"));
  s1("urlParse", (s) => {
    const u = new URL(s);
    return {
      scheme: u.protocol.replace(/:$/, ""),
      host: u.host,
      hostname: u.hostname,
      path: u.pathname,
      query: u.search.replace(/^\?/, ""),
      opaque: "",
      fragment: u.hash.replace(/^#/, ""),
      userinfo: u.username === "" ? "" : `${u.username}${u.password === "" ? "" : `:${u.password}`}`,
    };
  });

  // Dates, from the fixed clock.
  f.set("now", () => new GoTime(options.now));
  f.set("date", (a) => {
    arity("date", a, 2);
    return formatGoDate(str(a[0]), toDate(a[1]));
  });
  f.set("dateInZone", (a) => {
    arity("dateInZone", a, 3);
    return formatGoDate(str(a[0]), toDate(a[1]));
  });
  f.set("htmlDate", (a) => {
    arity("htmlDate", a, 1);
    return formatGoDate("2006-01-02", toDate(a[0]));
  });
  f.set("htmlDateInZone", (a) => {
    arity("htmlDateInZone", a, 2);
    return formatGoDate("2006-01-02", toDate(a[0]));
  });
  f.set("unixEpoch", (a) => {
    arity("unixEpoch", a, 1);
    return String(Math.floor(toDate(a[0]).getTime() / 1000));
  });
  f.set("dateModify", (a) => {
    arity("dateModify", a, 2);
    return a[1] instanceof GoTime ? a[1] : new GoTime(toDate(a[1]));
  });
  f.set("toDate", (a) => {
    arity("toDate", a, 2);
    const d = new Date(str(a[1]));
    return new GoTime(Number.isNaN(d.getTime()) ? new Date(0) : d);
  });
  f.set("mustToDate", f.get("toDate") as TemplateFunction);
  f.set("ago", () => "0s");
  f.set("duration", (a) => `${toInt(a[0])}s`);

  // Random values, from the seeded generator.
  const randFn = (name: string, chars: string) =>
    f.set(name, (a) => {
      arity(name, a, 1);
      const n = int(a[0]);
      if (n < 0 || n > 1_000_000) throw new Error(`${name} length out of range`);
      return randFrom(chars, n);
    });
  randFn("randAlphaNum", ALPHA + DIGITS);
  randFn("randAlpha", ALPHA);
  randFn("randNumeric", DIGITS);
  randFn("randAscii", Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(""));
  f.set("randInt", (a) => {
    arity("randInt", a, 2);
    const lo = int(a[0]);
    const hi = int(a[1]);
    return BigInt(lo + Math.floor(random() * Math.max(hi - lo, 1)));
  });
  f.set("randBytes", (a) => {
    arity("randBytes", a, 1);
    return btoa(randFrom(ALPHA, int(a[0])));
  });
  f.set("uuidv4", () => {
    const h = randFrom("0123456789abcdef", 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  });
  f.set("shuffle", (a) => {
    arity("shuffle", a, 1);
    const chars = [...str(a[0])];
    for (let i = chars.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
    }
    return chars.join("");
  });

  // Crypto: placeholders, as only the images of the rendered manifests matter here.
  f.set("derivePassword", () => randFrom(ALPHA + DIGITS, 20));
  f.set("htpasswd", (a) => `${toGoString(a[0])}:$2a$10$${randFrom(ALPHA + DIGITS, 53)}`);
  f.set("bcrypt", () => `$2a$10$${randFrom(ALPHA + DIGITS, 53)}`);
  f.set("genPrivateKey", () => new CertificateObject("key").Key);
  f.set("genCA", (a) => new CertificateObject(toGoString(a[0] ?? "ca")));
  f.set("genCAWithKey", (a) => new CertificateObject(toGoString(a[0] ?? "ca")));
  f.set("genSelfSignedCert", (a) => new CertificateObject(toGoString(a[0] ?? "self-signed")));
  f.set("genSelfSignedCertWithKey", (a) => new CertificateObject(toGoString(a[0] ?? "self-signed")));
  f.set("genSignedCert", (a) => new CertificateObject(toGoString(a[0] ?? "signed")));
  f.set("genSignedCertWithKey", (a) => new CertificateObject(toGoString(a[0] ?? "signed")));
  f.set("buildCustomCert", () => new CertificateObject("custom"));
  f.set("encryptAES", (a) => b64enc(toGoString(a[1])));
  f.set("decryptAES", (a) => b64dec(toGoString(a[1])));
  f.set("getHostByName", () => "");

  // JSON (sprig's; Helm adds the YAML ones).
  f.set("toJson", (a) => {
    arity("toJson", a, 1);
    try {
      return toJson(a[0]);
    } catch {
      return "";
    }
  });
  f.set("mustToJson", (a) => {
    arity("mustToJson", a, 1);
    return toJson(a[0]);
  });
  f.set("toPrettyJson", (a) => {
    arity("toPrettyJson", a, 1);
    return toJson(a[0], { indent: "  " });
  });
  f.set("toRawJson", (a) => {
    arity("toRawJson", a, 1);
    return toJson(a[0], { escapeHtml: false });
  });
  f.set("fromJson", (a) => {
    arity("fromJson", a, 1);
    try {
      const v = JSON.parse(str(a[0]));
      return isGoMap(v) ? v : { Error: "json: cannot unmarshal into map" };
    } catch (e) {
      return { Error: (e as Error).message };
    }
  });
  f.set("fromJsonArray", (a) => {
    arity("fromJsonArray", a, 1);
    try {
      const v = JSON.parse(str(a[0]));
      return Array.isArray(v) ? v : [`json: cannot unmarshal into array`];
    } catch (e) {
      return [(e as Error).message];
    }
  });
  return f;
}
