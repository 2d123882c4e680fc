import assert from "node:assert/strict";
import { DigestMismatchError, ManifestError, NotFoundError, RegistryError } from "../errors.ts";
import { type RunEvent, testContext } from "../context.ts";
import { type Descriptor, digestOf, MediaType } from "../oci/mod.ts";
import {
  blobOf,
  FakeRegistry,
  type RecordedRequest,
  registryError,
  seededBytes,
  startTestServer,
} from "./_test_server.ts";
import { createRegistryStores, type RegistryStoresOptions } from "./registry_stores.ts";
import { MANIFEST_ACCEPT, nextLink } from "./registry_store.ts";

function stream(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(off, off + chunk));
      off += chunk;
    },
  });
}

async function read(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

function manifest(n: number, mediaType: string = MediaType.ociManifest): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: MediaType.ociConfig, digest: digestOf(`config ${n}`), size: 8 },
    layers: [],
  }));
}

/** Stores with a fake clock: sleeps are recorded, never waited. */
async function storesFor(extra: RegistryStoresOptions = {}, events: RunEvent[] = []) {
  const slept: number[] = [];
  const stores = await createRegistryStores(testContext({ report: (e) => events.push(e) }), {
    sleep: (ms) => (slept.push(ms), Promise.resolve()),
    random: () => 0,
    ...extra,
  });
  return { stores, slept };
}

const apiRequests = (reqs: RecordedRequest[]) =>
  reqs.filter((r) => r.path !== "/v2/").map((r) => `${r.method} ${r.path}`);

Deno.test("resolve HEADs with the full Accept list and trusts Docker-Content-Digest", async () => {
  const reg = new FakeRegistry();
  const list = reg.addManifest(
    "ns/app",
    manifest(1, MediaType.dockerManifestList),
    MediaType.dockerManifestList,
    "v1",
  );
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  assert.deepEqual(await store.resolve("ns/app", "v1"), list);
  assert.deepEqual(apiRequests(server.requests), ["HEAD /v2/ns/app/manifests/v1"]);
  const accept = server.requests.at(-1)?.headers.get("accept") ?? "";
  for (
    const t of [
      MediaType.ociIndex,
      MediaType.dockerManifestList,
      MediaType.ociManifest,
      MediaType.dockerManifest,
    ]
  ) {
    assert.ok(accept.includes(t), `Accept lacks ${t}`);
  }
  assert.equal(accept, MANIFEST_ACCEPT);
  assert.equal(server.requests.at(-1)?.headers.get("user-agent"), "oc-mirror");
});

Deno.test("resolve falls back to GET when HEAD lacks Docker-Content-Digest and computes the digest", async () => {
  const reg = new FakeRegistry();
  const bytes = manifest(2, MediaType.dockerManifest);
  const d = reg.addManifest("ns/app", bytes, "application/json", "v2"); // no useful Content-Type either
  await using server = await startTestServer(async (req, url, body) => {
    const res = reg.handle(req, url, body);
    const headers = new Headers(res.headers);
    headers.delete("docker-content-digest");
    return new Response(req.method === "HEAD" ? null : await res.arrayBuffer(), {
      status: res.status,
      headers,
    });
  });
  const { stores } = await storesFor();
  using _ = stores;
  const r = await stores.destination(server.host).resolve("ns/app", "v2");
  assert.deepEqual(r, { mediaType: MediaType.dockerManifest, digest: d.digest, size: bytes.byteLength });
  assert.deepEqual(apiRequests(server.requests), [
    "HEAD /v2/ns/app/manifests/v2",
    "GET /v2/ns/app/manifests/v2",
  ]);
});

Deno.test("getManifest returns the exact bytes and rejects tampered or oversized manifests", async () => {
  const reg = new FakeRegistry();
  const bytes = manifest(3);
  const d = reg.addManifest("ns/app", bytes, MediaType.ociManifest);
  let mode: "ok" | "tampered" | "huge" = "ok";
  await using server = await startTestServer((req, url, body) => {
    if (mode === "tampered") {
      return new Response(manifest(4), { headers: { "content-type": MediaType.ociManifest } });
    }
    if (mode === "huge") return new Response(stream(new Uint8Array(4 * 1024 * 1024 + 10)));
    return reg.handle(req, url, body);
  });
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  assert.deepEqual(await store.getManifest("ns/app", d), bytes);
  assert.equal(server.requests.at(-1)?.headers.get("accept"), MANIFEST_ACCEPT);
  mode = "tampered";
  await assert.rejects(store.getManifest("ns/app", d), DigestMismatchError);
  mode = "huge";
  await assert.rejects(store.getManifest("ns/app", d), ManifestError);
});

