/**
 * The v2 delete list (§4.8 of the reference): `working-dir/delete/delete-images[-<id>].yaml`, a
 * `DeleteImageList` of `mirror.openshift.io/v2alpha1` whose items name each mirrored image to delete
 * (`imageName`: the origin, `imageReference`: `docker://<registry>/<repository>:<tag>`, `type`), sorted by
 * `imageReference`, next to a copy of the DeleteImageSetConfiguration (`delete-imageset-config[-<id>].yaml`).
 * Reading validates the file with a schema and reports every problem at its line and column, because
 * users review and edit the list between the two phases. Writing is atomic (temp name, then rename).
 * @module
 */
import { LineCounter, type Node, parseDocument, stringify } from "yaml";
import { z } from "zod";
import { ConfigError, type ConfigProblem, ImageReferenceError } from "../errors.ts";
import { parseDigest } from "../oci/mod.ts";
import { type ImageReference, isTag, parseRegistryHost, parseRepositoryPath } from "../reference/mod.ts";

/** `apiVersion` of the delete list. */
export const DELETE_IMAGE_LIST_API_VERSION = "mirror.openshift.io/v2alpha1";

/** `kind` of the delete list. */
export const DELETE_IMAGE_LIST_KIND = "DeleteImageList";

/**
 * Item types the original writes, plus `operatorCatalog` (accepted when read so a hand-edited list
 * loads, but catalogs are never deleted).
 */
export const DELETE_IMAGE_TYPES = [
  "ocpRelease",
  "ocpReleaseContent",
  "operatorBundle",
  "operatorRelatedImage",
  "generic",
  "helmImage",
  "cincinnatiGraph",
  "operatorCatalog",
] as const;

/** Why an image is in the delete list. */
export type DeleteImageType = typeof DELETE_IMAGE_TYPES[number];

/** One image to delete. */
export interface DeleteImageItem {
  /** The image as the configuration, payload, catalog or chart named it. */
  imageName: string;
  /** Where it is mirrored: `docker://<registry>/<repository>:<tag>` (or `@<digest>`). */
  imageReference: string;
  type: DeleteImageType;
}

/** The delete list file. */
export interface DeleteImageList {
  kind: typeof DELETE_IMAGE_LIST_KIND;
  apiVersion: typeof DELETE_IMAGE_LIST_API_VERSION;
  items: DeleteImageItem[];
}

/** A delete list read from a file, with its parsed references and a way to point into the file. */
export interface LoadedDeleteImageList {
  /** The file name as given. */
  file: string;
  list: DeleteImageList;
  /** `items[i].imageReference` parsed (the first path component is always the registry host). */
  references: ImageReference[];
  /** A problem located at the value at `path` (e.g. `["items", 3, "imageReference"]`). */
  problemAt(path: readonly (string | number)[], message: string): ConfigProblem;
}

/** Largest delete list read. */
const MAX_LIST_BYTES = 64 * 1024 * 1024;

const itemSchema = z.object({
  imageName: z.string().min(1),
  imageReference: z.string().min(1),
  type: z.enum(DELETE_IMAGE_TYPES),
});

const listSchema = z.object({
  kind: z.literal(DELETE_IMAGE_LIST_KIND),
  apiVersion: z.literal(DELETE_IMAGE_LIST_API_VERSION),
  items: z.array(itemSchema).nullish(),
});

function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s;
}

function quote(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 120 ? `${v.slice(0, 117)}...` : v);
  if (v === null) return "null";
  if (typeof v === "object") return Array.isArray(v) ? "a list" : "a mapping";
  return String(v);
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  const value = issue.path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    input,
  );
  switch (issue.code) {
    case "invalid_type":
      return value === undefined ? "is required" : `${quote(value)} is not ${issue.expected}`;
    case "invalid_value":
      return `${quote(value)} is not allowed (want ${issue.values.map(String).join(", ")})`;
    case "too_small":
      return "is empty";
    default:
      return issue.message;
  }
}

/**
 * Parses `docker://<host>[:port]/<repository>(:<tag>|@<digest>)`; unlike plain image references the
 * first component is always the registry, as in `docker://` locations.
 */
