/**
 * A registry host as a {@link ContentStore} (`docker://<host>`): manifests (Docker v2s2, manifest
 * lists, OCI manifests and indexes, artifacts) by tag and digest with their exact bytes, blobs streamed
 * (downloads resume after resets and truncation), verified uploads, cross-repository mounts, tag and
 * repository listing with pagination, deletion. Built on {@link RegistryClient}; create stores with
 * `createRegistryStores()`.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * @module
 */
import { ManifestError, RegistryError } from "../errors.ts";
import { log, type RunContext } from "../context.ts";
import {
  type Descriptor,
  digestOf,
  isDigest,
  MANIFEST_MEDIA_TYPES,
  MAX_MANIFEST_BYTES,
  parseManifest,
  verifyBytes,
} from "../oci/mod.ts";
import type { ContentStore, OpOptions, PutManifestOptions } from "../store/mod.ts";
import { type BlobUploadOptions, uploadBlob } from "./blob_upload.ts";
import type { HttpResponse } from "./http_transport.ts";
import { isConnectionError, type RegistryClient, type RegistryRequest } from "./registry_client.ts";
import { connectionError, readAtMost } from "./registry_error.ts";
import { resumableStream } from "./resumable_stream.ts";

/** The `Accept` header for manifests: every manifest and index type we handle. */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(", ");

/** Options of {@link RegistryStore}. */
export interface RegistryStoreOptions {
  /** Events go here (debug logs). */
  ctx: Pick<RunContext, "report">;
  /** Largest blob pushed in one PUT after in-memory verification. @default 1 MiB */
  monolithicMaxBytes?: number;
  /** PATCH chunk size for larger blobs; 0 = one streamed PATCH. @default 0 */
  uploadChunkBytes?: number;
  /** `n` asked for per page of tags or repositories. @default 1000 */
  pageSize?: number;
}

function pull(repo: string): string {
  return `repository:${repo}:pull`;
}

function mediaTypeOf(res: HttpResponse): string | undefined {
  const ct = res.headers.get("content-type");
  if (ct === null) return undefined;
  const t = ct.split(";")[0]?.trim() ?? "";
  return t === "" || t === "application/json" || t === "text/plain" ? undefined : t;
}

function refSubject(repo: string, reference: string): string {
  return `"${repo}${isDigest(reference) ? "@" : ":"}${reference}"`;
}

/** Parses a `Link: <url>; rel="next"` header into the next URL. */
export function nextLink(header: string | null, base: URL): URL | undefined {
  if (header === null) return undefined;
  for (const part of header.split(",")) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /rel="?next"?/i.test(m[2] as string)) return new URL(m[1] as string, base);
  }
  return undefined;
}

/** One registry host as a content store. */
export class RegistryStore implements ContentStore {
  /** `docker://<host>`. */
  readonly label: string;
  /** The client (shared with other stores of the same host and TLS setting). */
  readonly client: RegistryClient;
  #o: RegistryStoreOptions;

  constructor(client: RegistryClient, options: RegistryStoreOptions) {
    this.client = client;
    this.label = client.label;
    this.#o = options;
  }

