/**
 * Flags shared by several commands (the original's persistent flags), and the flags of the root mirror
 * command with the original's defaults. Every flag of the real v2 and the v1 mirror flags are listed so
 * scripts written for the original parse; hidden ones are accepted but not shown.
 * @module
 */
import type { FlagSpec } from "./flags.ts";

/** Engine selection and output flags every command takes. */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "v1", type: "boolean", description: "Use the v1 engine (stateful metadata, pruning)" },
  { name: "v2", type: "boolean", description: "Use the v2 engine (cache, history, explicit delete)" },
  {
    name: "log-level",
    type: "string",
    default: "info",
    choices: ["error", "warn", "info", "debug", "trace"],
    description: "How much to log: error, warn, info, debug or trace",
  },
  {
    name: "log-format",
    type: "string",
    default: "text",
    choices: ["text", "json"],
    engine: "ours",
    description: "text for people, json for scripts (one JSON object per line on stderr)",
  },
  {
    name: "quiet",
    type: "boolean",
    engine: "ours",
    description: "Print only warnings, errors and the summary",
  },
  { name: "help", short: "h", type: "boolean", description: "Show help" },
];

/** Registry access flags (authentication, TLS, retries). */
export const REGISTRY_FLAGS: FlagSpec[] = [
  {
    name: "authfile",
    type: "string",
    valueName: "FILE",
    description: "Registry credentials file; default $REGISTRY_AUTH_FILE, else the containers/docker chain",
  },
  {
    name: "src-tls-verify",
    type: "boolean",
    default: true,
    description: "Verify TLS of source registries (false also allows http)",
  },
  {
    name: "dest-tls-verify",
    type: "boolean",
    default: true,
    description: "Verify TLS of the destination registry (false also allows http)",
  },
  {
    name: "ca-file",
    type: "string",
    valueName: "FILE",
    engine: "ours",
    description: "Extra CA certificates (PEM) to trust",
  },
  {
    name: "registries-config",
    type: "string",
    valueName: "FILE",
    engine: "ours",
    description:
      "containers-registries.conf(5) file rewriting source registries; default the containers locations",
  },
  {
    name: "retry-times",
    type: "int",
    default: 5,
    min: 0,
    max: 100,
    description: "Retries of a failed registry request",
  },
  {
    name: "retry-delay",
    type: "duration",
    default: 0,
    description: "Delay between retries; 0 means exponential backoff with jitter",
  },
  {
    name: "src-cert-dir",
    type: "string",
    hidden: true,
    description: "Accepted for compatibility; use --ca-file",
  },
  {
    name: "dest-cert-dir",
    type: "string",
    hidden: true,
    description: "Accepted for compatibility; use --ca-file",
  },
  {
    name: "tls-verify",
    type: "boolean",
    hidden: true,
    description: "Deprecated: sets both --src-tls-verify and --dest-tls-verify",
  },
];

