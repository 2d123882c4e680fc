/**
 * The factory workflows use to get registry stores for a run: `source(host)` (registries.conf mirrors
 * applied, `srcTlsVerify`) and `destination(host)` (`destTlsVerify`). All stores it makes share one
 * token cache, one retry policy, one secret redactor and, per registry host, one request limiter; a
 * host's client is made once per TLS setting. Close it (or `using`) when the run ends.
 *
 * ```ts
 * const credentials = await loadCredentials(ctx, { authFile, engine: "v2", redactor });
 * await using stores = await createRegistryStores(ctx, { credentials, redactor, srcTlsVerify: true,
 *   destTlsVerify: false, registriesConf: await loadRegistriesConf(ctx) });
 * await copy({ store: stores.source("quay.io"), ... }, { store: stores.destination("localhost:5000"), ... });
 * ```
 * @module
 */
import type { RunContext } from "../context.ts";
import { ConfigError } from "../errors.ts";
import type { SourceStore } from "../store/mod.ts";
import type { CredentialLookup } from "./credentials.ts";
import { HttpTransport } from "./http_transport.ts";
import { MirroredSourceStore } from "./mirrored_source_store.ts";
import { SecretRedactor } from "./redact.ts";
import type { RegistriesConf } from "./registries_conf.ts";
import { RegistryClient } from "./registry_client.ts";
import { RegistryStore } from "./registry_store.ts";
import { RequestLimiter } from "./request_limiter.ts";
import { RetryPolicy } from "./retry_policy.ts";
import { TokenCache } from "./token_cache.ts";

/** Options of {@link createRegistryStores}. */
export interface RegistryStoresOptions {
  /** Where credentials come from (`loadCredentials`); none means anonymous. */
  credentials?: CredentialLookup;
  /** Verify TLS of source registries; false also allows plain http. @default true */
  srcTlsVerify?: boolean;
  /** Verify TLS of destination registries; false also allows plain http. @default true */
  destTlsVerify?: boolean;
  /** A PEM file of extra CA certificates trusted on both sides. */
  caFile?: string;
  /** Mirrors and rewrites for sources (`loadRegistriesConf`). @default none */
  registriesConf?: RegistriesConf;
  /** `--retry-times`. @default 5 */
  retryTimes?: number;
  /** `--retry-delay` in ms; 0 = exponential backoff. @default 0 */
  retryDelayMs?: number;
  /** Requests in flight per registry host. @default 6 */
  maxRequestsPerRegistry?: number;
  /** @default "oc-mirror" */
  userAgent?: string;
  /** Masks secrets in messages; pass the one given to `loadCredentials`. @default a new one */
  redactor?: SecretRedactor;
  /** Largest blob pushed in one PUT after in-memory verification. @default 1 MiB */
  monolithicMaxBytes?: number;
  /** PATCH chunk size for larger blobs; 0 = one streamed PATCH. @default 0 */
  uploadChunkBytes?: number;
  /** Test hook: the retry sleep. @default a setTimeout sleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Test hook: jitter randomness. @default Math.random */
  random?: () => number;
}

/** Registry stores for one run; dispose to close connections. */
export interface RegistryStores extends Disposable, AsyncDisposable {
  /** A store to read `host`'s images, through registries.conf mirrors when any apply. */
  source(host: string): SourceStore;
  /** A store to write (and read, list, delete) `host`'s images. */
  destination(host: string): RegistryStore;
  /** The plain store of `host` with an explicit TLS setting (no mirrors). */
  store(host: string, options: { tlsVerify: boolean }): RegistryStore;
  /** The redactor every message of these stores passes through. */
  readonly redactor: SecretRedactor;
  /** Closes HTTP clients and pooled connections. */
  close(): void;
}

