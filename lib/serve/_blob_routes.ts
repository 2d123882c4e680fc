/**
 * `/v2/<name>/blobs/<digest>`: GET (streamed, with single `Range` requests answered 206), HEAD and
 * DELETE. Uses the store's `statBlob`/`getBlobRange`/`deleteBlob` when it has them; otherwise counts or
 * skips bytes, or answers 405.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs
 * @module
 */
import { type Descriptor, type Digest, isDigest } from "../oci/mod.ts";
import { HttpError, reply, type RouteContext, toHttpError } from "./_http.ts";

/** A parsed `Range: bytes=...` header: `[start, end]` inclusive, or unsatisfiable. */
type ByteRange = { start: number; end: number } | "unsatisfiable" | undefined;

/** Parses a single-range `Range` header against a size; multi-range and other units are ignored. */
export function parseRange(header: string | null, size: number): ByteRange {
  const m = header === null ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

function checkDigest(repo: string, digest: string): Digest {
  if (!isDigest(digest)) {
    throw new HttpError(
      400,
      "DIGEST_INVALID",
      `Blob reference "${digest}" of ${repo} is not a sha256 digest`,
    );
  }
  return digest;
}

/** Skips `start` bytes and stops after `end` (exclusive) bytes of a stream. */
function sliceStream(
  source: ReadableStream<Uint8Array>,
  start: number,
  end: number,
): ReadableStream<Uint8Array> {
  let position = 0;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const from = Math.max(0, start - position);
        const to = Math.min(chunk.byteLength, end - position);
        position += chunk.byteLength;
        if (to > from) controller.enqueue(chunk.subarray(from, to));
        if (position >= end) controller.terminate();
      },
    }),
  );
}

async function countBytes(s: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const chunk of s) n += chunk.byteLength;
  return n;
}

/** The blob's descriptor (size included), or a 404 BLOB_UNKNOWN. */
async function statBlob(c: RouteContext, repo: string, digest: Digest): Promise<Descriptor> {
  const o = { signal: c.signal };
  try {
    if (c.store.statBlob) return await c.store.statBlob(repo, digest, o);
    const d: Descriptor = { mediaType: "application/octet-stream", digest, size: -1 };
    if (!(await c.store.hasBlob(repo, d, o))) {
      throw new HttpError(404, "BLOB_UNKNOWN", `Blob ${repo}@${digest} not found`);
    }
    // Stores without statBlob are small (memory): counting is acceptable there.
    return { ...d, size: await countBytes(await c.store.getBlob(repo, d, o)) };
  } catch (e) {
    throw toHttpError(e, "BLOB_UNKNOWN");
  }
}

/** GET or HEAD of a blob. */
export async function getBlob(c: RouteContext, repo: string, reference: string): Promise<Response> {
  const digest = checkDigest(repo, reference);
  const d = await statBlob(c, repo, digest);
  const headers: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": digest,
    "Accept-Ranges": "bytes",
    "ETag": `"${digest}"`,
    "Cache-Control": "max-age=31536000",
  };
  const range = parseRange(c.req.headers.get("Range"), d.size);
  if (range === "unsatisfiable") {
    throw new HttpError(
      416,
      "RANGE_INVALID",
      `Range ${c.req.headers.get("Range")} of ${repo}@${digest} is outside its ${d.size} bytes`,
      {
        headers: { "Content-Range": `bytes */${d.size}` },
      },
    );
  }
  const o = { signal: c.signal };
  if (range === undefined) {
    headers["Content-Length"] = String(d.size);
    if (c.req.method === "HEAD") return reply(200, headers);
    try {
      return reply(200, headers, await c.store.getBlob(repo, d, o));
    } catch (e) {
      throw toHttpError(e, "BLOB_UNKNOWN");
    }
  }
  headers["Content-Length"] = String(range.end - range.start + 1);
  headers["Content-Range"] = `bytes ${range.start}-${range.end}/${d.size}`;
  if (c.req.method === "HEAD") return reply(206, headers);
  try {
    const body = c.store.getBlobRange
      ? await c.store.getBlobRange(repo, d, range.start, range.end + 1, o)
      : sliceStream(await c.store.getBlob(repo, d, o), range.start, range.end + 1);
    return reply(206, headers, body);
  } catch (e) {
    throw toHttpError(e, "BLOB_UNKNOWN");
  }
}

/** DELETE of a blob (unlinks it from the repository). */
export async function deleteBlob(c: RouteContext, repo: string, reference: string): Promise<Response> {
  const digest = checkDigest(repo, reference);
  if (!c.store.deleteBlob) {
    throw new HttpError(405, "UNSUPPORTED", `Store ${c.store.label} cannot delete blobs`);
  }
  try {
    await c.store.deleteBlob(repo, { digest }, { signal: c.signal });
  } catch (e) {
    throw toHttpError(e, "BLOB_UNKNOWN");
  }
  return reply(202, { "Docker-Content-Digest": digest });
}
