/**
 * A fault-injecting HTTP reverse proxy for tests: listens on 127.0.0.1 (port 0) in front of a registry
 * (the embedded `serveRegistry`, `docker-registry`, or any HTTP server) and, following a scriptable plan,
 * breaks the exchanges a mirror run depends on: connection resets in the middle of a response or of an
 * upload, bodies that end early, 5xx and 429 answers, slow or trickling responses, altered bytes, lying
 * answers, rewritten headers. Every request is recorded (method, path, status, timings, bytes) so tests
 * can assert what the client did.
 *
 * ```ts
 * await using proxy = await startFaultProxy(registry.url, {
 *   faults: [
 *     { method: "GET", path: blobPath(layer.digest), times: 1, fault: { kind: "reset", afterBytes: 1 << 20 } },
 *     { method: "PATCH", path: UPLOAD_PATH, fault: { kind: "resetRequest", afterBytes: 65536 } },
 *     { path: manifestPath(), nth: 2, fault: { kind: "respond", status: 429, headers: { "retry-after": "1" } } },
 *   ],
 * });
 * const store = stores.source(proxy.host);          // 127.0.0.1:PORT: plain http is allowed
 * proxy.requests;                                   // [{ method, path, status, fault, startMs, ... }]
 * proxy.setFaults([]);                              // heal it for the rerun
 * ```
 *
 * How it is built: clients connect to a small TCP relay, which passes each connection to a `Deno.serve`
 * server that does the HTTP work. The relay is what lets a handler drop a client's connection at any
 * moment (`resetRequest`, and `reset` of bodies without a length), which `Deno.serve` alone cannot do:
 * it always answers. Bodies stream in both directions and are never buffered, except by `rewrite`
 * (small bodies such as manifests). Absolute `Location` headers pointing at the target are rewritten to
 * the proxy so that every later request (upload sessions) comes back through it.
 * @module
 */

/** Replaces the response (or answers without asking the target). */
export interface RespondFault {
  kind: "respond";
  status: number;
  /** Response headers; without a body, `content-type: application/json` is added. */
  headers?: Record<string, string>;
  /**
   * The body: bytes, text, or a function returning a stream (for huge bodies). Without it a
   * distribution-spec error body with `code` is sent (nothing for HEAD).
   */
  body?: Uint8Array | string | (() => ReadableStream<Uint8Array>);
  /** The distribution-spec error code of the default body. @default "UNKNOWN" */
  code?: string;
  /**
   * Forward the request to the target first (it takes effect there) and then answer as told, e.g. a
   * 500 for an upload the registry committed. @default false: the target never sees the request
   */
  forward?: boolean;
}

/** Drops the connection after `afterBytes` bytes of the response body (a reset mid-download). */
export interface ResetFault {
  kind: "reset";
  /** @default 0 */
  afterBytes?: number;
}

/**
 * Drops the connection after `afterBytes` bytes of the request body reached the proxy (a reset
 * mid-upload); those bytes are forwarded, then the target's request is broken off too. A request
 * without a body (or with `afterBytes` 0) is dropped before anything is forwarded.
 */
export interface ResetRequestFault {
  kind: "resetRequest";
  /** @default 0 */
  afterBytes?: number;
}

/** Ends the response body cleanly after `afterBytes` bytes: no `Content-Length`, a proper last chunk. */
export interface TruncateFault {
  kind: "truncate";
  afterBytes: number;
}

/** Holds the response headers back for `ms` (the request is forwarded after the wait). */
export interface DelayFault {
  kind: "delay";
  ms: number;
}

/** Sends the response body in `chunkBytes` pieces, waiting `everyMs` before each. */
export interface TrickleFault {
  kind: "trickle";
  chunkBytes: number;
  everyMs: number;
}

/** Flips every bit of the response body's byte at `offset`; headers are kept. */
export interface CorruptFault {
  kind: "corrupt";
  /** @default 0 */
  offset?: number;
}

