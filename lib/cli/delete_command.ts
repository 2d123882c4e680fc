/**
 * `oc-mirror delete` (v2, two phases, §1.3 of the reference): `-c disc.yaml --workspace file://DIR
 * --generate docker://REG[/ns]` writes the delete list and deletes nothing; `--delete-yaml-file FILE
 * docker://REG[/ns]` deletes the listed manifests (keeping any another tag still references). Checks
 * the flag combinations and hands a typed request to the workflow.
 * @module
 */
import type { RunContext } from "../context.ts";
import { NotImplementedError, UsageError } from "../errors.ts";
import { type FileLocation, parseLocation, type RegistryLocation } from "../reference/mod.ts";
import {
  type DeleteExecuteRequest,
  type DeleteGenerateRequest,
  executeDeleteList,
  generateDeleteList,
} from "../workflow/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import type { Flags, FlagSpec } from "./flags.ts";
import { registryAccessFromFlags } from "./registry_access.ts";

/** The flags of `delete`. */
export const DELETE_FLAGS: FlagSpec[] = [
  ...GLOBAL_FLAGS,
  ...REGISTRY_FLAGS,
  {
    name: "config",
    short: "c",
    type: "string",
    valueName: "FILE",
    description: "DeleteImageSetConfiguration file",
  },
  {
    name: "workspace",
    type: "string",
    valueName: "file://DIR",
    description: "Workspace of the earlier mirror run",
  },
  { name: "generate", type: "boolean", description: "Write the delete plan, delete nothing" },
  { name: "delete-id", type: "string", description: "Suffix of the generated delete files" },
  { name: "delete-yaml-file", type: "string", valueName: "FILE", description: "Delete plan to run" },
  { name: "force-cache-delete", type: "boolean", description: "Also delete from the local cache" },
  { name: "delete-signatures", type: "boolean", description: "Also delete sigstore signatures" },
  { name: "delete-v1-images", type: "boolean", description: "Compute v1-style destination tags" },
  { name: "cache-dir", type: "string", valueName: "DIR", description: "Cache location" },
  {
    name: "port",
    short: "p",
    type: "int",
    default: 55000,
    description: "Port of the local cache registry",
  },
  {
    name: "dry-run",
    type: "boolean",
    engine: "ours",
    description: "With --delete-yaml-file: print what would be deleted and kept, delete nothing",
  },
  {
    name: "parallel-images",
    type: "int",
    default: 4,
    min: 1,
    max: 10,
    description: "Registry requests (resolves and deletes) at once",
  },
  {
    name: "max-nested-paths",
    type: "int",
    default: 0,
    min: 0,
    max: 100,
    engine: "ours",
    description: "With --generate: the --max-nested-paths of the mirror run",
  },
  {
    name: "ignore-release-signature",
    type: "boolean",
    description: "With --generate: as for the mirror run (releases without a verified signature)",
  },
  {
    name: "include-conditional-edges",
    type: "boolean",
    engine: "ours",
    description: "With --generate: as for the mirror run",
  },
  {
    name: "resolve-dependencies",
    type: "boolean",
    engine: "ours",
    description: "With --generate: as for the mirror run",
  },
];

function destinationOf(flags: Flags): RegistryLocation {
  const positionals = flags.positionals;
  if (positionals.length === 0) {
    throw new UsageError(
      "The registry is missing: give docker://REGISTRY[/namespace] the images were mirrored to",
    );
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `Expected one registry, got ${positionals.length}: ${positionals.map((p) => `"${p}"`).join(" ")}`,
    );
  }
  return parseLocation(positionals[0] as string, ["docker"]) as RegistryLocation;
}

/** What `delete` was asked: phase 1 (generate) or phase 2 (execute). */
export type DeleteRequest =
  | { phase: "generate"; request: DeleteGenerateRequest }
  | { phase: "execute"; request: DeleteExecuteRequest };

/** Turns the flags of `delete` into a request, applying the rules of the original. */
export function deleteRequestFromFlags(flags: Flags, ctx: Pick<RunContext, "env">): DeleteRequest {
  if (flags.bool("v1")) {
    throw new UsageError("Delete exists only in the v2 engine: drop --v1", {
      hint: "v1 prunes images dropped from the configuration during a mirror run instead",
    });
  }
  if (flags.bool("delete-v1-images")) {
    throw new NotImplementedError(
      "Flag --delete-v1-images (v1-style destination tags) is not implemented in this build",
    );
  }
  const generate = flags.bool("generate");
  const listFile = flags.string("delete-yaml-file");
  if (generate && listFile !== undefined) {
    throw new UsageError(
      "Use either --generate (phase 1: write the delete list) or --delete-yaml-file (phase 2: delete), not both",
    );
  }
  if (!generate && listFile === undefined) {
    throw new UsageError(
      "Delete runs in two phases: --generate -c delete-isc.yaml --workspace file://DIR writes the list, then --delete-yaml-file FILE deletes it",
    );
  }
  const destination = destinationOf(flags);
  const registry = registryAccessFromFlags(flags, ctx);
  const parallel = flags.int("parallel-images") ?? 4;
  if (generate) {
    const configFile = flags.string("config");
    if (!configFile) {
      throw new UsageError("The DeleteImageSetConfiguration is missing: --generate needs -c FILE");
    }
    const workspace = flags.string("workspace");
    if (!workspace) {
      throw new UsageError(
        "The workspace is missing: --generate needs --workspace file://DIR, the workspace of the mirror run",
      );
    }
    if (!workspace.startsWith("file://")) {
      throw new UsageError(`Flag --workspace is "${workspace}": want file://DIR`);
    }
    const workspacePath = (parseLocation(workspace, ["file"]) as FileLocation).path;
    if (flags.bool("dry-run")) {
      throw new UsageError("Flag --dry-run is for --delete-yaml-file: --generate never deletes anything");
    }
    const deleteId = flags.string("delete-id");
    return {
      phase: "generate",
      request: {
        configFile,
        workspace: workspacePath,
        destination,
        ...(deleteId !== undefined ? { deleteId } : {}),
        maxNestedPaths: flags.int("max-nested-paths") ?? 0,
        ignoreReleaseSignature: flags.bool("ignore-release-signature"),
        includeConditionalEdges: flags.bool("include-conditional-edges"),
        resolveDependencies: flags.bool("resolve-dependencies"),
        registry,
      },
    };
  }
  return {
    phase: "execute",
    request: {
      listFile: listFile as string,
      destination,
      deleteSignatures: flags.bool("delete-signatures"),
      forceCacheDelete: flags.bool("force-cache-delete"),
      dryRun: flags.bool("dry-run"),
      parallel,
      registry,
    },
  };
}

/** The delete command. */
export const deleteCommand: Command = {
  name: "delete",
  description: "Delete mirrored images (v2, two phases)",
  usage: [
    "oc-mirror delete -c delete-isc.yaml --workspace file://DIR --generate docker://REG[/ns]",
    "oc-mirror delete --delete-yaml-file FILE docker://REG[/ns]",
  ],
  flags: DELETE_FLAGS,
  examples: [
    "oc-mirror delete --v2 -c delete-isc.yaml --workspace file:///srv/ws --generate docker://registry.example.com:5000",
    "oc-mirror delete --v2 --delete-yaml-file /srv/ws/working-dir/delete/delete-images.yaml docker://registry.example.com:5000",
  ],
  async run({ ctx, flags }) {
    const r = deleteRequestFromFlags(flags, ctx);
    if (r.phase === "generate") await generateDeleteList(ctx, r.request);
    else await executeDeleteList(ctx, r.request);
    return {};
  },
};
