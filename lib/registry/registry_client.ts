/**
 * One registry host's HTTP API client: finds the endpoint (ping `/v2/`, https first, plain http only
 * when TLS verification is off or the host is loopback, as Docker does for `localhost`), answers auth
 * challenges (anonymous, Basic, Bearer tokens per scope with a shared cache, refreshed once on 401),
 * retries 429/5xx/connection failures with the {@link RetryPolicy} when the request can be replayed,
 * and bounds requests in flight with the host's {@link RequestLimiter}. Stores build on `request()`.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * @see https://distribution.github.io/distribution/spec/auth/token/
 * @module
 */
import { Buffer } from "node:buffer";
import { AbortedError, abortReason, RegistryError } from "../errors.ts";
import { log, type RunContext } from "../context.ts";
import type { Credential } from "./auth_file.ts";
import { type CredentialLookup, type CredentialMatch, describeCredentialSource } from "./credentials.ts";
import type { HttpResponse, HttpTransport } from "./http_transport.ts";
import { isLoopbackHost } from "./proxy_config.ts";
import { redactUrl, type SecretRedactor } from "./redact.ts";
import { connectionError, errorFromResponse, type FailureContext, readAtMost } from "./registry_error.ts";
import type { RequestLimiter } from "./request_limiter.ts";
import { isRetryableStatus, type RetryPolicy } from "./retry_policy.ts";
import { type CachedToken, DEFAULT_TOKEN_LIFETIME_S, type TokenCache, tokenCacheKey } from "./token_cache.ts";
import { type Challenge, parseWwwAuthenticate, pickChallenge } from "./www_authenticate.ts";

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** The registry host as written in references: `quay.io`, `docker.io`, `127.0.0.1:5000`. */
  registry: string;
  transport: HttpTransport;
  credentials?: CredentialLookup;
  tokens: TokenCache;
  limiter: RequestLimiter;
  retry: RetryPolicy;
  redactor: SecretRedactor;
  ctx: Pick<RunContext, "report" | "now">;
  /** @default "oc-mirror" */
  userAgent?: string;
}

/** One API request. */
export interface RegistryRequest {
  method: string;
  /** Path and query under the endpoint, e.g. `/v2/ns/repo/manifests/v1`. */
  path?: string;
  /** An absolute URL instead of `path` (upload locations). */
  url?: URL;
  /** The repository, for credentials. */
  repository?: string;
  /** Token scopes, e.g. `repository:ns/repo:pull`. */
  scopes: string[];
  /** What we are doing, for messages: `pull manifest`. */
  operation: string;
  /** What it is done to, for messages: `"ns/repo:v1"`. */
  subject: string;
  headers?: Record<string, string>;
  /** A stream body is sent once: such a request is never retried. */
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Follow redirects (GET/HEAD only). @default false */
  followRedirects?: boolean;
  /** Retry 429/5xx/connection failures (only ever done for bodies that can be re-sent). @default true */
  retry?: boolean;
  /** Take a slot of the host limiter. @default true */
  limited?: boolean;
  signal?: AbortSignal;
}

const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

function causeChainText(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    parts.push(c.message);
  }
  return parts.join(": ");
}

/** True for TLS failures (untrusted or invalid certificates, handshake errors): not worth retrying. */
export function isTlsError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && /CERT|SELF_SIGNED|TLS|SSL/.test(code)) return true;
  return /certificate|handshake|tls|ssl|peer cert/i.test(causeChainText(e));
}

/**
 * True when the host name does not resolve at all (as in a disconnected site): repeating the request
 * cannot help, unlike a temporary resolver failure (`EAI_AGAIN`).
 */
export function isUnknownHostError(e: unknown): boolean {
  const text = causeChainText(e);
  if (/EAI_AGAIN|temporary failure in name resolution/i.test(text)) return false;
  return /ENOTFOUND|name or service not known|no address associated|nodename nor servname|failed to lookup address/i
    .test(text);
}

/** True for errors of a request that got no (complete) HTTP response and may succeed when repeated. */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === "AbortError" || e instanceof AbortedError) return false;
  if (isTlsError(e)) return false;
  if (isUnknownHostError(e)) return false;
  if (e instanceof TypeError) return true; // fetch network failures
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  if (
    e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.ConnectionRefused ||
    e instanceof Deno.errors.ConnectionAborted || e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.UnexpectedEof || e instanceof Deno.errors.TimedOut
  ) {
    return true;
  }
  return /connection|socket hang up|reset|closed before|unexpected end|error reading a body/i.test(e.message);
}

