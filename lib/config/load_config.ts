/**
 * Loads an ImageSetConfiguration or DeleteImageSetConfiguration: YAML with positions, the schema of
 * the file's API version and kind, the cross-field rules, then the typed model with defaults. Every
 * problem of the file is reported at once, each as `file:line:column: path what is wrong (what is
 * allowed)`, in a {@link ConfigError}; warnings (e.g. a key spelt in another case) come back with the
 * model.
 * @module
 */
import type { Node } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigProblem } from "../errors.ts";
import { buildConfig } from "./_build_model.ts";
import { readConfigHeader } from "./_config_header.ts";
import { type ConfigTree, readConfigTree } from "./_config_reader.ts";
import { unknownKeyExplainer } from "./_unknown_keys.ts";
import { parseYamlSource } from "./_yaml_source.ts";
import { type ConfigPath, type ConfigPosition, formatConfigPath } from "./config_path.ts";
import { checkConfigRules } from "./config_rules.ts";
import { listOr, quoteValue } from "./_messages.ts";
import { type ConfigSchema, configSchema, type RawConfigDocument } from "./config_schema.ts";
import type {
  AnyImageSetConfig,
  ApiVersion,
  ConfigKind,
  DeleteImageSetConfig,
  ImageSetConfig,
  ImageSetContent,
} from "./image_set_config.ts";

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The file name as the user wrote it; every message starts with it. */
  file: string;
  /** The kind the caller needs; a file of the other kind is an error. @default undefined (either) */
  kind?: ConfigKind;
}

/** Options of {@link loadConfigFile}. */
export interface LoadConfigFileOptions {
  /** The kind the caller needs. @default undefined (either) */
  kind?: ConfigKind;
  /** The name used in messages. @default the path as given */
  file?: string;
  /** Cancels the read. */
  signal?: AbortSignal;
}

/** A configuration that loaded, with what later stages need to point back into the file. */
export interface LoadedConfig<C extends AnyImageSetConfig = AnyImageSetConfig> {
  apiVersion: ApiVersion;
  kind: C["kind"];
  config: C;
  /** Problems that did not stop the load, in file order. */
  warnings: ConfigProblem[];
  /** The file name as given in the options. */
  file: string;
  /**
   * Where the value at `path` (canonical key spelling, e.g. `["mirror", "platform", "channels", 0,
   * "name"]`) was written; `undefined` when it was not written (a default).
   */
  positionOf(path: ConfigPath): ConfigPosition | undefined;
  /**
   * A problem located at the value at `path` (or its closest written ancestor), for later stages to
   * report, e.g. an unknown channel; `message` is the tail after the path (`"stable-9.9" has no releases`).
   */
  problemAt(path: ConfigPath, message: string, severity?: ConfigProblem["severity"]): ConfigProblem;
}

/** Largest configuration file read. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

type Severity = ConfigProblem["severity"];

/** Collects the problems of one file. */
class Problems {
  readonly list: ConfigProblem[] = [];
  constructor(readonly file: string) {}

  add(at: ConfigPosition, path: ConfigPath, message: string, severity: Severity): void {
    this.list.push({
      file: this.file,
      line: at.line,
      column: at.column,
      path: formatConfigPath(path),
      message,
      severity,
    });
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === "error");
  }

  /** The problems in file order, each once. */
  sorted(): ConfigProblem[] {
    const unique = this.list.filter((p, i) =>
      this.list.findIndex((q) => q.line === p.line && q.column === p.column && q.message === p.message) === i
    );
    return unique.map((p, i) => ({ p, i }))
      .sort((a, b) => a.p.line - b.p.line || a.p.column - b.p.column || a.i - b.i)
      .map(({ p }) => p);
  }
}

/** The message tail for a zod issue our schemas did not word themselves. */
function genericIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const input = issue.input;
  if (issue.code === "invalid_type") {
    if (input === undefined) return "is required";
    switch (issue.expected) {
      case "boolean":
        return `${quoteValue(input)} is not true or false`;
      case "number":
      case "int":
        return `${quoteValue(input)} is not a number`;
      case "object":
        return "is not a mapping";
      case "array":
        return "is not a list";
      default:
        return `${quoteValue(input)} is not ${issue.expected}`;
    }
  }
  if (issue.code === "invalid_value") {
    return `${quoteValue(input)} is not allowed (want ${listOr(issue.values.map((v) => String(v)))})`;
  }
  return undefined;
}