Deno.test("putManifest PUTs the bytes once, by tag when tagging, with the media type as Content-Type", async () => {
  const reg = new FakeRegistry();
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  const bytes = manifest(5, MediaType.dockerManifest);
  const d: Descriptor = {
    mediaType: MediaType.dockerManifest,
    digest: digestOf(bytes),
    size: bytes.byteLength,
  };
  await store.putManifest("ns/app", d, bytes, { tag: "latest" });
  const puts = server.requests.filter((r) => r.method === "PUT");
  assert.deepEqual(puts.map((r) => r.path), ["/v2/ns/app/manifests/latest"]);
  assert.deepEqual(puts.map((r) => r.headers.get("content-type")), [MediaType.dockerManifest]);
  assert.equal(await store.hasManifest("ns/app", d), true);
  assert.equal((await store.resolve("ns/app", "latest")).digest, d.digest);
});

Deno.test("listTags follows Link pagination with ?n=", async () => {
  const reg = new FakeRegistry();
  for (const t of ["a", "b", "c", "d", "e"]) {
    reg.addManifest("ns/app", manifest(t.charCodeAt(0)), MediaType.ociManifest, t);
  }
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  const tags: string[] = [];
  for await (
    const t of (store as unknown as { listTags: (r: string) => AsyncIterable<string> }).listTags("ns/app")
  ) {
    tags.push(t);
  }
  assert.deepEqual(tags, ["a", "b", "c", "d", "e"]);
  await assert.rejects(async () => {
    for await (const _t of store.listTags("ns/none")) { /* none */ }
  }, NotFoundError);
  assert.deepEqual(
    nextLink('</v2/x/tags/list?n=2&last=b>; rel="next"', new URL("http://h:1/v2/x/tags/list?n=2"))?.href,
    "http://h:1/v2/x/tags/list?n=2&last=b",
  );
  assert.equal(nextLink('<http://other/a>; rel="prev"', new URL("http://h/")), undefined);
});

Deno.test("listTags pages with a small page size", async () => {
  const reg = new FakeRegistry();
  for (const t of ["a", "b", "c", "d", "e"]) {
    reg.addManifest("ns/app", manifest(t.charCodeAt(0)), MediaType.ociManifest, t);
  }
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const { RegistryStore } = await import("./registry_store.ts");
  const store = new RegistryStore(stores.destination(server.host).client, {
    ctx: testContext(),
    pageSize: 2,
  });
  const tags: string[] = [];
  for await (const t of store.listTags("ns/app")) tags.push(t);
  assert.deepEqual(tags, ["a", "b", "c", "d", "e"]);
  assert.deepEqual(apiRequests(server.requests), [
    "GET /v2/ns/app/tags/list?n=2",
    "GET /v2/ns/app/tags/list?n=2&last=b",
    "GET /v2/ns/app/tags/list?n=2&last=d",
  ]);
});

Deno.test("429 waits as long as Retry-After says and 503 backs off exponentially", async () => {
  const reg = new FakeRegistry();
  reg.addManifest("ns/app", manifest(6), MediaType.ociManifest, "v1");
  const script = [429, 503, 503];
  await using server = await startTestServer((req, url, body) => {
    if (url.pathname !== "/v2/" && script.length > 0) {
      const status = script.shift() as number;
      return new Response("busy", { status, headers: status === 429 ? { "retry-after": "7" } : {} });
    }
    return reg.handle(req, url, body);
  });
  const { stores, slept } = await storesFor();
  using _ = stores;
  await stores.destination(server.host).resolve("ns/app", "v1");
  assert.deepEqual(slept, [7000, 200, 400]);
});

Deno.test("retries stop after retryTimes and the error names the status and registry code", async () => {
  await using server = await startTestServer((_req, url) =>
    url.pathname === "/v2/" ? new Response("{}") : registryError(503, "UNAVAILABLE", "maintenance")
  );
  const { stores, slept } = await storesFor({ retryTimes: 2, retryDelayMs: 1000 });
  using _ = stores;
  await assert.rejects(stores.destination(server.host).resolve("ns/app", "v1"), (e: unknown) => {
    assert.ok(e instanceof RegistryError);
    assert.equal(e.status, 503);
    assert.equal(e.operation, "resolve manifest");
    assert.equal(e.registry, server.host);
    assert.match(
      e.message,
      new RegExp(`^Registry docker://${server.host} failed to resolve manifest "ns/app:v1": HTTP 503`),
    );
    return true;
  });
  assert.deepEqual(slept, [1000, 1000]);
  assert.equal(server.requests.filter((r) => r.path !== "/v2/").length, 3);
});

