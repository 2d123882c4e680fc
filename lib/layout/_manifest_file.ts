/**
 * Reading manifest files from disk: capped in size, and the media type taken from the JSON itself (the
 * on-disk formats do not record it beside the bytes).
 * @module
 */
import { ManifestError } from "../errors.ts";
import { MAX_MANIFEST_BYTES, MediaType } from "../oci/mod.ts";

/** Reads a manifest file of at most {@link MAX_MANIFEST_BYTES}; `where` names it in errors. */
export async function readManifestFile(path: string, where: string): Promise<Uint8Array> {
  const st = await Deno.stat(path);
  if (st.size > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`Manifest ${where} is ${st.size} bytes: the limit is ${MAX_MANIFEST_BYTES}`);
  }
  return await Deno.readFile(path);
}

/**
 * The media type a manifest declares; for JSON without `mediaType` (allowed for OCI) it is guessed
 * from the shape: `manifests` makes an index, schema 1 a Docker schema 1 manifest, else an OCI manifest.
 */
export function manifestMediaType(bytes: Uint8Array, where: string): string {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ManifestError(`Manifest ${where} is not valid JSON`, { cause });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ManifestError(`Manifest ${where} is not a JSON object`);
  }
  const m = json as Record<string, unknown>;
  if (typeof m.mediaType === "string" && m.mediaType !== "") return m.mediaType;
  if (m.schemaVersion === 1) {
    return Array.isArray(m.signatures) ? MediaType.dockerSchema1Signed : MediaType.dockerSchema1;
  }
  return Array.isArray(m.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
}