  #req(r: Omit<RegistryRequest, "signal">, o: OpOptions): RegistryRequest {
    return o.signal ? { ...r, signal: o.signal } : r;
  }

  async #readManifestBody(res: HttpResponse, where: string): Promise<Uint8Array> {
    const declared = Number(res.headers.get("content-length") ?? "NaN");
    if (declared > MAX_MANIFEST_BYTES) {
      await readAtMost(res.body, 0);
      throw new ManifestError(`Manifest ${where} is ${declared} bytes: the limit is ${MAX_MANIFEST_BYTES}`);
    }
    const bytes = await readAtMost(res.body, MAX_MANIFEST_BYTES + 1);
    if (bytes.byteLength > MAX_MANIFEST_BYTES) {
      throw new ManifestError(`Manifest ${where} is larger than the limit of ${MAX_MANIFEST_BYTES} bytes`);
    }
    return bytes;
  }

  /** GETs a manifest's bytes, retrying when the body breaks off. */
  async #getManifestBytes(
    repo: string,
    reference: string,
    o: OpOptions,
  ): Promise<{ bytes: Uint8Array; mediaType: string | undefined }> {
    const where = `${this.label}/${repo}${isDigest(reference) ? "@" : ":"}${reference}`;
    const r = this.#req({
      method: "GET",
      path: `/v2/${repo}/manifests/${reference}`,
      repository: repo,
      scopes: [pull(repo)],
      operation: "pull manifest",
      subject: refSubject(repo, reference),
      headers: { accept: MANIFEST_ACCEPT },
    }, o);
    for (let attempt = 0;; attempt++) {
      const res = await this.client.request(r);
      if (res.status !== 200) throw await this.client.error(res, r);
      try {
        return { bytes: await this.#readManifestBody(res, where), mediaType: mediaTypeOf(res) };
      } catch (e) {
        if (!isConnectionError(e) || o.signal?.aborted) throw e;
        if (attempt >= this.client.retry.retryTimes) throw connectionError(e, this.client.failure(r));
        await this.client.retry.wait(attempt + 1, o.signal ? { signal: o.signal } : {});
      }
    }
  }

  async resolve(repo: string, reference: string, o: OpOptions = {}): Promise<Descriptor> {
    const r = this.#req({
      method: "HEAD",
      path: `/v2/${repo}/manifests/${reference}`,
      repository: repo,
      scopes: [pull(repo)],
      operation: "resolve manifest",
      subject: refSubject(repo, reference),
      headers: { accept: MANIFEST_ACCEPT },
    }, o);
    const res = await this.client.request(r);
    // Fall back to GET only when HEAD answered without the facts we need or is not allowed.
    if (res.status !== 200 && res.status !== 405 && res.status !== 501) throw await this.client.error(res, r);
    if (res.status === 200) {
      const header = res.headers.get("docker-content-digest");
      const digest = isDigest(reference)
        ? reference
        : header !== null && isDigest(header)
        ? header
        : undefined;
      const size = Number(res.headers.get("content-length") ?? "NaN");
      const mediaType = mediaTypeOf(res);
      if (digest !== undefined && Number.isSafeInteger(size) && size > 0 && mediaType !== undefined) {
        return { mediaType, digest, size };
      }
    }
    log(this.#o.ctx, "debug", `${this.label}: HEAD of ${refSubject(repo, reference)} incomplete, using GET`);
    const { bytes, mediaType } = await this.#getManifestBytes(repo, reference, o);
    const where = `${this.label}/${repo}${isDigest(reference) ? "@" : ":"}${reference}`;
    const digest = digestOf(bytes);
    if (isDigest(reference)) verifyBytes(bytes, { digest: reference, size: bytes.byteLength }, where);
    const type = mediaType ?? parseManifest(bytes, { where }).mediaType;
    return { mediaType: type, digest, size: bytes.byteLength };
  }

  async getManifest(repo: string, d: Descriptor, o: OpOptions = {}): Promise<Uint8Array> {
    const { bytes } = await this.#getManifestBytes(repo, d.digest, o);
    verifyBytes(bytes, d, `${this.label}/${repo}@${d.digest}`);
    return bytes;
  }

  async getBlob(repo: string, d: Descriptor, o: OpOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const subject = `${d.digest} in "${repo}"`;
    const base = this.#req({
      method: "GET",
      path: `/v2/${repo}/blobs/${d.digest}`,
      repository: repo,
      scopes: [pull(repo)],
      operation: "pull blob",
      subject,
      followRedirects: true,
    }, o);
    const open = async (offset: number) => {
      const r: RegistryRequest = offset > 0
        // Resumes skip the host limiter: a stalled upload fed by this download may hold every slot.
        ? { ...base, headers: { range: `bytes=${offset}-` }, limited: false }
        : base;
      const res = await this.client.request(r);
      if (res.status === 206 && offset > 0) {
        const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
        if (m && Number(m[1]) === offset && res.body) return { body: res.body, skip: 0 };
        await readAtMost(res.body, 0);
        throw new RegistryError(
          `Registry ${this.label} answered a resumed download of blob ${subject} with the wrong range`,
          { registry: this.client.registry, status: 206, operation: "pull blob" },
        );
      }
      if (res.status !== 200 || !res.body) throw await this.client.error(res, r);
      return { body: res.body, skip: offset };
    };
    const first = await open(0);
    return resumableStream(first.body, {
      expectedSize: d.size,
      reopen: open,
      retry: this.client.retry,
      isResumable: isConnectionError,
      fail: (cause, received) => {
        const e = connectionError(cause, this.client.failure(base));
        return new RegistryError(
          `${e.message} (after ${received} of ${d.size} bytes)`,
          { registry: e.registry, status: e.status, operation: e.operation },
          { cause: e.cause },
        );
      },
      onResume: (received, resume, cause) =>
        log(
          this.#o.ctx,
          "debug",
          `${this.label}: resuming blob ${subject} at byte ${received} (retry ${resume})`,
          {
            error: this.client.redactor.redact(String(cause)),
          },
        ),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }

  async #exists(r: RegistryRequest): Promise<boolean> {
    const res = await this.client.request(r);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.client.error(res, r);
  }

  hasBlob(repo: string, d: Descriptor, o: OpOptions = {}): Promise<boolean> {
    return this.#exists(this.#req({
      method: "HEAD",
      path: `/v2/${repo}/blobs/${d.digest}`,
      repository: repo,
      scopes: [pull(repo)],
      operation: "check blob",
      subject: `${d.digest} in "${repo}"`,
      followRedirects: true,
    }, o));
  }

  putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o: OpOptions = {}): Promise<void> {
    const options: BlobUploadOptions = { ctx: this.#o.ctx };
    if (this.#o.monolithicMaxBytes !== undefined) options.monolithicMaxBytes = this.#o.monolithicMaxBytes;
    if (this.#o.uploadChunkBytes !== undefined) options.chunkBytes = this.#o.uploadChunkBytes;
    if (o.signal) options.signal = o.signal;
    return uploadBlob(this.client, repo, d, body, options);
  }

  hasManifest(repo: string, d: Descriptor, o: OpOptions = {}): Promise<boolean> {
    return this.#exists(this.#req({
      method: "HEAD",
      path: `/v2/${repo}/manifests/${d.digest}`,
      repository: repo,
      scopes: [pull(repo)],
      operation: "check manifest",
      subject: refSubject(repo, d.digest),
      headers: { accept: MANIFEST_ACCEPT },
    }, o));
  }

  async putManifest(
    repo: string,
    d: Descriptor,
    bytes: Uint8Array,
    o: PutManifestOptions = {},
  ): Promise<void> {
    verifyBytes(bytes, d, `manifest ${d.digest} for ${this.label}/${repo}`);
    // A PUT by tag stores the manifest and tags it in one request; the echoed digest is checked below.
    const references = o.tag === undefined ? [d.digest] : [o.tag];
    for (const reference of references) {
      const r = this.#req({
        method: "PUT",
        path: `/v2/${repo}/manifests/${reference}`,
        repository: repo,
        scopes: [`repository:${repo}:pull,push`],
        operation: "push manifest",
        subject: refSubject(repo, reference),
        headers: { "content-type": d.mediaType },
        body: bytes,
      }, o);
      const res = await this.client.request(r);
      if (res.status !== 201 && res.status !== 200 && res.status !== 202) {
        throw await this.client.error(res, r);
      }
      await readAtMost(res.body, 0);
      const echoed = res.headers.get("docker-content-digest");
      if (echoed !== null && isDigest(echoed) && echoed !== d.digest) {
        throw new RegistryError(
          `Registry ${this.label} stored manifest ${
            refSubject(repo, reference)
          } as ${echoed}: expected ${d.digest}`,
          { registry: this.client.registry, status: res.status, operation: "push manifest" },
        );
      }
    }
  }

  async mountBlob(repo: string, fromRepo: string, d: Descriptor, o: OpOptions = {}): Promise<boolean> {
    const query = new URLSearchParams({ mount: d.digest, from: fromRepo });
    const r = this.#req({
      method: "POST",
      path: `/v2/${repo}/blobs/uploads/?${query}`,
      repository: repo,
      scopes: [`repository:${repo}:pull,push`, pull(fromRepo)],
      operation: "mount blob",
      subject: `${d.digest} from "${fromRepo}" into "${repo}"`,
      headers: { "content-length": "0" },
      body: new Uint8Array(0),
    }, o);
    const res = await this.client.request(r);
    if (res.status === 201) {
      await readAtMost(res.body, 0);
      return true;
    }
    if (res.status === 202) {
      // The registry opened an ordinary upload instead: close it, the caller pushes the blob.
      await readAtMost(res.body, 0);
      const location = res.headers.get("location");
      if (location !== null) {
        const cancel = await this.client.request({
          ...r,
          method: "DELETE",
          url: new URL(location, res.url),
          operation: "cancel upload",
          subject: `of blob ${d.digest} in "${repo}"`,
          body: undefined,
          headers: {},
          retry: false,
        }).catch(() => undefined);
        await readAtMost(cancel?.body ?? null, 0);
      }
      return false;
    }
    if ([401, 403, 404, 405].includes(res.status)) {
      log(this.#o.ctx, "debug", `${this.label}: cannot mount blob ${r.subject}: HTTP ${res.status}`);
      await readAtMost(res.body, 0);
      return false;
    }
    throw await this.client.error(res, r);
  }

  async deleteManifest(repo: string, d: Descriptor, o: OpOptions = {}): Promise<void> {
    const r = this.#req({
      method: "DELETE",
      path: `/v2/${repo}/manifests/${d.digest}`,
      repository: repo,
      scopes: [`repository:${repo}:delete`],
      operation: "delete manifest",
      subject: refSubject(repo, d.digest),
    }, o);
    const res = await this.client.request(r);
    if (res.status === 202 || res.status === 200 || res.status === 204) {
      await readAtMost(res.body, 0);
      return;
    }
    throw await this.client.error(res, r);
  }

  async *#pages(r: RegistryRequest, field: "tags" | "repositories"): AsyncGenerator<string> {
    let req = r;
    for (;;) {
      const res = await this.client.request(req);
      if (res.status !== 200) throw await this.client.error(res, req);
      const text = new TextDecoder().decode(await readAtMost(res.body, 64 * 1024 * 1024));
      let list: unknown;
      try {
        list = (JSON.parse(text) as Record<string, unknown>)[field];
      } catch (cause) {
        throw new RegistryError(
          `Registry ${this.label} returned a malformed list of ${field} ${r.subject}: not JSON`,
          { registry: this.client.registry, status: res.status, operation: r.operation },
          { cause },
        );
      }
      if (Array.isArray(list)) {
        for (const t of list) if (typeof t === "string") yield t;
      }
      const next = nextLink(res.headers.get("link"), res.url);
      if (!next) return;
      req = { ...r, path: undefined, url: next };
    }
  }

  listTags(repo: string, o: OpOptions = {}): AsyncIterable<string> {
    return this.#pages(
      this.#req({
        method: "GET",
        path: `/v2/${repo}/tags/list?n=${this.#o.pageSize ?? 1000}`,
        repository: repo,
        scopes: [pull(repo)],
        operation: "list tags",
        subject: `of "${repo}"`,
      }, o),
      "tags",
    );
  }

  listRepositories(o: OpOptions = {}): AsyncIterable<string> {
    return this.#pages(
      this.#req({
        method: "GET",
        path: `/v2/_catalog?n=${this.#o.pageSize ?? 1000}`,
        repository: "",
        scopes: ["registry:catalog:*"],
        operation: "list repositories",
        subject: "in the catalog",
      }, o),
      "repositories",
    );
  }
}
