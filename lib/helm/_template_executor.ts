/**
 * Executes parsed Go templates with Go's semantics: pipelines pass the previous value as the last
 * argument, fields are map keys or struct fields/methods, a field of a nil map value fails ("nil pointer
 * evaluating interface {}.x"), `range` walks lists in order and maps by sorted key, variables are scoped
 * to their block, and `and`/`or` short-circuit. Mirrors `text/template/exec.go`.
 * @module
 */
import { TemplateError } from "./template_error.ts";
import type {
  ArgNode,
  CommandNode,
  ControlNode,
  ListNode,
  Node,
  PipeNode,
  Tree,
} from "./_template_parser.ts";
import { GoStruct, goTypeName, isGoMap, isTrue, mapGet, printValue, sortedKeys } from "./_go_value.ts";

/** What a function sees besides its arguments: the engine, for Helm's `include` and `tpl`. */
export interface FunctionCall {
  /** Executes a named template with `dot` and returns its output (Helm's `include`). */
  include(name: string, dot: unknown): string;
  /** Parses `text` as a template that sees this set's definitions and executes it (Helm's `tpl`). */
  tpl(text: string, dot: unknown): string;
}

/** A template function: receives evaluated arguments (the piped value last); throws to fail. */
export type TemplateFunction = (args: unknown[], call: FunctionCall) => unknown;

/** Where the executor finds named templates and functions. */
export interface TemplateLookup {
  lookup(name: string): Tree | undefined;
  func(name: string): TemplateFunction | undefined;
  /** A set that sees this one's templates plus those defined in `text` (for `tpl`). */
  withText(file: string, text: string): { lookup: TemplateLookup; tree: Tree };
}

/** Limits shared by one top-level execution and every template it calls. */
export interface ExecutionLimits {
  /** Deepest nesting of `template`/`include`/`tpl` calls. */
  maxDepth: number;
  /** Most characters one execution may produce in total. */
  maxOutputChars: number;
  /** Most nodes and loop iterations one execution may walk (stops runaway loops that print nothing). */
  maxSteps: number;
}

interface Budget {
  depth: number;
  output: number;
  steps: number;
  limits: ExecutionLimits;
}

const NO_FINAL = Symbol("no final value");
type Final = unknown;

class LoopSignal {
  readonly kind: "break" | "continue";
  constructor(kind: "break" | "continue") {
    this.kind = kind;
  }
}

interface Variable {
  name: string;
  value: unknown;
}

class Executor {
  readonly #lookup: TemplateLookup;
  readonly #tree: Tree;
  readonly #budget: Budget;
  readonly #vars: Variable[];
  readonly #out: string[] = [];
  #line = 1;

  constructor(lookup: TemplateLookup, tree: Tree, dot: unknown, budget: Budget) {
    this.#lookup = lookup;
    this.#tree = tree;
    this.#budget = budget;
    this.#vars = [{ name: "$", value: dot }];
  }

  run(dot: unknown): string {
    this.#walkList(dot, this.#tree.root);
    return this.#out.join("");
  }

  #fail(message: string, cause?: unknown): never {
    throw new TemplateError(this.#tree.file, this.#line, message, {
      definition: this.#tree.name,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  #write(s: string): void {
    this.#budget.output += s.length;
    if (this.#budget.output > this.#budget.limits.maxOutputChars) {
      this.#fail(`output is larger than ${this.#budget.limits.maxOutputChars} characters`);
    }
    this.#out.push(s);
  }

