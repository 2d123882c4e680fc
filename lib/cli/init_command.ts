/**
 * `oc-mirror init [--v1|--v2] [--registry REF | --local-path DIR] [--output FILE]`: writes a commented
 * starter ImageSetConfiguration that loads back without a warning. The original has `init` in v1 only;
 * ours writes v2alpha1 unless `--v1`.
 * @module
 */
import { resolve } from "node:path";
import { renderInitTemplate } from "../config/mod.ts";
import { log } from "../context.ts";
import { UsageError } from "../errors.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS } from "./common_flags.ts";

/** The init command. */
export const initCommand: Command = {
  name: "init",
  description: "Write a starter ImageSetConfiguration (v2alpha1, or v1alpha2 with --v1)",
  usage: ["oc-mirror init [--v1|--v2] [--registry REF | --local-path DIR] [--output FILE]"],
  flags: [
    ...GLOBAL_FLAGS,
    {
      name: "registry",
      type: "string",
      valueName: "REF",
      description: "v1: registry image holding the metadata (storageConfig.registry)",
    },
    {
      name: "local-path",
      type: "string",
      valueName: "DIR",
      description: "v1: folder holding the metadata (storageConfig.local)",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      valueName: "FILE",
      description: "Write the template to FILE instead of stdout",
    },
  ],
  examples: [
    "oc-mirror init --v2 --output isc.yaml",
    "oc-mirror init --v1 --local-path ./metadata > isc.yaml",
  ],
  async run({ ctx, io, flags }) {
    const registry = flags.string("registry");
    const localPath = flags.string("local-path");
    const text = renderInitTemplate({
      apiVersion: flags.bool("v1") ? "v1alpha2" : "v2alpha1",
      ...(registry !== undefined ? { registry } : {}),
      ...(localPath !== undefined ? { localPath } : {}),
    });
    const output = flags.string("output");
    if (output === undefined || output === "-") {
      io.stdout(text);
      return {};
    }
    const path = resolve(ctx.cwd, output);
    await Deno.writeTextFile(path, text, { createNew: true }).catch((e) => {
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new UsageError(`File ${output} already exists: choose another --output or remove it`);
      }
      throw e;
    });
    log(
      ctx,
      "info",
      `Wrote ${output}; edit it, then run: oc-mirror ${
        flags.bool("v1") ? "--v1" : "--v2"
      } -c ${output} file://mirror`,
    );
    return {};
  },
};
