/**
 * The parser of Go's text/template: turns tokens into a tree of text, actions, `if`/`with`/`range` (with
 * `else if` / `else with` chains), `template`, `block`, `define`, `break` and `continue`. Mirrors
 * `text/template/parse/parse.go`; unknown functions and undeclared variables are reported when executed.
 * @module
 */
import { LexError, lexTemplate, type Token, type TokenType } from "./_template_lexer.ts";
import { TemplateError } from "./template_error.ts";

/** A parsed template body. */
export interface ListNode {
  nodes: Node[];
}

/** Text copied to the output. */
export interface TextNode {
  kind: "text";
  text: string;
}

/** `{{ pipeline }}`: prints the value unless the pipeline declares variables. */
export interface ActionNode {
  kind: "action";
  line: number;
  pipe: PipeNode;
}

/** `if`, `with` and `range` with their optional `else` list. */
export interface ControlNode {
  kind: "if" | "with" | "range";
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}

/** `{{template "name" pipeline}}` (also what a `block` executes). */
export interface TemplateCallNode {
  kind: "template";
  line: number;
  name: string;
  pipe?: PipeNode;
}

/** `{{break}}` / `{{continue}}` inside a range. */
export interface LoopControlNode {
  kind: "break" | "continue";
  line: number;
}

/** A node of a template body. */
export type Node = TextNode | ActionNode | ControlNode | TemplateCallNode | LoopControlNode;

/** `$x := a | b c`: optional declarations, then commands joined by pipes. */
export interface PipeNode {
  kind: "pipe";
  line: number;
  isAssign: boolean;
  decl: string[];
  cmds: CommandNode[];
}

/** One stage of a pipeline: a function or method with its arguments, or a single value. */
export interface CommandNode {
  line: number;
  args: ArgNode[];
}

/** An operand of a command. */
export type ArgNode =
  | { kind: "field"; idents: string[] }
  | { kind: "variable"; name: string; idents: string[] }
  | { kind: "dot" }
  | { kind: "nil" }
  | { kind: "bool"; value: boolean }
  | { kind: "number"; value: number | bigint; text: string }
  | { kind: "string"; value: string }
  | { kind: "identifier"; name: string }
  | { kind: "chain"; node: ArgNode; fields: string[] }
  | PipeNode;

/** A named template: a file's body or a `define`. */
export interface Tree {
  /** The template name: the file name, or the `define` name. */
  name: string;
  /** The file the text came from (for error locations). */
  file: string;
  root: ListNode;
}

/** What one file contributes: its own body and the templates it defines. */
export interface ParsedTemplate {
  main: Tree;
  defines: Tree[];
}

type EndMarker = { kind: "end"; line: number } | { kind: "else"; line: number; chain?: "if" | "with" };

class Parser {
  readonly #tokens: Token[];
  readonly #file: string;
  readonly defines: Tree[] = [];
  #i = 0;
  #rangeDepth = 0;

  constructor(file: string, tokens: Token[]) {
    this.#file = file;
    this.#tokens = tokens;
  }

  #fail(message: string, line: number): never {
    throw new TemplateError(this.#file, line, message);
  }

