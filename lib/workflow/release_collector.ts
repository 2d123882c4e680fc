/**
 * The release collector: `mirror.platform`. Selects versions per channel and architecture from the
 * update graph (fetched and saved when reading upstream, read back from working-dir otherwise), verifies
 * each payload's signature (whose identity gives the destination tag), reads the payload's
 * `image-references` and maps the payload, its components and the KubeVirt container. With
 * `graph: true` it also plans the graph-data image.
 * @module
 */
import { join } from "node:path";
import type { ReleaseChannel } from "../config/mod.ts";
import { log } from "../context.ts";
import { GraphError, SignatureError } from "../errors.ts";
import { type Digest, digestHex, type Platform, releaseArchitecture } from "../oci/mod.ts";
import type { ImageMapping } from "../plan/mod.ts";
import { formatReference, type ImageReference, parseImageReference } from "../reference/mod.ts";
import {
  DEFAULT_GRAPH_BASE_IMAGE,
  fetchReleaseSignatures,
  kubeVirtDestination,
  readReleasePayload,
  releaseComponentDestination,
  releaseImageDestination,
  releaseVerificationKeys,
  SavedGraphSource,
  selectReleasesFromSource,
  signatureFileName,
  UpdateGraphClient,
  type UpdateGraphSource,
  updateGraphUrl,
  type VerificationKey,
  verifyReleaseSignature,
} from "../release/mod.ts";
import { type Collected, type CollectorContext, emptyCollected, relative } from "./collector.ts";

/** The architectures to mirror: `multi` when sparse platforms are given. */
function architectures(cc: CollectorContext): string[] {
  const p = cc.loaded.config.mirror.platform;
  if (p.platforms && p.platforms.length > 0) return ["multi"];
  return p.architectures.length > 0 ? p.architectures : ["amd64"];
}

/** Release tag suffix of an update-service architecture. */
function tagArch(arch: string): string {
  return arch === "multi" ? "multi" : releaseArchitecture(arch);
}

interface SignatureFinder {
  tagFor(payload: ImageReference, version: string, arch: string): Promise<string>;
}

async function listSignatureFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile) out.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

function signatureFinder(cc: CollectorContext, collected: Collected): SignatureFinder {
  let keys: Promise<VerificationKey[]> | undefined;
  const verify = async (bytes: Uint8Array, digest: Digest, name: string) => {
    keys ??= releaseVerificationKeys(cc.ctx, { signal: cc.ctx.signal });
    return await verifyReleaseSignature(bytes, { digest, publicKeys: await keys, name, now: cc.ctx.now() });
  };
  const upstream = cc.sources.kind === "upstream";
  return {
    async tagFor(payload, version, arch) {
      const digest = payload.digest as Digest;
      const fallbackTag = `${version}-${tagArch(arch)}`;
      let candidates: { bytes: Uint8Array; name: string }[] = [];
      if (upstream) {
        const sigs = await fetchReleaseSignatures(digest, { ctx: cc.ctx, signal: cc.ctx.signal });
        candidates = sigs.map((bytes, i) => ({
          bytes,
          name: `Signature ${i + 1} of release ${version} (${digest})`,
        }));
      } else {
        const suffix = `-sha256-${digestHex(digest)}`;
        for (const f of await listSignatureFiles(cc.wd.signatures)) {
          if (f.endsWith(suffix)) {
            candidates.push({
              bytes: await Deno.readFile(join(cc.wd.signatures, f)),
              name: `Saved signature ${f}`,
            });
          }
        }
      }
      const errors: string[] = [];
      for (const c of candidates) {
        try {
          const v = await verify(c.bytes, digest, c.name);
          const tag = v.tag ?? fallbackTag;
          if (upstream) {
            await Deno.mkdir(cc.wd.signatures, { recursive: true });
            await Deno.writeFile(join(cc.wd.signatures, signatureFileName(tag, digest)), c.bytes);
          }
          collected.signatures.push({ digest, bytes: c.bytes });
          return tag;
        } catch (e) {
          if (!(e instanceof SignatureError)) throw e;
          errors.push(e.message);
        }
      }
      if (cc.options.ignoreReleaseSignature) {
        log(
          cc.ctx,
          "warn",
          `Release ${version} (${digest}) is mirrored without a verified signature (--ignore-release-signature)`,
        );
        return fallbackTag;
      }
      if (errors.length > 0) throw new SignatureError(errors.join("; "));
      throw new SignatureError(`Release ${version} (${formatReference(payload)}) has no signature`, {
        hint: upstream
          ? "Check OCP_SIGNATURE_URL, or use --ignore-release-signature for unsigned (CI) payloads"
          : "The archive carries no signature for it: rerun mirror-to-disk with the same configuration",
      });
    },
  };
}

