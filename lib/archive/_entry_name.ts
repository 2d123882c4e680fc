/**
 * Entry names of an archive set: which names are safe (relative, no `..`, no empty or `.` components),
 * and what each allowed name is (a registry tree path, a working-dir file, the ISC, our index entries).
 * @module
 */
import { parseRegistryTreePath, REGISTRY_TREE_ROOT, type RegistryTreeEntry } from "../layout/mod.ts";
import { SET_MANIFEST_ENTRY_NAME } from "./archive_index.ts";

/** The folder of working-dir files inside an archive. */
export const WORKING_DIR_PREFIX = "working-dir/";

/** The v1 metadata file, the first entry of a v1 archive set (`mirror_seq<N>_000000.tar`). */
export const V1_METADATA_ENTRY = "publish/.metadata.json";

const ISC_RE = /^isc_[^/]+$/;
const PART_INDEX_RE = /^oc-mirror\/part-([0-9]{6})\.json$/;
const VOID_RE = /^oc-mirror\/void-[0-9]{6,}$/;
const UPLOADS_RE = /^docker\/registry\/v2\/repositories\/.+\/_uploads(\/|$)/;
const REPO_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Why a name is unsafe, or undefined when it is fine; `name` must already be normalised. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name.startsWith("/")) return "it is an absolute path";
  if (name.includes("\\")) return "it contains a backslash";
  if (name.includes("\0")) return "it contains a NUL byte";
  const parts = name.split("/");
  if (parts.includes("..")) return 'it contains a ".." component';
  if (parts.some((p) => p === "" || p === ".")) return 'it contains an empty or "." component';
  return undefined;
}

/** Strips the `./` prefixes and trailing slash that `tar -C dir -cf x.tar .` adds. */
export function normalizeEntryName(raw: string): string {
  let name = raw;
  while (name.startsWith("./")) name = name.slice(2);
  while (name.endsWith("/") && name.length > 1) name = name.slice(0, -1);
  return name;
}

/** True for a distribution repository name (lower-case components separated by slashes). */
export function isRepositoryName(repo: string): boolean {
  return repo.length <= 255 && repo.split("/").every((c) => REPO_COMPONENT_RE.test(c));
}

/** What an entry is. */
export type EntryKind =
  | { kind: "tree"; tree: RegistryTreeEntry }
  | { kind: "upload" }
  | { kind: "file" }
  | { kind: "isc" }
  | { kind: "partIndex"; part: number }
  | { kind: "setManifest" }
  | { kind: "void" };

/**
 * Name of the `n`-th void entry of a part (1-based): the place of a blob that failed while later entries
 * were being written, filled with zeros. Listed in the part's index, ignored by readers.
 */
export function voidEntryName(n: number): string {
  return `oc-mirror/void-${String(n).padStart(6, "0")}`;
}

/** Classifies a safe regular-file name; a string is the reason it is not allowed. */
export function classifyEntryName(name: string): EntryKind | string {
  if (name === SET_MANIFEST_ENTRY_NAME) return { kind: "setManifest" };
  if (VOID_RE.test(name)) return { kind: "void" };
  const index = PART_INDEX_RE.exec(name);
  if (index) return { kind: "partIndex", part: Number(index[1]) };
  if (name.startsWith(WORKING_DIR_PREFIX) || name === V1_METADATA_ENTRY) return { kind: "file" };
  if (ISC_RE.test(name)) return { kind: "isc" };
  if (name.startsWith(`${REGISTRY_TREE_ROOT}/`)) {
    if (UPLOADS_RE.test(name)) return { kind: "upload" };
    const tree = parseRegistryTreePath(name);
    if (!tree) return "it is not a path of the registry storage tree";
    if (tree.kind !== "blob" && !isRepositoryName(tree.repo)) {
      return `"${tree.repo}" is not a valid repository name`;
    }
    return { kind: "tree", tree };
  }
  return `only ${REGISTRY_TREE_ROOT}/, ${WORKING_DIR_PREFIX} and isc_* entries are allowed (and ${V1_METADATA_ENTRY})`;
}

/** Checks a directory entry's name is inside the allowed folders; a string is the reason it is not. */
export function directoryNameProblem(name: string): string | undefined {
  const allowed = [REGISTRY_TREE_ROOT, "working-dir", "oc-mirror", "publish"];
  const ok = allowed.some((a) => name === a || name.startsWith(`${a}/`) || a.startsWith(`${name}/`));
  return ok ? undefined : `only ${REGISTRY_TREE_ROOT}/, ${WORKING_DIR_PREFIX} and isc_* entries are allowed`;
}

/** Checks a path given to `ArchiveWriter.addFile`; a string is the reason it is refused. */
export function addablePathProblem(path: string): string | undefined {
  const unsafe = unsafeNameReason(path);
  if (unsafe !== undefined) return unsafe;
  if (path.startsWith(WORKING_DIR_PREFIX) || ISC_RE.test(path) || path === V1_METADATA_ENTRY) {
    return undefined;
  }
  return `only ${WORKING_DIR_PREFIX}... and isc_* files can be added (and ${V1_METADATA_ENTRY})`;
}
