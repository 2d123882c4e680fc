import assert from "node:assert/strict";
import { RegistryError } from "../errors.ts";
import { type RunEvent, testContext } from "../context.ts";
import { digestOf, MediaType } from "../oci/mod.ts";
import { FakeRegistry, json, registryError, startTestServer, type TestServer } from "./_test_server.ts";
import type { Credential } from "./auth_file.ts";
import type { CredentialLookup } from "./credentials.ts";
import { createRegistryStores } from "./registry_stores.ts";

const PASSWORD = "pa55-Word-never-shown";

function staticCredentials(credential: Credential | undefined): CredentialLookup {
  return {
    searched: ["/home/u/.config/containers/auth.json"],
    lookup: (registry) =>
      Promise.resolve(
        credential
          ? { credential, source: { file: "/home/u/.config/containers/auth.json", key: registry } }
          : undefined,
      ),
  };
}

interface TokenServer {
  server: TestServer;
  registry: FakeRegistry;
  tokenRequests: { method: string; scopes: string[]; authorization: string | null; form?: URLSearchParams }[];
  valid: Set<string>;
}

/** A registry that wants Bearer tokens from its own /token endpoint (docker token spec). */
async function startTokenRegistry(
  options: { expiresIn?: number; needsAuth?: boolean } = {},
): Promise<TokenServer> {
  const registry = new FakeRegistry();
  const tokenRequests: TokenServer["tokenRequests"] = [];
  const valid = new Set<string>();
  let n = 0;
  let host = "";
  const challenge = (scope?: string) =>
    `Bearer realm="http://${host}/token",service="test-registry"${scope ? `,scope="${scope}"` : ""}`;
  const server = await startTestServer((req, url, body) => {
    if (url.pathname === "/token") {
      const form = req.method === "POST" ? new URLSearchParams(new TextDecoder().decode(body)) : undefined;
      const scopes = form ? (form.get("scope") ?? "").split(" ") : url.searchParams.getAll("scope");
      tokenRequests.push({
        method: req.method,
        scopes,
        authorization: req.headers.get("authorization"),
        ...(form ? { form } : {}),
      });
      const basicOk = req.headers.get("authorization") === `Basic ${btoa(`alice:${PASSWORD}`)}`;
      const refreshOk = form?.get("refresh_token") === "refresh-tok";
      if (options.needsAuth && !basicOk && !refreshOk) {
        return registryError(401, "UNAUTHORIZED", "bad credentials");
      }
      const token = `tok-${++n}`;
      valid.add(token);
      return form
        ? json({ access_token: token, expires_in: options.expiresIn ?? 300 })
        : json({ token, expires_in: options.expiresIn ?? 300, issued_at: "2026-01-02T03:04:05Z" });
    }
    const auth = req.headers.get("authorization") ?? "";
    if (!valid.has(auth.replace(/^Bearer /, ""))) {
      const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\//.exec(url.pathname);
      return new Response(
        JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }),
        {
          status: 401,
          headers: { "www-authenticate": challenge(m ? `repository:${m[1]}:pull` : undefined) },
        },
      );
    }
    return registry.handle(req, url, body);
  });
  host = server.host;
  return { server, registry, tokenRequests, valid };
}

function manifestBytes(n: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: digestOf(`c${n}`), size: 2 },
    layers: [],
  }));
}

Deno.test("bearer tokens are fetched once per scope with Basic credentials and reused", async () => {
  const t = await startTokenRegistry({ needsAuth: true });
  await using _ = t.server;
  t.registry.addManifest("ns/a", manifestBytes(1), MediaType.ociManifest, "v1");
  t.registry.addManifest("ns/b", manifestBytes(2), MediaType.ociManifest, "v1");
  using stores = await createRegistryStores(testContext(), {
    credentials: staticCredentials({ username: "alice", password: PASSWORD }),
  });
  const store = stores.destination(t.server.host);
  await store.resolve("ns/a", "v1");
  await store.resolve("ns/a", "v1");
  await store.getManifest("ns/a", await store.resolve("ns/a", "v1"));
  assert.equal(t.tokenRequests.length, 1);
  await store.resolve("ns/b", "v1");
  assert.equal(t.tokenRequests.length, 2);
  assert.deepEqual(t.tokenRequests.map((r) => r.scopes), [["repository:ns/a:pull"], [
    "repository:ns/b:pull",
  ]]);
  assert.equal(t.tokenRequests[0]?.authorization, `Basic ${btoa(`alice:${PASSWORD}`)}`);
  assert.equal(t.tokenRequests[0]?.method, "GET");
});