  #walkList(dot: unknown, list: ListNode): void {
    for (const node of list.nodes) this.#walk(dot, node);
  }

  #step(): void {
    if (++this.#budget.steps > this.#budget.limits.maxSteps) {
      this.#fail(`execution took more than ${this.#budget.limits.maxSteps} steps`);
    }
  }

  #walk(dot: unknown, node: Node): void {
    this.#step();
    switch (node.kind) {
      case "text":
        this.#write(node.text);
        return;
      case "action": {
        this.#line = node.line;
        const value = this.#evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.#write(printValue(value));
        return;
      }
      case "if":
      case "with": {
        this.#line = node.line;
        const mark = this.#vars.length;
        const value = this.#evalPipeline(dot, node.pipe);
        if (isTrue(value)) this.#walkList(node.kind === "with" ? value : dot, node.list);
        else if (node.elseList !== undefined) this.#walkList(dot, node.elseList);
        this.#vars.length = mark;
        return;
      }
      case "range":
        this.#walkRange(dot, node);
        return;
      case "template": {
        this.#line = node.line;
        const tree = this.#lookup.lookup(node.name);
        if (tree === undefined) {
          this.#fail(`no template "${node.name}" associated with template "${this.#tree.name}"`);
        }
        const newDot = node.pipe === undefined ? null : this.#evalPipeline(dot, node.pipe);
        this.#write(executeTree(this.#lookup, tree, newDot, this.#budget));
        return;
      }
      case "break":
      case "continue":
        throw new LoopSignal(node.kind);
    }
  }

  #walkRange(dot: unknown, node: ControlNode): void {
    this.#line = node.line;
    const mark = this.#vars.length;
    const value = this.#evalPipeline(dot, node.pipe);
    const decl = node.pipe.decl;
    const iteration = (index: unknown, elem: unknown): boolean => {
      this.#step();
      if (decl.length > 0) {
        if (node.pipe.isAssign) {
          this.#setVar(decl[0] as string, decl.length > 1 ? index : elem);
          if (decl.length > 1) this.#setVar(decl[1] as string, elem);
        } else {
          this.#setTopVar(1, elem);
          if (decl.length > 1) this.#setTopVar(2, index);
        }
      }
      const iterMark = this.#vars.length;
      try {
        this.#walkList(elem, node.list);
      } catch (e) {
        if (e instanceof LoopSignal) {
          this.#vars.length = iterMark;
          return e.kind === "continue";
        }
        throw e;
      }
      this.#vars.length = iterMark;
      return true;
    };
    let count = 0;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        count++;
        if (!iteration(BigInt(i), value[i] ?? null)) break;
      }
    } else if (isGoMap(value)) {
      for (const k of sortedKeys(value)) {
        count++;
        if (!iteration(k, value[k] ?? null)) break;
      }
    } else if (typeof value === "bigint") {
      if (decl.length > 1) this.#fail("can't use two iteration variables when ranging over an int");
      for (let i = 0n; i < value; i++) {
        count++;
        if (!iteration(i, i)) break;
      }
    } else if (value !== null && value !== undefined) {
      this.#fail(`range can't iterate over ${printValue(value)}`);
    }
    if (count === 0 && node.elseList !== undefined) this.#walkList(dot, node.elseList);
    this.#vars.length = mark;
  }

  #setVar(name: string, value: unknown): void {
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      const v = this.#vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.#fail(`undefined variable: ${name}`);
  }

  #setTopVar(n: number, value: unknown): void {
    const v = this.#vars[this.#vars.length - n];
    if (v !== undefined) v.value = value;
  }

  #varValue(name: string): unknown {
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      const v = this.#vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    this.#fail(`undefined variable: ${name}`);
  }

  #evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    let value: unknown = NO_FINAL;
    for (const cmd of pipe.cmds) value = this.#evalCommand(dot, cmd, value);
    if (value === NO_FINAL || value === undefined) value = null;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.#setVar(name, value);
      else this.#vars.push({ name, value });
    }
    return value;
  }

  #notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) {
      this.#fail(`can't give argument to non-function ${describe(args[0] as ArgNode)}`);
    }
  }

  #evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    this.#line = cmd.line;
    const first = cmd.args[0] as ArgNode;
    const rest = cmd.args.slice(1);
    switch (first.kind) {
      case "field":
        return this.#evalFieldChain(dot, dot, first.idents, rest, final);
      case "chain": {
        const receiver = this.#evalArg(dot, first.node);
        return this.#evalFieldChain(dot, receiver, first.fields, rest, final);
      }
      case "identifier":
        return this.#evalFunction(dot, first.name, rest, final);
      case "pipe":
        this.#notAFunction(cmd.args, final);
        return this.#evalPipeline(dot, first);
      case "variable": {
        const value = this.#varValue(first.name);
        if (first.idents.length === 0) {
          this.#notAFunction(cmd.args, final);
          return value;
        }
        return this.#evalFieldChain(dot, value, first.idents, rest, final);
      }
      default:
        break;
    }
    this.#notAFunction(cmd.args, final);
    switch (first.kind) {
      case "bool":
      case "number":
      case "string":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.#fail("nil is not a command");
    }
  }

  #evalArg(dot: unknown, node: ArgNode): unknown {
    switch (node.kind) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "bool":
      case "number":
      case "string":
        return node.value;
      case "field":
        return this.#evalFieldChain(dot, dot, node.idents, [], NO_FINAL);
      case "variable": {
        const value = this.#varValue(node.name);
        return node.idents.length === 0 ? value : this.#evalFieldChain(dot, value, node.idents, [], NO_FINAL);
      }
      case "chain":
        return this.#evalFieldChain(dot, this.#evalArg(dot, node.node), node.fields, [], NO_FINAL);
      case "pipe": {
        const mark = this.#vars.length;
        const value = this.#evalPipeline(dot, node);
        this.#vars.length = mark;
        return value;
      }
      case "identifier":
        return this.#evalFunction(dot, node.name, [], NO_FINAL);
    }
  }

  #evalFieldChain(dot: unknown, receiver: unknown, idents: string[], args: ArgNode[], final: Final): unknown {
    let value = receiver;
    for (let i = 0; i < idents.length; i++) {
      const name = idents[i] as string;
      const last = i === idents.length - 1;
      if (value === null || value === undefined) {
        // A nil dot or variable yields no value; a nil met inside the chain is Helm's famous error.
        if (i === 0) return null;
        this.#fail(`nil pointer evaluating interface {}.${name}`);
      }
      value = this.#evalField(dot, name, value, last ? args : [], last ? final : NO_FINAL);
    }
    return value;
  }

  #evalField(dot: unknown, name: string, receiver: unknown, args: ArgNode[], final: Final): unknown {
    const hasArgs = args.length > 0 || final !== NO_FINAL;
    if ((receiver instanceof GoStruct || Array.isArray(receiver)) && /^[A-Z]/.test(name)) {
      const member = (receiver as unknown as Record<string, unknown>)[name];
      if (typeof member === "function") {
        const values = args.map((a) => this.#evalArg(dot, a));
        if (final !== NO_FINAL) values.push(final);
        try {
          return normalise(member.apply(receiver, values));
        } catch (e) {
          if (e instanceof TemplateError || e instanceof LoopSignal) throw e;
          this.#fail(`error calling ${name}: ${(e as Error).message}`, e);
        }
      }
      if (name in receiver) {
        if (hasArgs) this.#fail(`${name} has arguments but cannot be invoked as function`);
        return normalise(member);
      }
    } else if (isGoMap(receiver)) {
      if (hasArgs) this.#fail(`${name} is not a method but has arguments`);
      return mapGet(receiver, name);
    }
    this.#fail(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  #evalFunction(dot: unknown, name: string, args: ArgNode[], final: Final): unknown {
    if (name === "and" || name === "or") {
      if (args.length === 0 && final === NO_FINAL) {
        this.#fail(`wrong number of args for ${name}: want at least 1 got 0`);
      }
      let value: unknown = null;
      const all: Array<() => unknown> = args.map((a) => () => this.#evalArg(dot, a));
      if (final !== NO_FINAL) all.push(() => final);
      for (const get of all) {
        value = get();
        if (isTrue(value) !== (name === "and")) return value;
      }
      return value;
    }
    const fn = this.#lookup.func(name);
    if (fn === undefined) this.#fail(`function "${name}" not defined`);
    const values = args.map((a) => this.#evalArg(dot, a));
    if (final !== NO_FINAL) values.push(final);
    const line = this.#line;
    try {
      return normalise(fn(values, this.#call()));
    } catch (e) {
      if (e instanceof TemplateError || e instanceof LoopSignal) throw e;
      this.#line = line;
      this.#fail(`error calling ${name}: ${(e as Error).message ?? String(e)}`, e);
    }
  }

  #call(): FunctionCall {
    return {
      include: (name, dot) => {
        const tree = this.#lookup.lookup(name);
        if (tree === undefined) {
          throw new Error(`template: no template "${name}" associated with template "${this.#tree.name}"`);
        }
        return executeTree(this.#lookup, tree, dot, this.#budget);
      },
      tpl: (text, dot) => {
        const { lookup, tree } = this.#lookup.withText(this.#tree.name, text);
        return executeTree(lookup, tree, dot, this.#budget).replaceAll("<no value>", "");
      },
    };
  }
}

function normalise(v: unknown): unknown {
  return v === undefined ? null : v;
}

function describe(node: ArgNode): string {
  switch (node.kind) {
    case "field":
      return `.${node.idents.join(".")}`;
    case "variable":
      return [node.name, ...node.idents].join(".");
    case "string":
      return JSON.stringify(node.value);
    case "number":
      return node.text;
    case "bool":
      return String(node.value);
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "identifier":
      return node.name;
    case "chain":
      return `(${describe(node.node)}).${node.fields.join(".")}`;
    case "pipe":
      return "(pipeline)";
  }
}

/**
 * Executes `tree` with `dot` and returns its output. Nested calls share `budget` (depth and output
 * limits). Errors are {@link TemplateError}s located at the innermost failing template and line.
 */
export function executeTree(
  lookup: TemplateLookup,
  tree: Tree,
  dot: unknown,
  budget: Budget | ExecutionLimits,
): string {
  const b: Budget = "limits" in budget ? budget : { depth: 0, output: 0, steps: 0, limits: budget };
  if (b.depth >= b.limits.maxDepth) {
    throw new TemplateError(
      tree.file,
      1,
      `exceeded maximum template depth (${b.limits.maxDepth}) calling "${tree.name}"`,
      { definition: tree.name },
    );
  }
  b.depth++;
  try {
    return new Executor(lookup, tree, dot, b).run(dot);
  } catch (e) {
    if (e instanceof LoopSignal) {
      throw new TemplateError(tree.file, 1, `{{${e.kind}}} outside {{range}}`, { definition: tree.name });
    }
    throw e;
  } finally {
    b.depth--;
  }
}
