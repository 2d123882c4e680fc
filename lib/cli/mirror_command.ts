/**
 * The root command: `oc-mirror [--v1|--v2] -c FILE file://DIR` (mirror-to-disk), `--from file://DIR
 * docker://REG[/ns]` (disk-to-mirror), `--workspace file://DIR docker://REG[/ns]` (mirror-to-mirror).
 * Checks the flag combinations exactly as the original does (§1.1 of the reference) and hands a typed
 * {@link MirrorRequest} to the workflow.
 * @module
 */
import type { RunContext } from "../context.ts";
import { NotImplementedError, UsageError } from "../errors.ts";
import { type FileLocation, parseLocation, type RegistryLocation } from "../reference/mod.ts";
import { type MirrorMode, type MirrorRequest, runMirror } from "../workflow/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, MIRROR_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import type { Flags } from "./flags.ts";
import { registryAccessFromFlags } from "./registry_access.ts";

/** Folder names the original reserves inside working-dir; a destination path must not contain them. */
export const INTERNAL_KEYWORDS = [
  "cluster-resources",
  "dry-run",
  "graph-preparation",
  "helm",
  "hold-operator",
  "hold-release",
  "delete",
  "logs",
  "operator-catalogs",
  "release-images",
  "signatures",
];

function fileLocation(flag: string, value: string): FileLocation {
  if (!value.startsWith("file://")) {
    throw new UsageError(`Flag --${flag} is "${value}": want file://DIR`);
  }
  return parseLocation(value, ["file"]) as FileLocation;
}

function checkKeywords(what: string, path: string): void {
  const parts = path.split("/");
  const bad = INTERNAL_KEYWORDS.find((k) => parts.includes(k));
  if (bad) {
    throw new UsageError(
      `${what} "${path}" contains "${bad}", a folder name oc-mirror uses inside its working-dir: choose another path`,
    );
  }
}

/** Parses `--since`: a calendar date `yyyy-MM-dd` (UTC midnight). */
export function parseSince(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`Flag --since is "${value}": want a date as yyyy-MM-dd, e.g. 2026-01-31`);
  }
  return d;
}

