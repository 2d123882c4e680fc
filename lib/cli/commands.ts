/**
 * Every command of the CLI, in help order.
 * @module
 */
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import { copyCommand } from "./copy_command.ts";
import { listReleasesCommand } from "./list_releases_command.ts";
import { listOperatorsCommand } from "./list_operators_command.ts";
import { initCommand } from "./init_command.ts";
import { mirrorCommand } from "./mirror_command.ts";
import { pendingCommand } from "./pending_command.ts";
import { serveCommand } from "./serve_command.ts";
import { verifyUpgradePathsCommand } from "./verify_upgrade_paths_command.ts";
import { versionCommand } from "./version_command.ts";

/** All commands; the root mirror command has the empty name. */
export const COMMANDS: readonly Command[] = [
  mirrorCommand,
  initCommand,
  listReleasesCommand,
  listOperatorsCommand,
  pendingCommand("describe", "Describe a mirror archive set", ["oc-mirror describe file://DIR"], [
    ...GLOBAL_FLAGS,
  ]),
  pendingCommand("delete", "Delete mirrored images (v2, two phases)", [
    "oc-mirror delete -c delete-isc.yaml --workspace file://DIR --generate docker://REG[/ns]",
    "oc-mirror delete --delete-yaml-file FILE docker://REG[/ns]",
  ], [
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
  ]),
  copyCommand,
  serveCommand,
  verifyUpgradePathsCommand,
  versionCommand,
];