/** The host that serves a registry's API: Docker Hub's API lives at `registry-1.docker.io`. */
export function endpointHost(registry: string): string {
  return registry === "docker.io" ? "registry-1.docker.io" : registry;
}

function hostnameOf(host: string): string {
  const m = /^\[([^\]]+)\]/.exec(host);
  if (m) return m[1] as string;
  return host.replace(/:\d+$/, "");
}

/** A challenge without its request-specific parts (`scope`, `error`), kept for the whole host. */
function hostChallenge(c: Challenge): Challenge {
  const { scope: _scope, error: _error, ...params } = c.params;
  return { scheme: c.scheme, params };
}

interface Endpoint {
  base: URL;
}

/** A client for one registry host with one TLS setting. */
export class RegistryClient {
  /** Registry host as in references. */
  readonly registry: string;
  /** `docker://<registry>`. */
  readonly label: string;
  readonly redactor: SecretRedactor;
  readonly retry: RetryPolicy;
  #o: RegistryClientOptions;
  #endpoint: Promise<Endpoint> | undefined;
  #challenge: Challenge | undefined;
  #userAgent: string;

  constructor(options: RegistryClientOptions) {
    this.#o = options;
    this.registry = options.registry;
    this.label = `docker://${options.registry}`;
    this.redactor = options.redactor;
    this.retry = options.retry;
    this.#userAgent = options.userAgent ?? "oc-mirror";
  }

  /** The context for building errors about a request. */
  failure(r: Pick<RegistryRequest, "operation" | "subject">, credentials?: string): FailureContext {
    return {
      registry: this.registry,
      label: this.label,
      operation: r.operation,
      subject: r.subject,
      redactor: this.redactor,
      ...(credentials === undefined ? {} : { credentials }),
    };
  }