Deno.test("an expired token is fetched again and a revoked one is refreshed after a 401", async () => {
  const t = await startTokenRegistry({ expiresIn: 60 });
  await using _ = t.server;
  t.registry.addManifest("ns/a", manifestBytes(1), MediaType.ociManifest, "v1");
  let now = new Date("2026-01-02T03:04:05Z");
  using stores = await createRegistryStores(testContext({ now: () => now }), {});
  const store = stores.destination(t.server.host);
  await store.resolve("ns/a", "v1");
  now = new Date(now.getTime() + 30_000);
  await store.resolve("ns/a", "v1");
  assert.equal(t.tokenRequests.length, 1, "still valid after 30 s");
  now = new Date(now.getTime() + 60_000);
  await store.resolve("ns/a", "v1");
  assert.equal(t.tokenRequests.length, 2, "expired after 90 s");
  t.valid.clear(); // the registry revokes every token
  await store.resolve("ns/a", "v1");
  assert.equal(t.tokenRequests.length, 3);
  assert.equal(t.tokenRequests[2]?.authorization, null, "anonymous token requests carry no credentials");
});

Deno.test("identity tokens use the OAuth2 refresh-token POST", async () => {
  const t = await startTokenRegistry({ needsAuth: true });
  await using _ = t.server;
  t.registry.addManifest("ns/a", manifestBytes(1), MediaType.ociManifest, "v1");
  using stores = await createRegistryStores(testContext(), {
    credentials: staticCredentials({ identityToken: "refresh-tok" }),
  });
  await stores.destination(t.server.host).resolve("ns/a", "v1");
  const r = t.tokenRequests[0];
  assert.equal(r?.method, "POST");
  assert.equal(r?.form?.get("grant_type"), "refresh_token");
  assert.equal(r?.form?.get("service"), "test-registry");
  assert.equal(r?.form?.get("scope"), "repository:ns/a:pull");
  assert.equal(r?.authorization, null);
});

Deno.test("cross-repository mounts ask for one token covering both repositories", async () => {
  const t = await startTokenRegistry();
  await using _ = t.server;
  const blob = t.registry.addBlob("src/repo", new TextEncoder().encode("shared layer"));
  using stores = await createRegistryStores(testContext(), {});
  const store = stores.destination(t.server.host);
  assert.equal(await store.mountBlob("dst/repo", "src/repo", blob), true);
  assert.deepEqual(t.tokenRequests.at(-1)?.scopes, [
    "repository:dst/repo:pull,push",
    "repository:src/repo:pull",
  ]);
  assert.equal(await store.hasBlob("dst/repo", blob), true);
});

Deno.test("Basic challenges get the credentials of the auth file", async () => {
  const registry = new FakeRegistry();
  registry.addManifest("ns/a", manifestBytes(1), MediaType.ociManifest, "v1");
  await using server = await startTestServer((req, url, body) =>
    req.headers.get("authorization") === `Basic ${btoa(`alice:${PASSWORD}`)}`
      ? registry.handle(req, url, body)
      : new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } })
  );
  using stores = await createRegistryStores(testContext(), {
    credentials: staticCredentials({ username: "alice", password: PASSWORD }),
  });
  const d = await stores.destination(server.host).resolve("ns/a", "v1");
  assert.equal(d.digest, digestOf(manifestBytes(1)));
});

Deno.test("401 errors name the credentials used and never the secret, in errors or events", async () => {
  const t = await startTokenRegistry({ needsAuth: true });
  await using _ = t.server;
  const events: RunEvent[] = [];
  using stores = await createRegistryStores(testContext({ report: (e) => events.push(e) }), {
    credentials: staticCredentials({ username: "alice", password: "wrong-" + PASSWORD }),
  });
  const error = await stores.destination(t.server.host).resolve("ns/a", "v1").then(() => undefined, (e) => e);
  assert.ok(error instanceof RegistryError);
  assert.equal(error.code, "UNAUTHORIZED");
  assert.equal(error.status, 401);
  assert.equal(error.registryCode, "UNAUTHORIZED");
  assert.match(
    error.message,
    new RegExp(`^Registry docker://${t.server.host} denied access to get token for "repository:ns/a:pull"`),
  );
  assert.match(
    error.message,
    /credentials from \/home\/u\/\.config\/containers\/auth\.json \(key "127\.0\.0\.1:\d+"\)/,
  );
  assert.match(error.hint ?? "", /podman login/);
  const everything = JSON.stringify([error.message, String(error.cause), events]);
  assert.doesNotMatch(everything, new RegExp(PASSWORD));
  assert.doesNotMatch(everything, new RegExp(btoa(`alice:wrong-${PASSWORD}`)));
});