export function parseDeleteReference(imageReference: string): ImageReference {
  const fail = (why: string): never => {
    throw new ImageReferenceError(imageReference, `Image reference "${imageReference}" ${why}`);
  };
  if (!imageReference.startsWith("docker://")) fail("does not start with docker://");
  const rest = imageReference.slice("docker://".length);
  const slash = rest.indexOf("/");
  if (slash <= 0) fail("has no repository: want docker://<registry>/<repository>:<tag>");
  const registry = parseRegistryHost(rest.slice(0, slash), imageReference);
  let path = rest.slice(slash + 1);
  const ref: ImageReference = { registry, repository: "" };
  const at = path.indexOf("@");
  if (at >= 0) {
    try {
      ref.digest = parseDigest(path.slice(at + 1));
    } catch (e) {
      if (!(e instanceof ImageReferenceError)) throw e;
      fail(`has an invalid digest: ${e.message}`);
    }
    path = path.slice(0, at);
  }
  const colon = path.lastIndexOf(":");
  if (colon >= 0 && !path.slice(colon).includes("/")) {
    const tag = path.slice(colon + 1);
    if (!isTag(tag)) fail(`has an invalid tag "${tag}"`);
    ref.tag = tag;
    path = path.slice(0, colon);
  }
  ref.repository = parseRepositoryPath(path, imageReference);
  if (ref.tag === undefined && ref.digest === undefined) fail("names neither a tag nor a digest");
  return ref;
}

/** Parses the text of a delete list; throws {@link ConfigError} listing every problem with its position. */
export function parseDeleteImageList(text: string, file: string): LoadedDeleteImageList {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.startsWith("\uFEFF") ? text.slice(1) : text, {
    lineCounter,
    prettyErrors: false,
  });
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const nodeAt = (path: readonly (string | number)[]): Node | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === "object" && (node as Node).range) return node as Node;
    }
    return undefined;
  };
  const problemAt = (path: readonly (string | number)[], message: string): ConfigProblem => {
    const node = nodeAt(path);
    const { line, column } = node?.range ? at(node.range[0]) : { line: 1, column: 1 };
    const p = formatPath(path);
    return { file, line, column, path: p, message: p ? `${p} ${message}` : message, severity: "error" };
  };
  const problems: ConfigProblem[] = doc.errors.map((e) => ({
    file,
    ...at(e.pos[0]),
    path: "",
    message: `Invalid YAML: ${e.message.charAt(0).toLowerCase()}${e.message.slice(1)}`,
    severity: "error" as const,
  }));
  if (problems.length > 0) throw new ConfigError(problems);
  const input: unknown = doc.toJS({ maxAliasCount: 100 });
  if (input === null || input === undefined) {
    throw new ConfigError([{
      file,
      line: 1,
      column: 1,
      path: "",
      message: `The file is empty (want a ${DELETE_IMAGE_LIST_KIND})`,
      severity: "error",
    }]);
  }
  const parsed = listSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      ...i,
      path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
    }));
    throw new ConfigError(issues.map((i) => problemAt(i.path, issueMessage(i as z.core.$ZodIssue, input))), {
      hint: "Generate the list with oc-mirror delete --generate, or fix the file",
    });
  }
  const items: DeleteImageItem[] = (parsed.data.items ?? []).map((i) => ({
    imageName: i.imageName,
    imageReference: i.imageReference,
    type: i.type,
  }));
  const references: ImageReference[] = [];
  const refProblems: ConfigProblem[] = [];
  items.forEach((item, i) => {
    try {
      references.push(parseDeleteReference(item.imageReference));
    } catch (e) {
      if (!(e instanceof ImageReferenceError)) throw e;
      const why = e.message.replace(/^Image reference "[^"]*" /, "");
      refProblems.push(problemAt(["items", i, "imageReference"], `${quote(item.imageReference)} ${why}`));
    }
  });
  if (refProblems.length > 0) throw new ConfigError(refProblems);
  return {
    file,
    list: { kind: DELETE_IMAGE_LIST_KIND, apiVersion: DELETE_IMAGE_LIST_API_VERSION, items },
    references,
    problemAt,
  };
}

