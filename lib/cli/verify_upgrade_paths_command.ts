/**
 * `oc-mirror verify-upgrade-paths --workspace file://DIR [docker://REG[/ns]]`: checks that every mirrored
 * release can upgrade to every higher mirrored one (ours; the original assumes it).
 * @module
 */
import { UsageError } from "../errors.ts";
import { parseLocation, type RegistryLocation } from "../reference/mod.ts";
import { verifyMirroredPaths } from "../workflow/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import { registryAccessFromFlags } from "./registry_access.ts";
import { resolve } from "node:path";

/** The verify-upgrade-paths command. */
export const verifyUpgradePathsCommand: Command = {
  name: "verify-upgrade-paths",
  description: "Check that every mirrored release can upgrade to every higher mirrored release",
  usage: ["oc-mirror verify-upgrade-paths --workspace file://DIR [docker://REG[/ns]]"],
  flags: [
    ...GLOBAL_FLAGS,
    ...REGISTRY_FLAGS,
    {
      name: "workspace",
      type: "string",
      valueName: "file://DIR",
      description: "Workspace (or --from directory) of a mirror run",
    },
    {
      name: "include-conditional-edges",
      type: "boolean",
      description: "Count conditional updates as upgrade paths",
    },
  ],
  examples: [
    "oc-mirror verify-upgrade-paths --workspace file:///srv/mirror docker://registry.example.com:5000/ocp",
  ],
  async run({ ctx, flags }) {
    const ws = flags.string("workspace");
    if (!ws) throw new UsageError("The workspace is missing: use --workspace file://DIR");
    const workspace = parseLocation(ws, ["file"]);
    if (flags.positionals.length > 1) {
      throw new UsageError("Expected at most one registry: docker://REG[/ns]");
    }
    const reg = flags.positionals[0];
    const ok = await verifyMirroredPaths(ctx, {
      workspace: resolve(ctx.cwd, workspace.kind === "file" ? workspace.path : "."),
      access: registryAccessFromFlags(flags, ctx),
      includeConditionalEdges: flags.bool("include-conditional-edges"),
      ...(reg ? { registry: parseLocation(reg, ["docker"]) as RegistryLocation } : {}),
    });
    return ok ? {} : { failed: ["release"] };
  },
};
