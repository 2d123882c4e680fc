/**
 * Reads a YAML document into plain values, guided by a zod schema: records where every key and value
 * was written, accepts keys that differ only in case (with a warning), reports unknown and repeated
 * keys, and reports a mapping, list or scalar where the schema wants another shape. Scalars written
 * where the schema wants text keep their source text (`4.10` stays `"4.10"`, not the number 4.1).
 * Everything else (types of scalars, required fields, formats) is left to the schema itself.
 * @module
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import type { z } from "zod";
import type { ConfigProblem } from "../errors.ts";
import { type ConfigPath, type ConfigPosition, formatConfigPath, PositionIndex } from "./config_path.ts";
import { quoteValue } from "./_messages.ts";
import { didYouMean } from "./did_you_mean.ts";

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return schema._zod.def as unknown as SchemaDef;
}

/** The schema under optional/default/pipe wrappers. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType !== undefined) s = def.innerType;
    else if (def.type === "pipe" && def.in !== undefined) s = def.in;
    else return s;
  }
}

/** The keys of an object schema, in declaration order; `undefined` for other schemas. */
export function objectKeys(schema: z.ZodType): string[] | undefined {
  const def = defOf(unwrapSchema(schema));
  return def.type === "object" && def.shape !== undefined ? Object.keys(def.shape) : undefined;
}

/** The schema at `path` under `root` (list indexes step into the element), or `undefined`. */
export function schemaAt(root: z.ZodType, path: ConfigPath): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const part of path) {
    if (s === undefined) return undefined;
    const def = defOf(unwrapSchema(s));
    if (typeof part === "number") s = def.type === "array" ? def.element : undefined;
    else s = def.type === "object" ? def.shape?.[part] : undefined;
  }
  return s;
}

/** Options of {@link readConfigTree}. */
export interface ReadOptions {
  file: string;
  positionAt(offset: number): ConfigPosition;
  /**
   * Explains a key the schema does not know (e.g. a field of the other API version), as a message tail
   * after the key's path; `undefined` falls back to "is not a known field" with a suggestion.
   */
  explainUnknownKey?(key: string, objectPath: ConfigPath): string | undefined;
}

/** What {@link readConfigTree} found. */
export interface ConfigTree {
  /** The document as plain values (unknown keys and mis-shaped values left out). */
  value: unknown;
  positions: PositionIndex;
  problems: ConfigProblem[];
  /** Paths written with an empty value (`key:` or `~`), which read as absent. */
  emptyPaths: Set<string>;
  /** Paths whose problem is already reported; the schema's issues at or below them are noise. */
  reportedPaths: Set<string>;
}

