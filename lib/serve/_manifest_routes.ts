/**
 * `/v2/<name>/manifests/<reference>`: GET and HEAD by tag or digest (the stored media type is returned
 * whatever the Accept header says), PUT (verified, and refused while the repository lacks a blob or
 * manifest it names), DELETE by digest.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 * @module
 */
import { type Descriptor, digestOf, isDigest, MAX_MANIFEST_BYTES, parseManifest } from "../oci/mod.ts";
import { isTag } from "../reference/mod.ts";
import { HttpError, reply, type RouteContext, toHttpError } from "./_http.ts";

function manifestHeaders(d: Descriptor): Record<string, string> {
  return {
    "Content-Type": d.mediaType,
    "Docker-Content-Digest": d.digest,
    "Content-Length": String(d.size),
    "ETag": `"${d.digest}"`,
  };
}

function checkReference(repo: string, reference: string): void {
  if (!isDigest(reference) && !isTag(reference)) {
    const code = reference.includes(":") ? "DIGEST_INVALID" : "TAG_INVALID";
    throw new HttpError(
      400,
      code,
      `Reference "${reference}" of ${repo} is neither a tag nor a sha256 digest`,
    );
  }
}

/** GET or HEAD of a manifest. */
export async function getManifest(c: RouteContext, repo: string, reference: string): Promise<Response> {
  checkReference(repo, reference);
  try {
    const d = await c.store.resolve(repo, reference, { signal: c.signal });
    if (c.req.method === "HEAD") return reply(200, manifestHeaders(d));
    const bytes = await c.store.getManifest(repo, d, { signal: c.signal });
    return reply(200, manifestHeaders({ ...d, size: bytes.byteLength }), bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw toHttpError(e, "MANIFEST_UNKNOWN");
  }
}

async function readCapped(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      throw new HttpError(400, "MANIFEST_INVALID", `Manifest is larger than the limit of ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const chunk of chunks) {
    out.set(chunk, off);
    off += chunk.byteLength;
  }
  return out;
}

/** PUT of a manifest by tag or digest. */
export async function putManifest(c: RouteContext, repo: string, reference: string): Promise<Response> {
  checkReference(repo, reference);
  const bytes = await readCapped(c.req.body, MAX_MANIFEST_BYTES);
  const digest = digestOf(bytes);
  if (isDigest(reference) && reference !== digest) {
    throw new HttpError(400, "DIGEST_INVALID", `Manifest ${repo}@${reference} has digest ${digest}`, {
      detail: { expected: reference, actual: digest },
    });
  }
  const contentType = c.req.headers.get("Content-Type")?.split(";")[0]?.trim();
  const where = `${repo}@${digest}`;
  const m = (() => {
    try {
      return parseManifest(bytes, contentType ? { mediaType: contentType, where } : { where });
    } catch (e) {
      throw toHttpError(e);
    }
  })();
  const children = m.kind === "index" ? m.manifests : [m.config, ...m.layers.filter((l) => !l.urls?.length)];
  for (const child of children) {
    const present = m.kind === "index"
      ? await c.store.hasManifest(repo, child, { signal: c.signal })
      : await c.store.hasBlob(repo, child, { signal: c.signal });
    if (!present) {
      throw new HttpError(
        400,
        "MANIFEST_BLOB_UNKNOWN",
        `Manifest ${where} names ${child.digest}, which ${repo} does not have`,
        { detail: { digest: child.digest } },
      );
    }
  }
  const d: Descriptor = { mediaType: m.mediaType, digest, size: bytes.byteLength };
  try {
    await c.store.putManifest(repo, d, bytes, {
      signal: c.signal,
      ...(isDigest(reference) ? {} : { tag: reference }),
    });
  } catch (e) {
    throw toHttpError(e, "MANIFEST_BLOB_UNKNOWN");
  }
  const headers: Record<string, string> = {
    "Location": `/v2/${repo}/manifests/${digest}`,
    "Docker-Content-Digest": digest,
  };
  if (m.subject) headers["OCI-Subject"] = m.subject.digest;
  return reply(201, headers);
}

/** DELETE of a manifest by digest (its tags go with it). */
export async function deleteManifest(c: RouteContext, repo: string, reference: string): Promise<Response> {
  checkReference(repo, reference);
  if (!c.store.deleteManifest) {
    throw new HttpError(405, "UNSUPPORTED", `Store ${c.store.label} cannot delete manifests`);
  }
  if (!isDigest(reference)) {
    throw new HttpError(
      405,
      "UNSUPPORTED",
      `Deleting tag ${repo}:${reference} is not supported: delete by digest`,
    );
  }
  try {
    const d = await c.store.resolve(repo, reference, { signal: c.signal });
    await c.store.deleteManifest(repo, d, { signal: c.signal });
  } catch (e) {
    throw toHttpError(e, "MANIFEST_UNKNOWN");
  }
  return reply(202, {});
}