/** Options of {@link readDeleteImageList}. */
export interface ReadDeleteImageListOptions {
  /** The name used in messages. @default the path as given */
  file?: string;
  signal?: AbortSignal;
}

/** Reads and validates a delete list file. */
export async function readDeleteImageList(
  path: string,
  o: ReadDeleteImageListOptions = {},
): Promise<LoadedDeleteImageList> {
  const file = o.file ?? path;
  const cannotRead = (why: string, cause?: unknown): never => {
    throw new ConfigError([{
      file,
      line: 0,
      column: 0,
      path: "",
      message: `Cannot read the delete list: ${why}`,
      severity: "error",
    }], cause === undefined ? {} : { cause });
  };
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return cannotRead("it is not a regular file");
    if (info.size > MAX_LIST_BYTES) {
      return cannotRead(`it is ${info.size} bytes, more than the ${MAX_LIST_BYTES} a delete list may have`);
    }
    text = await Deno.readTextFile(path, o.signal ? { signal: o.signal } : {});
  } catch (e) {
    if (e instanceof ConfigError || o.signal?.aborted) throw e;
    if (e instanceof Deno.errors.NotFound) return cannotRead("it does not exist", e);
    if (e instanceof Deno.errors.PermissionDenied) return cannotRead("permission denied", e);
    return cannotRead((e as Error).message, e);
  }
  return parseDeleteImageList(text, file);
}

/** Builds a delete list: items sorted by `imageReference` (then type), each reference once. */
export function deleteImageList(items: readonly DeleteImageItem[]): DeleteImageList {
  const seen = new Set<string>();
  const sorted = [...items].sort((a, b) =>
    a.imageReference < b.imageReference
      ? -1
      : a.imageReference > b.imageReference
      ? 1
      : a.type.localeCompare(b.type)
  ).filter((i) => !seen.has(i.imageReference) && !!seen.add(i.imageReference));
  return { kind: DELETE_IMAGE_LIST_KIND, apiVersion: DELETE_IMAGE_LIST_API_VERSION, items: sorted };
}

/** The YAML text of a delete list (keys in the original's order). */
export function formatDeleteImageList(list: DeleteImageList): string {
  return stringify({
    kind: list.kind,
    apiVersion: list.apiVersion,
    items: list.items.map((i) => ({
      imageName: i.imageName,
      imageReference: i.imageReference,
      type: i.type,
    })),
  }, { lineWidth: 0 });
}

async function writeFileAtomic(path: string, text: string, signal?: AbortSignal): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, text, signal ? { signal } : {});
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Writes a delete list file atomically. */
export async function writeDeleteImageList(
  path: string,
  list: DeleteImageList,
  o: { signal?: AbortSignal } = {},
): Promise<void> {
  await writeFileAtomic(path, formatDeleteImageList(list), o.signal);
}

/**
 * Writes the files of one delete generation (each atomically, folder created): the list, and the
 * DeleteImageSetConfiguration text it was generated from.
 */
export async function writeDeleteFiles(
  paths: DeleteFilePaths,
  list: DeleteImageList,
  configText: string,
  o: { signal?: AbortSignal } = {},
): Promise<void> {
  await Deno.mkdir(paths.list.slice(0, paths.list.lastIndexOf("/")) || ".", { recursive: true });
  await writeDeleteImageList(paths.list, list, o);
  await writeFileAtomic(paths.config, configText, o.signal);
}

/** The two files of one delete generation. */
export interface DeleteFilePaths {
  /** `<dir>/delete-images[-<id>].yaml` */
  list: string;
  /** `<dir>/delete-imageset-config[-<id>].yaml` */
  config: string;
}

/** Letters, digits, `.`, `_` and `-`: what a `--delete-id` may hold. */
export const DELETE_ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The file names of a delete generation in `dir` (the working-dir's `delete/` folder). */
export function deleteFilePaths(dir: string, id?: string): DeleteFilePaths {
  const suffix = id === undefined || id === "" ? "" : `-${id}`;
  const base = dir.replace(/\/+$/, "");
  return {
    list: `${base}/delete-images${suffix}.yaml`,
    config: `${base}/delete-imageset-config${suffix}.yaml`,
  };
}