/** True when a path or one of its ancestors already has an error from the reader. */
function isReported(tree: ConfigTree, path: ConfigPath): boolean {
  for (let n = path.length; n >= 0; n--) {
    if (tree.reportedPaths.has(JSON.stringify(path.slice(0, n)))) return true;
  }
  return false;
}

/** Checks the document against the schema; returns what it parsed into when it passed. */
function checkSchema(
  tree: ConfigTree,
  schema: ConfigSchema,
  problems: Problems,
): RawConfigDocument | undefined {
  if (tree.value === undefined) return undefined;
  const parsed = schema.safeParse(tree.value, { error: genericIssueMessage });
  for (const issue of parsed.error?.issues ?? []) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    // Unknown keys were reported by the reader, apiVersion and kind by the header.
    if (issue.code === "unrecognized_keys" || path[0] === "apiVersion" || path[0] === "kind") continue;
    if (isReported(tree, path)) continue;
    const message = issue.message === "is required" && tree.emptyPaths.has(JSON.stringify(path))
      ? "is empty"
      : issue.message;
    problems.add(tree.positions.nearest(path), path, `${formatConfigPath(path)} ${message}`, "error");
  }
  return parsed.data;
}

/** Reports a missing `mirror:` (or `delete:`) section; an empty one only warns. */
function checkContentPresent(
  tree: ConfigTree,
  kind: ConfigKind,
  keys: Set<string>,
  problems: Problems,
): void {
  const key = kind === "ImageSetConfiguration" ? "mirror" : "delete";
  const root = tree.value as Record<string, unknown> | undefined;
  // A section of the other kind was reported as not allowed; saying this one is missing adds nothing.
  const other = key === "mirror" ? "delete" : "mirror";
  if (root === undefined || root[key] !== undefined || isReported(tree, [key]) || keys.has(other)) return;
  if (tree.emptyPaths.has(JSON.stringify([key]))) {
    problems.add(
      tree.positions.nearest([key]),
      [key],
      `${key} is empty: there is nothing to ${key}`,
      "warning",
    );
    return;
  }
  const article = kind === "ImageSetConfiguration" ? "an" : "a";
  problems.add(
    tree.positions.nearest([]),
    [key],
    `${key} is required: ${article} ${kind} lists what to ${key} under ${key}:`,
    "error",
  );
}

function hasContent(c: ImageSetContent): boolean {
  return c.platform.channels.length > 0 || c.platform.release !== undefined || c.platform.graph ||
    c.operators.length > 0 || c.additionalImages.length > 0 || c.helm.repositories.length > 0 ||
    c.helm.local.length > 0;
}

/** Warns about content that loads but does nothing. */
function warnAboutContent(config: AnyImageSetConfig, tree: ConfigTree, problems: Problems): void {
  const key = config.kind === "ImageSetConfiguration" ? "mirror" : "delete";
  const content = config.kind === "ImageSetConfiguration" ? config.mirror : config.delete;
  const written = (tree.value as Record<string, unknown> | undefined)?.[key] !== undefined;
  if (written && !hasContent(content)) {
    problems.add(
      tree.positions.nearest([key]),
      [key],
      `${key} lists nothing to ${key} (want platform, operators, additionalImages or helm)`,
      "warning",
    );
  }
  if (content.samples.length > 0) {
    problems.add(
      tree.positions.nearest([key, "samples"]),
      [key, "samples"],
      `${key}.samples is not implemented (nor by the original) and is ignored`,
      "warning",
    );
  }
}

