/**
 * Blob uploads: `POST /v2/<name>/blobs/uploads/` (monolithic with `?digest=`, cross-repository mount
 * with `?mount=&from=`, or a session start), `PATCH` (chunked with `Content-Range`, or streamed),
 * `PUT ?digest=` to finish (the store verifies), `GET` for the status and `DELETE` to cancel. Bodies
 * stream to the store or the staging file; nothing is buffered.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 * @module
 */
import { type Descriptor, type Digest, isDigest } from "../oci/mod.ts";
import { isPathComponent } from "../reference/mod.ts";
import { HttpError, reply, type RouteContext, toHttpError } from "./_http.ts";
import type { UploadSession } from "./_upload_sessions.ts";

function digestParam(c: RouteContext, repo: string, required: boolean): Digest | undefined {
  const value = c.url.searchParams.get("digest");
  if (value === null || value === "") {
    if (required) throw new HttpError(400, "DIGEST_INVALID", `Upload to ${repo} needs a ?digest= parameter`);
    return undefined;
  }
  if (!isDigest(value)) {
    throw new HttpError(
      400,
      "DIGEST_INVALID",
      `Digest "${value}" of an upload to ${repo} is not sha256:<64 hex>`,
    );
  }
  return value;
}

/** The Content-Length header as a number, undefined when absent or invalid. */
function contentLength(req: Request): number | undefined {
  const v = req.headers.get("Content-Length");
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
}

function sessionHeaders(s: UploadSession): Record<string, string> {
  return {
    "Location": `/v2/${s.repo}/blobs/uploads/${s.uuid}`,
    "Docker-Upload-UUID": s.uuid,
    "Range": `0-${Math.max(0, s.size - 1)}`,
  };
}

function created(repo: string, digest: Digest): Response {
  return reply(201, { "Location": `/v2/${repo}/blobs/${digest}`, "Docker-Content-Digest": digest });
}

function blobDescriptor(digest: Digest, size: number): Descriptor {
  return { mediaType: "application/octet-stream", digest, size };
}