Deno.test("an unreachable registry fails with status 0 after retrying the connection", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const { stores, slept } = await storesFor({ retryTimes: 3 });
  using _ = stores;
  await assert.rejects(
    stores.destination(`127.0.0.1:${port}`).hasBlob("a/b", blobOf(new Uint8Array(1))),
    (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.status, 0);
      assert.match(
        e.message,
        new RegExp(`^Cannot reach registry docker://127\\.0\\.0\\.1:${port} to access API /v2/: `),
      );
      return true;
    },
  );
  assert.deepEqual(slept, [100, 200, 400]);
});

/**
 * A raw HTTP/1.1 server for the one fault Deno.serve cannot produce cleanly: a response that declares
 * its full Content-Length and then drops the connection. Answers `/v2/` with 200, blob GETs from the
 * `Range` start; the first blob GET is cut off after `cutAt` bytes.
 */
function startCuttingServer(data: Uint8Array, cutAt: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ranges: (string | null)[] = [];
  const handle = async (conn: Deno.Conn) => {
    try {
      const buf = new Uint8Array(16 * 1024);
      const n = await conn.read(buf);
      const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
      const [requestLine] = head.split("\r\n");
      if (!requestLine?.startsWith("GET ")) return; // a TLS probe: just close
      const path = requestLine.split(" ")[1] ?? "";
      const enc = new TextEncoder();
      if (path === "/v2/") {
        await conn.write(enc.encode("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"));
        return;
      }
      const range = /\r\nrange: bytes=(\d+)-/i.exec(head);
      ranges.push(range ? `bytes=${range[1]}-` : null);
      const start = range ? Number(range[1]) : 0;
      const status = range ? "206 Partial Content" : "200 OK";
      const extra = range
        ? `content-range: bytes ${start}-${data.byteLength - 1}/${data.byteLength}\r\n`
        : "";
      await conn.write(
        enc.encode(
          `HTTP/1.1 ${status}\r\ncontent-length: ${
            data.byteLength - start
          }\r\n${extra}connection: close\r\n\r\n`,
        ),
      );
      const body = ranges.length === 1 ? data.subarray(0, cutAt) : data.subarray(start);
      for (let off = 0; off < body.byteLength;) off += await conn.write(body.subarray(off));
    } catch {
      // client went away
    } finally {
      conn.close();
    }
  };
  const conns: Promise<void>[] = [];
  const serving = (async () => {
    for await (const conn of listener) conns.push(handle(conn));
  })();
  return {
    host: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    ranges,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving;
      await Promise.all(conns);
    },
  };
}

Deno.test("getBlob resumes a body cut off midway with a Range request", async () => {
  const data = seededBytes(300_000, 7);
  const d = blobOf(data);
  await using server = startCuttingServer(data, 100_000);
  const events: RunEvent[] = [];
  const { stores, slept } = await storesFor({}, events);
  using _ = stores;
  const got = await read(await stores.destination(server.host).getBlob("ns/app", d));
  assert.equal(digestOf(got), d.digest);
  assert.equal(slept.length, 1);
  assert.equal(server.ranges.length, 2);
  assert.equal(server.ranges[0], null);
  assert.match(server.ranges[1] ?? "", /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(server.ranges[1] ?? "")?.[0]) <= 100_000);
  assert.ok(
    events.some((e) =>
      e.kind === "log" && /resuming blob sha256:\w+ in "ns\/app" at byte \d+/.test(e.message)
    ),
  );
});

Deno.test("getBlob re-reads a truncated body when the server ignores Range, skipping what it had", async () => {
  const reg = new FakeRegistry();
  const data = seededBytes(50_000, 9);
  const d = reg.addBlob("ns/app", data);
  let gets = 0;
  await using server = await startTestServer((req, url, body) => {
    if (!url.pathname.includes("/blobs/") || req.method !== "GET") return reg.handle(req, url, body);
    gets++;
    return new Response(gets === 1 ? data.slice(0, 12_345) : data); // truncated, then complete (Range ignored)
  });
  const { stores } = await storesFor();
  using _ = stores;
  const got = await read(await stores.destination(server.host).getBlob("ns/app", d));
  assert.deepEqual(got, data);
  assert.equal(gets, 2);
});

