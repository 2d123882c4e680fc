import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { Flags, parseFlags } from "./flags.ts";
import { listReleasesCommand, listReleasesRequestFromFlags } from "./list_releases_command.ts";

function request(argv: string[]) {
  return listReleasesRequestFromFlags(
    new Flags(parseFlags(argv, listReleasesCommand.flags, "list releases")),
  );
}

Deno.test("list releases: --version alone lists stable-X.Y for amd64", () => {
  assert.deepEqual(request(["--version", "4.14"]), {
    mode: "versions",
    version: "4.14",
    channel: "stable-4.14",
    channelDefaulted: true,
    archs: ["amd64"],
    output: "text",
  });
});

Deno.test("list releases: --channel, --channels, architectures and json output", () => {
  assert.deepEqual(request(["--channel", "fast-4.15", "--arch", "x86_64,aarch64", "-o", "json"]), {
    mode: "versions",
    channel: "fast-4.15",
    channelDefaulted: false,
    archs: ["amd64", "arm64"],
    output: "json",
  });
  const channels = request(["--channels", "--version", "4.13", "--filter-by-archs", "multi,s390x"]);
  assert.equal(channels.mode, "channels");
  assert.equal(channels.channel, "stable-4.13");
  assert.deepEqual(channels.archs, ["multi", "s390x"]);
});

Deno.test("list releases: missing or malformed flags are usage errors that say what to give", () => {
  const cases: [string[], string][] = [
    [[], "List releases needs --version X.Y or --channel C, e.g. --version 4.14"],
    [["--channels"], "Flag --channels needs --version X.Y, e.g. --channels --version 4.14"],
    [
      ["--channels", "--channel", "stable-4.14"],
      "Flag --channels needs --version X.Y, e.g. --channels --version 4.14",
    ],
    [["--version", "4.14.2"], 'Version "4.14.2" is not a minor version: want X.Y, e.g. 4.14'],
    [
      ["--version", "4.14", "--arch", "sparc"],
      'Architecture "sparc" is not a release architecture: want one of amd64, arm64, ppc64le, s390x, multi',
    ],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => request(argv),
      (e: unknown) => e instanceof UsageError && e.message === message,
      argv.join(" "),
    );
  }
});
