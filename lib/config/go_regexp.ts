/**
 * Go regular expressions (RE2 syntax, as `blockedImages` are written for the original) checked and
 * translated to JavaScript. What Go accepts and JavaScript spells differently is translated: `(?P<name>`,
 * a leading `(?i)`/`(?m)`/`(?s)`, `\A`, `\z`, `\Q…\E`, `\a`, `\x{…}`, octal escapes, POSIX classes such
 * as `[[:alpha:]]` and a leading `]` in a class. What Go rejects is rejected even though JavaScript
 * would take it: lookaround, backreferences, `\Z`, possessive and atomic forms, repeats above 1000.
 * Not supported: Unicode classes (`\pL`, `\p{Greek}`), ungreedy mode `(?U)` and flags set in the middle
 * of a pattern. Matching stays unanchored, like Go's `MatchString`.
 * @see https://github.com/google/re2/wiki/Syntax
 * @module
 */

/** A pattern Go would reject, or one this translation does not support. */
export class GoRegexpError extends Error {
  /** Why, in a few lower-case words, e.g. `missing closing )`. */
  readonly reason: string;
  constructor(source: string, reason: string) {
    super(`Regular expression "${source}" is invalid: ${reason}`);
    this.name = "GoRegexpError";
    this.reason = reason;
  }
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** Escapes a JavaScript regular expression's special characters. */
function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

function codeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Translates a Go regular expression to a JavaScript one; throws {@link GoRegexpError}. */
export function compileGoRegexp(source: string): RegExp {
  const fail = (reason: string): never => {
    throw new GoRegexpError(source, reason);
  };
  let flags = "";
  let i = 0;
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const f of leading[1] as string) {
      if (f === "U") fail("ungreedy mode (?U) is not supported");
      if (!"ims".includes(f)) fail(`unknown flag "${f}" in (?${leading[1]})`);
      if (!flags.includes(f)) flags += f;
    }
    i = leading[0].length;
  }
  let out = "";
  let inClass = false;
  let classStart = false;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === "\\") {
      const d = source[i + 1];
      if (d === undefined) fail("trailing backslash at end of expression");
      const e = d as string;
      i += 2;
      if (e === "Q") {
        const end = source.indexOf("\\E", i);
        const literal = end < 0 ? source.slice(i) : source.slice(i, end);
        out += escapeLiteral(literal);
        i = end < 0 ? source.length : end + 2;
      } else if (e === "A") {
        if (inClass) fail("\\A is not allowed in a character class");
        out += "(?<![\\s\\S])";
      } else if (e === "z") {
        if (inClass) fail("\\z is not allowed in a character class");
        out += "(?![\\s\\S])";
      } else if (e === "a") {
        out += "\\x07";
      } else if (e === "x") {
        if (source[i] === "{") {
          const end = source.indexOf("}", i);
          const hex = end < 0 ? "" : source.slice(i + 1, end);
          if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) fail("invalid escape \\x{…}");
          const code = parseInt(hex, 16);
          if (code > 0xffff) fail(`\\x{${hex}} beyond U+FFFF is not supported`);
          out += codeEscape(code);
          i = end + 1;
        } else {
          const hex = source.slice(i, i + 2);
          if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail("invalid escape \\x (want \\xHH or \\x{H…})");
          out += `\\x${hex}`;
          i += 2;
        }
      } else if (/[0-7]/.test(e) && (e === "0" || /[0-7]/.test(source[i] ?? ""))) {
        let digits = e;
        while (digits.length < 3 && /[0-7]/.test(source[i] ?? "")) digits += source[i++];
        out += codeEscape(parseInt(digits, 8));
      } else if (/[1-9]/.test(e)) {
        fail(`backreference \\${e} is not supported by Go regular expressions`);
      } else if (e === "p" || e === "P") {
        fail(`Unicode class \\${e} is not supported`);
      } else if (/[a-zA-Z]/.test(e)) {
        if (!"ftnrvdDsSwWbB".includes(e)) fail(`invalid escape \\${e}`);
        if (inClass && (e === "b" || e === "B")) fail(`\\${e} is not allowed in a character class`);
        out += `\\${e}`;
      } else {
        out += `\\${e}`;
      }
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === "[" && source[i + 1] === ":") {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(source.slice(i));
        const name = m?.[2];
        const cls = name === undefined ? undefined : POSIX_CLASSES[name];
        if (m && cls === undefined) fail(`unknown class [:${name}:]`);
        if (m && cls !== undefined) {
          if (m[1] === "^") fail(`negated class [:^${name}:] is not supported`);
          out += cls;
          i += m[0].length;
          classStart = false;
          continue;
        }
        out += "\\[";
      } else if (c === "]" && !classStart) {
        inClass = false;
        out += "]";
      } else if (c === "]" || c === "[") {
        out += `\\${c}`;
      } else {
        out += c;
      }
      classStart = false;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      classStart = true;
      out += "[";
      if (source[i + 1] === "^") {
        out += "^";
        i++;
      }
      i++;
      continue;
    }
    if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2);
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 4;
      } else if (rest.startsWith(":") || /^<[A-Za-z_]/.test(rest)) {
        out += "(?";
        i += 2;
      } else if (/^(=|!|<=|<!)/.test(rest)) {
        fail(`lookaround (?${/^(<?[=!])/.exec(rest)?.[1]} is not supported by Go regular expressions`);
      } else if (/^[a-zA-Z]+:/.test(rest)) {
        const f = (/^([a-zA-Z]+):/.exec(rest) as RegExpExecArray)[1] as string;
        if (/[^ims]/.test(f)) fail(`flags (?${f}:…) are not supported`);
        out += `(?${f}:`;
        i += 2 + f.length + 1;
      } else if (/^[a-zA-Z-]+\)/.test(rest)) {
        fail("flags are only supported at the start of the expression");
      } else {
        fail(`invalid group (?${rest.slice(0, 1)}`);
      }
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(source.slice(i));
      if (m && (Number(m[1]) > 1000 || Number(m[2] ?? 0) > 1000)) fail(`repeat count ${m[0]} above 1000`);
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && source[i + 1] === "+") {
      fail("possessive repetition is not supported by Go regular expressions");
    }
    out += c;
    i++;
  }
  if (inClass) fail("missing closing ]");
  try {
    return new RegExp(out, flags);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const reason = message.slice(message.lastIndexOf(": ") + 2);
    return fail(reason.charAt(0).toLowerCase() + reason.slice(1));
  }
}
