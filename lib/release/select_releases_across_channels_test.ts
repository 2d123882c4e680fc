import assert from "node:assert/strict";
import { GraphError } from "../errors.ts";
import { chain, graphOf } from "./_test_graph.ts";
import {
  crossChannelGraphsNeeded,
  parseChannelName,
  selectReleasesAcrossChannels,
} from "./select_releases_across_channels.ts";
import type { UpdateGraph } from "./update_graph.ts";

const stable413 = graphOf("stable-4.13", {
  versions: ["4.13.0", "4.13.1", "4.13.2", "4.13.3"],
  edges: chain("4.13.0", "4.13.1", "4.13.2", "4.13.3"),
});
// stable-4.14 carries the late 4.13 releases that update into 4.14.
const stable414 = graphOf("stable-4.14", {
  versions: ["4.13.2", "4.13.3", "4.14.0", "4.14.1", "4.14.2", "4.14.3"],
  edges: [
    ...chain("4.13.2", "4.13.3"),
    ["4.13.2", "4.14.0"],
    ["4.13.3", "4.14.1"],
    ...chain("4.14.0", "4.14.1", "4.14.2", "4.14.3"),
  ],
});
const stable415 = graphOf("stable-4.15", {
  versions: ["4.14.2", "4.14.3", "4.15.0", "4.15.1"],
  edges: [["4.14.2", "4.14.3"], ["4.14.3", "4.15.0"], ["4.15.0", "4.15.1"]],
});

function graphs(...list: UpdateGraph[]): Map<string, UpdateGraph> {
  return new Map(list.map((g) => [g.channel, g]));
}

const versions = (s: { releases: { version: string }[] }) => s.releases.map((r) => r.version);

Deno.test("parseChannelName() splits prefix and minor version", () => {
  assert.deepEqual(parseChannelName("stable-4.14"), { prefix: "stable", major: 4, minor: 14 });
  assert.deepEqual(parseChannelName("okd-scos-4.15"), { prefix: "okd-scos", major: 4, minor: 15 });
  assert.equal(parseChannelName("nightly"), undefined);
});

Deno.test("crossChannelGraphsNeeded() names the intermediate channels", () => {
  const channels = [{ name: "stable-4.13" }, { name: "stable-4.15" }];
  assert.deepEqual(crossChannelGraphsNeeded(graphs(stable413, stable415), channels), ["stable-4.14"]);
  assert.deepEqual(crossChannelGraphsNeeded(graphs(stable413), [{ name: "stable-4.13" }]), []);
});

Deno.test("selectReleasesAcrossChannels() walks 4.13 → 4.14 → 4.15 through each channel's head", () => {
  const r = selectReleasesAcrossChannels(graphs(stable413, stable414, stable415), [
    { name: "stable-4.13" },
    { name: "stable-4.15" },
  ]);
  assert.deepEqual(r.selections.map(versions), [["4.13.3"], ["4.15.1"]]);
  assert.ok(r.crossChannel);
  assert.equal(r.crossChannel.from, "4.13.3");
  assert.equal(r.crossChannel.to, "4.15.1");
  assert.deepEqual(r.crossChannel.channels, ["stable-4.13", "stable-4.14", "stable-4.15"]);
  assert.deepEqual(versions(r.crossChannel), ["4.13.3", "4.14.1", "4.14.2", "4.14.3", "4.15.0", "4.15.1"]);
  assert.deepEqual(versions(r), ["4.13.3", "4.14.1", "4.14.2", "4.14.3", "4.15.0", "4.15.1"]);
  assert.deepEqual(r.warnings, []);
  const head413 = r.releases[0];
  assert.deepEqual(head413?.reasons.map((x) => `${x.kind}@${x.channel}`), [
    "head@stable-4.13",
    "cross-channel@stable-4.13",
    "cross-channel@stable-4.14",
  ]);
  assert.equal(
    r.releases[1]?.reasons[0]?.detail,
    "on the cross-channel upgrade path from 4.13.3 to 4.15.1 (through stable-4.14)",
  );
});

Deno.test("selectReleasesAcrossChannels() warns where a version is missing from the next channel", () => {
  const withoutHead = graphOf("stable-4.14", {
    versions: ["4.13.2", "4.14.0", "4.14.1"],
    edges: [["4.13.2", "4.14.0"], ["4.14.0", "4.14.1"]],
  });
  const r = selectReleasesAcrossChannels(graphs(stable413, withoutHead), [
    { name: "stable-4.13" },
    { name: "stable-4.14" },
  ]);
  assert.deepEqual(versions(r), ["4.13.3", "4.14.1"]);
  assert.equal(r.warnings.length, 1);
  assert.deepEqual(r.warnings[0], {
    kind: "blocked-edge",
    channel: "stable-4.14",
    version: "4.13.3",
    message: 'Version 4.13.3 (from channel "stable-4.13") is not in channel "stable-4.14": no upgrade path ' +
      'from it in "stable-4.14" (blocked edge), the cross-channel path stops there',
  });
});

