import assert from "node:assert/strict";
import { GraphError } from "../errors.ts";
import { chain, graphOf } from "./_test_graph.ts";
import { selectReleasesFromSource } from "./select_releases_from_source.ts";
import type { UpdateGraph, UpdateGraphSource } from "./update_graph.ts";

class MapSource implements UpdateGraphSource {
  asked: string[] = [];
  constructor(readonly graphs: Map<string, UpdateGraph>) {}
  graph(channel: string, arch: string): Promise<UpdateGraph> {
    this.asked.push(`${arch}/${channel}`);
    const g = this.graphs.get(channel);
    return g
      ? Promise.resolve(g)
      : Promise.reject(new GraphError(`Cannot get channel "${channel}": HTTP 404`));
  }
}

const g413 = graphOf("stable-4.13", { versions: ["4.13.1", "4.13.2"], edges: chain("4.13.1", "4.13.2") });
const g414 = graphOf("stable-4.14", {
  versions: ["4.13.2", "4.14.0", "4.14.1"],
  edges: chain("4.13.2", "4.14.0", "4.14.1"),
});
const g415 = graphOf("stable-4.15", { versions: ["4.14.1", "4.15.0"], edges: chain("4.14.1", "4.15.0") });

Deno.test("selectReleasesFromSource() fetches configured then intermediate channels", async () => {
  const source = new MapSource(
    new Map([["stable-4.13", g413], ["stable-4.14", g414], ["stable-4.15", g415]]),
  );
  const s = await selectReleasesFromSource(source, [{ name: "stable-4.13" }, { name: "stable-4.15" }], {
    arch: "amd64",
  });
  assert.deepEqual(source.asked, ["amd64/stable-4.13", "amd64/stable-4.15", "amd64/stable-4.14"]);
  assert.deepEqual(s.releases.map((r) => r.version), ["4.13.2", "4.14.0", "4.14.1", "4.15.0"]);
  assert.deepEqual([...s.graphs.keys()], ["stable-4.13", "stable-4.15", "stable-4.14"]);
});

Deno.test("selectReleasesFromSource() turns an unreachable intermediate channel into a warning", async () => {
  const source = new MapSource(new Map([["stable-4.13", g413], ["stable-4.15", g415]]));
  const s = await selectReleasesFromSource(source, [{ name: "stable-4.13" }, { name: "stable-4.15" }], {
    arch: "amd64",
  });
  assert.deepEqual(s.releases.map((r) => r.version), ["4.13.2", "4.15.0"]);
  assert.deepEqual(s.warnings.map((w) => w.message), [
    'Cannot get channel "stable-4.14": HTTP 404',
    'The update graph of channel "stable-4.14" is not available: the cross-channel upgrade path cannot go through it',
  ]);
});

Deno.test("selectReleasesFromSource() fails when a configured channel cannot be fetched", async () => {
  const source = new MapSource(new Map());
  await assert.rejects(
    selectReleasesFromSource(source, [{ name: "stable-4.13" }], { arch: "amd64" }),
    new GraphError('Cannot get channel "stable-4.13": HTTP 404'),
  );
});