/** Flags of the root mirror command (mirror-to-disk, disk-to-mirror, mirror-to-mirror). */
export const MIRROR_FLAGS: FlagSpec[] = [
  {
    name: "config",
    short: "c",
    type: "string",
    valueName: "FILE",
    description: "ImageSetConfiguration file",
  },
  {
    name: "from",
    type: "string",
    valueName: "file://DIR",
    description: "Archive directory to publish (disk-to-mirror)",
  },
  {
    name: "workspace",
    type: "string",
    valueName: "file://DIR",
    description: "Working directory for mirror-to-mirror",
  },
  {
    name: "cache-dir",
    type: "string",
    valueName: "DIR",
    description: "Cache location (<DIR>/.oc-mirror/.cache); default $HOME or $OC_MIRROR_CACHE",
  },
  {
    name: "port",
    short: "p",
    type: "int",
    default: 55000,
    min: 1,
    max: 65535,
    description: "Port of the local cache registry",
  },
  { name: "parallel-images", type: "int", default: 4, min: 1, max: 10, description: "Images copied at once" },
  {
    name: "parallel-layers",
    type: "int",
    default: 5,
    min: 1,
    max: 10,
    description: "Blobs copied at once per image",
  },
  { name: "image-timeout", type: "duration", default: "10m", description: "Time limit for one image copy" },
  {
    name: "dry-run",
    type: "boolean",
    description: "Plan only: write mapping.txt and missing.txt, transfer nothing",
  },
  {
    name: "dry-run-manifest-lists",
    type: "boolean",
    description: "Like --dry-run, also listing every platform manifest",
  },
  {
    name: "since",
    type: "string",
    valueName: "YYYY-MM-DD",
    description: "Mirror-to-disk: archive everything new since this date",
  },
  {
    name: "strict-archive",
    type: "boolean",
    description: "Fail when a single file is larger than archiveSize",
  },
  {
    name: "max-nested-paths",
    type: "int",
    default: 0,
    min: 0,
    max: 100,
    description: "Flatten destination paths to at most N components",
  },
  {
    name: "continue-on-error",
    type: "boolean",
    description: "Keep going after an image fails; list failures in the errors file",
  },
  { name: "remove-signatures", type: "boolean", description: "Do not copy sigstore signature attachments" },
  {
    name: "ignore-release-signature",
    type: "boolean",
    description: "Do not require release signatures (only with platform.release)",
  },
  {
    name: "include-conditional-edges",
    type: "boolean",
    engine: "ours",
    description: "Let upgrade paths use conditional update edges (their risks are listed)",
  },
  {
    name: "resolve-dependencies",
    type: "boolean",
    engine: "ours",
    description: "v2: also mirror operator dependencies (olm.package.required / olm.gvk.required)",
  },
  {
    name: "policy",
    type: "string",
    valueName: "FILE",
    description: "containers policy.json (with --secure-policy)",
  },
  { name: "secure-policy", type: "boolean", description: "Enforce signature verification with policy.json" },
  {
    name: "registries.d",
    type: "string",
    valueName: "DIR",
    description: "registries.d directory (lookaside / sigstore)",
  },
  {
    name: "rootless-storage-path",
    type: "string",
    hidden: true,
    description: "Accepted for compatibility; unused",
  },
  // v1 flags
  {
    name: "skip-pruning",
    type: "boolean",
    engine: "v1",
    description: "Do not delete images dropped from the configuration",
  },
  {
    name: "skip-metadata-check",
    type: "boolean",
    engine: "v1",
    description: "Publish an archive out of sequence",
  },
  {
    name: "ignore-history",
    type: "boolean",
    engine: "v1",
    description: "Archive every blob, not only new ones",
  },
  {
    name: "manifests-only",
    type: "boolean",
    engine: "v1",
    description: "Write the mapping and manifests, mirror nothing",
  },
  {
    name: "skip-missing",
    type: "boolean",
    engine: "v1",
    description: "Skip images that are not found at the source",
  },
  {
    name: "max-per-registry",
    type: "int",
    default: 6,
    min: 1,
    max: 64,
    description: "Concurrent requests per registry",
  },
  { name: "dest-skip-tls", type: "boolean", engine: "v1", description: "Same as --dest-tls-verify=false" },
  { name: "source-skip-tls", type: "boolean", engine: "v1", description: "Same as --src-tls-verify=false" },
  { name: "dest-use-http", type: "boolean", engine: "v1", description: "Use plain http for the destination" },
  { name: "source-use-http", type: "boolean", engine: "v1", description: "Use plain http for sources" },
  {
    name: "skip-verification",
    type: "boolean",
    engine: "v1",
    hidden: true,
    description: "Accepted for compatibility",
  },
  {
    name: "skip-cleanup",
    type: "boolean",
    engine: "v1",
    hidden: true,
    description: "Accepted for compatibility",
  },
  {
    name: "skip-image-pin",
    type: "boolean",
    engine: "v1",
    hidden: true,
    description: "Accepted for compatibility",
  },
  {
    name: "rebuild-catalogs",
    type: "boolean",
    engine: "v1",
    hidden: true,
    default: true,
    description: "Accepted for compatibility",
  },
  {
    name: "oci-registries-config",
    type: "string",
    engine: "v1",
    hidden: true,
    description: "Alias of --registries-config",
  },
  { name: "force", type: "boolean", hidden: true, description: "Accepted for compatibility" },
  { name: "cpu-prof", type: "boolean", hidden: true, description: "Accepted for compatibility" },
  { name: "mem-prof", type: "boolean", hidden: true, description: "Accepted for compatibility" },
];
