/**
 * Paths of the CNCF distribution registry's filesystem storage driver, relative to its root directory.
 * The v2 cache, our mirror archives and `oc-mirror serve` all use this tree, so a plain
 * `docker-registry` pointed at an extracted archive serves its images, and the original tool's archives
 * can be read by ours.
 * @see https://github.com/distribution/distribution/blob/main/registry/storage/paths.go
 * @module
 */
import { type Digest, digestHex } from "../oci/mod.ts";

/** The tree's top folder, relative to the storage root. */
export const REGISTRY_TREE_ROOT = "docker/registry/v2";

/** `docker/registry/v2/blobs/sha256/ab/abcd.../data`: the bytes of a blob or manifest. */
export function blobDataPath(digest: Digest): string {
  const hex = digestHex(digest);
  return `${REGISTRY_TREE_ROOT}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
}

/** `docker/registry/v2/repositories/<repo>`. */
export function repositoryPath(repo: string): string {
  return `${REGISTRY_TREE_ROOT}/repositories/${repo}`;
}

/** Link file that makes a layer or config blob part of a repository. */
export function layerLinkPath(repo: string, digest: Digest): string {
  return `${repositoryPath(repo)}/_layers/sha256/${digestHex(digest)}/link`;
}

/** Link file that makes a manifest part of a repository. */
export function manifestRevisionLinkPath(repo: string, digest: Digest): string {
  return `${repositoryPath(repo)}/_manifests/revisions/sha256/${digestHex(digest)}/link`;
}

/** Link file holding the manifest digest a tag currently points at. */
export function tagCurrentLinkPath(repo: string, tag: string): string {
  return `${repositoryPath(repo)}/_manifests/tags/${tag}/current/link`;
}

/** Link file recording that a tag has pointed at a digest (distribution writes both). */
export function tagIndexLinkPath(repo: string, tag: string, digest: Digest): string {
  return `${repositoryPath(repo)}/_manifests/tags/${tag}/index/sha256/${digestHex(digest)}/link`;
}

/** The content of every link file: the digest as text, no newline. */
export function linkContent(digest: Digest): string {
  return digest;
}

/** What a path of the tree is, parsed back (archive readers and the tree store use this). */
export type RegistryTreeEntry =
  | { kind: "blob"; digest: Digest }
  | { kind: "layerLink"; repo: string; digest: Digest }
  | { kind: "manifestLink"; repo: string; digest: Digest }
  | { kind: "tagCurrent"; repo: string; tag: string }
  | { kind: "tagIndex"; repo: string; tag: string; digest: Digest };

const BLOB_RE = /^docker\/registry\/v2\/blobs\/sha256\/([a-f0-9]{2})\/([a-f0-9]{64})\/data$/;
const REPO_RE =
  /^docker\/registry\/v2\/repositories\/(.+?)\/(?:_layers\/sha256\/([a-f0-9]{64})\/link|_manifests\/revisions\/sha256\/([a-f0-9]{64})\/link|_manifests\/tags\/([\w][\w.-]{0,127})\/current\/link|_manifests\/tags\/([\w][\w.-]{0,127})\/index\/sha256\/([a-f0-9]{64})\/link)$/;

/** Parses a tree path; undefined for anything else (upload folders, unknown files). */
export function parseRegistryTreePath(path: string): RegistryTreeEntry | undefined {
  const b = BLOB_RE.exec(path);
  if (b) return b[2]?.startsWith(b[1] ?? "") ? { kind: "blob", digest: `sha256:${b[2]}` } : undefined;
  const r = REPO_RE.exec(path);
  if (!r || !r[1]) return undefined;
  const repo = r[1];
  if (r[2]) return { kind: "layerLink", repo, digest: `sha256:${r[2]}` };
  if (r[3]) return { kind: "manifestLink", repo, digest: `sha256:${r[3]}` };
  if (r[4]) return { kind: "tagCurrent", repo, tag: r[4] };
  if (r[5] && r[6]) return { kind: "tagIndex", repo, tag: r[5], digest: `sha256:${r[6]}` };
  return undefined;
}
