/**
 * The registry client: OCI distribution registries as content stores. Owns HTTP to registries,
 * credentials (auth files and `docker-credential-*` helpers), token/Basic/anonymous auth, TLS, proxies,
 * retries with backoff, per-host request limits and registries.conf mirrors for sources.
 *
 * Entry points:
 * - `loadCredentials(ctx, { authFile, engine })`: the credential lookup (reference §8 file order).
 * - `loadRegistriesConf(ctx, { path })`: mirrors/rewrites/blocks for sources.
 * - `createRegistryStores(ctx, options)`: `source(host)` / `destination(host)` stores for a run,
 *   sharing tokens, retry policy, redactor and per-host limiters; dispose of it at the end.
 *
 * Behaviour worth knowing:
 * - https first; plain http only with TLS verification off (`--*-tls-verify=false`, registries.conf
 *   `insecure`) or for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), as Docker does.
 * - `tlsVerify: false` uses `node:https` with verification off; an extra CA file uses
 *   `Deno.createHttpClient({ caCerts })`. Proxies come from the run context's `HTTPS_PROXY`,
 *   `HTTP_PROXY`, `NO_PROXY` (loopback never proxied).
 * - Uploads commit only verified bytes; downloads resume after resets; the caller still verifies
 *   blob digests. Secrets and URL query strings never reach messages.
 *
 * Does not own: the copy walk (lib/transfer), the embedded registry (lib/serve), disk layouts and
 * archives (lib/layout, lib/archive).
 * @module
 */
export * from "./auth_file.ts";
export * from "./credentials.ts";
export * from "./http_transport.ts";
export * from "./mirrored_source_store.ts";
export * from "./proxy_config.ts";
export * from "./redact.ts";
export * from "./registries_conf.ts";
export * from "./registry_client.ts";
export * from "./registry_store.ts";
export * from "./registry_stores.ts";
export * from "./request_limiter.ts";
export * from "./retry_policy.ts";
