/**
 * Opens the registry stores of a run from its {@link RegistryAccess}: credentials found as the engine's
 * generation finds them, registries.conf for sources, TLS per side, retries and per-registry limits.
 * @module
 */
import type { RunContext } from "../context.ts";
import {
  createRegistryStores,
  loadCredentials,
  loadRegistriesConf,
  type RegistryStores,
  SecretRedactor,
} from "../registry/mod.ts";
import { VERSION } from "./version.ts";
import type { RegistryAccess } from "./mirror_request.ts";

/** Opens the run's registry stores; close them (or `await using`) at the end. */
export async function openRegistryStores(
  ctx: RunContext,
  access: RegistryAccess,
  engine: "v1" | "v2",
): Promise<RegistryStores> {
  const redactor = new SecretRedactor();
  const credentials = await loadCredentials(ctx, {
    engine,
    redactor,
    signal: ctx.signal,
    ...(access.authFile ? { authFile: access.authFile } : {}),
  });
  const registriesConf = await loadRegistriesConf(ctx, {
    signal: ctx.signal,
    ...(access.registriesConfig ? { path: access.registriesConfig } : {}),
  });
  return await createRegistryStores(ctx, {
    credentials,
    redactor,
    registriesConf,
    srcTlsVerify: access.srcTlsVerify,
    destTlsVerify: access.destTlsVerify,
    retryTimes: access.retryTimes,
    retryDelayMs: access.retryDelayMs,
    maxRequestsPerRegistry: access.maxPerRegistry,
    userAgent: `oc-mirror/${VERSION}`,
    ...(access.caFile ? { caFile: access.caFile } : {}),
  });
}