/** Maps one payload: the payload itself, its components and the KubeVirt container. */
async function collectPayload(
  cc: CollectorContext,
  collected: Collected,
  payload: ImageReference,
  tag: string,
  arch: string,
  platforms: Platform[] | undefined,
): Promise<void> {
  const p = releaseImageDestination(tag);
  const payloadMapping: ImageMapping = {
    source: payload,
    origin: payload,
    destination: relative(p.repository, p.tag),
    kind: "ocpRelease",
    ...(platforms ? { platforms } : {}),
  };
  collected.mappings.push(payloadMapping);
  const at = cc.sources.locate(payloadMapping);
  const o = { signal: cc.ctx.signal };
  const descriptor = await at.store.resolve(at.repository, at.reference, o);
  const read = await readReleasePayload(at.store, at.repository, descriptor, {
    ...o,
    name: `release ${tag}`,
    platform: { os: "linux", architecture: arch === "multi" ? "amd64" : arch },
  });
  for (const ref of read.imageReferences) {
    const image = parseImageReference(ref.image);
    const d = releaseComponentDestination(tag, ref.name);
    collected.mappings.push({
      source: image,
      origin: image,
      destination: relative(d.repository, d.tag),
      kind: "ocpReleaseContent",
      ...(platforms ? { platforms } : {}),
    });
  }
  if (cc.loaded.config.mirror.platform.kubeVirtContainer) {
    // A multi payload names one KubeVirt container per architecture: take the first platform asked for.
    const streamArch = releaseArchitecture(arch === "multi" ? platforms?.[0]?.architecture ?? "amd64" : arch);
    const ref = read.bootImages?.kubevirt[streamArch];
    if (!ref) {
      log(
        cc.ctx,
        "warn",
        `Release ${tag} names no KubeVirt container for ${streamArch}: kubeVirtContainer skipped for it`,
      );
    } else {
      const image = parseImageReference(ref);
      const d = kubeVirtDestination(tag);
      collected.mappings.push({
        source: image,
        origin: image,
        destination: relative(d.repository, d.tag),
        kind: "kubeVirtContainer",
      });
    }
  }
}

function graphSourceFor(cc: CollectorContext): (channel: { type?: "ocp" | "okd" }) => UpdateGraphSource {
  if (cc.sources.kind !== "upstream") {
    const saved = new SavedGraphSource({ dir: cc.wd.graphData });
    return () => saved;
  }
  const clients = new Map<string, UpdateGraphClient>();
  return (c) => {
    const type = c.type ?? "ocp";
    let client = clients.get(type);
    if (!client) {
      clients.set(type, client = new UpdateGraphClient({ ctx: cc.ctx, type, saveDir: cc.wd.graphData }));
    }
    return client;
  };
}

