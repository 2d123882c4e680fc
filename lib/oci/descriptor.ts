/**
 * Descriptors: the typed pointers (media type, digest, size) that link manifests, configs and layers.
 * @see https://github.com/opencontainers/image-spec/blob/main/descriptor.md
 * @module
 */
import { ManifestError } from "../errors.ts";
import { type Digest, isDigest } from "./digest.ts";
import type { Platform } from "./platform.ts";

/** A content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
}

/** Checks an untrusted JSON value is a descriptor; `where` names it in the error. */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ManifestError(`Descriptor ${where} is not an object`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.mediaType !== "string" || v.mediaType === "") {
    throw new ManifestError(`Descriptor ${where} has no mediaType`);
  }
  if (typeof v.digest !== "string" || !isDigest(v.digest)) {
    throw new ManifestError(
      `Descriptor ${where} has digest ${JSON.stringify(v.digest)}: want sha256:<64 hex digits>`,
    );
  }
  if (typeof v.size !== "number" || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw new ManifestError(
      `Descriptor ${where} has size ${JSON.stringify(v.size)}: want a non-negative integer`,
    );
  }
  const d: Descriptor = { mediaType: v.mediaType, digest: v.digest, size: v.size };
  if (typeof v.platform === "object" && v.platform !== null) {
    const p = v.platform as Record<string, unknown>;
    if (typeof p.os === "string" && typeof p.architecture === "string") {
      d.platform = { os: p.os, architecture: p.architecture };
      if (typeof p.variant === "string") d.platform.variant = p.variant;
      if (typeof p["os.version"] === "string") d.platform["os.version"] = p["os.version"];
    }
  }
  if (typeof v.annotations === "object" && v.annotations !== null) {
    d.annotations = Object.fromEntries(
      Object.entries(v.annotations as Record<string, unknown>).filter(([, x]) => typeof x === "string"),
    ) as Record<string, string>;
  }
  if (typeof v.artifactType === "string") d.artifactType = v.artifactType;
  if (Array.isArray(v.urls)) d.urls = v.urls.filter((u): u is string => typeof u === "string");
  return d;
}
