/**
 * `oc-mirror verify-upgrade-paths`: proves, for each channel, that every mirrored release can upgrade to
 * every higher mirrored release through mirrored releases only, and names the versions that would close
 * each gap. The graphs come from the workspace (saved by the mirror runs); the mirrored versions from the
 * registry's `openshift/release-images` tags, or else from the release signatures the workspace holds.
 * @module
 */
import { join } from "node:path";
import { log, type RunContext } from "../context.ts";
import { GraphError } from "../errors.ts";
import { normalizeArchitecture } from "../oci/mod.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import { SavedGraphSource, type UpdateGraph, verifyUpgradePaths } from "../release/mod.ts";
import type { RegistryAccess } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import { workingDir } from "./working_dir.ts";

/** What to verify. */
export interface VerifyPathsRequest {
  /** The workspace of a mirror run (holds `working-dir/hold-release/cincinnati-graph-data`). */
  workspace: string;
  /** Read the mirrored versions from this registry (else from the workspace's signatures). */
  registry?: RegistryLocation;
  access: RegistryAccess;
  includeConditionalEdges: boolean;
}

const TAG_RE = /^(.+)-(x86_64|aarch64|ppc64le|s390x|multi)$/;

/** Splits a release tag `4.14.3-x86_64` into version and update-service architecture. */
export function parseReleaseTag(tag: string): { version: string; arch: string } | undefined {
  const m = TAG_RE.exec(tag);
  if (!m || !m[1] || !m[2]) return undefined;
  return { version: m[1], arch: m[2] === "multi" ? "multi" : normalizeArchitecture(m[2]) };
}

async function savedGraphs(dir: string): Promise<Map<string, UpdateGraph[]>> {
  const source = new SavedGraphSource({ dir });
  const byArch = new Map<string, UpdateGraph[]>();
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => e.name).sort();
  } catch (e) {
    throw new GraphError(`No saved update graphs in ${dir}: ${(e as Error).message}`, {
      hint: "Point --workspace at the workspace (or --from directory) of a mirror run that mirrored releases",
    });
  }
  for (const name of names) {
    const dash = name.indexOf("-");
    if (dash < 0) continue;
    const arch = name.slice(0, dash);
    const channel = name.slice(dash + 1, -".json".length);
    const graph = await source.graph(channel, arch);
    byArch.set(arch, [...(byArch.get(arch) ?? []), graph]);
  }
  return byArch;
}

async function mirroredVersions(
  ctx: RunContext,
  request: VerifyPathsRequest,
  signaturesDir: string,
): Promise<Map<string, Set<string>>> {
  const tags: string[] = [];
  if (request.registry) {
    await using stores = await openRegistryStores(ctx, request.access, "v2");
    const repo = [request.registry.namespace, "openshift/release-images"].filter((x) => x !== "").join("/");
    const store = stores.destination(request.registry.registry);
    for await (const t of store.listTags?.(repo, { signal: ctx.signal }) ?? []) tags.push(t);
  } else {
    try {
      for await (const e of Deno.readDir(signaturesDir)) {
        const m = /^(.+)-sha256-[a-f0-9]{64}$/.exec(e.name);
        if (m?.[1]) tags.push(m[1]);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const out = new Map<string, Set<string>>();
  for (const t of tags) {
    const r = parseReleaseTag(t);
    if (!r) continue;
    if (!out.has(r.arch)) out.set(r.arch, new Set());
    out.get(r.arch)?.add(r.version);
  }
  return out;
}

/** Runs the check; returns false when some mirrored release cannot reach a higher one. */
export async function verifyMirroredPaths(ctx: RunContext, request: VerifyPathsRequest): Promise<boolean> {
  const wd = workingDir(request.workspace);
  const graphs = await savedGraphs(wd.graphData);
  const versions = await mirroredVersions(ctx, request, wd.signatures);
  if (versions.size === 0) {
    log(
      ctx,
      "warn",
      `No mirrored releases found ${
        request.registry ? `in ${request.registry.registry}` : `in ${join(wd.signatures)}`
      }`,
    );
    return true;
  }
  let ok = true;
  for (const [arch, mirrored] of versions) {
    const g = graphs.get(arch) ?? [];
    if (g.length === 0) {
      log(ctx, "warn", `No saved update graph for ${arch}: releases ${[...mirrored].join(", ")} not checked`);
      continue;
    }
    const report = verifyUpgradePaths(g, mirrored, {
      includeConditionalEdges: request.includeConditionalEdges,
    });
    for (const c of report.channels) {
      if (c.versions.length === 0) continue;
      log(ctx, "info", `${c.channel} (${arch}): ${c.versions.join(", ")} — ${c.pairs} upgrade pairs checked`);
    }
    for (const f of report.failures) {
      ok = false;
      log(ctx, "error", f.message, {
        channel: f.channel,
        arch: f.arch,
        from: f.from,
        to: f.to,
        missing: f.missing,
      });
    }
  }
  log(
    ctx,
    ok ? "info" : "error",
    ok
      ? "Every mirrored release can upgrade to every higher mirrored release"
      : "Some mirrored releases cannot reach higher ones: mirror the versions named above",
  );
  return ok;
}
