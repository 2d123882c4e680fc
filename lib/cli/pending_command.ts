/**
 * A command whose behaviour has not landed yet: it parses its flags (so typos are caught) and then says
 * plainly that it is not implemented, exiting non-zero. It never pretends to work.
 * @module
 */
import { NotImplementedError } from "../errors.ts";
import type { Command } from "./command.ts";
import type { FlagSpec } from "./flags.ts";

/** Builds a command that reports it is not implemented yet. */
export function pendingCommand(
  name: string,
  description: string,
  usage: string[],
  flags: FlagSpec[],
): Command {
  return {
    name,
    description,
    usage,
    flags,
    run() {
      return Promise.reject(
        new NotImplementedError(`"oc-mirror ${name}" is not implemented in this build yet`),
      );
    },
  };
}
