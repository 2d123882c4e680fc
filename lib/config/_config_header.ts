/**
 * The `apiVersion` and `kind` of a configuration, read before anything else because they choose the
 * schema. Reports a missing or unknown value (with a suggestion), a kind the caller cannot use, and a
 * DeleteImageSetConfiguration in v1alpha2; then settles which schema to check the rest with, so that
 * the other problems of the file are still reported.
 * @module
 */
import { isMap, isScalar, type Node } from "yaml";
import type { ConfigProblem } from "../errors.ts";
import type { ConfigPosition } from "./config_path.ts";
import { listOr, quoteValue } from "./_messages.ts";
import { didYouMean } from "./did_you_mean.ts";
import { API_GROUP, type ApiVersion, type ConfigKind } from "./image_set_config.ts";

const API_VERSIONS: readonly ApiVersion[] = ["v2alpha1", "v1alpha2"];
const KINDS: readonly ConfigKind[] = ["ImageSetConfiguration", "DeleteImageSetConfiguration"];
const FULL_API_VERSIONS = API_VERSIONS.map((v) => `${API_GROUP}/${v}`);

/** What the top of a document says, and the schema to read the rest with. */
export interface ConfigHeader {
  /** The file's API version, when valid. */
  apiVersion?: ApiVersion;
  /** The file's kind, when valid and usable here. */
  kind?: ConfigKind;
  /** The API version whose schema checks the document (a guess when `apiVersion` is not valid). */
  schemaVersion: ApiVersion;
  /** The kind whose schema checks the document (a guess when `kind` is not valid). */
  schemaKind: ConfigKind;
  /** The top-level keys as written, lower case. */
  keys: Set<string>;
  problems: ConfigProblem[];
}

interface Written {
  value: string;
  at: ConfigPosition;
}

/** Reads and checks `apiVersion` and `kind` of `root`; `wantKind` is the kind the caller needs. */
export function readConfigHeader(
  root: Node | null,
  options: { file: string; wantKind?: ConfigKind; positionAt(offset: number): ConfigPosition },
): ConfigHeader {
  const keys = new Set<string>();
  const written: { apiversion?: Written; kind?: Written } = {};
  const collections = new Set<string>();
  if (root !== null && isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value).toLowerCase() : "";
      keys.add(key);
      if ((key !== "apiversion" && key !== "kind") || written[key] !== undefined) continue;
      const value = pair.value as Node | null;
      // A mapping or list here is reported by the reader as a wrongly shaped value.
      if (value !== null && !isScalar(value)) collections.add(key);
      if (value === null || !isScalar(value) || value.value === null) continue;
      const text = typeof value.value === "string" ? value.value : value.source ?? String(value.value);
      written[key] = { value: text, at: options.positionAt(value.range?.[0] ?? 0) };
    }
  }
  const problems: ConfigProblem[] = [];
  const rootAt = root?.range ? options.positionAt(root.range[0]) : { line: 1, column: 1 };
  const add = (at: ConfigPosition, path: string, message: string) =>
    problems.push({ file: options.file, line: at.line, column: at.column, path, message, severity: "error" });
  const suggest = (value: string, candidates: readonly string[]) => {
    const suggestion = didYouMean(value, candidates);
    return suggestion === undefined ? "" : `: did you mean ${quoteValue(suggestion)}?`;
  };
  const isMapping = root !== null && isMap(root);

  let apiVersion: ApiVersion | undefined;
  if (written.apiversion === undefined) {
    if (isMapping && !collections.has("apiversion")) {
      add(rootAt, "apiVersion", `apiVersion is required (want ${listOr(FULL_API_VERSIONS)})`);
    }
  } else {
    const { value, at } = written.apiversion;
    apiVersion = API_VERSIONS.find((v) => value === `${API_GROUP}/${v}`);
    if (apiVersion === undefined) {
      add(
        at,
        "apiVersion",
        `apiVersion ${quoteValue(value)} is not supported${suggest(value, FULL_API_VERSIONS)} ` +
          `(want ${listOr(FULL_API_VERSIONS)})`,
      );
    }
  }

  let kind: ConfigKind | undefined;
  if (written.kind === undefined) {
    if (isMapping && !collections.has("kind")) {
      add(rootAt, "kind", `kind is required (want ${listOr(KINDS)})`);
    }
  } else {
    const { value, at } = written.kind;
    kind = KINDS.find((k) => k === value);
    if (kind === undefined) {
      add(
        at,
        "kind",
        `kind ${quoteValue(value)} is not supported${suggest(value, KINDS)} (want ${listOr(KINDS)})`,
      );
    } else if (options.wantKind !== undefined && kind !== options.wantKind) {
      add(at, "kind", `kind ${quoteValue(kind)} cannot be used here (want ${options.wantKind})`);
    } else if (kind === "DeleteImageSetConfiguration" && apiVersion === "v1alpha2") {
      add(
        at,
        "kind",
        `kind ${
          quoteValue(kind)
        } needs apiVersion ${API_GROUP}/v2alpha1 (v1alpha2 has no delete configuration)`,
      );
    }
  }

  const schemaKind: ConfigKind = kind ?? options.wantKind ??
    (keys.has("delete") ? "DeleteImageSetConfiguration" : "ImageSetConfiguration");
  const schemaVersion: ApiVersion = schemaKind === "DeleteImageSetConfiguration"
    ? "v2alpha1"
    : apiVersion ?? (keys.has("storageconfig") ? "v1alpha2" : "v2alpha1");
  const header: ConfigHeader = { schemaVersion, schemaKind, keys, problems };
  if (apiVersion !== undefined) header.apiVersion = apiVersion;
  if (kind !== undefined) header.kind = kind;
  return header;
}