/** Replaces the response body by a function of it (buffered: for small bodies such as manifests). */
export interface RewriteFault {
  kind: "rewrite";
  body: (original: Uint8Array) => Uint8Array;
  /** Also replace the `Content-Length` header with the new size. @default true */
  fixLength?: boolean;
}

/** What a header rewriter is told. */
export interface HeaderContext {
  /** The proxy's origin, `http://127.0.0.1:PORT`. */
  proxyUrl: string;
  /** The target's origin. */
  targetUrl: string;
}

/**
 * Sets (string), removes (null) or rewrites (function of the current value) response headers, e.g.
 * `content-type` or `location`.
 */
export interface HeadersFault {
  kind: "headers";
  set: Record<string, string | null | ((value: string | null, ctx: HeaderContext) => string | null)>;
}

/** One injected misbehaviour. */
export type Fault =
  | RespondFault
  | ResetFault
  | ResetRequestFault
  | TruncateFault
  | DelayFault
  | TrickleFault
  | CorruptFault
  | RewriteFault
  | HeadersFault;

/**
 * When a fault applies. Every rule counts the requests that match its method and path (so `nth: 2`
 * is the second such request whatever other rules did); of the rules that fire for a request, the
 * first in order is applied.
 */
export interface FaultRule {
  /** Names the rule in the request log. @default the kinds of its faults, e.g. "reset" */
  name?: string;
  /** Methods matched. @default any */
  method?: string | string[];
  /** Tested against the path and query, e.g. `/v2/ns/app/blobs/sha256:...?x=y`. */
  path: RegExp;
  /** Fire only on the n-th matching request (1-based). */
  nth?: number;
  /** Let this many matching requests through first. @default 0 */
  skip?: number;
  /** Fire on at most this many matching requests (after `skip`). @default unlimited */
  times?: number;
  /** Fire with this probability (seeded PRNG, see {@link FaultProxyOptions.seed}). @default 1 */
  probability?: number;
  /** Applied in order: e.g. a `delay` and then a `trickle`. */
  fault: Fault | Fault[];
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  faults?: FaultRule[];
  /** Seed of the PRNG behind `probability`. @default 1 */
  seed?: number;
}

/** What the proxy saw of one request. */
export interface ProxyRequest {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  /** The request headers (e.g. to check `Range` or `Authorization`). */
  headers: Headers;
  /** The status the client was sent; 0 when the connection was dropped before any response. */
  status: number;
  /** The name of the rule that fired, if any. */
  fault?: string;
  /** `performance.now()` when the request arrived. */
  startMs: number;
  /** `performance.now()` when the response headers were handed over. */
  responseMs?: number;
  /** `performance.now()` when the response body was done (sent, cut or cancelled). */
  endMs?: number;
  /** Request body bytes received from the client. */
  requestBytes: number;
  /** Response body bytes handed to the client. */
  responseBytes: number;
  /** Why the exchange did not complete normally: the connection was dropped or the client went away. */
  broken?: "reset" | "client-gone";
}

/** A running fault proxy; dispose of it to stop it. */
export interface FaultProxy extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The target's origin. */
  targetUrl: string;
  /** Every request so far, in arrival order (the array is live). */
  requests: ProxyRequest[];
  /** Replaces the fault plan; counters start again. */
  setFaults(faults: FaultRule[]): void;
  /** Waits until no request is in flight (response bodies included), at most `timeoutMs`. */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops listening, drops every connection and waits for the handlers. */
  close(): Promise<void>;
}

/** Matches a blob path (`/v2/<repo>/blobs/<digest>`), of one digest or any. */
export function blobPath(digest?: string, repo?: string): RegExp {
  return new RegExp(
    `^/v2/${repo === undefined ? ".+" : escape(repo)}/blobs/${
      digest === undefined ? "sha256:[0-9a-f]{64}" : escape(digest)
    }(\\?.*)?$`,
  );
}