  #peek(): Token {
    return this.#tokens[this.#i] as Token;
  }

  #next(): Token {
    const t = this.#tokens[this.#i] as Token;
    if (t.type !== "eof") this.#i++;
    return t;
  }

  #skipSpace(): void {
    while (this.#peek().type === "space") this.#i++;
  }

  #peekNonSpace(): Token {
    this.#skipSpace();
    return this.#peek();
  }

  #nextNonSpace(): Token {
    this.#skipSpace();
    return this.#next();
  }

  #expect(type: TokenType, context: string): Token {
    const t = this.#nextNonSpace();
    if (t.type !== type) this.#unexpected(t, context);
    return t;
  }

  #unexpected(t: Token, context: string): never {
    const what = t.type === "eof" ? "EOF" : t.type === "rightDelim" ? `"}}"` : JSON.stringify(t.value);
    this.#fail(`unexpected ${what} in ${context}`, t.line);
  }

  parseFile(name: string): Tree {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.type === "eof") break;
      if (t.type === "leftDelim") {
        const save = this.#i;
        this.#next();
        const kw = this.#peekNonSpace();
        if (kw.type === "keyword" && kw.value === "define") {
          this.#next();
          this.#parseDefinition(kw.line);
          continue;
        }
        this.#i = save;
      }
      const n = this.#textOrAction();
      if ("kind" in n && (n.kind === "end" || n.kind === "else")) {
        this.#fail(`unexpected {{${n.kind}}}`, n.line);
      }
      nodes.push(n as Node);
    }
    return { name, file: this.#file, root: { nodes } };
  }

  #parseDefinition(line: number): void {
    const nameToken = this.#nextNonSpace();
    const name = this.#templateName(nameToken, "define clause");
    this.#expect("rightDelim", "define clause");
    const saveDepth = this.#rangeDepth;
    this.#rangeDepth = 0;
    const { list, end } = this.#itemList();
    this.#rangeDepth = saveDepth;
    if (end.kind !== "end") this.#fail("unexpected {{else}} in define clause", end.line);
    if (name === "") this.#fail("empty template name in define clause", line);
    this.defines.push({ name, file: this.#file, root: list });
  }

  #itemList(): { list: ListNode; end: EndMarker } {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.#peek();
      if (t.type === "eof") this.#fail("unexpected EOF", t.line);
      const n = this.#textOrAction();
      if (n.kind === "end" || n.kind === "else") return { list: { nodes }, end: n as EndMarker };
      nodes.push(n as Node);
    }
  }

  #textOrAction(): Node | EndMarker {
    const t = this.#next();
    if (t.type === "text") return { kind: "text", text: t.value };
    if (t.type === "leftDelim") return this.#action();
    this.#unexpected(t, "input");
  }

  #action(): Node | EndMarker {
    const t = this.#nextNonSpace();
    if (t.type === "keyword") {
      switch (t.value) {
        case "block":
          return this.#blockControl(t.line);
        case "break":
        case "continue":
          if (this.#rangeDepth === 0) this.#fail(`{{${t.value}}} outside {{range}}`, t.line);
          this.#expect("rightDelim", t.value);
          return { kind: t.value, line: t.line };
        case "else": {
          const p = this.#peekNonSpace();
          if (p.type === "keyword" && (p.value === "if" || p.value === "with")) {
            return { kind: "else", line: t.line, chain: p.value };
          }
          this.#expect("rightDelim", "else");
          return { kind: "else", line: t.line };
        }
        case "end":
          this.#expect("rightDelim", "end");
          return { kind: "end", line: t.line };
        case "if":
        case "with":
        case "range":
          return this.#control(t.value, t.line);
        case "template":
          return this.#templateControl(t.line);
        case "define":
          this.#fail("unexpected define: {{define}} is only allowed at the top level", t.line);
      }
    }
    this.#i--;
    return { kind: "action", line: t.line, pipe: this.#pipeline("command", "rightDelim") };
  }

  #control(kind: "if" | "with" | "range", line: number): ControlNode {
    const pipe = this.#pipeline(kind, "rightDelim");
    if (kind === "range") this.#rangeDepth++;
    const { list, end } = this.#itemList();
    if (kind === "range") this.#rangeDepth--;
    let elseList: ListNode | undefined;
    if (end.kind === "else") {
      if (end.chain !== undefined && end.chain === kind) {
        const kw = this.#nextNonSpace();
        elseList = { nodes: [this.#control(end.chain, kw.line)] };
      } else {
        if (end.chain !== undefined) {
          this.#fail(`unexpected {{else ${end.chain}}} in {{${kind}}}`, end.line);
        }
        const r = this.#itemList();
        if (r.end.kind !== "end") this.#fail("expected {{end}}; found {{else}}", r.end.line);
        elseList = r.list;
      }
    }
    const node: ControlNode = { kind, line, pipe, list };
    if (elseList !== undefined) node.elseList = elseList;
    return node;
  }

  #templateControl(line: number): TemplateCallNode {
    const name = this.#templateName(this.#nextNonSpace(), "template clause");
    if (this.#peekNonSpace().type === "rightDelim") {
      this.#next();
      return { kind: "template", line, name };
    }
    return { kind: "template", line, name, pipe: this.#pipeline("template clause", "rightDelim") };
  }

  #blockControl(line: number): TemplateCallNode {
    const name = this.#templateName(this.#nextNonSpace(), "block clause");
    const pipe = this.#pipeline("block clause", "rightDelim");
    const saveDepth = this.#rangeDepth;
    this.#rangeDepth = 0;
    const { list, end } = this.#itemList();
    this.#rangeDepth = saveDepth;
    if (end.kind !== "end") this.#fail("unexpected {{else}} in block clause", end.line);
    this.defines.push({ name, file: this.#file, root: list });
    return { kind: "template", line, name, pipe };
  }

  #templateName(t: Token, context: string): string {
    if (t.type === "string" || t.type === "rawString") return this.#unquote(t);
    this.#unexpected(t, context);
  }

  #pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const first = this.#peekNonSpace();
    const pipe: PipeNode = { kind: "pipe", line: first.line, isAssign: false, decl: [], cmds: [] };
    // Declarations: `$x :=`, `$x =`, `$i, $v :=` (range only).
    for (;;) {
      const v = this.#peekNonSpace();
      if (v.type !== "variable") break;
      const save = this.#i;
      this.#next();
      const next = this.#peekNonSpace();
      if (next.type === "declare" || next.type === "assign") {
        this.#next();
        pipe.isAssign = next.type === "assign";
        pipe.decl.push(v.value);
        break;
      }
      if (next.type === "comma") {
        this.#next();
        pipe.decl.push(v.value);
        if (context === "range" && pipe.decl.length < 2) {
          const after = this.#peekNonSpace();
          if (after.type === "variable" || after.type === "rightDelim" || after.type === "rightParen") {
            continue;
          }
          this.#fail("range can only initialize variables", after.line);
        }
        this.#fail(`too many declarations in ${context}`, next.line);
      }
      this.#i = save;
      break;
    }
    for (;;) {
      const t = this.#nextNonSpace();
      if (t.type === end) {
        if (pipe.cmds.length === 0) this.#fail(`missing value for ${context}`, t.line);
        for (let i = 1; i < pipe.cmds.length; i++) {
          const a = pipe.cmds[i]?.args[0];
          if (a !== undefined && ["bool", "dot", "nil", "number", "string"].includes(a.kind)) {
            this.#fail(`non executable command in pipeline stage ${i + 1}`, t.line);
          }
        }
        return pipe;
      }
      switch (t.type) {
        case "bool":
        case "char":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "rawString":
        case "string":
        case "variable":
        case "leftParen":
          this.#i--;
          pipe.cmds.push(this.#command());
          break;
        default:
          this.#unexpected(t, context);
      }
    }
  }

  #command(): CommandNode {
    const cmd: CommandNode = { line: this.#peekNonSpace().line, args: [] };
    for (;;) {
      this.#skipSpace();
      const operand = this.#operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.#next();
      if (t.type === "space") continue;
      if (t.type === "rightDelim" || t.type === "rightParen") {
        this.#i--;
        break;
      }
      if (t.type === "pipe") break;
      this.#unexpected(t, "operand");
    }
    if (cmd.args.length === 0) this.#fail("empty command", cmd.line);
    return cmd;
  }

  #operand(): ArgNode | undefined {
    const node = this.#term();
    if (node === undefined) return undefined;
    if (this.#peek().type !== "field") return node;
    const fields: string[] = [];
    while (this.#peek().type === "field") fields.push(this.#next().value.slice(1));
    switch (node.kind) {
      case "field":
        return { kind: "field", idents: [...node.idents, ...fields] };
      case "variable":
        return { kind: "variable", name: node.name, idents: [...node.idents, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.#fail(`unexpected . after term`, this.#peek().line);
        break;
      default:
        return { kind: "chain", node, fields };
    }
  }

  #term(): ArgNode | undefined {
    const t = this.#nextNonSpace();
    switch (t.type) {
      case "identifier":
        return { kind: "identifier", name: t.value };
      case "dot":
        return { kind: "dot" };
      case "nil":
        return { kind: "nil" };
      case "variable":
        return { kind: "variable", name: t.value, idents: [] };
      case "field":
        return { kind: "field", idents: [t.value.slice(1)] };
      case "bool":
        return { kind: "bool", value: t.value === "true" };
      case "number":
        return this.#number(t);
      case "char": {
        const s = this.#unquote({ ...t, value: `"${t.value.slice(1, -1).replace(/"/g, '\\"')}"` });
        return { kind: "number", value: BigInt(s.codePointAt(0) ?? 0), text: t.value };
      }
      case "leftParen":
        return this.#pipeline("parenthesized pipeline", "rightParen");
      case "string":
      case "rawString":
        return { kind: "string", value: this.#unquote(t) };
      default:
        this.#i--;
        return undefined;
    }
  }

  #number(t: Token): ArgNode {
    const text = t.value.replace(/_/g, "");
    if (text.endsWith("i")) this.#fail(`complex numbers are not supported: ${t.value}`, t.line);
    const neg = text.startsWith("-");
    const body = text.replace(/^[+-]/, "");
    try {
      if (/^0[xX][0-9a-fA-F]+$|^0[bB][01]+$|^0[oO][0-7]+$/.test(body)) {
        const n = BigInt(body.replace(/^0[oO]/, "0o"));
        return { kind: "number", value: neg ? -n : n, text: t.value };
      }
      if (/^0[0-7]+$/.test(body)) {
        const n = BigInt(`0o${body.slice(1)}`);
        return { kind: "number", value: neg ? -n : n, text: t.value };
      }
      if (/^[0-9]+$/.test(body)) {
        const n = BigInt(body);
        return { kind: "number", value: neg ? -n : n, text: t.value };
      }
    } catch {
      // Fall through to the syntax error.
    }
    const f = Number(text);
    if (Number.isNaN(f) || /^[+-]?0[xX]/.test(text)) this.#fail(`bad number syntax: ${t.value}`, t.line);
    return { kind: "number", value: f, text: t.value };
  }

  #unquote(t: Token): string {
    if (t.type === "rawString") return t.value.slice(1, -1).replace(/\r/g, "");
    try {
      return unquoteGoString(t.value);
    } catch (e) {
      this.#fail(`${(e as Error).message}: ${t.value}`, t.line);
    }
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/** Go's `strconv.Unquote` for a double-quoted string. */
export function unquoteGoString(quoted: string): string {
  const s = quoted.slice(1, -1);
  let out = "";
  let bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      out += new TextDecoder().decode(new Uint8Array(bytes));
      bytes = [];
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== "\\") {
      flushBytes();
      out += c;
      continue;
    }
    const e = s[++i];
    if (e === undefined) throw new Error("invalid syntax");
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      flushBytes();
      out += simple;
      continue;
    }
    const hex = (n: number) => {
      const h = s.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new Error("invalid syntax");
      i += n;
      return parseInt(h, 16);
    };
    if (e === "x") bytes.push(hex(2));
    else if (/[0-7]/.test(e)) {
      const o = s.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) throw new Error("invalid syntax");
      bytes.push(parseInt(o, 8));
      i += 2;
    } else if (e === "u" || e === "U") {
      flushBytes();
      out += String.fromCodePoint(hex(e === "u" ? 4 : 8));
    } else throw new Error("invalid syntax");
  }
  flushBytes();
  return out;
}

/** Parses one template file; throws a located {@link TemplateError} on syntax errors. */
export function parseTemplate(file: string, text: string, name: string = file): ParsedTemplate {
  let tokens: Token[];
  try {
    tokens = lexTemplate(text);
  } catch (e) {
    if (e instanceof LexError) throw new TemplateError(file, e.line, e.message, { cause: e });
    throw e;
  }
  const parser = new Parser(file, tokens);
  const main = parser.parseFile(name);
  return { main, defines: parser.defines };
}
