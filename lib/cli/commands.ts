/**
 * Every command of the CLI, in help order.
 * @module
 */
import type { Command } from "./command.ts";
import { copyCommand } from "./copy_command.ts";
import { deleteCommand } from "./delete_command.ts";
import { describeCommand } from "./describe_command.ts";
import { listReleasesCommand } from "./list_releases_command.ts";
import { listOperatorsCommand } from "./list_operators_command.ts";
import { initCommand } from "./init_command.ts";
import { mirrorCommand } from "./mirror_command.ts";
import { serveCommand } from "./serve_command.ts";
import { verifyUpgradePathsCommand } from "./verify_upgrade_paths_command.ts";
import { versionCommand } from "./version_command.ts";

/** All commands; the root mirror command has the empty name. */
export const COMMANDS: readonly Command[] = [
  mirrorCommand,
  initCommand,
  listReleasesCommand,
  listOperatorsCommand,
  describeCommand,
  deleteCommand,
  copyCommand,
  serveCommand,
  verifyUpgradePathsCommand,
  versionCommand,
];
