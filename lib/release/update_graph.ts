/**
 * The update graph (Cincinnati) model: nodes (versions and their payloads), edges (supported updates by
 * node index) and conditional edges (updates that carry risks), parsed and validated from the JSON the
 * update service returns.
 * @see https://github.com/openshift/cincinnati/blob/master/docs/design/cincinnati.md
 * @module
 */
import semver from "semver";
import { GraphError } from "../errors.ts";
import type { OpOptions } from "../store/mod.ts";

/** Architectures the update service knows (`multi` is the heterogeneous, manifest-list payload). */
export const GRAPH_ARCHITECTURES = ["amd64", "arm64", "ppc64le", "s390x", "multi"] as const;

/** One of {@link GRAPH_ARCHITECTURES}. */
export type GraphArchitecture = typeof GRAPH_ARCHITECTURES[number];

/** True when `arch` is an architecture the update service knows. */
export function isGraphArchitecture(arch: string): arch is GraphArchitecture {
  return (GRAPH_ARCHITECTURES as readonly string[]).includes(arch);
}

/** Node metadata key listing the channels a release is in (comma-separated). */
export const CHANNELS_METADATA_KEY = "io.openshift.upgrades.graph.release.channels";

/** A release in the graph. */
export interface UpdateNode {
  /** Semantic version, e.g. `4.14.1` or `4.15.0-rc.1`. */
  version: string;
  /** The payload by digest, e.g. `quay.io/openshift-release-dev/ocp-release@sha256:…`. */
  payload: string;
  /** String metadata (channels, errata URL, manifest digest); other value types are dropped. */
  metadata: Record<string, string>;
}

/** A risk a conditional update carries. */
export interface ConditionalUpdateRisk {
  name: string;
  url?: string;
  message?: string;
  /** Cluster conditions the risk applies to (PromQL rules), kept as received. */
  matchingRules?: unknown[];
}

/** Updates allowed only under conditions, with the risks that apply. */
export interface ConditionalEdge {
  /** Updates by version (not by node index, unlike {@link UpdateGraph.edges}). */
  edges: { from: string; to: string }[];
  risks: ConditionalUpdateRisk[];
}

/** A parsed update graph of one channel and architecture. */
export interface UpdateGraph {
  channel: string;
  arch: string;
  /** Where it came from (URL or file), for messages. */
  source: string;
  nodes: UpdateNode[];
  /** Supported updates as `[fromIndex, toIndex]` into {@link nodes}. */
  edges: [number, number][];
  conditionalEdges: ConditionalEdge[];
}

/** Anything that can produce the update graph of a channel (the update service, saved files, fixtures). */
export interface UpdateGraphSource {
  /** Returns the graph of `channel` for `arch`; throws {@link GraphError} naming channel and source. */
  graph(channel: string, arch: string, o?: OpOptions): Promise<UpdateGraph>;
}

/** Where a graph document comes from, for messages. */
export interface ParseUpdateGraphOptions {
  channel: string;
  arch: string;
  /** URL or file the document was read from. */
  source: string;
}

/** Largest graph document we parse (the public amd64 candidate channel is a few MiB). */
export const MAX_GRAPH_BYTES = 64 * 1024 * 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates an update graph document (bytes or text); throws
 * {@link GraphError} naming the channel, the source and the offending field.
 */
export function parseUpdateGraph(input: Uint8Array | string, options: ParseUpdateGraphOptions): UpdateGraph {
  const { channel, arch, source } = options;
  const fail = (detail: string, cause?: unknown): never => {
    throw new GraphError(
      `Update graph of channel "${channel}" (${arch}) from ${source} is invalid: ${detail}`,
      cause === undefined ? {} : { cause },
    );
  };
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > MAX_GRAPH_BYTES) fail(`it is ${size} bytes, the limit is ${MAX_GRAPH_BYTES}`);
  let json: unknown;
  try {
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
    json = JSON.parse(text);
  } catch (cause) {
    fail("not valid JSON", cause);
  }
  if (!isObject(json)) return fail("not a JSON object");
  if (!Array.isArray(json.nodes)) return fail("it has no nodes array");
  const nodes: UpdateNode[] = [];
  const seen = new Map<string, number>();
  json.nodes.forEach((n: unknown, i: number) => {
    if (!isObject(n)) return fail(`nodes[${i}] is not an object`);
    if (typeof n.version !== "string" || semver.valid(n.version) !== n.version) {
      return fail(`nodes[${i}].version ${JSON.stringify(n.version)} is not a semantic version`);
    }
    if (typeof n.payload !== "string" || n.payload === "") {
      return fail(`nodes[${i}] (${n.version}) has no payload`);
    }
    const previous = seen.get(n.version);
    if (previous !== undefined) return fail(`nodes[${i}] repeats version ${n.version} of nodes[${previous}]`);
    seen.set(n.version, i);
    const metadata: Record<string, string> = {};
    if (isObject(n.metadata)) {
      for (const [k, v] of Object.entries(n.metadata)) if (typeof v === "string") metadata[k] = v;
    }
    nodes.push({ version: n.version, payload: n.payload, metadata });
  });
  const rawEdges = json.edges ?? [];
  if (!Array.isArray(rawEdges)) return fail("edges is not an array");
  const edges: [number, number][] = [];
  rawEdges.forEach((e: unknown, i: number) => {
    if (
      !Array.isArray(e) || e.length !== 2 ||
      !e.every((x) => Number.isInteger(x) && x >= 0 && x < nodes.length)
    ) {
      return fail(`edges[${i}] ${JSON.stringify(e)} is not a pair of node indexes below ${nodes.length}`);
    }
    edges.push([e[0] as number, e[1] as number]);
  });
  const rawConditional = json.conditionalEdges ?? [];
  if (!Array.isArray(rawConditional)) return fail("conditionalEdges is not an array");
  const conditionalEdges: ConditionalEdge[] = [];
  rawConditional.forEach((c: unknown, i: number) => {
    if (!isObject(c) || !Array.isArray(c.edges)) return fail(`conditionalEdges[${i}] has no edges array`);
    const ce: ConditionalEdge = { edges: [], risks: [] };
    c.edges.forEach((e: unknown, j: number) => {
      if (!isObject(e) || typeof e.from !== "string" || typeof e.to !== "string") {
        return fail(`conditionalEdges[${i}].edges[${j}] is not {from, to}`);
      }
      ce.edges.push({ from: e.from, to: e.to });
    });
    const risks = Array.isArray(c.risks) ? c.risks : [];
    risks.forEach((r: unknown, j: number) => {
      if (!isObject(r) || typeof r.name !== "string") {
        return fail(`conditionalEdges[${i}].risks[${j}] has no name`);
      }
      const risk: ConditionalUpdateRisk = { name: r.name };
      if (typeof r.url === "string") risk.url = r.url;
      if (typeof r.message === "string") risk.message = r.message;
      if (Array.isArray(r.matchingRules)) risk.matchingRules = r.matchingRules;
      ce.risks.push(risk);
    });
    conditionalEdges.push(ce);
  });
  return { channel, arch, source, nodes, edges, conditionalEdges };
}

/** The channels a node lists in its metadata. */
export function nodeChannels(node: UpdateNode): string[] {
  const raw = node.metadata[CHANNELS_METADATA_KEY];
  if (raw === undefined) return [];
  return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
}
