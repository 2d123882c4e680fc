/**
 * Command-line locations: `docker://host[:port][/namespace]`, `file://dir` and `oci://dir`. Unlike the
 * original, the first component of a `docker://` location is always the registry host, so
 * `docker://myregistry/ns` does what it says.
 * @module
 */
import { ImageReferenceError } from "../errors.ts";
import {
  type ImageReference,
  parseImageReference,
  parseRegistryHost,
  parseRepositoryPath,
} from "./image_reference.ts";

/** A registry destination or source: host plus an optional namespace prefix. */
export interface RegistryLocation {
  kind: "docker";
  registry: string;
  /** Path prefix under the registry, `""` for none. */
  namespace: string;
}

/** A local directory (archives, workspace). */
export interface FileLocation {
  kind: "file";
  /** As written; relative paths resolve against the working directory. */
  path: string;
}

/** An OCI image layout directory, with an optional reference name inside it. */
export interface OciLocation {
  kind: "oci";
  path: string;
  /** `org.opencontainers.image.ref.name` inside the layout. */
  reference?: string;
}

/** Any location the CLI accepts. */
export type Location = RegistryLocation | FileLocation | OciLocation;

function scheme(input: string): string | undefined {
  const m = /^([a-z]+):\/\//.exec(input);
  return m?.[1];
}

/** Parses `docker://`, `file://` or `oci://`; `allowed` lists the schemes the caller accepts. */
export function parseLocation(
  input: string,
  allowed: Location["kind"][] = ["docker", "file", "oci"],
): Location {
  const s = scheme(input);
  if (s === undefined || !(allowed as string[]).includes(s)) {
    const want = allowed.map((k) => `${k}://`).join(", ");
    throw new ImageReferenceError(
      input,
      s === undefined
        ? `Location "${input}" has no scheme: want one of ${want}`
        : `Location "${input}" uses scheme "${s}://": want one of ${want}`,
    );
  }
  const rest = input.slice(s.length + 3);
  if (s === "file") {
    if (rest === "") throw new ImageReferenceError(input, `Location "${input}" has no path`);
    return { kind: "file", path: rest };
  }
  if (s === "oci") {
    if (rest === "") throw new ImageReferenceError(input, `Location "${input}" has no path`);
    const digestRef = /^(.+?)[:@](sha256:[a-f0-9]{64})$/.exec(rest);
    if (digestRef) return { kind: "oci", path: digestRef[1] as string, reference: digestRef[2] as string };
    const colon = rest.lastIndexOf(":");
    if (colon > 0 && !rest.slice(colon + 1).includes("/")) {
      return { kind: "oci", path: rest.slice(0, colon), reference: rest.slice(colon + 1) };
    }
    return { kind: "oci", path: rest };
  }
  const trimmed = rest.replace(/\/+$/, "");
  if (trimmed === "") throw new ImageReferenceError(input, `Location "${input}" has no registry host`);
  const slash = trimmed.indexOf("/");
  const host = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const namespace = slash < 0 ? "" : trimmed.slice(slash + 1);
  const registry = parseRegistryHost(host, input);
  if (namespace !== "") parseRepositoryPath(namespace, input);
  if (namespace.includes(":") || namespace.includes("@")) {
    throw new ImageReferenceError(
      input,
      `Location "${input}" names a tag or digest: want docker://host[:port][/namespace]`,
    );
  }
  return { kind: "docker", registry, namespace };
}

/** Formats a location back to its `scheme://` form. */
export function formatLocation(l: Location): string {
  if (l.kind === "docker") return `docker://${l.registry}${l.namespace ? `/${l.namespace}` : ""}`;
  if (l.kind === "oci") return `oci://${l.path}${l.reference ? `:${l.reference}` : ""}`;
  return `file://${l.path}`;
}

/** An image named with its transport, as the `copy` command takes it. */
export type ImageLocation = { kind: "docker"; reference: ImageReference } | OciLocation;

/** Parses `docker://REF` or `oci://DIR[:ref]` for the `copy` command. */
export function parseImageLocation(input: string): ImageLocation {
  const s = scheme(input);
  if (s === "docker") {
    return { kind: "docker", reference: parseImageReference(input.slice("docker://".length)) };
  }
  if (s === "oci") return parseLocation(input, ["oci"]) as OciLocation;
  throw new ImageReferenceError(input, `Image location "${input}" must start with docker:// or oci://`);
}
