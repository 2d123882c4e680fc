/**
 * The error classes every part of oc-mirror throws. Each carries a stable `code` that scripts and tests
 * match on, a message a user can act on, an optional `hint` (what to do next) and the low-level `cause`.
 *
 * Message style: say what failed and quote the values, then the details after a colon; start with a
 * capital letter, no final period. Configuration errors start with `file:line:column: `.
 * @module
 */

/** Stable error codes; scripts match on these, never on messages. */
export type ErrorCode =
  | "GENERIC"
  | "USAGE"
  | "CONFIG_INVALID"
  | "IMAGE_REFERENCE_INVALID"
  | "MANIFEST_INVALID"
  | "NOT_FOUND"
  | "REGISTRY"
  | "UNAUTHORIZED"
  | "DIGEST_MISMATCH"
  | "COPY_FAILED"
  | "ARCHIVE_INVALID"
  | "GRAPH"
  | "CATALOG"
  | "SIGNATURE"
  | "HELM"
  | "STATE"
  | "LOCKED"
  | "NOT_IMPLEMENTED"
  | "ABORTED";

/** Options shared by every error class. */
export interface OcMirrorErrorOptions {
  /** The low-level error; printed only with `--log-level debug`. */
  cause?: unknown;
  /** What the user can do next, printed after the message. */
  hint?: string;
}

/** The base class of every error oc-mirror reports to a user. */
export class OcMirrorError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** What the user can do next. */
  readonly hint?: string;
  /**
   * The kind of images whose resolution this error ended (a mirror run sets it: the exit code then says
   * "release images failed" and so on instead of 1).
   */
  category?: "release" | "operator" | "additional" | "helm";

  constructor(message: string, options: OcMirrorErrorOptions = {}, code: ErrorCode = "GENERIC") {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** A command line that cannot be run as given. */
export class UsageError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "USAGE");
  }
}

/** One problem found in a configuration file, with its position. */
export interface ConfigProblem {
  /** The file as the user named it. */
  file: string;
  /** 1-based line, 0 when unknown. */
  line: number;
  /** 1-based column, 0 when unknown. */
  column: number;
  /** Dotted path of the offending key, e.g. `mirror.platform.channels[0].minVersion`. */
  path: string;
  /** What is wrong and what is allowed, without the position prefix. */
  message: string;
  /** `warning` problems are reported but do not fail the load. */
  severity: "error" | "warning";
}

/** Formats a problem as `file:line:column: message` (position parts omitted when unknown). */
export function formatConfigProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}: ${p.message}`;
}

/** An invalid configuration file; carries every problem found, not just the first. */
export class ConfigError extends OcMirrorError {
  readonly problems: ConfigProblem[];
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;

  constructor(problems: ConfigProblem[], options: OcMirrorErrorOptions = {}) {
    const errors = problems.filter((p) => p.severity === "error");
    const shown = errors.length > 0 ? errors : problems;
    super(shown.map(formatConfigProblem).join("\n"), options, "CONFIG_INVALID");
    this.problems = problems;
    const first = shown[0];
    this.file = first?.file ?? "";
    this.line = first?.line ?? 0;
    this.column = first?.column ?? 0;
    this.path = first?.path ?? "";
  }
}

/** A malformed image reference, digest or location. */
export class ImageReferenceError extends OcMirrorError {
  readonly reference: string;
  constructor(reference: string, message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "IMAGE_REFERENCE_INVALID");
    this.reference = reference;
  }
}

/** A manifest, index or descriptor that is not valid JSON of the expected shape. */
export class ManifestError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "MANIFEST_INVALID");
  }
}

/** A manifest, tag, blob or repository that a store does not have. */
export class NotFoundError extends OcMirrorError {
  /** The store's label, e.g. `docker://quay.io`. */
  readonly store: string;
  constructor(store: string, message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "NOT_FOUND");
    this.store = store;
  }
}

/** Details of a failed registry request. */
export interface RegistryErrorDetails {
  /** Registry host, e.g. `quay.io`. */
  registry: string;
  /** HTTP status, 0 for a connection failure. */
  status: number;
  /** The distribution-spec error code from the body, e.g. `MANIFEST_UNKNOWN`. */
  registryCode?: string;
  /** What we were doing, e.g. `push blob`. */
  operation: string;
}

/** A registry answered with an error or could not be reached. */
export class RegistryError extends OcMirrorError {
  readonly registry: string;
  readonly status: number;
  readonly registryCode?: string;
  readonly operation: string;
  constructor(message: string, details: RegistryErrorDetails, options: OcMirrorErrorOptions = {}) {
    super(message, options, details.status === 401 || details.status === 403 ? "UNAUTHORIZED" : "REGISTRY");
    this.registry = details.registry;
    this.status = details.status;
    if (details.registryCode !== undefined) this.registryCode = details.registryCode;
    this.operation = details.operation;
  }
}

/** Content whose bytes do not match the digest or size that named it. */
export class DigestMismatchError extends OcMirrorError {
  readonly expected: string;
  readonly actual: string;
  /** Where the content came from, e.g. `docker://quay.io/ns/repo blob sha256:...`. */
  readonly where: string;
  constructor(expected: string, actual: string, where: string, options: OcMirrorErrorOptions = {}) {
    super(
      `Content of ${where} does not match its digest: expected ${expected}, got ${actual}`,
      options,
      "DIGEST_MISMATCH",
    );
    this.expected = expected;
    this.actual = actual;
    this.where = where;
  }
}

/** Copying one image failed; says which side failed. */
export class CopyError extends OcMirrorError {
  readonly image: string;
  readonly side: "source" | "destination";
  constructor(
    image: string,
    side: "source" | "destination",
    message: string,
    options: OcMirrorErrorOptions = {},
  ) {
    super(message, options, "COPY_FAILED");
    this.image = image;
    this.side = side;
  }
}

/** An archive part that is missing, truncated, corrupt or hostile. */
export class ArchiveError extends OcMirrorError {
  readonly file: string;
  constructor(file: string, message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "ARCHIVE_INVALID");
    this.file = file;
  }
}

/** An update graph that cannot be fetched or does not allow the requested selection. */
export class GraphError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "GRAPH");
  }
}

/** An operator catalog that cannot be read or filtered as configured. */
export class CatalogError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "CATALOG");
  }
}

/** A release signature that is missing, malformed or does not verify. */
export class SignatureError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "SIGNATURE");
  }
}

/** A Helm repository or chart that cannot be read. */
export class HelmError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "HELM");
  }
}

/** Mirror state (metadata, history, cache) that is missing, corrupt or out of sequence. */
export class StateError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "STATE");
  }
}

/** Another run holds the workspace lock. */
export class LockError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "LOCKED");
  }
}

/** A command or option that this build does not implement yet; never pretends to work. */
export class NotImplementedError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "NOT_IMPLEMENTED");
  }
}

/** The run was cancelled (SIGINT, timeout). */
export class AbortedError extends OcMirrorError {
  constructor(message: string, options: OcMirrorErrorOptions = {}) {
    super(message, options, "ABORTED");
  }
}

/** Returns the signal's reason as an error, wrapping non-errors. */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error
    ? r
    : new AbortedError(`Operation cancelled${r === undefined ? "" : `: ${String(r)}`}`);
}

/** Throws the signal's reason if it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}
