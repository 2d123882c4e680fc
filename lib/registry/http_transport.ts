/**
 * Sending HTTP requests to registries with per-store TLS settings and proxies decided from the run
 * context's environment.
 *
 * Which engine carries a request:
 * - `https` with `tlsVerify: false`: `node:https` with `rejectUnauthorized: false` (Deno's `fetch`
 *   cannot skip verification per request), through a `CONNECT` tunnel when a proxy applies.
 * - a proxy applies (`HTTPS_PROXY`/`HTTP_PROXY` minus `NO_PROXY`, see `proxy_config.ts`): `fetch` with a
 *   `Deno.createHttpClient({ proxy, caCerts })` client.
 * - no proxy applies: `fetch`. Deno's `fetch` reads the process environment's proxy variables itself
 *   (and honours `NO_PROXY`); `main.ts` builds the run context from that same environment, so both
 *   agree, except that Deno does not exempt loopback hosts as Go does. A loopback host while a proxy
 *   is set (and `NO_PROXY` does not name it) is therefore reached directly: plain http through a
 *   client whose transport is a direct TCP connection, https through `node:https` when a CA file is
 *   given (without one, node:tls would need `--allow-sys=ca`, so `fetch` is used).
 * - an extra CA file: `fetch` with a `Deno.createHttpClient({ caCerts })` client (system roots plus the
 *   CA; available without `--unstable` in Deno 2).
 *
 * Redirects are followed here only for GET and HEAD; a redirect to another origin (object storage)
 * never carries our `Authorization` header.
 * @module
 */
import https from "node:https";
import { nodeRequest } from "./_node_request.ts";
import { envHasProxy, type EnvReader, isLoopbackHost, noProxyMatches, proxyFor } from "./proxy_config.ts";

/** One HTTP request. */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Headers;
  /** Bytes (replayable) or a stream (sent once). */
  body?: Uint8Array | ReadableStream<Uint8Array> | null;
  signal?: AbortSignal;
}

/** One HTTP response; `body` must be consumed or cancelled. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** Null for HEAD, 204 and 304. */
  body: ReadableStream<Uint8Array> | null;
  /** The URL that answered (after redirects). */
  url: URL;
}

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Verify TLS certificates; false also allows falling back to plain http. @default true */
  tlsVerify?: boolean;
  /** Extra trusted CA certificates (PEM text), added to the system roots. */
  caCerts?: string[];
  /** The run context's environment, for proxy variables. */
  env: EnvReader;
}

/** Options of {@link HttpTransport.send}. */
export interface SendOptions {
  /** Follow redirects of GET and HEAD requests. @default false */
  followRedirects?: boolean;
}

/** Most redirects followed for one request. */
export const MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Sends requests with one TLS configuration; owns its HTTP clients (call `close()`). */
export class HttpTransport implements Disposable {
  /** Whether certificates are verified. */
  readonly tlsVerify: boolean;
  #caCerts: string[];
  #env: EnvReader;
  #envHasProxy: boolean;
  #clients = new Map<string, Deno.HttpClient>();
  #agent: https.Agent | undefined;

  constructor(options: HttpTransportOptions) {
    this.tlsVerify = options.tlsVerify ?? true;
    this.#caCerts = options.caCerts ?? [];
    this.#env = options.env;
    this.#envHasProxy = envHasProxy(options.env);
  }

  /** Sends a request; redirects of GET/HEAD are followed when asked. Network failures reject. */
  async send(req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const follow = options.followRedirects === true && (req.method === "GET" || req.method === "HEAD");
    let current = req;
    for (let hop = 0;; hop++) {
      const res = await this.#sendOnce(current);
      if (!follow || !REDIRECT_STATUSES.has(res.status)) return res;
      const location = res.headers.get("location");
      if (location === null || hop >= MAX_REDIRECTS) return res;
      await res.body?.cancel().catch(() => {});
      const next = new URL(location, current.url);
      const headers = new Headers(current.headers);
      if (next.origin !== current.url.origin) headers.delete("authorization");
      current = { ...current, url: next, headers };
    }
  }

  #sendOnce(req: HttpRequest): Promise<HttpResponse> {
    const url = req.url;
    const proxy = proxyFor(url, this.#env);
    if (url.protocol === "https:" && !this.tlsVerify) {
      return nodeRequest(req, {
        rejectUnauthorized: false,
        ...(proxy === undefined ? { agent: this.#nodeAgent() } : { proxy }),
      });
    }
    if (proxy !== undefined) return this.#fetch(req, this.#client(`proxy ${proxy}`, { url: proxy }));
    // Deno's fetch applies the process environment's proxy itself and honours NO_PROXY, but it does
    // not exempt loopback hosts as Go does: connect to those directly ourselves.
    if (this.#envHasProxy && isLoopbackHost(url.hostname) && !noProxyMatches(url, this.#env)) {
      if (url.protocol === "http:") {
        const port = url.port !== "" ? Number(url.port) : 80;
        const hostname = url.hostname.replace(/^\[|\]$/g, "");
        return this.#fetch(
          req,
          this.#client(`direct ${hostname}:${port}`, { transport: "tcp", hostname, port }),
        );
      }
      if (this.#caCerts.length > 0) {
        return nodeRequest(req, {
          rejectUnauthorized: true,
          caCerts: this.#caCerts,
          agent: this.#nodeAgent(),
        });
      }
      // Without a CA file node:tls would need the system store (--allow-sys=ca): let fetch decide.
    }
    return this.#fetch(req, this.#caCerts.length > 0 ? this.#client("ca") : undefined);
  }

  #nodeAgent(): https.Agent {
    this.#agent ??= new https.Agent({ keepAlive: true });
    return this.#agent;
  }

  #client(key: string, proxy?: Deno.Proxy): Deno.HttpClient {
    let c = this.#clients.get(key);
    if (!c) {
      c = Deno.createHttpClient({
        ...(this.#caCerts.length > 0 ? { caCerts: this.#caCerts } : {}),
        ...(proxy ? { proxy } : {}),
      });
      this.#clients.set(key, c);
    }
    return c;
  }

  async #fetch(req: HttpRequest, client: Deno.HttpClient | undefined): Promise<HttpResponse> {
    const init: RequestInit & { client?: Deno.HttpClient } = {
      method: req.method,
      redirect: "manual",
      ...(req.headers ? { headers: req.headers } : {}),
      ...(req.body !== undefined && req.body !== null
        ? { body: req.body as Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> }
        : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(client ? { client } : {}),
    };
    const res = await fetch(req.url, init);
    return {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      body: req.method === "HEAD" ? (await res.body?.cancel(), null) : res.body,
      url: req.url,
    };
  }

  /** Closes the HTTP clients and pooled connections this transport opened. */
  close(): void {
    for (const c of this.#clients.values()) c.close();
    this.#clients.clear();
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