/** Turns the root command's flags into a {@link MirrorRequest}, applying every rule of the original. */
export function mirrorRequestFromFlags(flags: Flags, ctx: Pick<RunContext, "env" | "report">): MirrorRequest {
  if (flags.bool("v1") && flags.bool("v2")) {
    throw new UsageError("Flags --v1 and --v2 cannot be used together");
  }
  const config = flags.string("config");
  if (!config) {
    throw new UsageError("The configuration file is missing: use -c FILE", {
      hint: 'Write one with "oc-mirror init --v2 --output isc.yaml"',
    });
  }
  const positionals = flags.positionals;
  if (positionals.length === 0) {
    throw new UsageError(
      "The destination is missing: give file://DIR (mirror-to-disk) or docker://REGISTRY[/namespace]",
    );
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `Expected one destination, got ${positionals.length}: ${positionals.map((p) => `"${p}"`).join(" ")}`,
    );
  }
  const dest = parseLocation(positionals[0] as string, ["file", "docker"]) as FileLocation | RegistryLocation;
  const fromFlag = flags.string("from");
  const workspaceFlag = flags.string("workspace");
  let mode: MirrorMode;
  if (dest.kind === "file") {
    if (fromFlag) {
      throw new UsageError(
        "A file:// destination cannot be combined with --from: --from publishes to docker://",
      );
    }
    if (workspaceFlag) {
      throw new UsageError(
        "A file:// destination cannot be combined with --workspace: the destination is the workspace",
      );
    }
    checkKeywords("Destination", dest.path);
    mode = "mirrorToDisk";
  } else if (fromFlag && workspaceFlag) {
    throw new UsageError(
      "Use either --from (disk-to-mirror) or --workspace (mirror-to-mirror) with a docker:// destination, not both",
    );
  } else if (fromFlag) {
    mode = "diskToMirror";
  } else if (workspaceFlag || flags.bool("v1")) {
    mode = "mirrorToMirror";
  } else {
    throw new UsageError(
      "A docker:// destination needs --from file://DIR (disk-to-mirror) or --workspace file://DIR (mirror-to-mirror)",
    );
  }
  const from = fromFlag ? fileLocation("from", fromFlag).path : undefined;
  if (from) checkKeywords("Flag --from", from);
  const workspace = workspaceFlag ? fileLocation("workspace", workspaceFlag).path : undefined;
  if (flags.bool("dry-run") && flags.bool("dry-run-manifest-lists")) {
    throw new UsageError(
      "Flags --dry-run and --dry-run-manifest-lists cannot be used together: the second implies the first",
    );
  }
  let since: Date | undefined;
  const sinceFlag = flags.string("since");
  if (sinceFlag !== undefined) {
    since = parseSince(sinceFlag);
    if (mode !== "mirrorToDisk") {
      ctx.report({
        kind: "log",
        level: "warn",
        message: "Flag --since only applies to mirror-to-disk and is ignored",
      });
      since = undefined;
    }
  }
  for (const f of ["secure-policy", "policy", "registries.d"]) {
    if (flags.has(f)) {
      throw new NotImplementedError(
        `Flag --${f} (signature verification with policy.json) is not implemented in this build yet`,
      );
    }
  }
  const cacheFlag = flags.string("cache-dir");
  const cacheEnv = ctx.env("OC_MIRROR_CACHE");
  if (cacheFlag && cacheEnv) {
    throw new UsageError("Both OC_MIRROR_CACHE and --cache-dir are set: use one of them");
  }
  const cacheDir = cacheFlag ?? cacheEnv;
  const request: MirrorRequest = {
    mode,
    configFile: config,
    destination: dest,
    port: flags.int("port") ?? 55000,
    dryRun: flags.bool("dry-run") || flags.bool("dry-run-manifest-lists"),
    dryRunManifestLists: flags.bool("dry-run-manifest-lists"),
    strictArchive: flags.bool("strict-archive"),
    maxNestedPaths: flags.int("max-nested-paths") ?? 0,
    continueOnError: flags.bool("continue-on-error"),
    removeSignatures: flags.bool("remove-signatures"),
    ignoreReleaseSignature: flags.bool("ignore-release-signature"),
    includeConditionalEdges: flags.bool("include-conditional-edges"),
    resolveDependencies: flags.bool("resolve-dependencies"),
    parallelImages: flags.int("parallel-images") ?? 4,
    parallelLayers: flags.int("parallel-layers") ?? 5,
    imageTimeoutMs: flags.int("image-timeout") ?? 600_000,
    registry: registryAccessFromFlags(flags, ctx),
    v1: {
      skipPruning: flags.bool("skip-pruning"),
      skipMetadataCheck: flags.bool("skip-metadata-check"),
      ignoreHistory: flags.bool("ignore-history"),
      manifestsOnly: flags.bool("manifests-only"),
      skipMissing: flags.bool("skip-missing"),
    },
  };
  if (flags.bool("v1")) request.engine = "v1";
  if (flags.bool("v2")) request.engine = "v2";
  if (from) request.from = from;
  if (workspace) request.workspace = workspace;
  if (cacheDir) request.cacheDir = cacheDir;
  if (since) request.since = since;
  return request;
}

/** The root command. */
export const mirrorCommand: Command = {
  name: "",
  description:
    "oc-mirror mirrors OpenShift releases, operator catalogs, Helm charts and images for disconnected clusters.",
  usage: [
    "oc-mirror [--v1|--v2] -c isc.yaml file://DIR                        mirror-to-disk (archives)",
    "oc-mirror [--v1|--v2] -c isc.yaml --from file://DIR docker://REG[/ns]  disk-to-mirror",
    "oc-mirror [--v1|--v2] -c isc.yaml --workspace file://DIR docker://REG[/ns]  mirror-to-mirror",
    "oc-mirror COMMAND [flags]",
  ],
  flags: [...GLOBAL_FLAGS, ...MIRROR_FLAGS, ...REGISTRY_FLAGS],
  commands: [
    { name: "init", description: "Write a starter ImageSetConfiguration" },
    { name: "list releases", description: "List release channels and versions of the update service" },
    {
      name: "list operators",
      description: "List the packages, channels and versions of an operator catalog",
    },
    { name: "describe", description: "Describe the content of a mirror archive set" },
    { name: "delete", description: "Generate and run the deletion of mirrored images (v2)" },
    { name: "copy", description: "Copy one image between registries and OCI layouts" },
    { name: "serve", description: "Serve a cache or an extracted archive as a registry" },
    {
      name: "verify-upgrade-paths",
      description: "Check every mirrored release can upgrade to every higher one",
    },
    { name: "version", description: "Print version information" },
  ],
  examples: [
    "oc-mirror --v2 -c isc.yaml file:///srv/mirror",
    "oc-mirror --v2 -c isc.yaml --from file:///srv/mirror docker://registry.example.com:5000/mirror",
    "oc-mirror --v2 -c isc.yaml --workspace file:///srv/ws docker://registry.example.com:5000",
  ],
  async run({ ctx, flags }) {
    return await runMirror(ctx, mirrorRequestFromFlags(flags, ctx));
  },
};
