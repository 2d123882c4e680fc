/**
 * The lexer of Go's text/template: text between actions, actions `{{ }}` with the `{{- ` / ` -}}` trim
 * markers (which remove the white space on that side), comments (from `{{/*` to the closing star-slash
 * and `}}`), and the tokens inside an action. Mirrors `text/template/parse/lex.go`.
 * @see https://pkg.go.dev/text/template
 * @module
 */

/** Token kinds inside and between actions. */
export type TokenType =
  | "text"
  | "leftDelim"
  | "rightDelim"
  | "space"
  | "identifier"
  | "keyword"
  | "field"
  | "variable"
  | "dot"
  | "string"
  | "rawString"
  | "char"
  | "number"
  | "bool"
  | "nil"
  | "pipe"
  | "declare"
  | "assign"
  | "leftParen"
  | "rightParen"
  | "comma"
  | "eof";

/** One token with the 1-based line it starts on. */
export interface Token {
  type: TokenType;
  value: string;
  line: number;
}

/** A lexing problem at a line; the parser turns it into a located error. */
export class LexError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

const KEYWORDS = new Set([
  "block",
  "break",
  "continue",
  "define",
  "else",
  "end",
  "if",
  "range",
  "template",
  "with",
]);

const SPACE = " \t\r\n";

function isSpace(c: string | undefined): boolean {
  return c !== undefined && c !== "" && SPACE.includes(c);
}