/** Matches a manifest path (`/v2/<repo>/manifests/<reference>`), of one reference or any. */
export function manifestPath(reference?: string, repo?: string): RegExp {
  return new RegExp(
    `^/v2/${repo === undefined ? ".+" : escape(repo)}/manifests/${
      reference === undefined ? "[^/?]+" : escape(reference)
    }(\\?.*)?$`,
  );
}

/** Matches upload paths: `POST /v2/<repo>/blobs/uploads/` and the session URLs under it. */
export const UPLOAD_PATH: RegExp = /^\/v2\/.+\/blobs\/uploads\//;

/** Matches the final `PUT` of an upload session committing `digest` (any digest when omitted). */
export function uploadCommitPath(digest?: string): RegExp {
  return new RegExp(
    `^/v2/.+/blobs/uploads/[^?]+\\?(.*&)?digest=${
      digest === undefined ? "sha256(%3A|:)[0-9a-f]{64}" : escape(digest).replace(":", "(%3A|:)")
    }`,
  );
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te"];

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** One client connection, relayed to the inner HTTP server. */
interface Link {
  client: Deno.Conn;
  inner: Deno.Conn;
  /** Aborted when the connection goes away (either side) or is dropped on purpose. */
  gone: AbortController;
  dropped: boolean;
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}

/**
 * Copies bytes one way until EOF or an error. HTTP clients never half-close, so the end of either
 * direction ends the connection: handlers waiting on it (delays, trickles) learn the client is gone.
 */
async function pump(from: Deno.Conn, to: Deno.Conn, link: Link): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null || link.dropped) break;
      let off = 0;
      while (off < n) {
        if (link.dropped) return;
        off += await to.write(buf.subarray(off, n));
      }
    }
  } catch {
    // a closed or reset socket ends the pump
  }
  link.gone.abort();
  closeQuietly(link.client);
  closeQuietly(link.inner);
}

function matchesMethod(rule: FaultRule, method: string): boolean {
  if (rule.method === undefined) return true;
  const methods = Array.isArray(rule.method) ? rule.method : [rule.method];
  return methods.some((m) => m.toUpperCase() === method);
}

function faultName(rule: FaultRule): string {
  if (rule.name !== undefined) return rule.name;
  return (Array.isArray(rule.fault) ? rule.fault : [rule.fault]).map((f) => f.kind).join("+");
}

function errorBody(code: string, status: number): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ errors: [{ code, message: `injected fault: HTTP ${status}` }] }),
  );
}