/** Creates the registry stores of a run (reads `caFile` if given). */
export async function createRegistryStores(
  ctx: RunContext,
  options: RegistryStoresOptions = {},
): Promise<RegistryStores> {
  let caCerts: string[] = [];
  if (options.caFile !== undefined) {
    try {
      caCerts = [await Deno.readTextFile(options.caFile)];
    } catch (cause) {
      throw new ConfigError([{
        file: options.caFile,
        line: 0,
        column: 0,
        path: "",
        message: `CA certificate file cannot be read: ${(cause as Error).message}`,
        severity: "error",
      }], { cause });
    }
  }
  return new RunRegistryStores(ctx, options, caCerts);
}

class RunRegistryStores implements RegistryStores {
  readonly redactor: SecretRedactor;
  #ctx: RunContext;
  #o: RegistryStoresOptions;
  #transports = new Map<boolean, HttpTransport>();
  #caCerts: string[];
  #tokens: TokenCache;
  #retry: RetryPolicy;
  #limiters = new Map<string, RequestLimiter>();
  #stores = new Map<string, RegistryStore>();
  #sources = new Map<string, SourceStore>();

  constructor(ctx: RunContext, options: RegistryStoresOptions, caCerts: string[]) {
    this.#ctx = ctx;
    this.#o = options;
    this.#caCerts = caCerts;
    this.redactor = options.redactor ?? new SecretRedactor();
    this.#tokens = new TokenCache(() => ctx.now());
    this.#retry = new RetryPolicy({
      ...(options.retryTimes !== undefined ? { retryTimes: options.retryTimes } : {}),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
      now: () => ctx.now(),
    });
  }

  #transport(tlsVerify: boolean): HttpTransport {
    let t = this.#transports.get(tlsVerify);
    if (!t) {
      t = new HttpTransport({ tlsVerify, caCerts: this.#caCerts, env: this.#ctx.env });
      this.#transports.set(tlsVerify, t);
    }
    return t;
  }

  #limiter(host: string): RequestLimiter {
    let l = this.#limiters.get(host);
    if (!l) {
      l = new RequestLimiter(this.#o.maxRequestsPerRegistry ?? 6);
      this.#limiters.set(host, l);
    }
    return l;
  }

  store(host: string, options: { tlsVerify: boolean }): RegistryStore {
    const key = `${host}\n${options.tlsVerify}`;
    let s = this.#stores.get(key);
    if (!s) {
      const client = new RegistryClient({
        registry: host,
        transport: this.#transport(options.tlsVerify),
        ...(this.#o.credentials ? { credentials: this.#o.credentials } : {}),
        tokens: this.#tokens,
        limiter: this.#limiter(host),
        retry: this.#retry,
        redactor: this.redactor,
        ctx: this.#ctx,
        userAgent: this.#o.userAgent ?? "oc-mirror",
      });
      s = new RegistryStore(client, {
        ctx: this.#ctx,
        ...(this.#o.monolithicMaxBytes !== undefined
          ? { monolithicMaxBytes: this.#o.monolithicMaxBytes }
          : {}),
        ...(this.#o.uploadChunkBytes !== undefined ? { uploadChunkBytes: this.#o.uploadChunkBytes } : {}),
      });
      this.#stores.set(key, s);
    }
    return s;
  }

  source(host: string): SourceStore {
    const srcVerify = this.#o.srcTlsVerify ?? true;
    const conf = this.#o.registriesConf;
    if (!conf || conf.registries.length === 0) return this.store(host, { tlsVerify: srcVerify });
    let s = this.#sources.get(host);
    if (!s) {
      s = new MirroredSourceStore({
        registry: host,
        conf,
        storeFor: (registry, insecure) => this.store(registry, { tlsVerify: srcVerify && !insecure }),
        ctx: this.#ctx,
      });
      this.#sources.set(host, s);
    }
    return s;
  }

  destination(host: string): RegistryStore {
    return this.store(host, { tlsVerify: this.#o.destTlsVerify ?? true });
  }

  close(): void {
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
