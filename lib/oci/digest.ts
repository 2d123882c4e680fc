/**
 * Content digests. Only `parseDigest()` and the hashing helpers create a {@link Digest}, so a value of
 * this type is always a well-formed `sha256:<64 lowercase hex>`.
 * @see https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests
 * @module
 */
import { createHash } from "node:crypto";
import { ImageReferenceError } from "../errors.ts";

/** A validated SHA-256 content digest. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** Returns true when `value` is a well-formed sha256 digest. */
export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

/** Parses a digest, rejecting other algorithms, wrong lengths and upper case. */
export function parseDigest(value: string): Digest {
  if (isDigest(value)) return value;
  const colon = value.indexOf(":");
  if (colon < 0) {
    throw new ImageReferenceError(value, `Digest "${value}" has no algorithm: want sha256:<64 hex digits>`);
  }
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (algorithm !== "sha256") {
    throw new ImageReferenceError(
      value,
      `Digest "${value}" uses unsupported algorithm "${algorithm}": only sha256 is supported`,
    );
  }
  if (!/^[a-fA-F0-9]*$/.test(hex)) {
    throw new ImageReferenceError(value, `Digest "${value}" is not hexadecimal: want sha256:<64 hex digits>`);
  }
  if (hex.length !== 64) {
    throw new ImageReferenceError(value, `Digest "${value}" has ${hex.length} hex digits: want 64`);
  }
  throw new ImageReferenceError(value, `Digest "${value}" has upper-case hex digits: want lower case`);
}

/** The hex part of a digest. */
export function digestHex(digest: Digest): string {
  return digest.slice("sha256:".length);
}

/** Computes the digest of bytes held in memory (manifests, configs, small files). */
export function digestOf(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
