/**
 * The release signature ConfigMap the original writes to `cluster-resources/signature-configmap.json` and
 * `.yaml` (reference §4.6), and the names raw signatures are kept under in `working-dir/signatures/`.
 * @module
 */
import { stringify } from "yaml";
import { type Digest, digestHex } from "../oci/mod.ts";

/** The ConfigMap's name. */
export const SIGNATURE_CONFIG_MAP_NAME = "mirrored-release-signatures";

/** The namespace the cluster version operator reads signatures from. */
export const SIGNATURE_CONFIG_MAP_NAMESPACE = "openshift-config-managed";

/** The label that marks a ConfigMap as holding release signatures. */
export const SIGNATURE_CONFIG_MAP_LABEL = "release.openshift.io/verification-signatures";

/** Where raw signatures are kept inside the working directory. */
export const SIGNATURES_DIR = "signatures";

/** One raw signature of one payload. */
export interface ReleaseSignatureBytes {
  digest: Digest;
  bytes: Uint8Array;
}

/** The ConfigMap object. */
export interface SignatureConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  binaryData: Record<string, string>;
}

/** Options of {@link signatureConfigMap}. */
export interface SignatureConfigMapOptions {
  /** The run's time, for the `createdAt` annotation. */
  now: Date;
  /** Our version, for the `oc-mirror_version` annotation. */
  version: string;
}

/** The annotations the original puts on every generated resource. */
export function generatedAnnotations(now: Date, version: string): Record<string, string> {
  return {
    createdBy: "oc-mirror v2",
    createdAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    "oc-mirror_version": version,
  };
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Builds the ConfigMap: `binaryData` keys `sha256-<hex>-<n>`, `n` counting from 1 across all signatures
 * in the order given (as the original numbers them).
 */
export function signatureConfigMap(
  signatures: ReleaseSignatureBytes[],
  options: SignatureConfigMapOptions,
): SignatureConfigMap {
  const binaryData: Record<string, string> = {};
  signatures.forEach((s, i) => (binaryData[`sha256-${digestHex(s.digest)}-${i + 1}`] = base64(s.bytes)));
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: SIGNATURE_CONFIG_MAP_NAME,
      namespace: SIGNATURE_CONFIG_MAP_NAMESPACE,
      labels: { [SIGNATURE_CONFIG_MAP_LABEL]: "" },
      annotations: generatedAnnotations(options.now, options.version),
    },
    binaryData,
  };
}

/** The two files the original writes under `cluster-resources/`, by file name. */
export function signatureConfigMapFiles(cm: SignatureConfigMap): Record<string, string> {
  return {
    "signature-configmap.json": `${JSON.stringify(cm, null, 2)}\n`,
    "signature-configmap.yaml": stringify(cm, { lineWidth: 0 }),
  };
}

/** The file name a raw signature is kept under in `working-dir/signatures/`: `<tag>-sha256-<hex>`. */
export function signatureFileName(tag: string, digest: Digest): string {
  return `${tag}-sha256-${digestHex(digest)}`;
}
