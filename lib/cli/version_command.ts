/**
 * `oc-mirror version [--output json]`: version, commit and Deno version.
 * @module
 */
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS } from "./common_flags.ts";
import { COMMIT, VERSION } from "./build_info.ts";

/** The version command. */
export const versionCommand: Command = {
  name: "version",
  description: "Print the version of oc-mirror, the commit it was built from and the Deno runtime",
  usage: ["oc-mirror version [--output json]"],
  flags: [...GLOBAL_FLAGS, {
    name: "output",
    short: "o",
    type: "string",
    choices: ["text", "json"],
    default: "text",
    description: "Output format",
  }],
  run({ io, flags }) {
    const info = {
      version: VERSION,
      commit: COMMIT,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
    };
    if (flags.string("output") === "json") io.stdout(JSON.stringify(info) + "\n");
    else io.stdout(`oc-mirror ${info.version} (commit ${info.commit}, Deno ${info.deno})\n`);
    return Promise.resolve({});
  },
};