function isAlphaNumeric(c: string | undefined): boolean {
  return c !== undefined && /^[\p{L}\p{Nd}_]$/u.test(c);
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** Splits a template into tokens; throws {@link LexError} for unterminated actions, strings and comments. */
export function lexTemplate(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let trimNextText = false;

  for (;;) {
    let start = input.indexOf("{{", pos);
    if (start < 0) start = input.length;
    let text = input.slice(pos, start);
    let textLine = line;
    line += countLines(text);
    if (trimNextText) {
      const lead = /^[ \t\r\n]+/.exec(text);
      if (lead) {
        textLine += countLines(lead[0]);
        text = text.slice(lead[0].length);
      }
      trimNextText = false;
    }
    const afterDelim = start + 2;
    const leftTrim = start < input.length && input[afterDelim] === "-" && isSpace(input[afterDelim + 1]);
    if (leftTrim) text = text.replace(/[ \t\r\n]+$/, "");
    if (text.length > 0) tokens.push({ type: "text", value: text, line: textLine });
    if (start >= input.length) break;
    pos = afterDelim + (leftTrim ? 2 : 0);
    // Comments: `{{/* ... */}}`, optionally with trim markers.
    if (input.startsWith("/*", pos)) {
      const end = input.indexOf("*/", pos + 2);
      if (end < 0) throw new LexError("unclosed comment", line);
      line += countLines(input.slice(pos, end));
      let after = end + 2;
      let rightTrim = false;
      if (isSpace(input[after]) && input[after + 1] === "-" && input.startsWith("}}", after + 2)) {
        rightTrim = true;
        after += 2;
      }
      if (!input.startsWith("}}", after)) throw new LexError("comment ends before closing delimiter", line);
      pos = after + 2;
      trimNextText = rightTrim;
      continue;
    }
    tokens.push({ type: "leftDelim", value: "{{", line });
    const r = lexInsideAction(input, pos, line, tokens);
    pos = r.pos;
    line = r.line;
    trimNextText = r.trim;
  }
  tokens.push({ type: "eof", value: "", line });
  return tokens;
}

function lexInsideAction(
  input: string,
  startPos: number,
  startLine: number,
  tokens: Token[],
): { pos: number; line: number; trim: boolean } {
  let pos = startPos;
  let line = startLine;
  let parenDepth = 0;
  const emit = (type: TokenType, value: string, at = line) => tokens.push({ type, value, line: at });
  for (;;) {
    if (pos >= input.length) throw new LexError("unclosed action", startLine);
    // Right delimiter, with or without a trim marker.
    if (isSpace(input[pos]) && input[pos + 1] === "-" && input.startsWith("}}", pos + 2)) {
      if (parenDepth > 0) throw new LexError("unclosed left paren", line);
      line += countLines(input[pos] ?? "");
      emit("rightDelim", "}}");
      return { pos: pos + 4, line, trim: true };
    }
    if (input.startsWith("}}", pos)) {
      if (parenDepth > 0) throw new LexError("unclosed left paren", line);
      emit("rightDelim", "}}");
      return { pos: pos + 2, line, trim: false };
    }
    const c = input[pos] as string;
    if (isSpace(c)) {
      let end = pos;
      while (isSpace(input[end]) && !(input[end + 1] === "-" && input.startsWith("}}", end + 2))) end++;
      const s = input.slice(pos, end);
      emit("space", s);
      line += countLines(s);
      pos = end;
      continue;
    }
    switch (c) {
      case "=":
        emit("assign", "=");
        pos++;
        continue;
      case ":":
        if (input[pos + 1] !== "=") throw new LexError("expected :=", line);
        emit("declare", ":=");
        pos += 2;
        continue;
      case "|":
        emit("pipe", "|");
        pos++;
        continue;
      case ",":
        emit("comma", ",");
        pos++;
        continue;
      case "(":
        parenDepth++;
        emit("leftParen", "(");
        pos++;
        continue;
      case ")":
        parenDepth--;
        if (parenDepth < 0) throw new LexError("unexpected right paren", line);
        emit("rightParen", ")");
        pos++;
        continue;
      case '"': {
        let end = pos + 1;
        for (;;) {
          const ch = input[end];
          if (ch === undefined || ch === "\n") throw new LexError("unterminated quoted string", line);
          if (ch === "\\") end += 2;
          else if (ch === '"') break;
          else end++;
        }
        emit("string", input.slice(pos, end + 1));
        pos = end + 1;
        continue;
      }
      case "`": {
        const end = input.indexOf("`", pos + 1);
        if (end < 0) throw new LexError("unterminated raw quoted string", line);
        const s = input.slice(pos, end + 1);
        emit("rawString", s);
        line += countLines(s);
        pos = end + 1;
        continue;
      }
      case "'": {
        let end = pos + 1;
        for (;;) {
          const ch = input[end];
          if (ch === undefined || ch === "\n") throw new LexError("unterminated character constant", line);
          if (ch === "\\") end += 2;
          else if (ch === "'") break;
          else end++;
        }
        emit("char", input.slice(pos, end + 1));
        pos = end + 1;
        continue;
      }
      case "$": {
        let end = pos + 1;
        while (isAlphaNumeric(input[end])) end++;
        emit("variable", input.slice(pos, end));
        pos = end;
        continue;
      }
      case ".": {
        const next = input[pos + 1];
        if (next !== undefined && /[0-9]/.test(next)) {
          pos = lexNumber(input, pos, line, emit);
          continue;
        }
        if (isAlphaNumeric(next)) {
          let end = pos + 1;
          while (isAlphaNumeric(input[end])) end++;
          emit("field", input.slice(pos, end));
          pos = end;
          continue;
        }
        emit("dot", ".");
        pos++;
        continue;
      }
      default:
        break;
    }
    if (c === "+" || c === "-" || /[0-9]/.test(c)) {
      pos = lexNumber(input, pos, line, emit);
      continue;
    }
    if (isAlphaNumeric(c)) {
      let end = pos;
      while (isAlphaNumeric(input[end])) end++;
      const word = input.slice(pos, end);
      if (KEYWORDS.has(word)) emit("keyword", word);
      else if (word === "true" || word === "false") emit("bool", word);
      else if (word === "nil") emit("nil", word);
      else emit("identifier", word);
      pos = end;
      continue;
    }
    throw new LexError(`unrecognized character in action: ${JSON.stringify(c)}`, line);
  }
}

const NUMBER_RE =
  /^[+-]?(?:0[xX][0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)i?/;

function lexNumber(
  input: string,
  pos: number,
  line: number,
  emit: (type: TokenType, value: string, at?: number) => void,
): number {
  const m = NUMBER_RE.exec(input.slice(pos));
  const text = m?.[0] ?? "";
  if (!/[0-9]/.test(text) || isAlphaNumeric(input[pos + text.length])) {
    const bad = input.slice(pos, pos + Math.max(text.length + 1, 1));
    throw new LexError(`bad number syntax: ${JSON.stringify(bad)}`, line);
  }
  emit("number", text);
  return pos + text.length;
}
