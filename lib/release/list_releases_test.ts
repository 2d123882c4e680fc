import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { chain, graphOf } from "./_test_graph.ts";
import { channelsInGraph, listChannels, listVersions, versionsInGraph } from "./list_releases.ts";
import type { UpdateGraph, UpdateGraphSource } from "./update_graph.ts";

const stable414 = graphOf("stable-4.14", {
  versions: ["4.14.10", "4.13.40", "4.14.2"],
  edges: chain("4.13.40", "4.14.2", "4.14.10"),
  channels: ["stable-4.14", "fast-4.14", "eus-4.14", "stable-4.15", "candidate-4.14", "stable-4.9"],
});

class FakeSource implements UpdateGraphSource {
  asked: string[] = [];
  graph(channel: string, arch: string): Promise<UpdateGraph> {
    this.asked.push(`${arch}/${channel}`);
    return Promise.resolve({ ...stable414, channel, arch });
  }
}

Deno.test("channelsInGraph() lists channels from node metadata, sorted by prefix and version", () => {
  assert.deepEqual(channelsInGraph(stable414), [
    "candidate-4.14",
    "eus-4.14",
    "fast-4.14",
    "stable-4.9",
    "stable-4.14",
    "stable-4.15",
  ]);
  assert.deepEqual(channelsInGraph(stable414, { version: "4.14" }), [
    "candidate-4.14",
    "eus-4.14",
    "fast-4.14",
    "stable-4.14",
  ]);
});

Deno.test("versionsInGraph() sorts by version and filters by minor", () => {
  assert.deepEqual(versionsInGraph(stable414), ["4.13.40", "4.14.2", "4.14.10"]);
  assert.deepEqual(versionsInGraph(stable414, { version: "4.14" }), ["4.14.2", "4.14.10"]);
});

Deno.test("listChannels() reads stable-<version> for the architecture asked", async () => {
  const source = new FakeSource();
  assert.deepEqual(await listChannels(source, { version: "4.14", arch: "arm64" }), [
    "candidate-4.14",
    "eus-4.14",
    "fast-4.14",
    "stable-4.14",
  ]);
  assert.deepEqual(source.asked, ["arm64/stable-4.14"]);
  await assert.rejects(
    listChannels(source, {}),
    new UsageError("list releases --channels needs --version X.Y"),
  );
});

Deno.test("listVersions() lists a named channel or stable-<version>", async () => {
  const source = new FakeSource();
  assert.deepEqual(await listVersions(source, { channel: "fast-4.14" }), {
    channel: "fast-4.14",
    arch: "amd64",
    versions: ["4.13.40", "4.14.2", "4.14.10"],
  });
  assert.deepEqual((await listVersions(source, { version: "4.14" })).versions, ["4.14.2", "4.14.10"]);
  assert.deepEqual(source.asked, ["amd64/fast-4.14", "amd64/stable-4.14"]);
  await assert.rejects(
    listVersions(source, { version: "4.14.1" }),
    new UsageError('Version "4.14.1" is not a minor version: want X.Y, e.g. 4.14'),
  );
  await assert.rejects(listVersions(source, {}), UsageError);
});
