/**
 * Test support for this folder: small update graphs written by version instead of node index, serialised
 * to the update service's JSON and parsed back, so tests exercise the parser too. Not for production use.
 * @module
 */
import { digestOf } from "../oci/mod.ts";
import { CHANNELS_METADATA_KEY, parseUpdateGraph, type UpdateGraph } from "./update_graph.ts";

/** A graph written by version. */
export interface GraphSketch {
  versions: string[];
  edges: [string, string][];
  conditional?: { edges: [string, string][]; risks: { name: string; url?: string; message?: string }[] }[];
  /** Channels listed in each node's metadata. @default [channel] */
  channels?: string[];
}

/** The fake payload reference of a version (a digest of the version and arch). */
export function payloadOf(version: string, arch = "amd64"): string {
  return `quay.io/openshift-release-dev/ocp-release@${digestOf(`${version}/${arch}`)}`;
}

/** Serialises a sketch to update-service JSON (nodes in the given order). */
export function graphJson(channel: string, sketch: GraphSketch, arch = "amd64"): string {
  const at = new Map(sketch.versions.map((v, i) => [v, i]));
  const idx = (v: string) => {
    const i = at.get(v);
    if (i === undefined) throw new Error(`sketch edge names unknown version ${v}`);
    return i;
  };
  return JSON.stringify({
    version: 1,
    nodes: sketch.versions.map((v) => ({
      version: v,
      payload: payloadOf(v, arch),
      metadata: { [CHANNELS_METADATA_KEY]: (sketch.channels ?? [channel]).join(","), url: `https://x/${v}` },
    })),
    edges: sketch.edges.map(([a, b]) => [idx(a), idx(b)]),
    conditionalEdges: (sketch.conditional ?? []).map((c) => ({
      edges: c.edges.map(([from, to]) => ({ from, to })),
      risks: c.risks.map((r) => ({ ...r, matchingRules: [{ type: "Always" }] })),
    })),
  });
}

/** Builds a parsed graph from a sketch. */
export function graphOf(channel: string, sketch: GraphSketch, arch = "amd64"): UpdateGraph {
  return parseUpdateGraph(graphJson(channel, sketch, arch), { channel, arch, source: "test" });
}

/** Edges `v[i] → v[i+1]` of a version list. */
export function chain(...versions: string[]): [string, string][] {
  return versions.slice(1).map((v, i) => [versions[i] as string, v]);
}