/** Collects the platform section. */
export async function collectReleases(cc: CollectorContext): Promise<Collected> {
  const platform = cc.loaded.config.mirror.platform;
  const collected = emptyCollected();
  const sigs = signatureFinder(cc, collected);
  const platforms = platform.platforms && platform.platforms.length > 0 ? platform.platforms : undefined;
  const seen = new Set<string>();

  if (platform.releaseReference) {
    const ref = platform.releaseReference;
    const arch = architectures(cc)[0] ?? "amd64";
    let payload = ref;
    if (!ref.digest) {
      const at = cc.sources.locate({
        source: ref,
        destination: relative(releaseImageDestination(ref.tag ?? "latest").repository, ref.tag ?? "latest"),
      });
      payload = {
        ...ref,
        digest: (await at.store.resolve(at.repository, at.reference, { signal: cc.ctx.signal })).digest,
      };
    }
    const tag = ref.tag && cc.options.ignoreReleaseSignature
      ? ref.tag
      : cc.options.ignoreReleaseSignature && !ref.tag
      ? digestHex(payload.digest as Digest)
      : await sigs.tagFor(payload, ref.tag ?? digestHex(payload.digest as Digest), arch);
    await collectPayload(
      cc,
      collected,
      { ...payload, tag: undefined } as ImageReference,
      tag,
      arch,
      platforms,
    );
    seen.add(payload.digest as string);
  }

  if (platform.channels.length === 0) return collected;
  const graphs = graphSourceFor(cc);
  for (const arch of architectures(cc)) {
    const channels = platform.channels.map((c: ReleaseChannel) => ({
      name: c.name,
      type: c.type,
      shortestPath: c.shortestPath,
      full: c.full,
      ...(c.minVersion ? { minVersion: c.minVersion } : {}),
      ...(c.maxVersion ? { maxVersion: c.maxVersion } : {}),
    }));
    let selection;
    try {
      selection = await selectReleasesFromSource(graphs, channels, {
        arch,
        signal: cc.ctx.signal,
        includeConditionalEdges: cc.options.includeConditionalEdges,
      });
    } catch (e) {
      if (e instanceof GraphError) {
        const index = platform.channels.findIndex((c) =>
          e.message.includes(`"${c.name}"`) || e.message.includes(` ${c.name}`)
        );
        if (index >= 0) {
          const located = cc.loaded.problemAt(
            ["mirror", "platform", "channels", index, "name"],
            `"${platform.channels[index]?.name}": ${e.message}`,
          );
          throw new GraphError(`${cc.loaded.file}:${located.line}:${located.column}: ${e.message}`, {
            cause: e,
            ...(e.hint ? { hint: e.hint } : {}),
          });
        }
      }
      throw e;
    }
    for (const w of selection.warnings) log(cc.ctx, "warn", w.message);
    for (const r of selection.conditionalRisks) {
      log(
        cc.ctx,
        "warn",
        `Upgrade ${r.from} -> ${r.to} in ${r.channel} is conditional: ${
          r.risks.map((x) => `${x.name}: ${x.message}`).join("; ")
        }`,
      );
    }
    collected.releases.push({
      arch,
      graphs: [...selection.graphs.values()],
      versions: selection.releases.map((r) => r.version),
    });
    for (const s of selection.selections) {
      log(
        cc.ctx,
        "info",
        `Channel ${s.channel} (${arch}): ${
          s.releases.map((r) => `${r.version} (${r.reasons.map((x) => x.kind).join(", ")})`).join(", ") ||
          "no releases"
        }`,
      );
    }
    if (selection.releases.length === 0) {
      throw new GraphError(
        `No release images found for channels ${platform.channels.map((c) => c.name).join(", ")} (${arch})`,
      );
    }
    for (const r of selection.releases) {
      const payload = parseImageReference(r.payload);
      if (!payload.digest) {
        throw new GraphError(`Release ${r.version} has payload "${r.payload}" without a digest`);
      }
      if (seen.has(`${payload.digest}`)) continue;
      seen.add(`${payload.digest}`);
      const tag = await sigs.tagFor(payload, r.version, arch);
      await collectPayload(cc, collected, payload, tag, arch, platforms);
    }
  }
  return collected;
}

/** The graph base image reference. */
export const GRAPH_BASE_IMAGE: ImageReference = parseImageReference(DEFAULT_GRAPH_BASE_IMAGE);

/** The graph-data URL: next to `UPDATE_URL_OVERRIDE`'s graph endpoint, else the public one. */
export function graphDataUrl(cc: Pick<CollectorContext, "ctx">): string {
  const graph = updateGraphUrl(cc.ctx, "ocp");
  const m = /^(.*)\/api\/upgrades_info\/v1\/graph\/?$/.exec(graph);
  return m
    ? `${m[1]}/api/upgrades_info/graph-data`
    : "https://api.openshift.com/api/upgrades_info/graph-data";
}