/** Stores a blob from a stream whose length is known, mapping store errors to registry errors. */
async function putBlob(
  c: RouteContext,
  repo: string,
  d: Descriptor,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
  try {
    await c.store.putBlob(repo, d, body, { signal: c.signal });
  } catch (e) {
    throw toHttpError(e, "BLOB_UPLOAD_INVALID");
  }
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

/** Finishes an upload from its staged file; the session ends either way. */
async function finishFromSession(c: RouteContext, s: UploadSession, digest: Digest): Promise<Response> {
  try {
    await putBlob(c, s.repo, blobDescriptor(digest, s.size), await c.uploads.read(s));
  } finally {
    await c.uploads.remove(s);
  }
  return created(s.repo, digest);
}

/** POST: mount, monolithic upload or session start. */
export async function startUpload(c: RouteContext, repo: string): Promise<Response> {
  const mount = c.url.searchParams.get("mount");
  const from = c.url.searchParams.get("from");
  if (mount !== null && from !== null) {
    if (!isDigest(mount)) {
      throw new HttpError(
        400,
        "DIGEST_INVALID",
        `Mount digest "${mount}" for ${repo} is not sha256:<64 hex>`,
      );
    }
    if (from === "" || !from.split("/").every(isPathComponent)) {
      throw new HttpError(400, "NAME_INVALID", `Mount source repository "${from}" is invalid`);
    }
    if (c.store.mountBlob) {
      const o = { signal: c.signal };
      try {
        const size = c.store.statBlob
          ? (await c.store.statBlob(from, mount, o).catch(() => undefined))?.size
          : 0;
        if (size !== undefined && (await c.store.mountBlob(repo, from, blobDescriptor(mount, size), o))) {
          await c.req.body?.cancel();
          return created(repo, mount);
        }
      } catch (e) {
        throw toHttpError(e, "BLOB_UNKNOWN");
      }
    }
    // The spec's fallback: start an ordinary upload session.
  }
  const digest = digestParam(c, repo, false);
  if (digest !== undefined) {
    const length = contentLength(c.req);
    if (length !== undefined) {
      await putBlob(c, repo, blobDescriptor(digest, length), c.req.body ?? emptyStream());
      return created(repo, digest);
    }
    const s = await c.uploads.start(repo);
    try {
      await c.uploads.append(s, c.req.body, c.signal);
    } catch (e) {
      await c.uploads.remove(s);
      throw toHttpError(e, "BLOB_UPLOAD_INVALID");
    }
    return await finishFromSession(c, s, digest);
  }
  await c.req.body?.cancel();
  const s = await c.uploads.start(repo);
  return reply(202, sessionHeaders(s));
}

function session(c: RouteContext, repo: string, uuid: string): UploadSession {
  const s = c.uploads.get(repo, uuid);
  if (!s) throw new HttpError(404, "BLOB_UPLOAD_UNKNOWN", `Upload ${uuid} of ${repo} is unknown`);
  if (s.busy) {
    throw new HttpError(
      416,
      "BLOB_UPLOAD_INVALID",
      `Upload ${uuid} of ${repo} is busy with another request`,
      {
        headers: sessionHeaders(s),
      },
    );
  }
  return s;
}

/** Parses `Content-Range: <start>-<end>` (inclusive; some clients prefix `bytes=` or `bytes `). */
function contentRange(req: Request): { start: number; end: number } | undefined {
  const v = req.headers.get("Content-Range");
  if (v === null) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(v.trim());
  if (!m) {
    throw new HttpError(416, "BLOB_UPLOAD_INVALID", `Content-Range "${v}" is invalid: want <start>-<end>`);
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

/** Appends a request body to a session, checking `Content-Range` and `Content-Length`. */
async function appendChunk(c: RouteContext, s: UploadSession): Promise<void> {
  const range = contentRange(c.req);
  if (range && (range.start !== s.size || range.end < range.start)) {
    await c.req.body?.cancel();
    throw new HttpError(
      416,
      "BLOB_UPLOAD_INVALID",
      `Chunk ${range.start}-${range.end} of upload ${s.uuid} does not start at byte ${s.size}`,
      { headers: sessionHeaders(s) },
    );
  }
  const before = s.size;
  let written: number;
  try {
    written = await c.uploads.append(s, c.req.body, c.signal);
  } catch (e) {
    throw toHttpError(e, "BLOB_UPLOAD_INVALID");
  }
  const length = contentLength(c.req);
  const expected = range ? range.end - range.start + 1 : length;
  if (expected !== undefined && written !== expected) {
    await c.uploads.truncate(s, before);
    throw new HttpError(
      400,
      "BLOB_UPLOAD_INVALID",
      `Chunk of upload ${s.uuid} has ${written} bytes, the request announced ${expected}`,
      { headers: sessionHeaders(s) },
    );
  }
}

/** PATCH: one chunk (or the whole blob, streamed). */
export async function patchUpload(c: RouteContext, repo: string, uuid: string): Promise<Response> {
  const s = session(c, repo, uuid);
  s.busy = true;
  try {
    await appendChunk(c, s);
  } finally {
    s.busy = false;
  }
  return reply(202, sessionHeaders(s));
}

/** PUT ?digest=: an optional last chunk, then the store verifies and publishes the blob. */
export async function finishUpload(c: RouteContext, repo: string, uuid: string): Promise<Response> {
  const s = session(c, repo, uuid);
  const digest = digestParam(c, repo, true) as Digest;
  s.busy = true;
  try {
    const length = contentLength(c.req);
    const hasRange = c.req.headers.has("Content-Range");
    if (s.size === 0 && !hasRange && length !== undefined && length > 0) {
      // A monolithic POST+PUT: stream straight into the store.
      try {
        await putBlob(c, repo, blobDescriptor(digest, length), c.req.body ?? emptyStream());
      } finally {
        await c.uploads.remove(s);
      }
      return created(repo, digest);
    }
    if (c.req.body !== null && length !== 0) await appendChunk(c, s);
    return await finishFromSession(c, s, digest);
  } finally {
    s.busy = false;
  }
}

/** GET: the upload's progress. */
export function uploadStatus(c: RouteContext, repo: string, uuid: string): Response {
  const s = c.uploads.get(repo, uuid);
  if (!s) throw new HttpError(404, "BLOB_UPLOAD_UNKNOWN", `Upload ${uuid} of ${repo} is unknown`);
  return reply(204, sessionHeaders(s));
}

/** DELETE: cancels the upload. */
export async function cancelUpload(c: RouteContext, repo: string, uuid: string): Promise<Response> {
  const s = session(c, repo, uuid);
  await c.uploads.remove(s);
  return reply(204, {});
}
