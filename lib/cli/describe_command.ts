/**
 * `oc-mirror describe [--output json] [--sequence N] file://DIR|PATH`: what an archive set holds (v1 or
 * v2 naming): set id, parts with sizes, repositories with tags, working-dir files, the
 * ImageSetConfiguration it was made from and, for v1 sets, the metadata (imageset uid, sequence,
 * associations). The original has `describe` in v1 only and prints the metadata alone.
 * @module
 */
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { type ArchiveDescription, describeArchive, formatBytes } from "../workflow/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS } from "./common_flags.ts";

/** Renders a description as the text `describe` prints. */
export function describeText(d: ArchiveDescription): string {
  const lines: string[] = [];
  const seq = d.naming === "v1" ? ` (v1, sequence ${d.sequence})` : " (v2)";
  lines.push(`Archive set ${d.setId ?? "without index (written by the original oc-mirror?)"}${seq}`);
  lines.push(`Directory: ${d.dir}`);
  if (d.sequences && d.sequences.length > 1) {
    lines.push(`Sequences in the directory: ${d.sequences.join(", ")}`);
  }
  lines.push(`Parts (${d.parts.length}, ${formatBytes(d.totalBytes)}):`);
  for (const p of d.parts) lines.push(`  ${p.file}  ${formatBytes(p.sizeBytes)}`);
  if (d.metadata) {
    const m = d.metadata;
    lines.push(
      `Metadata: imageset ${m.uid}, sequence ${m.sequence}, ${m.associations} associations, created ${
        new Date(m.timestamp * 1000).toISOString()
      }${m.singleUse ? ", single use (no storageConfig)" : ""}`,
    );
  } else if (d.naming === "v1") {
    lines.push("Metadata: none");
  }
  lines.push(`Repositories (${d.repositories.length}):`);
  for (const r of d.repositories) {
    lines.push(`  ${r.name}  ${r.tags.length ? r.tags.join(", ") : "(no tags)"}`);
  }
  lines.push(`Working-dir files (${d.files.length}):`);
  for (const f of d.files) lines.push(`  ${f.path}  ${formatBytes(f.sizeBytes)}`);
  if (d.isc) {
    lines.push(`ImageSetConfiguration (${d.isc.path}):`);
    for (const l of d.isc.text.replace(/\n$/, "").split("\n")) lines.push(`  ${l}`);
  } else {
    lines.push("ImageSetConfiguration: none in the archive");
  }
  return lines.join("\n") + "\n";
}

/** The describe command. */
export const describeCommand: Command = {
  name: "describe",
  description: "Describe a mirror archive set: parts, images, working-dir files, configuration, v1 metadata",
  usage: ["oc-mirror describe [--output text|json] [--sequence N] file://DIR|PATH"],
  flags: [
    ...GLOBAL_FLAGS,
    {
      name: "output",
      short: "o",
      type: "string",
      choices: ["text", "json"],
      default: "text",
      description: "Output format",
    },
    {
      name: "sequence",
      type: "int",
      min: 1,
      engine: "ours",
      valueName: "N",
      description: "v1: the sequence to describe when DIR holds several (default the newest)",
    },
  ],
  examples: [
    "oc-mirror describe file:///srv/mirror",
    "oc-mirror describe --output json /srv/mirror/mirror_seq2_000000.tar",
  ],
  async run({ ctx, io, flags }) {
    const positionals = flags.positionals;
    if (positionals.length !== 1) {
      throw new UsageError(
        `Describe takes one archive location, got ${positionals.length}: use file://DIR or a path`,
      );
    }
    const raw = positionals[0] as string;
    if (/^[a-z]+:\/\//.test(raw) && !raw.startsWith("file://")) {
      throw new UsageError(`Describe reads archives on disk: "${raw}" is not file://DIR or a path`);
    }
    const path = resolve(ctx.cwd, raw.replace(/^file:\/\//, ""));
    const sequence = flags.int("sequence");
    const description = await describeArchive(ctx, path, sequence !== undefined ? { sequence } : {});
    if (flags.string("output") === "json") io.stdout(JSON.stringify(description) + "\n");
    else io.stdout(describeText(description));
    return {};
  },
};
