/**
 * A set of Go text/templates that share their named templates (`define`/`block`), as Helm parses every
 * template of a chart and its sub-charts into one set. A later definition of a name replaces an earlier
 * one unless it is empty, as in Go.
 * @see https://pkg.go.dev/text/template
 * @module
 */
import { HelmError } from "../errors.ts";
import { executeTree, type TemplateFunction, type TemplateLookup } from "./_template_executor.ts";
import { parseTemplate, type Tree } from "./_template_parser.ts";

export type { FunctionCall, TemplateFunction } from "./_template_executor.ts";

/** Limits of one execution. */
export interface TemplateLimits {
  /** Deepest nesting of `template`/`include`/`tpl` calls (Helm stops `include` recursion at 1000). @default 1000 */
  maxDepth?: number;
  /** Most characters one execution may produce, counting nested calls. @default 64 MiB */
  maxOutputChars?: number;
  /** Most nodes and loop iterations one execution may walk, counting nested calls. @default 10 million */
  maxSteps?: number;
}

/** Default of {@link TemplateLimits.maxDepth}. */
export const DEFAULT_TEMPLATE_DEPTH = 1000;
/** Default of {@link TemplateLimits.maxOutputChars}. */
export const DEFAULT_TEMPLATE_OUTPUT_CHARS = 64 * 1024 * 1024;
/** Default of {@link TemplateLimits.maxSteps}. */
export const DEFAULT_TEMPLATE_STEPS = 10_000_000;

function isEmptyTree(tree: Tree): boolean {
  return tree.root.nodes.every((n) => n.kind === "text" && n.text.trim() === "");
}

/** Named templates plus the functions they may call. */
export class TemplateSet implements TemplateLookup {
  readonly #trees = new Map<string, Tree>();
  readonly #functions: ReadonlyMap<string, TemplateFunction>;
  readonly #parent: TemplateSet | undefined;
  readonly #limits: Required<TemplateLimits>;

  /** Creates a set calling `functions`; `parent` makes its templates visible too (used by `tpl`). */
  constructor(
    functions: ReadonlyMap<string, TemplateFunction>,
    options: TemplateLimits & { parent?: TemplateSet } = {},
  ) {
    this.#functions = functions;
    this.#parent = options.parent;
    this.#limits = {
      maxDepth: options.maxDepth ?? DEFAULT_TEMPLATE_DEPTH,
      maxOutputChars: options.maxOutputChars ?? DEFAULT_TEMPLATE_OUTPUT_CHARS,
      maxSteps: options.maxSteps ?? DEFAULT_TEMPLATE_STEPS,
    };
  }

  /**
   * Parses `text` as the template named `file` and adds it and every template it defines; throws a
   * located `TemplateError` on a syntax error (and then adds nothing).
   */
  addFile(file: string, text: string): void {
    const parsed = parseTemplate(file, text);
    this.#add(parsed.main);
    for (const d of parsed.defines) this.#add(d);
  }

  #add(tree: Tree): void {
    if (this.#trees.has(tree.name) && isEmptyTree(tree)) return;
    this.#trees.set(tree.name, tree);
  }

  /** True when a template of that name is defined here or in the parent. */
  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** The template of that name, or undefined. */
  lookup(name: string): Tree | undefined {
    return this.#trees.get(name) ?? this.#parent?.lookup(name);
  }

  /** The function of that name, or undefined. */
  func(name: string): TemplateFunction | undefined {
    return this.#functions.get(name);
  }

  /** A child set holding `text` parsed as `file` (and its definitions), seeing this set's templates. */
  withText(file: string, text: string): { lookup: TemplateLookup; tree: Tree } {
    const child = new TemplateSet(this.#functions, { ...this.#limits, parent: this });
    const parsed = parseTemplate(file, text);
    for (const d of parsed.defines) child.#add(d);
    return { lookup: child, tree: parsed.main };
  }

  /** Executes the template named `name` with `dot` as its data; throws a located `TemplateError`. */
  execute(name: string, dot: unknown): string {
    const tree = this.lookup(name);
    if (tree === undefined) throw new HelmError(`Template "${name}" is not defined`);
    return executeTree(this, tree, dot, this.#limits);
  }
}
