/**
 * The v1 results directory (reference §4.9): `<workspace>/results-<unix seconds>/` with `mapping.txt`
 * (`source=destination`, no transports), `imageContentSourcePolicy.yaml` (split into more objects when
 * one would exceed 250 000 bytes of YAML), one `catalogSource-<name>.yaml` per catalog (v1 naming: the
 * catalog's last path component, no `cs-` prefix, tag preferred over digest, no annotations),
 * `updateService.yaml` (no namespace) and `release-signatures/` (one ConfigMap JSON per payload).
 * @module
 */
import { join } from "node:path";
import { digestHex } from "../oci/mod.ts";
import type { ImageMapping } from "../plan/mod.ts";
import { formatReference, type ImageReference } from "../reference/mod.ts";
import {
  type ReleaseSignatureBytes,
  SIGNATURE_CONFIG_MAP_LABEL,
  SIGNATURE_CONFIG_MAP_NAMESPACE,
  UPDATE_SERVICE_NAME,
} from "../release/mod.ts";
import { imageContentSourcePolicies, toYamlDocuments } from "../resources/mod.ts";

/** The v1 workspace (results and, for mirror-to-mirror, working-dir) under the working directory. */
export const V1_WORKSPACE = "oc-mirror-workspace";

/** Largest ImageContentSourcePolicy YAML before it is split, as the original. */
export const MAX_ICSP_BYTES = 250_000;

/** The results directory of a run started at `now`: `<workspace>/results-<unix seconds>`. */
export function v1ResultsDir(workspace: string, now: Date): string {
  return join(workspace, `results-${Math.floor(now.getTime() / 1000)}`);
}

/** One `mapping.txt` line in v1's format: `source=destination`, no transports. */
export function v1MappingLine(m: ImageMapping): string {
  const source = m.source.digest ? { ...m.source, tag: undefined } : m.source;
  return `${formatReference(source)}=${formatReference(m.destination)}`;
}

/** A Kubernetes name from any text (RFC 1035 label: lower-case, starts with a letter, at most 63). */
export function rfc1035Name(text: string): string {
  let s = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "");
  s = s.slice(0, 63).replace(/-+$/, "");
  return s === "" ? "catalog" : s;
}

/** The v1 CatalogSource of a mirrored catalog: named after its last path component. */
export function v1CatalogSource(destination: ImageReference, name: string): unknown {
  const image = destination.tag !== undefined
    ? formatReference({ ...destination, digest: undefined })
    : formatReference(destination);
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "CatalogSource",
    metadata: { name, namespace: "openshift-marketplace" },
    spec: { image, sourceType: "grpc" },
  };
}

/** Splits ICSP objects whose YAML is larger than `maxBytes` into several, renumbering their names. */
export function splitIcsp(objects: readonly unknown[], maxBytes = MAX_ICSP_BYTES): unknown[] {
  type Icsp = { metadata: { name: string }; spec: { repositoryDigestMirrors: unknown[] } };
  const out: unknown[] = [];
  for (const raw of objects) {
    const o = raw as Icsp;
    if (toYamlDocuments([o]).length <= maxBytes) {
      out.push(o);
      continue;
    }
    const category = o.metadata.name.replace(/-\d+$/, "");
    const chunks: unknown[][] = [[]];
    for (const rule of o.spec.repositoryDigestMirrors) {
      const current = chunks[chunks.length - 1] as unknown[];
      const candidate = { ...o, spec: { repositoryDigestMirrors: [...current, rule] } };
      if (current.length > 0 && toYamlDocuments([candidate]).length > maxBytes) chunks.push([rule]);
      else current.push(rule);
    }
    chunks.forEach((rules, i) =>
      out.push({
        ...o,
        metadata: { ...o.metadata, name: `${category}-${i}` },
        spec: { repositoryDigestMirrors: rules },
      })
    );
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Input of {@link writeV1Results}. */
export interface V1ResultsInput {
  /** The results directory (created). */
  dir: string;
  /** Mirrored mappings with their final destinations. */
  mirrored: ImageMapping[];
  /** Final destinations of the mirrored catalogs. */
  catalogs: ImageReference[];
  signatures: ReleaseSignatureBytes[];
  forceRepositoryScope: boolean;
}

/** Writes the results directory; returns the paths written, relative to it. */
export async function writeV1Results(input: V1ResultsInput): Promise<string[]> {
  const { dir, mirrored } = input;
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    await Deno.writeTextFile(join(dir, name), text);
    written.push(name);
  };
  const lines = mirrored.map(v1MappingLine).sort();
  await write("mapping.txt", lines.length ? `${lines.join("\n")}\n` : "");
  const icsp = splitIcsp(
    imageContentSourcePolicies(mirrored, { forceRepositoryScope: input.forceRepositoryScope }),
  );
  if (icsp.length > 0) await write("imageContentSourcePolicy.yaml", toYamlDocuments(icsp));
  const used = new Map<string, number>();
  for (const destination of input.catalogs) {
    const base = rfc1035Name(destination.repository.split("/").pop() ?? destination.repository);
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    const name = n === 0 ? base : `${base}-${n}`;
    await write(
      `catalogSource-${name}.yaml`,
      toYamlDocuments([v1CatalogSource(destination, name)]).replace(/^---\n/, ""),
    );
  }
  const graph = mirrored.find((m) => m.kind === "cincinnatiGraph");
  const release = mirrored.find((m) => m.kind === "ocpRelease");
  if (graph) {
    const releases = release
      ? `${release.destination.registry}/${release.destination.repository}`
      : `${graph.destination.registry}/${
        graph.destination.repository.replace(/graph-image$/, "release-images")
      }`;
    await write(
      "updateService.yaml",
      toYamlDocuments([{
        apiVersion: "updateservice.operator.openshift.io/v1",
        kind: "UpdateService",
        metadata: { name: UPDATE_SERVICE_NAME },
        spec: { replicas: 2, releases, graphDataImage: formatReference(graph.destination) },
      }]).replace(/^---\n/, ""),
    );
  }
  if (input.signatures.length > 0 && release) {
    await Deno.mkdir(join(dir, "release-signatures"), { recursive: true });
    const byDigest = new Map<string, ReleaseSignatureBytes[]>();
    for (const s of input.signatures) byDigest.set(s.digest, [...(byDigest.get(s.digest) ?? []), s]);
    for (const [digest, sigs] of byDigest) {
      const hex = digestHex(digest as `sha256:${string}`);
      const binaryData: Record<string, string> = {};
      sigs.forEach((s, i) => (binaryData[`sha256-${hex}-${i + 1}`] = base64(s.bytes)));
      const cm = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: `sha256-${hex}`,
          namespace: SIGNATURE_CONFIG_MAP_NAMESPACE,
          labels: { [SIGNATURE_CONFIG_MAP_LABEL]: "" },
        },
        binaryData,
      };
      await write(`release-signatures/signature-sha256-${hex.slice(0, 16)}.json`, `${JSON.stringify(cm)}\n`);
    }
  }
  return written;
}
