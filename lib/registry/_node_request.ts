/**
 * HTTPS requests through `node:https`, for the cases Deno's `fetch` cannot do per request: skipping
 * certificate verification (`--*-tls-verify=false`) and connecting directly while the process
 * environment names a proxy. Exposes Web-Streams bodies like `fetch`. Proxies are reached with an
 * HTTP `CONNECT` tunnel.
 * @module
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { abortReason } from "../errors.ts";
import type { HttpRequest, HttpResponse } from "./http_transport.ts";

/** TLS and routing settings of a node request. */
export interface NodeRequestOptions {
  /** Verify the server certificate. */
  rejectUnauthorized: boolean;
  /**
   * The trusted CA certificates (PEM). They replace the system roots: Deno only lets `node:tls` read
   * the system store with `--allow-sys=ca`, so this path is used only for insecure requests (where no
   * CA matters) or with an explicit CA file. @default []
   */
  caCerts?: string[];
  /** `http://[user:pass@]host:port` proxy to tunnel through. */
  proxy?: string;
  /** Pooled connections (no proxy only). */
  agent?: https.Agent;
}

const IP_RE = /^(\d+\.\d+\.\d+\.\d+|\[?[0-9a-fA-F:]+\]?)$/;

function tunnel(proxy: string, target: URL, signal?: AbortSignal): Promise<Socket> {
  const p = new URL(proxy);
  const headers: Record<string, string> = { host: target.host };
  if (p.username !== "") {
    const auth = `${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`;
    headers["proxy-authorization"] = `Basic ${Buffer.from(auth).toString("base64")}`;
  }
  const port = target.port !== "" ? target.port : "443";
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: p.hostname.replace(/^\[|\]$/g, ""),
      port: p.port !== "" ? Number(p.port) : 80,
      method: "CONNECT",
      path: `${target.hostname}:${port}`,
      headers,
    });
    const onAbort = () => req.destroy(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("connect", (res, socket) => {
      signal?.removeEventListener("abort", onAbort);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`Proxy ${p.host} refused to tunnel to ${target.host}: HTTP ${res.statusCode}`));
        return;
      }
      resolve(socket);
    });
    req.on("error", (e) => {
      signal?.removeEventListener("abort", onAbort);
      reject(e);
    });
    req.end();
  });
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) { for (const x of v) h.append(k, x); }
    else h.set(k, v);
  }
  return h;
}

function bodyStream(res: http.IncomingMessage): ReadableStream<Uint8Array> {
  let ended = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      res.on("data", (chunk: Buffer) => {
        if (ended) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) res.pause();
      });
      res.on("end", () => {
        if (ended) return;
        ended = true;
        if (res.complete) controller.close();
        else controller.error(new Error("Connection closed before the response body was complete"));
      });
      res.on("error", (e) => {
        if (ended) return;
        ended = true;
        controller.error(e);
      });
      res.on("close", () => {
        if (ended) return;
        ended = true;
        if (res.complete) controller.close();
        else controller.error(new Error("Connection closed before the response body was complete"));
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      ended = true;
      res.destroy();
    },
  }, { highWaterMark: 8 });
}

async function writeBody(req: http.ClientRequest, body: HttpRequest["body"]): Promise<void> {
  if (body === undefined || body === null) {
    req.end();
    return;
  }
  if (body instanceof Uint8Array) {
    req.end(body);
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!req.write(value)) {
        await new Promise<void>((resolve, reject) => {
          const ok = () => {
            req.off("error", bad);
            req.off("close", ok);
            resolve();
          };
          const bad = (e: Error) => {
            req.off("drain", ok);
            req.off("close", ok);
            reject(e);
          };
          req.once("drain", ok);
          req.once("close", ok);
          req.once("error", bad);
        });
        if (req.destroyed) return;
      }
    }
    req.end();
  } catch (e) {
    req.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  } finally {
    reader.releaseLock();
  }
}

/** Sends one HTTPS request with `node:https` (no redirects followed). */
export async function nodeRequest(req: HttpRequest, options: NodeRequestOptions): Promise<HttpResponse> {
  const { url, signal } = req;
  if (signal?.aborted) throw abortReason(signal);
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const servername = IP_RE.test(hostname) ? undefined : hostname;
  const headers: Record<string, string> = {};
  req.headers?.forEach((v, k) => headers[k] = v);
  if (req.body instanceof Uint8Array) headers["content-length"] = String(req.body.byteLength);
  // Always pass `ca`: without it node:tls loads the system store, which needs `--allow-sys=ca`.
  const tlsOptions = { rejectUnauthorized: options.rejectUnauthorized, ca: options.caCerts ?? [] };
  let createConnection: (() => Socket) | undefined;
  if (options.proxy !== undefined) {
    const socket = await tunnel(options.proxy, url, signal);
    createConnection = () => tls.connect({ socket, ...(servername ? { servername } : {}), ...tlsOptions });
  }
  return await new Promise<HttpResponse>((resolve, reject) => {
    const r = https.request({
      host: hostname,
      port: url.port !== "" ? Number(url.port) : 443,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers,
      ...(servername ? { servername } : {}),
      ...tlsOptions,
      ...(createConnection
        ? { createConnection }
        : options.agent
        ? { agent: options.agent }
        : { agent: false }),
    } as https.RequestOptions);
    let settled = false;
    const onAbort = () => r.destroy(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    r.on("response", (res) => {
      settled = true;
      const noBody = req.method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
      if (noBody) res.resume();
      const body = noBody ? null : bodyStream(res);
      res.on("close", () => signal?.removeEventListener("abort", onAbort));
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? "",
        headers: toHeaders(res.headers),
        body,
        url,
      });
    });
    r.on("error", (e) => {
      if (!settled) {
        signal?.removeEventListener("abort", onAbort);
        reject(signal?.aborted ? abortReason(signal) : e);
      }
    });
    writeBody(r, req.body).catch((e) => {
      if (!settled) reject(e);
    });
  });
}