Deno.test("selectReleasesAcrossChannels() warns when an intermediate channel's graph is missing", () => {
  const r = selectReleasesAcrossChannels(graphs(stable413, stable415), [
    { name: "stable-4.13" },
    { name: "stable-4.15" },
  ]);
  assert.deepEqual(versions(r), ["4.13.3", "4.15.1"]);
  assert.deepEqual(r.warnings.map((w) => [w.kind, w.channel]), [["cross-channel-incomplete", "stable-4.14"]]);
  assert.match(r.warnings[0]?.message ?? "", /channel "stable-4.14" is not available/);
});

Deno.test("selectReleasesAcrossChannels() with ranges uses the lowest min and the highest max", () => {
  const r = selectReleasesAcrossChannels(graphs(stable413, stable414), [
    { name: "stable-4.14", minVersion: "4.14.2" },
    { name: "stable-4.13", minVersion: "4.13.1", maxVersion: "4.13.1" },
  ]);
  assert.equal(r.crossChannel?.from, "4.13.1");
  assert.equal(r.crossChannel?.to, "4.14.3");
  // 4.13.1 → 4.13.3 in stable-4.13, then 4.13.3 → 4.14.1 → 4.14.2 → 4.14.3 in stable-4.14.
  assert.deepEqual(versions(r), ["4.13.1", "4.13.2", "4.13.3", "4.14.1", "4.14.2", "4.14.3"]);
});

Deno.test("selectReleasesAcrossChannels() between channels of one minor follows the target channel", () => {
  const fast414 = graphOf("fast-4.14", {
    versions: ["4.14.0", "4.14.1", "4.14.2", "4.14.3", "4.14.4"],
    edges: [...chain("4.14.0", "4.14.1", "4.14.2", "4.14.3", "4.14.4"), ["4.14.1", "4.14.4"]],
  });
  const r = selectReleasesAcrossChannels(graphs(stable414, fast414), [
    { name: "stable-4.14", minVersion: "4.14.1", maxVersion: "4.14.1" },
    { name: "fast-4.14" },
  ]);
  assert.deepEqual(r.crossChannel?.channels, ["fast-4.14"]);
  assert.deepEqual(versions(r), ["4.14.1", "4.14.4"]);
});

Deno.test("selectReleasesAcrossChannels() leaves OKD channels out of the cross-channel path", () => {
  const okd = graphOf("stable-4.15", { versions: ["4.15.0-0.okd-2024-03-10-010116"], edges: [] });
  const r = selectReleasesAcrossChannels(graphs(stable413, okd), [
    { name: "stable-4.13" },
    { name: "stable-4.15", type: "okd" },
  ]);
  assert.deepEqual(r.crossChannel?.channels, ["stable-4.13"]);
  assert.deepEqual(versions(r), ["4.13.3", "4.15.0-0.okd-2024-03-10-010116"]);
});

Deno.test("selectReleasesAcrossChannels() reports every failing channel in one error", () => {
  assert.throws(
    () =>
      selectReleasesAcrossChannels(graphs(stable413), [
        { name: "stable-4.13", minVersion: "4.13.9" },
        { name: "stable-4.99" },
      ]),
    (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.equal(
        e.message,
        "2 channels cannot be selected:\n" +
          '  Channel "stable-4.13" (amd64) has no version 4.13.9 (minVersion): the nearest versions in the ' +
          "channel are 4.13.3\n" +
          '  No update graph was loaded for channel "stable-4.99"',
      );
      return true;
    },
  );
});

Deno.test("selectReleasesAcrossChannels() prints the EUS warning once", () => {
  const eus = graphOf("eus-4.16", {
    versions: ["4.14.30", "4.15.20", "4.16.5"],
    edges: chain("4.14.30", "4.15.20", "4.16.5"),
  });
  const eus2 = graphOf("eus-4.18", {
    versions: ["4.16.5", "4.17.1", "4.18.2"],
    edges: chain("4.16.5", "4.17.1", "4.18.2"),
  });
  const r = selectReleasesAcrossChannels(graphs(eus, eus2), [
    { name: "eus-4.16", minVersion: "4.14.30", maxVersion: "4.16.5" },
    { name: "eus-4.18", minVersion: "4.16.5", maxVersion: "4.18.2" },
  ]);
  assert.deepEqual(r.warnings.filter((w) => w.kind === "eus-range").map((w) => w.channel), ["eus-4.16"]);
  // The intermediate channel eus-4.17 does not exist: a warning, not a failure.
  assert.ok(r.warnings.some((w) => w.kind === "cross-channel-incomplete" && w.channel === "eus-4.17"));
});