  /** Reads the error body of a failed response and returns the typed error (does not throw it). */
  async error(res: HttpResponse, r: RegistryRequest): Promise<Error> {
    let creds: string | undefined;
    if (res.status === 401 || res.status === 403) {
      const match = await this.#credentialsFor(r.repository ?? "", r.signal).catch(() => undefined);
      creds = describeCredentialSource(match, this.#o.credentials);
    }
    return await errorFromResponse(res, this.failure(r, creds));
  }

  /** Resolves the API base URL, pinging `/v2/` once (https, then http where allowed). */
  endpoint(signal?: AbortSignal): Promise<Endpoint> {
    if (!this.#endpoint) {
      const p = this.#ping(signal);
      this.#endpoint = p;
      p.catch(() => {
        if (this.#endpoint === p) this.#endpoint = undefined;
      });
    }
    return this.#endpoint;
  }

  async #ping(signal?: AbortSignal): Promise<Endpoint> {
    const host = endpointHost(this.registry);
    const allowHttp = !this.#o.transport.tlsVerify || isLoopbackHost(hostnameOf(host));
    const f = this.failure({ operation: "access API", subject: "/v2/" });
    for (let attempt = 0;; attempt++) {
      let firstError: unknown;
      for (const scheme of allowHttp ? ["https", "http"] : ["https"]) {
        const base = new URL(`${scheme}://${host}/`);
        let res: HttpResponse;
        const release = await this.#o.limiter.acquire(signal);
        try {
          res = await this.#o.transport.send({
            method: "GET",
            url: new URL("/v2/", base),
            headers: new Headers({ "user-agent": this.#userAgent }),
            ...(signal ? { signal } : {}),
          });
        } catch (e) {
          if (signal?.aborted) throw abortReason(signal);
          firstError ??= e;
          continue;
        } finally {
          release();
        }
        await readAtMost(res.body, 0);
        if (
          scheme === "http" && firstError !== undefined && res.status !== 200 && res.status !== 401 &&
          res.headers.get("docker-distribution-api-version") === null
        ) {
          // Plain http answered, but not as a registry (e.g. a TLS port's "HTTP request to an HTTPS
          // server" 400): the https failure is the real problem.
          break;
        }
        if (isRetryableStatus(res.status) && attempt < this.retry.retryTimes) {
          log(this.#o.ctx, "debug", `${this.label}: ping answered HTTP ${res.status}, retrying`);
          await this.retry.wait(attempt + 1, { retryAfter: res.headers.get("retry-after"), signal });
          firstError = undefined;
          break;
        }
        if (res.status === 401) {
          const c = pickChallenge(parseWwwAuthenticate(res.headers.get("www-authenticate")));
          this.#challenge = c ? hostChallenge(c) : undefined;
        }
        if (scheme === "http") log(this.#o.ctx, "debug", `${this.label}: using plain http`);
        return { base };
      }
      if (firstError === undefined) continue; // retryable status: go again
      if (!isConnectionError(firstError) || attempt >= this.retry.retryTimes) {
        throw connectionError(firstError, f);
      }
      log(this.#o.ctx, "debug", `${this.label}: cannot connect, retrying`, {
        error: this.redactor.redact(String(firstError)),
      });
      await this.retry.wait(attempt + 1, { signal });
    }
  }

  #credentialsFor(repository: string, signal?: AbortSignal): Promise<CredentialMatch | undefined> {
    const c = this.#o.credentials;
    if (!c) return Promise.resolve(undefined);
    return c.lookup(this.registry, repository, signal ? { signal } : {});
  }

  async #authorization(
    r: RegistryRequest,
    challenge: Challenge | undefined,
    refresh: boolean,
    extraScopes: string[],
  ): Promise<string | undefined> {
    if (!challenge) return undefined;
    const match = await this.#credentialsFor(r.repository ?? "", r.signal);
    if (challenge.scheme === "basic") {
      const c = match?.credential;
      if (!c || !("username" in c)) return undefined;
      const value = Buffer.from(`${c.username}:${c.password}`).toString("base64");
      this.redactor.add(value);
      return `Basic ${value}`;
    }
    if (challenge.scheme !== "bearer") return undefined;
    const realm = challenge.params.realm;
    if (realm === undefined || realm === "") return undefined;
    const scopes = [...new Set([...r.scopes, ...extraScopes])].filter((s) => s !== "");
    const key = tokenCacheKey({
      realm,
      ...(challenge.params.service !== undefined ? { service: challenge.params.service } : {}),
      credentialKey: match ? `${match.source.file}#${match.source.key}` : "anonymous",
      scopes,
    });
    if (refresh) this.#o.tokens.delete(key);
    const token = await this.#o.tokens.getOrFetch(
      key,
      () => this.#fetchToken(challenge, scopes, match?.credential, r),
    );
    return `Bearer ${token}`;
  }

  async #fetchToken(
    challenge: Challenge,
    scopes: string[],
    credential: Credential | undefined,
    r: RegistryRequest,
  ): Promise<CachedToken> {
    const realm = new URL(challenge.params.realm as string);
    const service = challenge.params.service;
    const headers = new Headers({ "user-agent": this.#userAgent });
    let method = "GET";
    let body: Uint8Array | undefined;
    const url = new URL(realm);
    if (credential && "identityToken" in credential) {
      // OAuth2 refresh-token grant (docker token spec, "oauth"): POST a form.
      method = "POST";
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credential.identityToken,
        client_id: "oc-mirror",
      });
      if (service !== undefined) form.set("service", service);
      if (scopes.length > 0) form.set("scope", scopes.join(" "));
      body = new TextEncoder().encode(form.toString());
      headers.set("content-type", "application/x-www-form-urlencoded");
    } else {
      if (service !== undefined) url.searchParams.set("service", service);
      for (const s of scopes) url.searchParams.append("scope", s);
      if (credential) {
        const value = Buffer.from(`${credential.username}:${credential.password}`).toString("base64");
        this.redactor.add(value);
        headers.set("authorization", `Basic ${value}`);
      }
    }
    const what = { operation: "get token", subject: `for "${scopes.join(" ")}" from ${redactUrl(realm)}` };
    for (let attempt = 0;; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.#o.transport.send({
          method,
          url,
          headers,
          ...(body ? { body } : {}),
          ...(r.signal ? { signal: r.signal } : {}),
        }, { followRedirects: true });
      } catch (e) {
        if (r.signal?.aborted) throw abortReason(r.signal);
        if (isConnectionError(e) && attempt < this.retry.retryTimes) {
          await this.retry.wait(attempt + 1, r.signal ? { signal: r.signal } : {});
          continue;
        }
        throw connectionError(e, this.failure(what));
      }
      if (isRetryableStatus(res.status) && attempt < this.retry.retryTimes) {
        await readAtMost(res.body, 0);
        await this.retry.wait(attempt + 1, { retryAfter: res.headers.get("retry-after"), signal: r.signal });
        continue;
      }
      if (res.status !== 200) {
        throw await this.error(res, { ...r, ...what });
      }
      const text = new TextDecoder().decode(await readAtMost(res.body, 1024 * 1024));
      let json: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
      try {
        json = JSON.parse(text);
      } catch {
        throw new RegistryError(
          `Token server ${redactUrl(realm)} of ${this.label} returned a response that is not JSON`,
          { registry: this.registry, status: res.status, operation: what.operation },
        );
      }
      const token = typeof json.token === "string" && json.token !== ""
        ? json.token
        : typeof json.access_token === "string"
        ? json.access_token
        : "";
      if (token === "") {
        throw new RegistryError(
          `Token server ${redactUrl(realm)} of ${this.label} returned no token`,
          { registry: this.registry, status: res.status, operation: what.operation },
        );
      }
      this.redactor.add(token);
      const lifetimeS = typeof json.expires_in === "number" && json.expires_in > 0
        ? json.expires_in
        : DEFAULT_TOKEN_LIFETIME_S;
      const issued = typeof json.issued_at === "string" ? Date.parse(json.issued_at) : NaN;
      const now = this.#o.ctx.now().getTime();
      const from = Number.isNaN(issued) || issued > now ? now : issued;
      return { token, expiresAtMs: from + lifetimeS * 1000 };
    }
  }

  /**
   * Sends a request with auth, retries and the host limit; returns the final response whatever its
   * status (the caller decides what is an error, using {@link error}). Connection failures that
   * outlast the retries throw a {@link RegistryError} with status 0.
   */
  async request(r: RegistryRequest): Promise<HttpResponse> {
    const resendable = !(r.body instanceof ReadableStream);
    const replayable = resendable && r.retry !== false;
    let refreshedAuth = false;
    let forceRefresh = false;
    let extraScopes: string[] = [];
    for (let attempt = 0;; attempt++) {
      const { base } = await this.endpoint(r.signal);
      const url = r.url ?? new URL(r.path ?? "/v2/", base);
      const headers = new Headers({ "user-agent": this.#userAgent, ...r.headers });
      const authorization = await this.#authorization(r, this.#challenge, forceRefresh, extraScopes);
      forceRefresh = false;
      // Credentials only ever go to the registry's own endpoint.
      if (authorization !== undefined && url.origin === base.origin) {
        headers.set("authorization", authorization);
      }
      const release = r.limited === false ? () => {} : await this.#o.limiter.acquire(r.signal);
      let res: HttpResponse;
      try {
        res = await this.#o.transport.send({
          method: r.method,
          url,
          headers,
          ...(r.body !== undefined ? { body: r.body } : {}),
          ...(r.signal ? { signal: r.signal } : {}),
        }, { followRedirects: r.followRedirects === true });
      } catch (e) {
        if (r.signal?.aborted) throw abortReason(r.signal);
        if (replayable && isConnectionError(e) && attempt < this.retry.retryTimes) {
          log(this.#o.ctx, "debug", `${this.label}: ${r.operation} ${r.subject} failed, retrying`, {
            error: this.redactor.redact(String(e)),
            attempt: attempt + 1,
          });
          await this.retry.wait(attempt + 1, r.signal ? { signal: r.signal } : {});
          continue;
        }
        throw connectionError(e, this.failure(r));
      } finally {
        release();
      }
      if (res.status === 401 && !refreshedAuth && resendable) {
        const challenge = pickChallenge(parseWwwAuthenticate(res.headers.get("www-authenticate")));
        if (challenge) {
          // A new or changed challenge (first protected request, expired token, wider scope). The
          // host keeps realm and service; a scope the registry asks for applies to this request only.
          this.#challenge = hostChallenge(challenge);
          extraScopes = challenge.params.scope?.split(" ") ?? [];
          refreshedAuth = true;
          forceRefresh = true;
          await readAtMost(res.body, 0);
          attempt--; // an auth round trip is not a retry
          continue;
        }
      }
      if (replayable && isRetryableStatus(res.status) && attempt < this.retry.retryTimes) {
        log(
          this.#o.ctx,
          "debug",
          `${this.label}: ${r.operation} ${r.subject} got HTTP ${res.status}, retrying`,
          {
            attempt: attempt + 1,
          },
        );
        await readAtMost(res.body, 0);
        await this.retry.wait(attempt + 1, { retryAfter: res.headers.get("retry-after"), signal: r.signal });
        continue;
      }
      return res;
    }
  }
}
