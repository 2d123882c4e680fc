import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import { Flags, parseFlags } from "./flags.ts";
import { registryAccessFromFlags } from "./registry_access.ts";

function access(argv: string[], env: Record<string, string> = {}) {
  const flags = new Flags(parseFlags(argv, [...GLOBAL_FLAGS, ...REGISTRY_FLAGS], "copy"));
  return registryAccessFromFlags(flags, testContext({ envVars: env }));
}

Deno.test("registryAccessFromFlags() has the original's defaults and reads REGISTRY_AUTH_FILE", () => {
  assert.deepEqual(access([]), {
    srcTlsVerify: true,
    destTlsVerify: true,
    retryTimes: 5,
    retryDelayMs: 0,
    maxPerRegistry: 6,
  });
  assert.equal(access([], { REGISTRY_AUTH_FILE: "/run/auth.json" }).authFile, "/run/auth.json");
  assert.equal(access(["--authfile", "a.json"], { REGISTRY_AUTH_FILE: "/run/auth.json" }).authFile, "a.json");
});

Deno.test("registryAccessFromFlags(): --tls-verify sets both sides unless a side says otherwise", () => {
  const both = access(["--tls-verify=false"]);
  assert.equal(both.srcTlsVerify, false);
  assert.equal(both.destTlsVerify, false);
  const mixed = access(["--tls-verify=false", "--src-tls-verify=true", "--registries-config", "r.conf"]);
  assert.equal(mixed.srcTlsVerify, true);
  assert.equal(mixed.destTlsVerify, false);
  assert.equal(mixed.registriesConfig, "r.conf");
  const r = access(["--retry-times", "0", "--retry-delay", "2s", "--ca-file", "ca.pem"]);
  assert.equal(r.retryTimes, 0);
  assert.equal(r.retryDelayMs, 2000);
  assert.equal(r.caFile, "ca.pem");
});
