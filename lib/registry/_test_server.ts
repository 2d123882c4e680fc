/**
 * Test support for this folder: a `Deno.serve` server on 127.0.0.1 port 0 that records every request
 * and answers with a scripted handler, plus a minimal in-memory distribution API (manifests, blobs,
 * tags with pagination, uploads) to script faults around. Not exported from `mod.ts`.
 * @module
 */
import { type Descriptor, digestOf } from "../oci/mod.ts";

/** What the server saw of one request. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Headers;
  /** Bytes of the body received. */
  bodyBytes: number;
}

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  requests: RecordedRequest[];
}

/** A handler that gets the request, its parsed URL and its body bytes. */
export type TestHandler = (req: Request, url: URL, body: Uint8Array) => Response | Promise<Response>;

/** Starts a recording server on 127.0.0.1:0. */
export function startTestServer(handler: TestHandler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const { promise, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => resolve(addr.port),
  }, async (req) => {
    const url = new URL(req.url);
    let body = new Uint8Array(0);
    try {
      body = req.body ? new Uint8Array(await req.arrayBuffer()) : body;
    } catch {
      // the client broke the request off
    }
    requests.push({
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
      bodyBytes: body.byteLength,
    });
    return await handler(req, url, body);
  });
  return promise.then((port) => ({
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  }));
}

/** A JSON response. */
export function json(value: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(value), { ...init, headers });
}

/** A distribution-spec error response. */
export function registryError(status: number, code: string, message = code.toLowerCase()): Response {
  return json({ errors: [{ code, message }] }, { status });
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function seededBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A blob and its descriptor. */
export function blobOf(
  bytes: Uint8Array,
  mediaType = "application/octet-stream",
): Descriptor & { bytes: Uint8Array } {
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength, bytes };
}

/** An in-memory registry: repositories of manifests, tags and blobs. */
export class FakeRegistry {
  manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  tags = new Map<string, string>();
  blobs = new Map<string, Uint8Array>();
  uploads = new Map<string, Uint8Array[]>();
  #uploadSeq = 0;

  /** Adds a manifest (and optional tag) to `repo`; returns its descriptor. */
  addManifest(repo: string, bytes: Uint8Array, mediaType: string, tag?: string): Descriptor {
    const digest = digestOf(bytes);
    this.manifests.set(`${repo}@${digest}`, { bytes, mediaType });
    if (tag !== undefined) this.tags.set(`${repo}:${tag}`, digest);
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** Adds a blob to `repo`. */
  addBlob(repo: string, bytes: Uint8Array): Descriptor {
    const digest = digestOf(bytes);
    this.blobs.set(`${repo}@${digest}`, bytes);
    return { mediaType: "application/octet-stream", digest, size: bytes.byteLength };
  }

  /** Answers distribution API requests; unknown routes are 404. */
  handle(req: Request, url: URL, body: Uint8Array): Response {
    const p = url.pathname;
    if (p === "/v2/") return json({});
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      if (req.method === "PUT") {
        const d = this.addManifest(
          repo,
          body,
          req.headers.get("content-type") ?? "",
          ref.startsWith("sha256:") ? undefined : ref,
        );
        return new Response(null, { status: 201, headers: { "docker-content-digest": d.digest } });
      }
      const digest = ref.startsWith("sha256:") ? ref : this.tags.get(`${repo}:${ref}`);
      const man = digest ? this.manifests.get(`${repo}@${digest}`) : undefined;
      if (!digest || !man) return registryError(404, "MANIFEST_UNKNOWN");
      if (req.method === "DELETE") {
        this.manifests.delete(`${repo}@${digest}`);
        return new Response(null, { status: 202 });
      }
      const headers = {
        "content-type": man.mediaType,
        "docker-content-digest": digest,
        "content-length": String(man.bytes.byteLength),
      };
      return new Response(req.method === "HEAD" ? null : man.bytes as Uint8Array<ArrayBuffer>, { headers });
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(p);
    if (m) {
      const [, repo, digest] = m as unknown as [string, string, string];
      const bytes = this.blobs.get(`${repo}@${digest}`);
      if (!bytes) return registryError(404, "BLOB_UNKNOWN");
      const headers = { "content-length": String(bytes.byteLength), "docker-content-digest": digest };
      return new Response(req.method === "HEAD" ? null : bytes as Uint8Array<ArrayBuffer>, { headers });
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(p);
    if (m) {
      const [, repo, id] = m as unknown as [string, string, string];
      if (req.method === "POST") {
        const mount = url.searchParams.get("mount");
        const from = url.searchParams.get("from");
        if (mount && from && this.blobs.has(`${from}@${mount}`)) {
          this.blobs.set(`${repo}@${mount}`, this.blobs.get(`${from}@${mount}`) as Uint8Array);
          return new Response(null, { status: 201 });
        }
        const nid = `u${++this.#uploadSeq}`;
        this.uploads.set(nid, []);
        return new Response(null, { status: 202, headers: { location: `/v2/${repo}/blobs/uploads/${nid}` } });
      }
      const parts = this.uploads.get(id);
      if (!parts) return registryError(404, "BLOB_UPLOAD_UNKNOWN");
      if (req.method === "DELETE") {
        this.uploads.delete(id);
        return new Response(null, { status: 204 });
      }
      if (req.method === "PATCH") {
        parts.push(body);
        return new Response(null, { status: 202, headers: { location: `/v2/${repo}/blobs/uploads/${id}` } });
      }
      if (req.method === "PUT") {
        parts.push(body);
        const all = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
        let off = 0;
        for (const b of parts) {
          all.set(b, off);
          off += b.byteLength;
        }
        if (digestOf(all) !== url.searchParams.get("digest")) return registryError(400, "DIGEST_INVALID");
        this.uploads.delete(id);
        this.blobs.set(`${repo}@${digestOf(all)}`, all);
        return new Response(null, { status: 201 });
      }
    }
    m = /^\/v2\/(.+)\/tags\/list$/.exec(p);
    if (m) {
      const repo = m[1] as string;
      const all = [...this.tags.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) =>
        k.slice(repo.length + 1)
      )
        .sort();
      if (all.length === 0) return registryError(404, "NAME_UNKNOWN");
      const n = Number(url.searchParams.get("n") ?? all.length);
      const last = url.searchParams.get("last");
      const start = last === null ? 0 : all.indexOf(last) + 1;
      const page = all.slice(start, start + n);
      const headers: Record<string, string> = {};
      if (start + n < all.length) {
        headers.link = `</v2/${repo}/tags/list?n=${n}&last=${page[page.length - 1]}>; rel="next"`;
      }
      return json({ name: repo, tags: page }, { headers });
    }
    return registryError(404, "NOT_FOUND");
  }
}
