/**
 * Pushing a blob with the distribution upload protocol so that wrong bytes are never committed:
 *
 * - up to `monolithicMaxBytes`: the bytes are read into memory and verified first, then
 *   `POST /blobs/uploads/` and one `PUT <location>?digest=` carrying them (retried as a pair);
 * - larger: `POST`, then the bytes streamed with `PATCH` (one streamed request, or `chunkBytes`-sized
 *   chunks with `Content-Range`), hashed as they pass; only when size and digest match is the upload
 *   committed with an empty `PUT <location>?digest=`. A mismatch, a failing body or an abort cancels
 *   the upload session (`DELETE <location>`) and commits nothing. The registry verifies the digest too.
 *
 * A streamed body cannot be replayed: a failure mid-stream rejects and the caller retries the blob.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { DigestMismatchError, RegistryError } from "../errors.ts";
import { log, type RunContext } from "../context.ts";
import { type Descriptor, verifyBytes } from "../oci/mod.ts";
import type { HttpResponse } from "./http_transport.ts";
import { isConnectionError, type RegistryClient, type RegistryRequest } from "./registry_client.ts";
import { readAtMost } from "./registry_error.ts";
import { isRetryableStatus } from "./retry_policy.ts";

/** Blobs up to this size are verified in memory and pushed in one PUT. */
export const DEFAULT_MONOLITHIC_MAX_BYTES = 1024 * 1024;

/** Options of {@link uploadBlob}. */
export interface BlobUploadOptions {
  /** Largest blob pushed with a single PUT after in-memory verification. @default 1 MiB */
  monolithicMaxBytes?: number;
  /** PATCH chunk size for larger blobs; 0 streams the whole blob in one PATCH. @default 0 */
  chunkBytes?: number;
  ctx: Pick<RunContext, "report">;
  signal?: AbortSignal;
}

function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

/** Reads a stream into memory, failing with {@link DigestMismatchError} past `max` bytes. */
async function readAll(body: ReadableStream<Uint8Array>, d: Descriptor, where: string): Promise<Uint8Array> {
  const reader = body.getReader();
  const out = new Uint8Array(d.size);
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > d.size) {
        await reader.cancel().catch(() => {});
        throw new DigestMismatchError(d.digest, `more than ${d.size} bytes`, where);
      }
      out.set(value, size);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return size === d.size ? out : out.subarray(0, size);
}

/** Resolves an upload `Location` (relative or absolute) against the URL that returned it. */
export function uploadLocation(res: HttpResponse, client: RegistryClient, what: string): URL {
  const location = res.headers.get("location");
  if (location === null || location === "") {
    throw new RegistryError(
      `Registry ${client.label} did not return an upload location for blob ${what}: HTTP ${res.status} without Location`,
      { registry: client.registry, status: res.status, operation: "push blob" },
    );
  }
  const url = new URL(location, res.url);
  if (url.origin !== res.url.origin) {
    throw new RegistryError(
      `Registry ${client.label} returned an upload location on another host "${url.host}" for blob ${what}: refusing to send the blob there`,
      { registry: client.registry, status: res.status, operation: "push blob" },
    );
  }
  return url;
}

function withDigest(location: URL, d: Descriptor): URL {
  const u = new URL(location);
  u.searchParams.set("digest", d.digest);
  return u;
}

/** Cancels an upload session, best effort (no signal: it must run after an abort too). */
async function cancelUpload(client: RegistryClient, repo: string, location: URL | undefined): Promise<void> {
  if (!location) return;
  try {
    const res = await client.request({
      method: "DELETE",
      url: location,
      repository: repo,
      scopes: [pushScope(repo)],
      operation: "cancel upload",
      subject: `in "${repo}"`,
      retry: false,
    });
    await readAtMost(res.body, 0);
  } catch {
    // The registry purges abandoned uploads itself.
  }
}

async function startUpload(
  client: RegistryClient,
  repo: string,
  subject: string,
  signal: AbortSignal | undefined,
): Promise<URL> {
  const r: RegistryRequest = {
    method: "POST",
    path: `/v2/${repo}/blobs/uploads/`,
    repository: repo,
    scopes: [pushScope(repo)],
    operation: "push blob",
    subject,
    headers: { "content-length": "0" },
    body: new Uint8Array(0),
    ...(signal ? { signal } : {}),
  };
  const res = await client.request(r);
  if (res.status !== 202) throw await client.error(res, r);
  await readAtMost(res.body, 0);
  return uploadLocation(res, client, subject);
}

async function commit(
  client: RegistryClient,
  repo: string,
  location: URL,
  d: Descriptor,
  subject: string,
  body: Uint8Array,
  retry: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  const r: RegistryRequest = {
    method: "PUT",
    url: withDigest(location, d),
    repository: repo,
    scopes: [pushScope(repo)],
    operation: "push blob",
    subject,
    headers: { "content-type": "application/octet-stream", "content-length": String(body.byteLength) },
    body,
    retry,
    ...(signal ? { signal } : {}),
  };
  const res = await client.request(r);
  if (res.status !== 201 && res.status !== 204 && res.status !== 200) throw await client.error(res, r);
  await readAtMost(res.body, 0);
}