Deno.test("without credentials a 401 says none were found and where we looked", async () => {
  await using server = await startTestServer(() =>
    new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "no" }] }), {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="r"' },
    })
  );
  using stores = await createRegistryStores(testContext(), { credentials: staticCredentials(undefined) });
  await assert.rejects(stores.destination(server.host).resolve("ns/a", "v1"), (e: unknown) => {
    assert.ok(e instanceof RegistryError);
    assert.match(
      e.message,
      /denied access to resolve manifest "ns\/a:v1": HTTP 401 Unauthorized; no credentials found \(looked in \/home\/u\/\.config\/containers\/auth\.json\)$/,
    );
    return true;
  });
});

Deno.test("registry messages that echo a token or password are masked", async () => {
  const t = await startTokenRegistry();
  await using _ = t.server;
  t.registry.addManifest("ns/a", manifestBytes(1), MediaType.ociManifest, "v1");
  using stores = await createRegistryStores(testContext(), {});
  const store = stores.destination(t.server.host);
  await store.resolve("ns/a", "v1"); // fetches tok-1
  t.registry.handle = () => registryError(403, "DENIED", "token tok-1 may not push to ns/a");
  await assert.rejects(
    store.putManifest(
      "ns/a",
      await store.resolve("ns/a", "v1").catch(() => ({
        mediaType: MediaType.ociManifest,
        digest: digestOf(manifestBytes(1)),
        size: manifestBytes(1).byteLength,
      })),
      manifestBytes(1),
    ),
    (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.status, 403);
      assert.match(e.message, /\(DENIED: token \*\*\* may not push to ns\/a\)/);
      assert.doesNotMatch(e.message, /tok-1/);
      return true;
    },
  );
});

Deno.test("a scope a 401 asks for is used for that request only, not for other repositories", async () => {
  const registry = new FakeRegistry();
  registry.addManifest("ns/a", manifestBytes(1), MediaType.ociManifest, "v1");
  registry.addManifest("ns/b", manifestBytes(2), MediaType.ociManifest, "v1");
  const tokenScopes: string[][] = [];
  let host = "";
  await using server = await startTestServer((req, url, body) => {
    if (url.pathname === "/token") {
      tokenScopes.push(url.searchParams.getAll("scope"));
      return json({ token: `t-${url.searchParams.getAll("scope").join("+")}` });
    }
    if (url.pathname === "/v2/") return json({}); // anonymous ping
    const repo = /^\/v2\/(.+)\/manifests\//.exec(url.pathname)?.[1] ?? "";
    const auth = req.headers.get("authorization") ?? "";
    if (!auth.includes(`repository:${repo}:pull`)) {
      return new Response(null, {
        status: 401,
        headers: {
          "www-authenticate":
            `Bearer realm="http://${host}/token",service="s",scope="repository:${repo}:pull repository:${repo}:metadata"`,
        },
      });
    }
    return registry.handle(req, url, body);
  });
  host = server.host;
  using stores = await createRegistryStores(testContext(), {});
  const store = stores.destination(server.host);
  await store.resolve("ns/a", "v1");
  await store.resolve("ns/b", "v1");
  assert.deepEqual(tokenScopes, [
    ["repository:ns/a:pull", "repository:ns/a:metadata"],
    ["repository:ns/b:pull"],
  ]);
});

Deno.test("isConnectionError does not retry host names that do not resolve, but retries temporary resolver failures", async () => {
  const { isConnectionError, isUnknownHostError } = await import("./registry_client.ts");
  const unknown = new TypeError(
    "error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known",
  );
  assert.equal(isUnknownHostError(unknown), true);
  assert.equal(isConnectionError(unknown), false);
  const temporary = new TypeError(
    "dns error: failed to lookup address information: Temporary failure in name resolution",
  );
  assert.equal(isUnknownHostError(temporary), false);
  assert.equal(isConnectionError(temporary), true);
  assert.equal(isConnectionError(new TypeError("connection reset by peer")), true);
});
