/**
 * `oc-mirror list releases [--version X.Y] [--channel C] [--channels] [--arch A[,..]]` (reference §1.4):
 * with `--channels`, the channels carrying X.Y releases (needs `--version`); otherwise the versions of
 * `--channel` (default `stable-<version>`; with `--version`, only X.Y releases), per architecture. Asks
 * the update service (`UPDATE_URL_OVERRIDE` applies). Prints the original's header lines then one item
 * per line on stdout, or with `--output json` one JSON object per architecture and line.
 * @module
 */
import { log } from "../context.ts";
import { UsageError } from "../errors.ts";
import { normalizeArchitecture } from "../oci/mod.ts";
import {
  checkMinorVersion,
  defaultListChannel,
  GRAPH_ARCHITECTURES,
  isGraphArchitecture,
  listChannels,
  listVersions,
  UpdateGraphClient,
} from "../release/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS } from "./common_flags.ts";
import type { Flags } from "./flags.ts";

/** The architecture used when none is given. */
export const DEFAULT_LIST_ARCH = "amd64";

/** What `list releases` was asked, after the flags are checked. */
export interface ListReleasesRequest {
  mode: "channels" | "versions";
  /** `X.Y`, when given. */
  version?: string;
  /** The channel whose graph is read. */
  channel: string;
  /** True when `channel` came from `--version` (`stable-X.Y`). */
  channelDefaulted: boolean;
  /** Update-service architectures, normalised, without duplicates. */
  archs: string[];
  output: "text" | "json";
}

function parseArch(value: string): string {
  const a = normalizeArchitecture(value);
  if (!isGraphArchitecture(a)) {
    throw new UsageError(
      `Architecture "${value}" is not a release architecture: want one of ${GRAPH_ARCHITECTURES.join(", ")}`,
    );
  }
  return a;
}

/** Checks the flags of `list releases` as the original does and returns the request. */
export function listReleasesRequestFromFlags(flags: Flags): ListReleasesRequest {
  const versionFlag = flags.string("version");
  const version = versionFlag === undefined ? undefined : checkMinorVersion(versionFlag);
  const channelFlag = flags.string("channel");
  if (channelFlag === "") {
    throw new UsageError("Flag --channel is empty: want a channel name, e.g. stable-4.14");
  }
  const mode = flags.bool("channels") ? "channels" : "versions";
  if (mode === "channels" && version === undefined) {
    throw new UsageError("Flag --channels needs --version X.Y, e.g. --channels --version 4.14");
  }
  if (channelFlag === undefined && version === undefined) {
    throw new UsageError("List releases needs --version X.Y or --channel C, e.g. --version 4.14", {
      hint: 'Run "oc-mirror list releases --channels --version 4.14" to see the channels of a version',
    });
  }
  const given = flags.has("arch") ? flags.list("arch") : [];
  const hidden = [...flags.list("filter-by-archs"), ...flags.list("filter-options")];
  const raw = [...given, ...hidden];
  const archs = [...new Set((raw.length > 0 ? raw : [DEFAULT_LIST_ARCH]).map(parseArch))];
  return {
    mode,
    ...(version !== undefined ? { version } : {}),
    channel: channelFlag ?? defaultListChannel(version as string),
    channelDefaulted: channelFlag === undefined,
    archs,
    output: flags.string("output") === "json" ? "json" : "text",
  };
}

/** The list releases command. */
export const listReleasesCommand: Command = {
  name: "list releases",
  description: "List the channels of an OpenShift version or the versions of a channel (update service)",
  usage: [
    "oc-mirror list releases --version X.Y                 versions of stable-X.Y",
    "oc-mirror list releases --channel C [--version X.Y]   versions of channel C (X.Y only with --version)",
    "oc-mirror list releases --channels --version X.Y      channels carrying X.Y releases",
  ],
  flags: [
    ...GLOBAL_FLAGS,
    { name: "channels", type: "boolean", description: "List the channels of --version" },
    {
      name: "channel",
      type: "string",
      valueName: "NAME",
      description: "Channel to list (default stable-<version>)",
    },
    { name: "version", type: "string", valueName: "X.Y", description: "OpenShift minor version, e.g. 4.14" },
    {
      name: "arch",
      type: "list",
      valueName: "ARCH[,..]",
      default: DEFAULT_LIST_ARCH,
      description: `Architectures: ${GRAPH_ARCHITECTURES.join(", ")}`,
    },
    { name: "filter-by-archs", type: "list", hidden: true, description: "Alias of --arch" },
    { name: "filter-options", type: "list", hidden: true, description: "Alias of --arch (v1)" },
    {
      name: "output",
      short: "o",
      type: "string",
      choices: ["text", "json"],
      default: "text",
      engine: "ours",
      description: "text: header lines, then one item per line; json: one object per architecture and line",
    },
  ],
  examples: [
    "oc-mirror list releases --version 4.14",
    "oc-mirror list releases --channels --version 4.14",
    "oc-mirror list releases --channel fast-4.14 --arch arm64 --output json",
  ],
  async run({ ctx, io, flags }) {
    const r = listReleasesRequestFromFlags(flags);
    const client = new UpdateGraphClient({ ctx });
    log(ctx, "debug", `Asking the update service at ${client.url}`);
    if (r.mode === "versions" && r.channelDefaulted && r.output === "text") {
      log(ctx, "info", "Listing stable channels. Use --channel=<channel-name> to filter.");
      log(ctx, "info", "Use oc-mirror list releases --channels to discover other channels.");
    }
    const blocks: string[] = [];
    for (const arch of r.archs) {
      const o = {
        channel: r.channel,
        arch,
        signal: ctx.signal,
        ...(r.version ? { version: r.version } : {}),
      };
      if (r.mode === "channels") {
        const channels = await listChannels(client, o);
        if (channels.length === 0) {
          log(
            ctx,
            "warn",
            `The graph of channel "${r.channel}" (${arch}) has no ${r.version} releases: check --version and --channel`,
          );
        }
        blocks.push(
          r.output === "json"
            ? JSON.stringify({ version: r.version, arch, channels }) + "\n"
            : [`Listing channels for version ${r.version}.`, `Architecture: ${arch}`, ...channels, ""].join(
              "\n",
            ),
        );
      } else {
        const v = await listVersions(client, o);
        if (v.versions.length === 0) {
          log(
            ctx,
            "warn",
            `Channel "${v.channel}" (${v.arch}) has no ${r.version ? `${r.version} ` : ""}releases: ` +
              "check the channel name",
          );
        }
        blocks.push(
          r.output === "json"
            ? JSON.stringify({ channel: v.channel, arch: v.arch, versions: v.versions }) + "\n"
            : [`Channel: ${v.channel}`, `Architecture: ${v.arch}`, ...v.versions, ""].join("\n"),
        );
      }
    }
    io.stdout(blocks.join(r.output === "json" ? "" : "\n"));
    return {};
  },
};
