import assert from "node:assert/strict";
import { RegistryError } from "../errors.ts";
import { testContext } from "../context.ts";
import { startDockerRegistry } from "../../tests/_support/docker_registry.ts";
import { FakeRegistry, startTestServer } from "./_test_server.ts";
import { HttpTransport } from "./http_transport.ts";
import { createRegistryStores } from "./registry_stores.ts";

Deno.test("same-origin redirects keep Authorization, cross-origin ones drop it", async () => {
  await using other = await startTestServer(() => new Response("elsewhere"));
  await using server = await startTestServer((_req, url) =>
    url.pathname === "/start"
      ? new Response(null, { status: 302, headers: { location: "/same" } })
      : url.pathname === "/same"
      ? new Response(null, { status: 307, headers: { location: `${other.url}/final` } })
      : new Response("?")
  );
  using t = new HttpTransport({ env: () => undefined });
  const res = await t.send({
    method: "GET",
    url: new URL(`${server.url}/start`),
    headers: new Headers({ authorization: "Bearer abc" }),
  }, { followRedirects: true });
  assert.equal(await new Response(res.body).text(), "elsewhere");
  assert.equal(res.url.href, `${other.url}/final`);
  assert.equal(server.requests[1]?.headers.get("authorization"), "Bearer abc");
  assert.equal(other.requests[0]?.headers.get("authorization"), null);
  // Without followRedirects (or for other methods) the 3xx comes back as is.
  const raw = await t.send({ method: "GET", url: new URL(`${server.url}/start`) });
  assert.equal(raw.status, 302);
  await raw.body?.cancel();
});

Deno.test("loopback registries are reached directly even when a proxy is set", async () => {
  const reg = new FakeRegistry();
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const ctx = testContext({
    envVars: { HTTP_PROXY: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9" },
  });
  using stores = await createRegistryStores(ctx, { retryTimes: 0 });
  assert.equal(
    await stores.destination(server.host).hasBlob("ns/app", {
      mediaType: "x",
      digest: `sha256:${"0".repeat(64)}`,
      size: 1,
    }),
    false,
  );
});

Deno.test("an untrusted certificate fails at once with a TLS error when verification is on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-tls-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/storage`, { tls: true });
    const slept: number[] = [];
    using stores = await createRegistryStores(testContext(), {
      sleep: (ms) => (slept.push(ms), Promise.resolve()),
    });
    await assert.rejects(stores.destination(reg.host).resolve("ns/app", "v1"), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.status, 0);
      assert.match(
        e.message,
        /^Cannot reach registry docker:\/\/127\.0\.0\.1:\d+ to access API \/v2\/: .*certificate/i,
      );
      return true;
    });
    assert.deepEqual(slept, [], "certificate errors are not retried");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("insecure https goes through a CONNECT tunnel when a proxy applies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-tunnel-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/storage`, { tls: true });
    const targets: string[] = [];
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const conns: Promise<unknown>[] = [];
    const serving = (async () => {
      for await (const conn of listener) {
        conns.push(
          (async () => {
            const buf = new Uint8Array(4096);
            const n = await conn.read(buf);
            const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
            const target = head.split(" ")[1] ?? "";
            targets.push(target);
            const [host, port] = reg.host.split(":");
            const upstream = await Deno.connect({ hostname: host as string, port: Number(port) });
            await conn.write(new TextEncoder().encode("HTTP/1.1 200 Connection established\r\n\r\n"));
            await Promise.allSettled([
              conn.readable.pipeTo(upstream.writable),
              upstream.readable.pipeTo(conn.writable),
            ]);
          })().catch(() => {}),
        );
      }
    })();
    const proxyUrl = `http://${(listener.addr as Deno.NetAddr).hostname}:${
      (listener.addr as Deno.NetAddr).port
    }`;
    const ctx = testContext({ envVars: { HTTPS_PROXY: proxyUrl } });
    {
      using stores = await createRegistryStores(ctx, { destTlsVerify: false, retryTimes: 0 });
      const store = stores.destination("registry.example:5000");
      assert.equal(
        await store.hasBlob("ns/app", { mediaType: "x", digest: `sha256:${"1".repeat(64)}`, size: 1 }),
        false,
      );
    }
    assert.ok(targets.length > 0 && targets.every((t) => t === "registry.example:5000"), targets.join(", "));
    listener.close();
    await serving;
    await Promise.all(conns);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
