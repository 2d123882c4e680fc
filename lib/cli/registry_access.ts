/**
 * Turning the registry flags (`--authfile`, `--src-tls-verify`, `--dest-tls-verify`, `--ca-file`,
 * `--registries-config`, `--retry-*`, the deprecated `--tls-verify` and the v1 `--*-skip-tls` /
 * `--*-use-http` switches) into a {@link RegistryAccess}, and opening the registry stores of a run from
 * it: credentials (v2 lookup rules), registries.conf (applies to sources only) and the store factory.
 * The same rules as the root mirror command, so every command reads the flags alike.
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
import { type RegistryAccess, VERSION } from "../workflow/mod.ts";
import type { Flags } from "./flags.ts";

/** Reads the registry flags of a command into a {@link RegistryAccess}. */
export function registryAccessFromFlags(flags: Flags, ctx: Pick<RunContext, "env">): RegistryAccess {
  const tlsVerify = flags.has("tls-verify") ? flags.bool("tls-verify") : undefined;
  const srcTlsVerify = !flags.bool("source-skip-tls") && !flags.bool("source-use-http") &&
    (flags.has("src-tls-verify") ? flags.bool("src-tls-verify") : tlsVerify ?? true);
  const destTlsVerify = !flags.bool("dest-skip-tls") && !flags.bool("dest-use-http") &&
    (flags.has("dest-tls-verify") ? flags.bool("dest-tls-verify") : tlsVerify ?? true);
  const env = ctx.env("REGISTRY_AUTH_FILE");
  const authFile = flags.string("authfile") ?? (env === "" ? undefined : env);
  const caFile = flags.string("ca-file");
  const registriesConfig = flags.string("registries-config") ?? flags.string("oci-registries-config");
  return {
    srcTlsVerify,
    destTlsVerify,
    retryTimes: flags.int("retry-times") ?? 5,
    retryDelayMs: flags.int("retry-delay") ?? 0,
    maxPerRegistry: flags.int("max-per-registry") ?? 6,
    ...(authFile ? { authFile } : {}),
    ...(caFile ? { caFile } : {}),
    ...(registriesConfig ? { registriesConfig } : {}),
  };
}

/**
 * Opens the registry stores of a run: loads credentials (v2 rules; `authFile` only that file) and the
 * registries.conf that applies (`registriesConfig`, else `CONTAINERS_REGISTRIES_CONF`, else the
 * containers locations), then creates the store factory. Dispose of the result when the run ends.
 */
export async function openRegistryStores(ctx: RunContext, access: RegistryAccess): Promise<RegistryStores> {
  const redactor = new SecretRedactor();
  const signal = ctx.signal;
  const credentials = await loadCredentials(ctx, {
    engine: "v2",
    redactor,
    signal,
    ...(access.authFile !== undefined ? { authFile: access.authFile } : {}),
  });
  const registriesConf = await loadRegistriesConf(ctx, {
    signal,
    ...(access.registriesConfig !== undefined ? { path: access.registriesConfig } : {}),
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
    ...(access.caFile !== undefined ? { caFile: access.caFile } : {}),
  });
}
