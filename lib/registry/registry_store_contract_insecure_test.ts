import { testContext } from "../context.ts";
import { storeContract } from "../store/mod.ts";
import { startDockerRegistry } from "../../tests/_support/docker_registry.ts";
import { loadCredentials } from "./credentials.ts";
import { SecretRedactor } from "./redact.ts";
import { createRegistryStores } from "./registry_stores.ts";

// docker-registry over TLS with a certificate we do not trust and `destTlsVerify: false` (the
// `node:https` path), htpasswd auth; blobs go through one streamed PATCH.
storeContract("RegistryStore (docker-registry, TLS + htpasswd, tlsVerify=false, streamed)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-contract-insecure-" });
  const reg = await startDockerRegistry(`${dir}/storage`, {
    tls: true,
    htpasswd: { username: "contract", password: "contract-Secret-2" },
  });
  const ctx = testContext();
  const redactor = new SecretRedactor();
  const credentials = await loadCredentials(ctx, {
    engine: "v2",
    authFile: await reg.writeAuthFile(`${dir}/auth.json`),
    redactor,
  });
  const stores = await createRegistryStores(ctx, {
    credentials,
    redactor,
    destTlsVerify: false,
    retryTimes: 1,
    monolithicMaxBytes: 0,
  });
  return {
    store: stores.destination(reg.host),
    [Symbol.asyncDispose]: async () => {
      stores.close();
      await reg[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
});