Deno.test("getBlob gives up after retryTimes truncated bodies with a RegistryError", async () => {
  const data = seededBytes(1000, 3);
  const d = blobOf(data);
  await using server = await startTestServer((_req, url) =>
    url.pathname === "/v2/" ? new Response("{}") : new Response(data.slice(0, 10))
  );
  const { stores } = await storesFor({ retryTimes: 2 });
  using _ = stores;
  await assert.rejects(read(await stores.destination(server.host).getBlob("ns/app", d)), (e: unknown) => {
    assert.ok(e instanceof RegistryError);
    assert.match(e.message, /pull blob sha256:\w+ in "ns\/app": .*\(after 10 of 1000 bytes\)$/);
    return true;
  });
});

Deno.test("blob redirects to another host are followed without our Authorization header", async () => {
  const data = seededBytes(5000, 5);
  const d = blobOf(data);
  await using storage = await startTestServer(() => new Response(data));
  await using server = await startTestServer((req, url) => {
    if (req.headers.get("authorization") !== `Basic ${btoa("u:secret-pw")}`) {
      return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="x"' } });
    }
    if (url.pathname === "/v2/") return new Response("{}");
    return new Response(null, {
      status: 307,
      headers: { location: `${storage.url}/bucket/blob?X-Amz-Signature=abc` },
    });
  });
  const { stores } = await storesFor({
    credentials: {
      searched: [],
      lookup: () =>
        Promise.resolve({
          credential: { username: "u", password: "secret-pw" },
          source: { file: "/a", key: "k" },
        }),
    },
  });
  using _ = stores;
  assert.deepEqual(await read(await stores.destination(server.host).getBlob("ns/app", d)), data);
  assert.equal(storage.requests.length, 1);
  assert.equal(storage.requests[0]?.headers.get("authorization"), null);
  assert.equal(storage.requests[0]?.path, "/bucket/blob?X-Amz-Signature=abc");
});

Deno.test("small blobs are verified in memory and pushed with POST + one PUT ?digest=", async () => {
  const reg = new FakeRegistry();
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  const b = blobOf(seededBytes(1000, 1));
  await store.putBlob("ns/app", b, stream(b.bytes, 100));
  assert.deepEqual(apiRequests(server.requests), [
    "POST /v2/ns/app/blobs/uploads/",
    `PUT /v2/ns/app/blobs/uploads/u1?digest=${encodeURIComponent(b.digest)}`,
  ]);
  assert.equal(await store.hasBlob("ns/app", b), true);
  server.requests.length = 0;
  const wrong = blobOf(seededBytes(1000, 2));
  await assert.rejects(
    store.putBlob(
      "ns/app",
      { ...wrong, digest: b.digest.replace(/.$/, "0") as typeof b.digest },
      stream(wrong.bytes),
    ),
    DigestMismatchError,
  );
  assert.deepEqual(apiRequests(server.requests), [], "nothing is sent for wrong bytes");
});

Deno.test("large blobs stream in Content-Range PATCH chunks and commit with an empty PUT", async () => {
  const reg = new FakeRegistry();
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor({ monolithicMaxBytes: 1000, uploadChunkBytes: 40_000 });
  using _ = stores;
  const store = stores.destination(server.host);
  const b = blobOf(seededBytes(100_000, 4));
  await store.putBlob("ns/app", b, stream(b.bytes, 7_000));
  const patches = server.requests.filter((r) => r.method === "PATCH");
  assert.deepEqual(patches.map((r) => r.headers.get("content-range")), [
    "0-39999",
    "40000-79999",
    "80000-99999",
  ]);
  assert.deepEqual(patches.map((r) => r.bodyBytes), [40_000, 40_000, 20_000]);
  const put = server.requests.find((r) => r.method === "PUT");
  assert.equal(put?.bodyBytes, 0);
  assert.equal(put?.path, `/v2/ns/app/blobs/uploads/u1?digest=${encodeURIComponent(b.digest)}`);
  assert.deepEqual(reg.blobs.get(`ns/app@${b.digest}`), b.bytes);
});