async function uploadSmall(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  body: ReadableStream<Uint8Array>,
  subject: string,
  where: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const bytes = await readAll(body, d, where);
  verifyBytes(bytes, d, where);
  for (let attempt = 0;; attempt++) {
    const location = await startUpload(client, repo, subject, signal);
    try {
      await commit(client, repo, location, d, subject, bytes, false, signal);
      return;
    } catch (e) {
      const retryable = (e instanceof RegistryError && (e.status === 0 || isRetryableStatus(e.status))) ||
        isConnectionError(e);
      if (signal?.aborted || !retryable || attempt >= client.retry.retryTimes) {
        await cancelUpload(client, repo, location);
        throw e;
      }
      await client.retry.wait(attempt + 1, signal ? { signal } : {});
    }
  }
}

/** The source of a streamed upload, shared by its chunks. */
interface SourceState {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Bytes read past the end of the previous chunk. */
  pending?: Uint8Array;
  ended: boolean;
  /** The error the source body failed with, if it did. */
  sourceError?: unknown;
  hash: Hash;
}

/** Pulls exactly `length` bytes from the source into a stream, hashing them; the rest stays pending. */
function chunkStream(
  state: SourceState,
  length: number,
  counters: { sent: number },
): ReadableStream<Uint8Array> {
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left <= 0) {
        controller.close();
        return;
      }
      let chunk = state.pending;
      state.pending = undefined;
      if (!chunk) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await state.reader.read();
        } catch (e) {
          state.sourceError = e;
          throw e;
        }
        const { done, value } = r;
        if (done) {
          state.ended = true;
          controller.close();
          return;
        }
        chunk = value;
      }
      if (chunk.byteLength > left) {
        state.pending = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.byteLength;
      counters.sent += chunk.byteLength;
      state.hash.update(chunk);
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

async function uploadStreamed(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  body: ReadableStream<Uint8Array>,
  subject: string,
  where: string,
  options: BlobUploadOptions,
): Promise<void> {
  const { signal } = options;
  const chunkBytes = options.chunkBytes !== undefined && options.chunkBytes > 0 ? options.chunkBytes : d.size;
  const state: SourceState = { reader: body.getReader(), ended: false, hash: createHash("sha256") };
  const counters = { sent: 0 };
  let location: URL | undefined;
  try {
    location = await startUpload(client, repo, subject, signal);
    const chunked = chunkBytes < d.size;
    while (counters.sent < d.size && !state.ended) {
      const start = counters.sent;
      const length = Math.min(chunkBytes, d.size - start);
      const headers: Record<string, string> = { "content-type": "application/octet-stream" };
      if (chunked) {
        headers["content-range"] = `${start}-${start + length - 1}`;
        headers["content-length"] = String(length);
      }
      const r: RegistryRequest = {
        method: "PATCH",
        url: location,
        repository: repo,
        scopes: [pushScope(repo)],
        operation: "push blob",
        subject,
        headers,
        body: chunkStream(state, length, counters),
        ...(signal ? { signal } : {}),
      };
      let res: HttpResponse;
      try {
        res = await client.request(r);
      } catch (e) {
        // A failing source body surfaces as a failed request: report the body's own error.
        throw state.sourceError ?? e;
      }
      if (res.status !== 202 && res.status !== 204) throw await client.error(res, r);
      await readAtMost(res.body, 0);
      location = uploadLocation(res, client, subject);
    }
    // Anything beyond the declared size means the content is not what the descriptor names.
    const extra = state.pending ?? (state.ended ? undefined : (await state.reader.read()).value);
    if (extra !== undefined && extra.byteLength > 0) {
      throw new DigestMismatchError(d.digest, `more than ${d.size} bytes`, where);
    }
    if (counters.sent !== d.size) {
      throw new DigestMismatchError(d.digest, `${counters.sent} of ${d.size} bytes`, where);
    }
    const actual = `sha256:${state.hash.digest("hex")}`;
    if (actual !== d.digest) throw new DigestMismatchError(d.digest, actual, where);
    await commit(client, repo, location, d, subject, new Uint8Array(0), true, signal);
    location = undefined;
  } catch (e) {
    await state.reader.cancel(e).catch(() => {});
    if (location) {
      log(options.ctx, "debug", `${client.label}: cancelling upload of blob ${subject}`);
      await cancelUpload(client, repo, location);
    }
    throw e;
  } finally {
    try {
      state.reader.releaseLock();
    } catch {
      // still locked by a pending read on a failed request: nothing to release
    }
  }
}

/** Pushes a blob to `repo`, committing it only when the streamed bytes match `d`. */
export async function uploadBlob(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  body: ReadableStream<Uint8Array>,
  options: BlobUploadOptions,
): Promise<void> {
  const subject = `${d.digest} to "${repo}"`;
  const where = `${client.label}/${repo} blob ${d.digest}`;
  const max = options.monolithicMaxBytes ?? DEFAULT_MONOLITHIC_MAX_BYTES;
  if (d.size <= max) return await uploadSmall(client, repo, d, body, subject, where, options.signal);
  return await uploadStreamed(client, repo, d, body, subject, where, options);
}