async function readAll(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** A pass-through transform that calls `each` with every chunk (for counting). */
function tap(
  body: ReadableStream<Uint8Array>,
  each: (chunk: Uint8Array) => void,
): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        each(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** A stream of at most `limit` bytes of `body`, cancelling the rest; `onCut` runs when it cut. */
function firstBytes(
  body: ReadableStream<Uint8Array>,
  limit: number,
  onCut: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= limit) {
        await reader.cancel().catch(() => {});
        onCut();
        controller.close();
        return;
      }
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      const part = value.byteLength > limit - sent ? value.subarray(0, limit - sent) : value;
      sent += part.byteLength;
      controller.enqueue(part);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** Flips the byte at `offset` of a stream. */
function flipByte(body: ReadableStream<Uint8Array>, offset: number): ReadableStream<Uint8Array> {
  let position = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (offset >= position && offset < position + chunk.byteLength) {
          const copy = chunk.slice();
          copy[offset - position] = (copy[offset - position] as number) ^ 0xff;
          chunk = copy;
        }
        position += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Re-chunks a stream into `size` pieces with a wait before each. */
function trickle(
  body: ReadableStream<Uint8Array>,
  size: number,
  everyMs: number,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let pending: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await sleep(everyMs, signal);
      if (signal.aborted) {
        await reader.cancel().catch(() => {});
        controller.error(new Error("fault proxy closed"));
        return;
      }
      if (!pending || pending.byteLength === 0) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        pending = value;
      }
      controller.enqueue(pending.subarray(0, size));
      pending = pending.subarray(size);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** A response being assembled. */
interface ResponseParts {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

/** What applying a response fault needs to know. */
interface FaultContext {
  method: string;
  entry: ProxyRequest;
  headerContext: HeaderContext;
  /** Aborted when the proxy closes or the client goes away. */
  signal: AbortSignal;
  /** Drops the client's connection shortly (after the bytes handed over are flushed). */
  dropLater: () => void;
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
}

/** Applies one fault to the response (request-side faults are applied before it exists). */
async function applyResponseFault(f: Fault, r: ResponseParts, ctx: FaultContext): Promise<void> {
  switch (f.kind) {
    case "respond": {
      await r.body?.cancel().catch(() => {});
      r.status = f.status;
      r.headers = new Headers(f.headers ?? {});
      if (ctx.method === "HEAD" || r.status === 204 || r.status === 304) {
        r.body = null;
      } else if (f.body === undefined) {
        const bytes = errorBody(f.code ?? "UNKNOWN", r.status);
        if (!r.headers.has("content-type")) r.headers.set("content-type", "application/json");
        r.headers.set("content-length", String(bytes.byteLength));
        r.body = bytesStream(bytes);
      } else if (typeof f.body === "function") {
        r.body = f.body();
      } else {
        const bytes = typeof f.body === "string" ? new TextEncoder().encode(f.body) : f.body;
        if (!r.headers.has("content-length")) r.headers.set("content-length", String(bytes.byteLength));
        r.body = bytesStream(bytes);
      }
      return;
    }
    case "headers":
      for (const [k, v] of Object.entries(f.set)) {
        const value = typeof v === "function" ? v(r.headers.get(k), ctx.headerContext) : v;
        if (value === null) r.headers.delete(k);
        else r.headers.set(k, value);
      }
      return;
    case "corrupt":
      if (r.body) r.body = flipByte(r.body, f.offset ?? 0);
      return;
    case "rewrite":
      if (r.body) {
        const bytes = f.body(await readAll(r.body));
        if (f.fixLength ?? true) r.headers.set("content-length", String(bytes.byteLength));
        r.body = bytesStream(bytes);
      }
      return;
    case "truncate":
      if (r.body) {
        r.headers.delete("content-length");
        r.body = firstBytes(r.body, f.afterBytes, () => {});
      }
      return;
    case "reset":
      if (r.body) {
        const afterBytes = f.afterBytes ?? 0;
        const declared = Number(r.headers.get("content-length") ?? "NaN");
        // With a declared length, ending early makes the server drop the connection after exactly
        // `afterBytes` bytes; without one, the relay drops it.
        r.body = firstBytes(r.body, afterBytes, () => {
          ctx.entry.broken = "reset";
          if (!(declared > afterBytes)) ctx.dropLater();
        });
      }
      return;
    case "trickle":
      if (r.body) r.body = trickle(r.body, Math.max(1, f.chunkBytes), f.everyMs, ctx.signal);
      return;
    case "delay":
    case "resetRequest":
      return;
  }
}

/** Starts a fault proxy in front of `targetUrl` (an `http://` origin). */
export async function startFaultProxy(
  targetUrl: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetOrigin = target.origin;
  const requests: ProxyRequest[] = [];
  let rules: FaultRule[] = options.faults ?? [];
  let counters = new Map<FaultRule, number>();
  const random = prng(options.seed ?? 1);
  const closing = new AbortController();
  const links = new Map<number, Link>();
  const pumps = new Set<Promise<void>>();
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const upstream = Deno.createHttpClient({});

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const proxyUrl = `http://127.0.0.1:${port}`;
  const headerContext: HeaderContext = { proxyUrl, targetUrl: targetOrigin };

  const pick = (method: string, path: string): FaultRule | undefined => {
    let picked: FaultRule | undefined;
    for (const rule of rules) {
      if (!matchesMethod(rule, method) || !rule.path.test(path)) continue;
      const n = (counters.get(rule) ?? 0) + 1;
      counters.set(rule, n);
      if (picked) continue;
      const skip = rule.skip ?? 0;
      const inWindow = rule.nth !== undefined
        ? n === rule.nth
        : n > skip && n <= skip + (rule.times ?? Infinity);
      if (!inWindow) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      picked = rule;
    }
    return picked;
  };

  const drop = (link: Link | undefined) => {
    if (!link || link.dropped) return;
    link.dropped = true;
    link.gone.abort();
    closeQuietly(link.client);
    closeQuietly(link.inner);
  };

  /** Wraps the response body so the log learns its size and end, and the client's departure. */
  const logged = (
    body: ReadableStream<Uint8Array> | null,
    entry: ProxyRequest,
    link: Link | undefined,
  ): ReadableStream<Uint8Array> | null => {
    if (!body) {
      entry.endMs = performance.now();
      return null;
    }
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            entry.endMs = performance.now();
            controller.close();
            return;
          }
          entry.responseBytes += value.byteLength;
          controller.enqueue(value);
        } catch (e) {
          entry.endMs = performance.now();
          entry.broken ??= link?.dropped ? "reset" : "client-gone";
          controller.error(e);
        }
      },
      async cancel(reason) {
        entry.endMs = performance.now();
        entry.broken ??= link?.dropped ? "reset" : "client-gone";
        await reader.cancel(reason).catch(() => {});
      },
    }, { highWaterMark: 0 });
  };

  const forward = async (
    req: Request,
    path: string,
    body: ReadableStream<Uint8Array> | null,
    signal: AbortSignal,
  ): Promise<Response> => {
    const headers = new Headers(req.headers);
    for (const h of [...HOP_BY_HOP, "host", "accept-encoding"]) headers.delete(h);
    headers.set("accept-encoding", "identity");
    const init: RequestInit & { client: Deno.HttpClient } = {
      method: req.method,
      headers,
      redirect: "manual",
      signal,
      client: upstream,
    };
    if (body) init.body = body;
    return await fetch(new URL(path, targetOrigin), init);
  };

  const handle = async (req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> => {
    const link = links.get(info.remoteAddr.port);
    const url = new URL(req.url);
    const path = `${url.pathname}${url.search}`;
    const entry: ProxyRequest = {
      method: req.method,
      path,
      headers: req.headers,
      status: 0,
      startMs: performance.now(),
      requestBytes: 0,
      responseBytes: 0,
    };
    requests.push(entry);
    const rule = pick(req.method, path);
    const faults = rule ? (Array.isArray(rule.fault) ? rule.fault : [rule.fault]) : [];
    if (rule) entry.fault = faultName(rule);
    const signal = AbortSignal.any([closing.signal, ...(link ? [link.gone.signal] : [])]);
    const upstreamAbort = new AbortController();
    const upstreamSignal = AbortSignal.any([signal, upstreamAbort.signal]);

    let reqBody: ReadableStream<Uint8Array> | null = req.body
      ? tap(req.body, (c) => (entry.requestBytes += c.byteLength))
      : null;
    const resetRequest = faults.find((f): f is ResetRequestFault => f.kind === "resetRequest");
    if (resetRequest && reqBody) {
      reqBody = firstBytes(reqBody, resetRequest.afterBytes ?? 0, () => {
        entry.broken = "reset";
        drop(link);
        upstreamAbort.abort();
      });
    }
    for (const f of faults) {
      if (f.kind === "delay") await sleep(f.ms, signal);
    }
    const respond = faults.find((f): f is RespondFault => f.kind === "respond");
    let res: Response;
    if (resetRequest && (!reqBody || (resetRequest.afterBytes ?? 0) === 0)) {
      await reqBody?.cancel().catch(() => {});
      entry.broken = "reset";
      drop(link);
      return new Response(null, { status: 500 });
    }
    if (respond && !respond.forward) {
      // Take the whole request body first, as a registry answering after the upload would.
      if (reqBody) await reqBody.pipeTo(new WritableStream()).catch(() => {});
    }
    if (!respond || respond.forward) {
      try {
        res = await forward(req, path, reqBody, upstreamSignal);
      } catch (e) {
        if (entry.broken === "reset" || link?.dropped) return new Response(null, { status: 500 });
        if (signal.aborted) {
          entry.broken ??= "client-gone";
          return new Response(null, { status: 502 });
        }
        entry.status = 502;
        entry.responseMs = entry.endMs = performance.now();
        return new Response(`fault proxy: target failed: ${(e as Error).message}`, { status: 502 });
      }
      if (resetRequest && entry.broken === "reset") {
        await res.body?.cancel().catch(() => {});
        return new Response(null, { status: 500 });
      }
    } else {
      res = new Response(null);
    }

    const headers = new Headers(res.headers);
    for (const h of [...HOP_BY_HOP, "date"]) headers.delete(h);
    const location = headers.get("location");
    if (location !== null && location.startsWith(targetOrigin)) {
      headers.set("location", proxyUrl + location.slice(targetOrigin.length));
    }
    const body: ReadableStream<Uint8Array> | null = req.method === "HEAD" ? null : res.body;
    if (req.method === "HEAD") await res.body?.cancel().catch(() => {});

    const parts: ResponseParts = { status: res.status, headers, body };
    const ctx: FaultContext = {
      method: req.method,
      entry,
      headerContext,
      signal,
      dropLater: () => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          drop(link);
        }, 20);
        timers.add(timer);
      },
    };
    for (const f of faults) await applyResponseFault(f, parts, ctx);
    const { status } = parts;
    entry.status = status;
    entry.responseMs = performance.now();
    return new Response(logged(parts.body, entry, link), { status, headers: parts.headers });
  };

  const listening = Promise.withResolvers<void>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => listening.resolve(),
    onError: () => new Response(null, { status: 500 }),
  }, (req, info) => {
    const p = handle(req, info);
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  });
  await listening.promise;
  const innerPort = server.addr.port;

  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return; // listener closed
      }
      let inner: Deno.Conn;
      try {
        inner = await Deno.connect({ hostname: "127.0.0.1", port: innerPort });
      } catch {
        closeQuietly(client);
        continue;
      }
      const key = (inner.localAddr as Deno.NetAddr).port;
      const link: Link = { client, inner, gone: new AbortController(), dropped: false };
      links.set(key, link);
      const p = Promise.all([pump(client, inner, link), pump(inner, client, link)]).then(() => {
        links.delete(key);
      });
      pumps.add(p);
      p.finally(() => pumps.delete(p));
    }
  })();

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      try {
        listener.close();
      } catch {
        // already closed
      }
      await accepting;
      for (const t of timers) clearTimeout(t);
      for (const link of links.values()) drop(link);
      await Promise.allSettled([...inFlight]);
      await server.shutdown();
      await Promise.allSettled([...pumps]);
      upstream.close();
    })();
    return closed;
  };

  return {
    host: `127.0.0.1:${port}`,
    url: proxyUrl,
    targetUrl: targetOrigin,
    requests,
    setFaults(faults: FaultRule[]) {
      rules = faults;
      counters = new Map();
    },
    async idle(timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const open = [...inFlight];
        const bodies = requests.some((r) => r.responseMs !== undefined && r.endMs === undefined);
        if (open.length === 0 && !bodies) return;
        await sleep(10, closing.signal);
        if (closing.signal.aborted) return;
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
