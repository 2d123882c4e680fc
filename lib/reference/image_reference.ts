/**
 * Image references `[registry[:port]/]path[:tag][@sha256:digest]`, parsed and normalised as container
 * tools do: a first component without `.` or `:` that is not `localhost` (and has no upper case) is
 * part of the path and the registry defaults to `docker.io`, where single names gain `library/`.
 * @see https://github.com/distribution/reference/blob/main/reference.go
 * @module
 */
import { ImageReferenceError } from "../errors.ts";
import { type Digest, parseDigest } from "../oci/mod.ts";

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Host with optional port: `quay.io`, `localhost:5000`, `[::1]:5000`, `docker.io`. */
  registry: string;
  /** Repository path without the registry: `openshift-release-dev/ocp-release`, `library/ubuntu`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

/** Longest repository name (registry + path) distribution accepts. */
export const MAX_NAME_LENGTH = 255;

const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const HOST_LABEL = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_RE = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[a-fA-F0-9:.%]+\\])(?::[0-9]+)?$`);

/** True when a string is a valid repository path component. */
export function isPathComponent(s: string): boolean {
  return COMPONENT_RE.test(s);
}

/** True when a string is a valid tag. */
export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** True when a first path component names a registry host rather than a repository. */
function looksLikeHost(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[") ||
    first !== first.toLowerCase();
}

/** Checks a registry host[:port] string. */
export function parseRegistryHost(host: string, input = host): string {
  if (!DOMAIN_RE.test(host)) {
    throw new ImageReferenceError(input, `Image reference "${input}" has an invalid registry host "${host}"`);
  }
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

/** Checks a repository path (without registry). */
export function parseRepositoryPath(path: string, input = path): string {
  if (path === "") throw new ImageReferenceError(input, `Image reference "${input}" has no repository path`);
  for (const c of path.split("/")) {
    if (c === "") {
      throw new ImageReferenceError(input, `Image reference "${input}" has an empty path component`);
    }
    if (!COMPONENT_RE.test(c)) {
      const why = c !== c.toLowerCase()
        ? "repository names must be lower case"
        : "want lower-case letters, digits and single separators (. _ __ -)";
      throw new ImageReferenceError(
        input,
        `Image reference "${input}" has an invalid path component "${c}": ${why}`,
      );
    }
  }
  return path;
}

/** Options of {@link parseImageReference}. */
export interface ParseReferenceOptions {
  /** Tag to use when neither tag nor digest is given. @default undefined (leave the reference bare) */
  defaultTag?: string;
}

/** Parses an image reference; throws {@link ImageReferenceError} naming the reference and the problem. */
export function parseImageReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const s = input.trim();
  if (s === "") throw new ImageReferenceError(input, "Image reference is empty");
  if (/\s/.test(s)) throw new ImageReferenceError(input, `Image reference "${input}" contains white space`);
  if (s.includes("://")) {
    throw new ImageReferenceError(
      input,
      `Image reference "${input}" has a transport prefix: write it without "${
        s.slice(0, s.indexOf("://") + 3)
      }"`,
    );
  }
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = parseDigest(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let registry = "docker.io";
  const slash = rest.indexOf("/");
  if (slash >= 0 && looksLikeHost(rest.slice(0, slash))) {
    registry = parseRegistryHost(rest.slice(0, slash), input);
    rest = rest.slice(slash + 1);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon >= 0) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG_RE.test(tag)) {
      throw new ImageReferenceError(
        input,
        `Image reference "${input}" has an invalid tag "${tag}": want up to 128 letters, digits, _ . -, not starting with . or -`,
      );
    }
  }
  let repository = parseRepositoryPath(rest, input);
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
    throw new ImageReferenceError(
      input,
      `Image reference "${input}" is longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined && options.defaultTag !== undefined) ref.tag = options.defaultTag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `registry/repository` of a reference. */
export function referenceName(ref: Pick<ImageReference, "registry" | "repository">): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Formats a reference as `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  let s = referenceName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The reference to ask a store for: the digest when known, else the tag, else `latest`. */
export function referenceTarget(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? "latest";
}
