import assert from "node:assert/strict";
import { type FaultRule, startFaultProxy } from "./fault_proxy.ts";

/** A target that answers `/bytes/N` with N bytes (i & 0xff), `/echo` with the request body size. */
function startTarget(onRequest?: (req: Request) => Response | Promise<Response> | undefined) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const own = await onRequest?.(req);
    if (own) return own;
    const url = new URL(req.url);
    const m = /^\/bytes\/(\d+)$/.exec(url.pathname);
    if (m) {
      const body = new Uint8Array(Number(m[1])).map((_, i) => i & 0xff);
      return new Response(body, { headers: { "content-length": String(body.byteLength) } });
    }
    if (url.pathname === "/echo") {
      try {
        return new Response(String((await req.arrayBuffer()).byteLength));
      } catch {
        return new Response("broken upload", { status: 400 }); // the client went away
      }
    }
    if (url.pathname === "/upload") {
      return new Response(null, { status: 202, headers: { location: `${url.origin}/upload/1` } });
    }
    return new Response("ok");
  });
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}` });
}

/** Rejects with `message` if `p` takes longer than 5 s. */
async function within<T>(p: Promise<T>, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(message)), 5000)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchResult(url: string, init: RequestInit = {}) {
  try {
    const res = await fetch(url, init);
    let bytes = new Uint8Array(0);
    let error: string | undefined;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      error = (e as Error).message;
    }
    return { status: res.status, headers: res.headers, bytes, error };
  } catch (e) {
    return { status: 0, headers: new Headers(), bytes: new Uint8Array(0), error: (e as Error).message };
  }
}

Deno.test("fault proxy passes requests through and records them", async () => {
  await using target = startTarget();
  await using proxy = await startFaultProxy(target.url);
  const r = await fetchResult(`${proxy.url}/bytes/100000`);
  assert.equal(r.status, 200);
  assert.equal(r.bytes.byteLength, 100000);
  assert.equal(r.bytes[99999], 99999 & 0xff);
  const echo = await fetchResult(`${proxy.url}/echo`, { method: "POST", body: new Uint8Array(5000) });
  assert.equal(new TextDecoder().decode(echo.bytes), "5000");
  await proxy.idle();
  assert.deepEqual(
    proxy.requests.map((q) => [q.method, q.path, q.status, q.requestBytes, q.responseBytes, q.fault]),
    [["GET", "/bytes/100000", 200, 0, 100000, undefined], ["POST", "/echo", 200, 5000, 4, undefined]],
  );
});

Deno.test("fault proxy breaks bodies as told: reset, truncate, corrupt, resetRequest", async () => {
  await using target = startTarget();
  await using proxy = await startFaultProxy(target.url, {
    faults: [
      { path: /^\/bytes\/1$/, fault: { kind: "respond", status: 503 } },
      { path: /^\/bytes\/300000$/, nth: 1, fault: { kind: "reset", afterBytes: 1000 } },
      { path: /^\/bytes\/300000$/, nth: 2, fault: { kind: "truncate", afterBytes: 2000 } },
      { path: /^\/bytes\/300000$/, nth: 3, fault: { kind: "corrupt", offset: 70000 } },
      { method: "POST", path: /^\/echo$/, fault: { kind: "resetRequest", afterBytes: 100000 } },
    ],
  });
  assert.equal((await fetchResult(`${proxy.url}/bytes/1`)).status, 503);
  const reset = await fetchResult(`${proxy.url}/bytes/300000`);
  assert.equal(reset.status, 200);
  assert.ok(reset.error, "a reset body read without error");
  const truncated = await fetchResult(`${proxy.url}/bytes/300000`);
  assert.equal(truncated.error, undefined);
  assert.equal(truncated.bytes.byteLength, 2000);
  const corrupt = await fetchResult(`${proxy.url}/bytes/300000`);
  assert.equal(corrupt.bytes.byteLength, 300000);
  assert.equal(corrupt.bytes[70000], (70000 & 0xff) ^ 0xff);
  assert.equal(corrupt.bytes[70001], 70001 & 0xff);
  // A stream body: fetch would silently repeat a request with a bytes body on a new connection.
  const upload = await fetchResult(`${proxy.url}/echo`, {
    method: "POST",
    body: new Blob([new Uint8Array(1 << 20)]).stream(),
  });
  assert.equal(upload.status, 0, "the upload got an answer");
  await proxy.idle();
  assert.deepEqual(proxy.requests.map((q) => [q.status, q.fault, q.broken]), [
    [503, "respond", undefined],
    [200, "reset", "reset"],
    [200, "truncate", undefined],
    [200, "corrupt", undefined],
    [0, "resetRequest", "reset"],
  ]);
  assert.equal(proxy.requests[1]?.responseBytes, 1000);
  const received = proxy.requests[4]?.requestBytes ?? 0;
  assert.ok(received >= 100000 && received < 1 << 20, `${received} bytes of the upload received`);
});

Deno.test("fault proxy rules fire by nth, skip/times and seeded probability", async () => {
  await using target = startTarget();
  const rules = (): FaultRule[] => [
    { name: "nth", path: /^\/a$/, nth: 2, fault: { kind: "respond", status: 500 } },
    { name: "window", path: /^\/b$/, skip: 1, times: 2, fault: { kind: "respond", status: 502 } },
    { name: "coin", path: /^\/c$/, probability: 0.5, fault: { kind: "respond", status: 503 } },
  ];
  const statuses = async (seed: number) => {
    await using proxy = await startFaultProxy(target.url, { faults: rules(), seed });
    const out: Record<string, number[]> = { a: [], b: [], c: [] };
    for (const p of ["a", "b"]) {
      for (let i = 0; i < 4; i++) out[p]?.push((await fetchResult(`${proxy.url}/${p}`)).status);
    }
    for (let i = 0; i < 100; i++) out.c?.push((await fetchResult(`${proxy.url}/c`)).status);
    return out;
  };
  const first = await statuses(7);
  assert.deepEqual(first.a, [200, 500, 200, 200]);
  assert.deepEqual(first.b, [200, 502, 502, 200]);
  const fired = first.c?.filter((s) => s === 503).length ?? 0;
  assert.ok(fired > 25 && fired < 75, `${fired} of 100 fired at p=0.5`);
  assert.deepEqual((await statuses(7)).c, first.c, "the same seed fired differently");
  assert.notDeepEqual((await statuses(8)).c, first.c, "another seed fired the same way");
});

Deno.test("fault proxy streams bodies both ways instead of buffering them", async () => {
  const release = Promise.withResolvers<void>();
  const firstUploadChunk = Promise.withResolvers<void>();
  await using target = startTarget((req) => {
    const path = new URL(req.url).pathname;
    if (path === "/slow") {
      let sent = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(c) {
            if (sent === 1) await release.promise;
            if (sent === 2) return c.close();
            c.enqueue(new Uint8Array(1000));
            sent++;
          },
        }),
      );
    }
    if (path === "/sink") {
      return (async () => {
        const reader = (req.body as ReadableStream<Uint8Array>).getReader();
        let n = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          n += value.byteLength;
          firstUploadChunk.resolve();
        }
        return new Response(String(n));
      })();
    }
    return undefined;
  });
  await using proxy = await startFaultProxy(target.url);
  // Download: the first chunk arrives while the target still holds the second one back.
  const res = await fetch(`${proxy.url}/slow`);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const first = await within(reader.read(), "the download was buffered");
  assert.equal(first.value?.byteLength, 1000);
  release.resolve();
  while (!(await reader.read()).done) { /* drain */ }
  // Upload: the target sees the first chunk before the client sends the second.
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent === 1) await within(firstUploadChunk.promise, "the upload was buffered");
      if (sent === 2) return c.close();
      c.enqueue(new Uint8Array(10));
      sent++;
    },
  }, { highWaterMark: 0 });
  const up = await fetch(`${proxy.url}/sink`, { method: "POST", body });
  assert.equal(await up.text(), "20");
});

Deno.test("fault proxy keeps absolute Locations of the target on the proxy and can rewrite headers", async () => {
  await using target = startTarget();
  await using proxy = await startFaultProxy(target.url, {
    faults: [{
      path: /\?elsewhere/,
      fault: { kind: "headers", set: { location: "http://192.0.2.1/x", "x-a": null } },
    }],
  });
  const r = await fetchResult(`${proxy.url}/upload`, { method: "POST" });
  assert.equal(r.headers.get("location"), `${proxy.url}/upload/1`);
  const moved = await fetchResult(`${proxy.url}/upload?elsewhere`, { method: "POST" });
  assert.equal(moved.headers.get("location"), "http://192.0.2.1/x");
});

Deno.test("fault proxy closes promptly while a delayed response is pending", async () => {
  await using target = startTarget();
  const proxy = await startFaultProxy(target.url, {
    faults: [{ path: /^\/a$/, fault: { kind: "delay", ms: 60_000 } }],
  });
  const pending = fetchResult(`${proxy.url}/a`);
  while (proxy.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
  const started = performance.now();
  await proxy.close();
  assert.ok(performance.now() - started < 5000);
  assert.equal((await pending).status === 200 && (await pending).error === undefined, false);
});
