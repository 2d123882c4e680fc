/**
 * Bearer tokens by (realm, service, credential source, scopes), with expiry: one instance is shared by
 * every store of a run so each registry/scope pair fetches a token once. Concurrent requests for the
 * same key share one fetch.
 * @module
 */

/** A token and when it stops being usable. */
export interface CachedToken {
  token: string;
  /** Epoch milliseconds after which the token is not used. */
  expiresAtMs: number;
}

/** Seconds a token lives when the server does not say (docker token spec default). */
export const DEFAULT_TOKEN_LIFETIME_S = 60;

/** Tokens are refreshed this long before they expire. */
export const TOKEN_EXPIRY_MARGIN_MS = 10_000;

/** Builds the cache key of a token request. */
export function tokenCacheKey(parts: {
  realm: string;
  service?: string;
  credentialKey: string;
  scopes: readonly string[];
}): string {
  return [parts.realm, parts.service ?? "", parts.credentialKey, [...parts.scopes].sort().join(" ")].join(
    "\n",
  );
}

/** Caches bearer tokens; time comes from the injected clock. */
export class TokenCache {
  #tokens = new Map<string, CachedToken>();
  #inflight = new Map<string, Promise<CachedToken>>();
  #nowMs: () => number;

  /** @param now the clock (the run context's `now`). */
  constructor(now: () => Date) {
    this.#nowMs = () => now().getTime();
  }

  /** A live token for `key`, or undefined. */
  get(key: string): string | undefined {
    const t = this.#tokens.get(key);
    if (!t) return undefined;
    if (this.#nowMs() >= t.expiresAtMs - TOKEN_EXPIRY_MARGIN_MS) {
      this.#tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  /** Returns a live token, calling `fetch` (once for concurrent callers) when there is none. */
  async getOrFetch(key: string, fetch: () => Promise<CachedToken>): Promise<string> {
    const live = this.get(key);
    if (live !== undefined) return live;
    let p = this.#inflight.get(key);
    if (!p) {
      p = fetch().finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    const t = await p;
    this.#tokens.set(key, t);
    return t.token;
  }

  /** Forgets the token for `key` (after the registry rejected it). */
  delete(key: string): void {
    this.#tokens.delete(key);
  }

  /** Number of cached tokens (for tests and debug output). */
  get size(): number {
    return this.#tokens.size;
  }
}
