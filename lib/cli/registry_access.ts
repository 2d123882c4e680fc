/**
 * Turning the registry flags (`--authfile`, `--src-tls-verify`, `--dest-tls-verify`, `--ca-file`,
 * `--registries-config`, `--retry-*`, the deprecated `--tls-verify` and the v1 `--*-skip-tls` /
 * `--*-use-http` switches) into a {@link RegistryAccess}: the same rules for every command.
 * @module
 */
import type { RunContext } from "../context.ts";
import type { RegistryAccess } from "../workflow/mod.ts";
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