/** Loads a configuration from its text; throws {@link ConfigError} with every problem of the file. */
export function loadConfig(
  text: string,
  options: LoadConfigOptions & { kind: "ImageSetConfiguration" },
): LoadedConfig<ImageSetConfig>;
export function loadConfig(
  text: string,
  options: LoadConfigOptions & { kind: "DeleteImageSetConfiguration" },
): LoadedConfig<DeleteImageSetConfig>;
export function loadConfig(text: string, options: LoadConfigOptions): LoadedConfig;
export function loadConfig(text: string, options: LoadConfigOptions): LoadedConfig {
  const file = options.file;
  const problems = new Problems(file);
  const fail = (): never => {
    throw new ConfigError(problems.sorted());
  };
  const source = parseYamlSource(text, file);
  problems.list.push(...source.problems);
  if (problems.hasErrors) fail();
  const document = source.document;
  if (document === undefined) {
    problems.add({ line: 1, column: 1 }, [], "The file is empty (want an ImageSetConfiguration)", "error");
    return fail();
  }

  const header = readConfigHeader(document.contents as Node | null, {
    file,
    positionAt: source.positionAt,
    ...(options.kind === undefined ? {} : { wantKind: options.kind }),
  });
  problems.list.push(...header.problems);
  const schema = configSchema(header.schemaVersion, header.schemaKind);
  const tree = readConfigTree(document, schema, {
    file,
    positionAt: source.positionAt,
    explainUnknownKey: unknownKeyExplainer(header.schemaVersion, header.schemaKind, header.apiVersion),
  });
  problems.list.push(...tree.problems);
  checkContentPresent(tree, header.schemaKind, header.keys, problems);
  const raw = checkSchema(tree, schema, problems);
  const positions = tree.positions;
  checkConfigRules(tree.value, {
    contentKey: header.schemaKind === "ImageSetConfiguration" ? "mirror" : "delete",
    lineOf: (path) => positions.value(path)?.line,
    report: (path, message) => problems.add(positions.nearest(path), path, message, "error"),
  });
  const { apiVersion, kind } = header;
  if (problems.hasErrors || raw === undefined || apiVersion === undefined || kind === undefined) {
    return fail();
  }

  const config = buildConfig(raw, apiVersion, kind);
  warnAboutContent(config, tree, problems);
  return {
    apiVersion,
    kind,
    config,
    warnings: problems.sorted(),
    file,
    positionOf: (path) => positions.value(path),
    problemAt: (path, message, severity = "error") => {
      const at = positions.nearest(path);
      const p = formatConfigPath(path);
      return { file, line: at.line, column: at.column, path: p, message: `${p} ${message}`, severity };
    },
  };
}

/** Reads and loads a configuration file; throws {@link ConfigError} when it cannot be read or is invalid. */
export async function loadConfigFile(
  path: string,
  options?: LoadConfigFileOptions & { kind: "ImageSetConfiguration" },
): Promise<LoadedConfig<ImageSetConfig>>;
export async function loadConfigFile(
  path: string,
  options?: LoadConfigFileOptions & { kind: "DeleteImageSetConfiguration" },
): Promise<LoadedConfig<DeleteImageSetConfig>>;
export async function loadConfigFile(path: string, options?: LoadConfigFileOptions): Promise<LoadedConfig>;
export async function loadConfigFile(
  path: string,
  options: LoadConfigFileOptions = {},
): Promise<LoadedConfig> {
  const file = options.file ?? path;
  const cannotRead = (why: string, cause?: unknown): never => {
    throw new ConfigError(
      [{
        file,
        line: 0,
        column: 0,
        path: "",
        message: `Cannot read the configuration file: ${why}`,
        severity: "error",
      }],
      cause === undefined ? {} : { cause },
    );
  };
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return cannotRead("it is not a regular file");
    if (info.size > MAX_CONFIG_BYTES) {
      return cannotRead(
        `it is ${info.size} bytes, more than the ${MAX_CONFIG_BYTES} a configuration may have`,
      );
    }
    text = await Deno.readTextFile(path, options.signal === undefined ? {} : { signal: options.signal });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    if (options.signal?.aborted) throw e;
    if (e instanceof Deno.errors.NotFound) return cannotRead("it does not exist", e);
    if (e instanceof Deno.errors.PermissionDenied) return cannotRead("permission denied", e);
    return cannotRead(e instanceof Error ? e.message : String(e), e);
  }
  return loadConfig(text, { file, ...(options.kind === undefined ? {} : { kind: options.kind }) });
}