/** Reads `document` under `schema`. */
export function readConfigTree(document: Document, schema: z.ZodType, options: ReadOptions): ConfigTree {
  const tree: ConfigTree = {
    value: undefined,
    positions: new PositionIndex(),
    problems: [],
    emptyPaths: new Set(),
    reportedPaths: new Set(),
  };
  const positionOf = (node: unknown): ConfigPosition | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? options.positionAt(range[0]) : undefined;
  };
  const report = (
    path: ConfigPath,
    at: ConfigPosition | undefined,
    message: string,
    severity: ConfigProblem["severity"] = "error",
  ) => {
    const where = at ?? tree.positions.nearest(path);
    tree.problems.push({
      file: options.file,
      line: where.line,
      column: where.column,
      path: formatConfigPath(path),
      message,
      severity,
    });
    if (severity === "error") tree.reportedPaths.add(JSON.stringify(path));
  };
  const scalarText = (node: Node): string => {
    if (!isScalar(node)) return "";
    return typeof node.value === "string" ? node.value : node.source ?? String(node.value);
  };
  const describe = (node: Node): string =>
    isMap(node) ? "is a mapping" : isSeq(node) ? "is a list" : `${quoteValue(scalarText(node))} is`;
  const shapeProblem = (node: Node, path: ConfigPath, want: string) => {
    const p = formatConfigPath(path);
    report(
      path,
      positionOf(node),
      isScalar(node) ? `${p} ${describe(node)} not ${want}` : `${p} ${describe(node)} (want ${want})`,
    );
  };

  const readMap = (
    node: YAMLMap,
    shape: Record<string, z.ZodType>,
    path: ConfigPath,
  ): Record<string, unknown> => {
    const keys = Object.keys(shape);
    const out: Record<string, unknown> = {};
    const seen = new Map<string, ConfigPosition>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyAt = positionOf(keyNode) ?? positionOf(pair.value) ?? tree.positions.nearest(path);
      if (keyNode === null || !isScalar(keyNode)) {
        report(path, keyAt, `${formatConfigPath(path) || "The document"} has a key that is not a name`);
        continue;
      }
      const key = scalarText(keyNode);
      const canonical = keys.includes(key) ? key : keys.find((k) => k.toLowerCase() === key.toLowerCase());
      if (canonical === undefined) {
        const p = formatConfigPath([...path, key]);
        const explained = options.explainUnknownKey?.(key, path);
        if (explained !== undefined) {
          report([...path, key], keyAt, `${p} ${explained}`);
        } else {
          const suggestion = didYouMean(key, keys);
          const hint = suggestion === undefined ? "" : `: did you mean ${quoteValue(suggestion)}?`;
          report([...path, key], keyAt, `${p} is not a known field${hint} (allowed: ${keys.join(", ")})`);
        }
        continue;
      }
      const childPath = [...path, canonical];
      const first = seen.get(canonical);
      if (first !== undefined) {
        report(
          childPath,
          keyAt,
          `${formatConfigPath(childPath)} is given twice (first at line ${first.line})`,
        );
        continue;
      }
      seen.set(canonical, keyAt);
      if (canonical !== key) {
        report(
          childPath,
          keyAt,
          `${formatConfigPath([...path, key])} is accepted as ${quoteValue(canonical)}: ` +
            `write ${quoteValue(canonical)}, the documented spelling`,
          "warning",
        );
      }
      tree.positions.setKey(childPath, keyAt);
      tree.positions.setValue(childPath, positionOf(pair.value) ?? keyAt);
      const value = readValue(pair.value as Node | null, shape[canonical] as z.ZodType, childPath);
      if (value !== undefined) out[canonical] = value;
    }
    return out;
  };

  const readValue = (written: Node | null, schema: z.ZodType, path: ConfigPath): unknown => {
    let node = written;
    if (node !== null && isAlias(node)) {
      const target = node.resolve(document);
      if (target === undefined) {
        report(
          path,
          positionOf(node),
          `${formatConfigPath(path)} uses alias *${node.source} that has no anchor`,
        );
        return undefined;
      }
      node = target;
    }
    if (node === null || (isScalar(node) && node.value === null)) {
      tree.emptyPaths.add(JSON.stringify(path));
      return undefined;
    }
    const def = defOf(unwrapSchema(schema));
    switch (def.type) {
      case "object":
        if (!isMap(node)) return shapeProblem(node, path, "a mapping");
        return readMap(node, def.shape ?? {}, path);
      case "array": {
        if (!isSeq(node)) return shapeProblem(node, path, "a list");
        const element = def.element as z.ZodType;
        return node.items.map((item, i) => {
          const itemPath = [...path, i];
          const at = positionOf(item);
          if (at !== undefined) tree.positions.setValue(itemPath, at);
          return readValue(item as Node | null, element, itemPath);
        });
      }
      case "string":
      case "enum":
        if (!isScalar(node)) return shapeProblem(node, path, def.type === "enum" ? "a name" : "text");
        return scalarText(node);
      case "boolean":
        if (!isScalar(node)) return shapeProblem(node, path, "true or false");
        return node.value;
      case "number":
        if (!isScalar(node)) return shapeProblem(node, path, "a number");
        return node.value;
      default:
        return node.toJS(document);
    }
  };

  const root = document.contents as Node | null;
  if (root === null) {
    report([], { line: 1, column: 1 }, "The file holds no configuration (want an ImageSetConfiguration)");
    return tree;
  }
  const rootAt = positionOf(root);
  if (rootAt !== undefined) tree.positions.setValue([], rootAt);
  if (!isMap(root)) {
    report([], rootAt, "The document is not a mapping (want apiVersion, kind and mirror keys)");
    return tree;
  }
  tree.value = readValue(root, schema, []);
  return tree;
}
