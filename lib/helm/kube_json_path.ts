/**
 * Kubernetes JSONPath expressions (`{.spec.containers[*].image}`, as `kubectl -o jsonpath` and the
 * original's `imagePaths` write them) evaluated on parsed manifests with `jsonpath-plus`. Each `{...}`
 * part is one expression; `{range}`/`{end}` templates are not supported.
 * @see https://kubernetes.io/docs/reference/kubectl/jsonpath/
 * @module
 */
import { JSONPath } from "jsonpath-plus";
import { HelmError } from "../errors.ts";

/** Where the original looks for images in every rendered manifest, plus CronJob containers. */
export const DEFAULT_IMAGE_PATHS: readonly string[] = [
  "{.spec.template.spec.initContainers[*].image}",
  "{.spec.template.spec.containers[*].image}",
  "{.spec.initContainers[*].image}",
  "{.spec.containers[*].image}",
  "{.spec.jobTemplate.spec.template.spec.initContainers[*].image}",
  "{.spec.jobTemplate.spec.template.spec.containers[*].image}",
];

/** A checked Kubernetes JSONPath, ready to evaluate. */
export interface KubeJsonPath {
  /** The expression as written. */
  source: string;
  /** The `jsonpath-plus` expressions, one per `{...}` part. */
  paths: string[];
}

function checkBalanced(expr: string): string | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (const c of expr) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "(") depth++;
    else if (c === "]" || c === ")") {
      depth--;
      if (depth < 0) return `unexpected "${c}"`;
    }
  }
  if (quote !== undefined) return "unterminated quote";
  if (depth !== 0) return "unclosed bracket";
  return undefined;
}

/** Parses a Kubernetes JSONPath; throws {@link HelmError} naming it when it is not one this tool evaluates. */
export function compileKubeJsonPath(source: string): KubeJsonPath {
  const fail = (why: string): never => {
    throw new HelmError(`Image path "${source}" is not a valid JSONPath: ${why}`, {
      hint: 'Write it as Kubernetes JSONPath, e.g. "{.spec.template.spec.containers[*].env[*].value}"',
    });
  };
  const parts = [...source.matchAll(/\{([^{}]*)\}/g)].map((m) => (m[1] as string).trim());
  if (parts.length === 0) {
    if (source.trim().startsWith(".") || source.trim().startsWith("$")) parts.push(source.trim());
    else fail("want an expression in braces");
  }
  const paths = parts.map((p) => {
    if (/^(range|end)\b/.test(p)) fail("{range} and {end} are not supported");
    if (!p.startsWith(".") && !p.startsWith("$") && !p.startsWith("[")) fail(`"${p}" must start with "."`);
    const bad = checkBalanced(p);
    if (bad !== undefined) fail(bad);
    if (/\.\.\.|[{}]/.test(p) || /\.$/.test(p)) fail(`"${p}" has an empty field name`);
    return p.startsWith("$") ? p : `$${p}`;
  });
  return { source, paths };
}

function flatten(values: unknown[], out: unknown[]): void {
  for (const v of values) {
    if (Array.isArray(v)) flatten(v, out);
    else out.push(v);
  }
}

/** The values a path selects in one document, lists flattened; missing fields select nothing. */
export function evaluateKubeJsonPath(path: KubeJsonPath, document: unknown): unknown[] {
  if (document === null || typeof document !== "object") return [];
  const out: unknown[] = [];
  for (const p of path.paths) {
    let result: unknown;
    try {
      result = JSONPath({ path: p, json: document as object, wrap: true, eval: "safe" });
    } catch {
      continue; // A filter that does not apply to this document's shape.
    }
    if (Array.isArray(result)) flatten(result, out);
  }
  return out;
}