Deno.test("a streamed upload whose bytes do not match is cancelled and never committed", async () => {
  const reg = new FakeRegistry();
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor({ monolithicMaxBytes: 0 });
  using _ = stores;
  const store = stores.destination(server.host);
  const b = blobOf(seededBytes(20_000, 4));
  const other = seededBytes(20_000, 5);
  await assert.rejects(store.putBlob("ns/app", b, stream(other)), DigestMismatchError);
  await assert.rejects(store.putBlob("ns/app", b, stream(b.bytes.slice(0, 19_999))), /19999 of 20000 bytes/);
  await assert.rejects(store.putBlob("ns/app", b, stream(seededBytes(20_001, 4))), /more than 20000 bytes/);
  assert.equal(server.requests.filter((r) => r.method === "PUT").length, 0);
  assert.equal(server.requests.filter((r) => r.method === "DELETE").length, 3);
  assert.equal(reg.uploads.size, 0);
  assert.equal(await store.hasBlob("ns/app", b), false);
});

Deno.test("upload locations may be absolute URLs", async () => {
  const reg = new FakeRegistry();
  let host = "";
  await using server = await startTestServer(async (req, url, body) => {
    const res = reg.handle(req, url, body);
    const loc = res.headers.get("location");
    if (loc === null) return res;
    const headers = new Headers(res.headers);
    headers.set("location", `http://${host}${loc}?_state=opaque`);
    return new Response(await res.arrayBuffer(), { status: res.status, headers });
  });
  host = server.host;
  const { stores } = await storesFor({ monolithicMaxBytes: 0 });
  using _ = stores;
  const b = blobOf(seededBytes(5000, 8));
  await stores.destination(server.host).putBlob("ns/app", b, stream(b.bytes));
  const put = server.requests.find((r) => r.method === "PUT");
  assert.equal(put?.path, `/v2/ns/app/blobs/uploads/u1?_state=opaque&digest=${encodeURIComponent(b.digest)}`);
});

Deno.test("mountBlob is true on 201 and cancels the upload it got instead on 202", async () => {
  const reg = new FakeRegistry();
  const b = reg.addBlob("src/a", seededBytes(100, 1));
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  assert.equal(await store.mountBlob("dst/b", "src/a", b), true);
  assert.deepEqual(
    apiRequests(server.requests).at(-1),
    `POST /v2/dst/b/blobs/uploads/?mount=${encodeURIComponent(b.digest)}&from=src%2Fa`,
  );
  const missing = blobOf(seededBytes(100, 2));
  assert.equal(await store.mountBlob("dst/b", "src/a", missing), false);
  assert.equal(apiRequests(server.requests).at(-1), "DELETE /v2/dst/b/blobs/uploads/u1");
  assert.equal(reg.uploads.size, 0);
});

Deno.test("deleteManifest deletes by digest and a missing manifest is NotFoundError", async () => {
  const reg = new FakeRegistry();
  const d = reg.addManifest("ns/app", manifest(9), MediaType.ociManifest, "v1");
  await using server = await startTestServer((req, url, body) => reg.handle(req, url, body));
  const { stores } = await storesFor();
  using _ = stores;
  const store = stores.destination(server.host);
  await store.deleteManifest("ns/app", d);
  await assert.rejects(store.deleteManifest("ns/app", d), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.store, `docker://${server.host}`);
    assert.match(
      e.message,
      /^Manifest "ns\/app@sha256:\w+" not found in docker:\/\/127\.0\.0\.1:\d+: HTTP 404 \(MANIFEST_UNKNOWN/,
    );
    return true;
  });
});

Deno.test("requests to one host never exceed maxRequestsPerRegistry", async () => {
  const reg = new FakeRegistry();
  const blobs = Array.from({ length: 12 }, (_, i) => reg.addBlob("ns/app", seededBytes(10, i + 1)));
  let inFlight = 0;
  let peak = 0;
  await using server = await startTestServer(async (req, url, body) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return reg.handle(req, url, body);
  });
  const { stores } = await storesFor({ maxRequestsPerRegistry: 3 });
  using _ = stores;
  const store = stores.destination(server.host);
  const source = stores.source(server.host);
  const results = await Promise.all(
    blobs.map((b, i) => (i % 2 ? store : source as typeof store).hasBlob("ns/app", b)),
  );
  assert.deepEqual(results, blobs.map(() => true));
  assert.ok(peak <= 3, `peak ${peak}`);
  assert.ok(peak >= 2, `peak ${peak}`);
});
