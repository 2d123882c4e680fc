import assert from "node:assert/strict";
import { GraphError } from "../errors.ts";
import { graphJson } from "./_test_graph.ts";
import {
  CHANNELS_METADATA_KEY,
  isGraphArchitecture,
  nodeChannels,
  parseUpdateGraph,
} from "./update_graph.ts";

const where = { channel: "stable-4.14", arch: "amd64", source: "https://graph.example/graph" };

function parseError(doc: string): string {
  try {
    parseUpdateGraph(doc, where);
  } catch (e) {
    assert.ok(e instanceof GraphError);
    assert.equal(e.code, "GRAPH");
    return e.message;
  }
  return assert.fail("expected a GraphError");
}

const prefix = 'Update graph of channel "stable-4.14" (amd64) from https://graph.example/graph is invalid: ';

Deno.test("parseUpdateGraph() reads nodes, edges and conditional edges", () => {
  const doc = graphJson("stable-4.14", {
    versions: ["4.14.1", "4.14.2"],
    edges: [["4.14.1", "4.14.2"]],
    conditional: [{ edges: [["4.14.1", "4.14.2"]], risks: [{ name: "R", url: "u", message: "m" }] }],
    channels: ["fast-4.14", "stable-4.14"],
  });
  const g = parseUpdateGraph(new TextEncoder().encode(doc), where);
  assert.equal(g.channel, "stable-4.14");
  assert.equal(g.source, "https://graph.example/graph");
  assert.deepEqual(g.nodes.map((n) => n.version), ["4.14.1", "4.14.2"]);
  assert.deepEqual(g.edges, [[0, 1]]);
  assert.deepEqual(g.conditionalEdges, [{
    edges: [{ from: "4.14.1", to: "4.14.2" }],
    risks: [{ name: "R", url: "u", message: "m", matchingRules: [{ type: "Always" }] }],
  }]);
  assert.deepEqual(nodeChannels(g.nodes[0] ?? assert.fail()), ["fast-4.14", "stable-4.14"]);
  assert.equal(g.nodes[0]?.metadata[CHANNELS_METADATA_KEY], "fast-4.14,stable-4.14");
});

Deno.test("parseUpdateGraph() accepts a graph without edges and drops non-string metadata", () => {
  const g = parseUpdateGraph(
    JSON.stringify({ nodes: [{ version: "4.14.1", payload: "p", metadata: { a: "1", b: 2 } }] }),
    where,
  );
  assert.deepEqual(g.edges, []);
  assert.deepEqual(g.conditionalEdges, []);
  assert.deepEqual(g.nodes[0]?.metadata, { a: "1" });
});

Deno.test("parseUpdateGraph() names the channel, the source and the bad field", () => {
  assert.equal(parseError("{"), `${prefix}not valid JSON`);
  assert.equal(parseError("[]"), `${prefix}not a JSON object`);
  assert.equal(parseError("{}"), `${prefix}it has no nodes array`);
  assert.equal(
    parseError(JSON.stringify({ nodes: [{ version: "4.14", payload: "p" }] })),
    `${prefix}nodes[0].version "4.14" is not a semantic version`,
  );
  assert.equal(
    parseError(JSON.stringify({ nodes: [{ version: "4.14.1" }] })),
    `${prefix}nodes[0] (4.14.1) has no payload`,
  );
  assert.equal(
    parseError(
      JSON.stringify({ nodes: [{ version: "4.14.1", payload: "p" }, { version: "4.14.1", payload: "q" }] }),
    ),
    `${prefix}nodes[1] repeats version 4.14.1 of nodes[0]`,
  );
  assert.equal(
    parseError(JSON.stringify({ nodes: [{ version: "4.14.1", payload: "p" }], edges: [[0, 1]] })),
    `${prefix}edges[0] [0,1] is not a pair of node indexes below 1`,
  );
  assert.equal(
    parseError(JSON.stringify({ nodes: [], conditionalEdges: [{ edges: [{ from: "a" }] }] })),
    `${prefix}conditionalEdges[0].edges[0] is not {from, to}`,
  );
  assert.equal(
    parseError(JSON.stringify({ nodes: [], conditionalEdges: [{ edges: [], risks: [{}] }] })),
    `${prefix}conditionalEdges[0].risks[0] has no name`,
  );
});

Deno.test("isGraphArchitecture() knows the update service's architectures", () => {
  for (const a of ["amd64", "arm64", "ppc64le", "s390x", "multi"]) assert.equal(isGraphArchitecture(a), true);
  assert.equal(isGraphArchitecture("x86_64"), false);
});
