/**
 * Issue 11, "Faults": `copy()` between registries with a fault-injecting proxy in front of the source
 * (downloads) or the destination (uploads). Each fault either is retried within the retry budget and the
 * destination ends up with the source's exact digest, or the copy fails with a `CopyError` naming the
 * image and the side, the destination has no manifest for the image and no blob with wrong bytes, and a
 * rerun after the fault is gone transfers only what is missing.
 * @module
 */
import assert from "node:assert/strict";
import { type Descriptor, MediaType } from "../lib/oci/mod.ts";
import { createRegistryStores } from "../lib/registry/mod.ts";
import { testContext } from "../lib/context.ts";
import { causeCodes, causes, type CopyFixture, startCopyFixture } from "./_support/copy_fixture.ts";
import {
  blobPath,
  type FaultProxy,
  manifestPath,
  type ProxyRequest,
  UPLOAD_PATH,
  uploadCommitPath,
} from "./_support/fault_proxy.ts";

const MiB = 1024 * 1024;

function layer(fx: CopyFixture, i: number): Descriptor {
  const d = fx.layers[i];
  assert.ok(d, `the fixture image has no layer ${i}`);
  return d;
}

function requestsTo(proxy: FaultProxy, method: string, path: RegExp, from = 0): ProxyRequest[] {
  return proxy.requests.slice(from).filter((r) => r.method === method && path.test(r.path));
}

/** Asserts a CopyError of the fixture image on `side`. */
function assertCopyError(e: { image: string; side: string; message: string }, side: string): void {
  assert.equal(e.side, side, `wrong side: ${e.message}`);
  assert.match(e.image, /\/src\/app:v1$/);
}

/** Asserts the copy left the destination clean, then heals the proxies and checks the rerun. */
async function assertCleanFailureAndRerun(fx: CopyFixture, missing: Descriptor[]): Promise<void> {
  await fx.assertNoImage();
  await fx.assertBlobsIntact();
  const present = await fx.blobsPresent();
  for (const d of missing) assert.ok(!present.includes(d.digest), `the destination has ${d.digest}`);
  assert.equal(present.length, 1 + fx.layers.length - missing.length, "the other blobs were not copied");
  fx.source.proxy.setFaults([]);
  fx.destination.proxy.setFaults([]);
  const src = fx.source.proxy.requests.length;
  const dst = fx.destination.proxy.requests.length;
  const rerun = await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const want = missing.map((d) => d.digest).sort();
  assert.deepEqual(fx.blobsRead(src).sort(), want, "the rerun read blobs it already had");
  assert.deepEqual(fx.committedBlobs(dst).sort(), want, "the rerun uploaded blobs it already had");
  assert.equal(requestsTo(fx.destination.proxy, "POST", UPLOAD_PATH, dst).length, missing.length, "uploads");
  assert.equal(rerun.blobsCopied, missing.length);
  assert.equal(rerun.blobsSkipped, 1 + fx.layers.length - missing.length);
  await fx.assertBlobsIntact();
}

Deno.test("copy() resumes a blob download reset mid-body with a Range request and copies the exact digest", async () => {
  await using fx = await startCopyFixture({ seed: 11 });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(target.digest), nth: 1, fault: { kind: "reset", afterBytes: MiB } },
  ]);
  const result = await fx.copy();
  assert.equal(result.root.digest, fx.image.digest);
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const gets = requestsTo(fx.source.proxy, "GET", blobPath(target.digest));
  assert.equal(gets.length, 2);
  assert.equal(gets[0]?.broken, "reset");
  assert.equal(gets[0]?.responseBytes, MiB);
  assert.equal(gets[1]?.headers.get("range"), `bytes=${MiB}-`, "the download did not resume where it broke");
  assert.deepEqual(fx.committedBlobs().filter((d) => d === target.digest), [target.digest]);
  await fx.assertBlobsIntact();
});

Deno.test("copy() resumes a blob whose body ends early but cleanly", async () => {
  await using fx = await startCopyFixture({ seed: 12 });
  const target = layer(fx, 1);
  fx.source.proxy.setFaults([
    {
      method: "GET",
      path: blobPath(target.digest),
      nth: 1,
      fault: { kind: "truncate", afterBytes: 512 * 1024 },
    },
  ]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const gets = requestsTo(fx.source.proxy, "GET", blobPath(target.digest));
  assert.equal(gets.length, 2);
  assert.equal(gets[0]?.status, 200);
  assert.equal(gets[0]?.broken, undefined, "the truncated response was not clean");
  assert.equal(gets[1]?.headers.get("range"), `bytes=${512 * 1024}-`);
  await fx.assertBlobsIntact();
});

Deno.test("copy() fails cleanly when every download of a blob is reset, and a rerun fetches only that blob", async () => {
  const retryTimes = 2;
  await using fx = await startCopyFixture({ seed: 13, stores: { retryTimes } });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(target.digest), fault: { kind: "reset", afterBytes: 256 * 1024 } },
  ]);
  const e = await fx.copyFailure();
  assertCopyError(e, "source");
  assert.ok(e.message.includes(target.digest), e.message);
  const gets = requestsTo(fx.source.proxy, "GET", blobPath(target.digest)).length;
  // blobAttempts (3) reads, each resumed at most retryTimes times.
  assert.ok(gets > 1 && gets <= 3 * (retryTimes + 1), `${gets} downloads`);
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() retries 500, 502 and 503 bursts within retryTimes", async () => {
  await using fx = await startCopyFixture({ seed: 14, layerBytes: 64 * 1024, stores: { retryTimes: 3 } });
  const status = (s: number) => ({ kind: "respond" as const, status: s });
  fx.source.proxy.setFaults([
    { name: "head-500", method: "HEAD", path: manifestPath("v1"), times: 2, fault: status(500) },
    {
      name: "manifest-502",
      method: "GET",
      path: manifestPath(fx.image.digest),
      times: 3,
      fault: status(502),
    },
    { name: "config-503", method: "GET", path: blobPath(fx.config.digest), times: 2, fault: status(503) },
    { name: "layer-500", method: "GET", path: blobPath(layer(fx, 0).digest), times: 1, fault: status(500) },
  ]);
  fx.destination.proxy.setFaults([
    { name: "post-503", method: "POST", path: UPLOAD_PATH, times: 2, fault: status(503) },
    { name: "manifest-put-502", method: "PUT", path: manifestPath(), times: 1, fault: status(502) },
  ]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const count = (proxy: FaultProxy, name: string) => proxy.requests.filter((r) => r.fault === name).length;
  for (
    const [name, n] of [["head-500", 2], ["manifest-502", 3], ["config-503", 2], ["layer-500", 1]] as const
  ) {
    assert.equal(count(fx.source.proxy, name), n, name);
  }
  assert.equal(count(fx.destination.proxy, "post-503"), 2);
  assert.equal(count(fx.destination.proxy, "manifest-put-502"), 1);
  // Each faulted request was repeated until it got through, once.
  assert.equal(requestsTo(fx.source.proxy, "GET", manifestPath(fx.image.digest)).length, 4);
  assert.equal(requestsTo(fx.source.proxy, "GET", blobPath(fx.config.digest)).length, 3);
  await fx.assertBlobsIntact();
});

Deno.test("copy() gives up on a 503 burst longer than retryTimes with a CopyError naming the source", async () => {
  const retryTimes = 1;
  await using fx = await startCopyFixture({ seed: 15, layerBytes: 64 * 1024, stores: { retryTimes } });
  const target = layer(fx, 1);
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(target.digest), fault: { kind: "respond", status: 503 } },
  ]);
  const e = await fx.copyFailure();
  assertCopyError(e, "source");
  assert.match(e.message, /HTTP 503/);
  assert.ok(e.message.includes(target.digest), e.message);
  const status = causes(e).map((c) => (c as { status?: unknown }).status).find((s) => s !== undefined);
  assert.equal(status, 503);
  // blobAttempts (3) × (1 + retryTimes) requests, then it stops.
  assert.equal(requestsTo(fx.source.proxy, "GET", blobPath(target.digest)).length, 3 * (retryTimes + 1));
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() waits as long as a 429 Retry-After asks before repeating the request", async () => {
  await using fx = await startCopyFixture({ seed: 16, layerBytes: 64 * 1024, stores: { retryDelayMs: 10 } });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([{
    method: "GET",
    path: blobPath(target.digest),
    nth: 1,
    fault: { kind: "respond", status: 429, code: "TOOMANYREQUESTS", headers: { "retry-after": "1" } },
  }]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const gets = requestsTo(fx.source.proxy, "GET", blobPath(target.digest));
  assert.deepEqual(gets.map((r) => r.status), [429, 200]);
  const waited = (gets[1]?.startMs ?? 0) - (gets[0]?.responseMs ?? Infinity);
  assert.ok(waited >= 950, `retried after ${waited.toFixed(0)} ms despite Retry-After: 1`);
  assert.ok(waited < 5000, `retried only after ${waited.toFixed(0)} ms`);
});

Deno.test("copy() stops at the per-image timeout when the source holds a response back", async () => {
  await using fx = await startCopyFixture({ seed: 17, layerBytes: 64 * 1024 });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(target.digest), fault: { kind: "delay", ms: 30_000 } },
  ]);
  const started = performance.now();
  const e = await fx.copyFailure({ signal: AbortSignal.timeout(1000) });
  const took = performance.now() - started;
  assert.ok(took < 6000, `the copy took ${took.toFixed(0)} ms with a 1000 ms timeout`);
  assertCopyError(e, "source");
  assert.ok(causes(e).some((c) => c instanceof Error && c.name === "TimeoutError"), String(causes(e)));
  assert.ok(!fx.committedBlobs().includes(target.digest));
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() stops at the per-image timeout during a trickling download and commits none of it", async () => {
  await using fx = await startCopyFixture({ seed: 18 });
  const target = layer(fx, 1);
  fx.source.proxy.setFaults([{
    method: "GET",
    path: blobPath(target.digest),
    // About 5 s for the whole layer: the timeout hits with the body half sent.
    fault: { kind: "trickle", chunkBytes: 32 * 1024, everyMs: 50 },
  }]);
  const started = performance.now();
  const e = await fx.copyFailure({ signal: AbortSignal.timeout(2500) });
  const took = performance.now() - started;
  assert.ok(took < 8000, `the copy took ${took.toFixed(0)} ms with a 2500 ms timeout`);
  assert.ok(causes(e).some((c) => c instanceof Error && c.name === "TimeoutError"), String(causes(e)));
  const trickled = requestsTo(fx.source.proxy, "GET", blobPath(target.digest));
  assert.ok(trickled.length >= 1);
  assert.ok(
    (trickled[0]?.responseBytes ?? 0) > 0 && (trickled[0]?.responseBytes ?? 0) < target.size,
    "the body was not in flight when the timeout hit",
  );
  assert.ok(!fx.committedBlobs().includes(target.digest), "the partial upload was committed");
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() refuses a blob whose bytes are altered on every read and writes nothing of it", async () => {
  await using fx = await startCopyFixture({ seed: 19 });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(target.digest), fault: { kind: "corrupt", offset: 2 * MiB + 7 } },
  ]);
  const e = await fx.copyFailure();
  assertCopyError(e, "source");
  assert.ok(causeCodes(e).includes("DIGEST_MISMATCH"), causeCodes(e).join(", "));
  assert.ok(e.message.includes(target.digest), e.message);
  assert.equal(requestsTo(fx.source.proxy, "GET", blobPath(target.digest)).length, 3, "blobAttempts reads");
  assert.ok(!fx.committedBlobs().includes(target.digest), "the altered blob was committed");
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() reads a blob altered once again and succeeds", async () => {
  await using fx = await startCopyFixture({ seed: 20 });
  const target = layer(fx, 1);
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(target.digest), nth: 1, fault: { kind: "corrupt", offset: 12345 } },
  ]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  assert.equal(requestsTo(fx.source.proxy, "GET", blobPath(target.digest)).length, 2);
  assert.deepEqual(fx.committedBlobs().filter((d) => d === target.digest), [target.digest]);
  await fx.assertBlobsIntact();
});

Deno.test("copy() refuses a small blob (the config) whose bytes are altered", async () => {
  await using fx = await startCopyFixture({ seed: 21, layerBytes: 64 * 1024 });
  fx.source.proxy.setFaults([
    { method: "GET", path: blobPath(fx.config.digest), fault: { kind: "corrupt", offset: 10 } },
  ]);
  const e = await fx.copyFailure();
  assertCopyError(e, "source");
  assert.ok(causeCodes(e).includes("DIGEST_MISMATCH"), causeCodes(e).join(", "));
  assert.ok(!fx.committedBlobs().includes(fx.config.digest));
  await assertCleanFailureAndRerun(fx, [fx.config]);
});

Deno.test("copy() refuses a manifest whose bytes are altered, before transferring anything", async () => {
  const alterations = [
    { kind: "corrupt" as const, offset: 40 },
    {
      // Still valid JSON, pointing at other content: only the digest can tell.
      kind: "rewrite" as const,
      body: (b: Uint8Array) =>
        new TextEncoder().encode(
          new TextDecoder().decode(b).replace('"schemaVersion":2', '"schemaVersion": 2'),
        ),
    },
  ];
  for (const fault of alterations) {
    await using fx = await startCopyFixture({ seed: 22, layerBytes: 1024 });
    fx.source.proxy.setFaults([{ method: "GET", path: manifestPath(fx.image.digest), fault }]);
    const e = await fx.copyFailure();
    assertCopyError(e, "source");
    assert.ok(causeCodes(e).includes("DIGEST_MISMATCH"), `${fault.kind}: ${causeCodes(e).join(", ")}`);
    assert.ok(e.message.includes(fx.image.digest), e.message);
    assert.deepEqual(
      fx.destination.proxy.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD"),
      [],
      `${fault.kind}: the destination was written to`,
    );
    await fx.assertNoImage();
  }
});

Deno.test("copy() fails with NOT_FOUND when the source loses a blob it says it has, and a rerun completes", async () => {
  await using fx = await startCopyFixture({ seed: 23, layerBytes: 64 * 1024 });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([
    {
      method: "GET",
      path: blobPath(target.digest),
      fault: { kind: "respond", status: 404, code: "BLOB_UNKNOWN" },
    },
  ]);
  {
    await using stores = await createRegistryStores(testContext(), { retryTimes: 0 });
    assert.equal(await stores.destination(fx.source.proxy.host).hasBlob("src/app", target), true);
  }
  const e = await fx.copyFailure();
  assertCopyError(e, "source");
  assert.ok(causeCodes(e).includes("NOT_FOUND"), causeCodes(e).join(", "));
  assert.match(e.message, /not found/);
  assert.ok(e.message.includes(target.digest), e.message);
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() fails when the destination claims a blob it does not have, and a rerun repairs it", async () => {
  await using fx = await startCopyFixture({ seed: 24, layerBytes: 64 * 1024 });
  const target = layer(fx, 1);
  fx.destination.proxy.setFaults([{
    method: "HEAD",
    path: blobPath(target.digest),
    fault: {
      kind: "respond",
      status: 200,
      headers: { "content-length": String(target.size), "docker-content-digest": target.digest },
    },
  }]);
  const e = await fx.copyFailure();
  assertCopyError(e, "destination");
  assert.ok(causeCodes(e).includes("REGISTRY"), causeCodes(e).join(", "));
  assert.match(e.message, /MANIFEST_BLOB_UNKNOWN/);
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() sends a blob again after its upload connection is reset mid-PATCH", async () => {
  await using fx = await startCopyFixture({ seed: 25 });
  fx.destination.proxy.setFaults([
    { method: "PATCH", path: UPLOAD_PATH, nth: 1, fault: { kind: "resetRequest", afterBytes: MiB } },
  ]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const patches = requestsTo(fx.destination.proxy, "PATCH", UPLOAD_PATH);
  assert.equal(patches[0]?.broken, "reset");
  assert.equal(patches[0]?.status, 0);
  assert.ok((patches[0]?.requestBytes ?? 0) >= MiB);
  assert.equal(patches.filter((p) => p.status === 202).length, 2, "each layer uploaded once more at most");
  assert.deepEqual(
    fx.committedBlobs().sort(),
    [fx.config.digest, ...fx.layers.map((l) => l.digest)].sort(),
    "each blob committed exactly once",
  );
  assert.equal(fx.blobsRead().length, 4, "only the broken blob was read again");
  await fx.assertBlobsIntact();
});

Deno.test("copy() retries a 500 on the final PUT of an upload", async () => {
  await using fx = await startCopyFixture({ seed: 26 });
  const target = layer(fx, 0);
  fx.destination.proxy.setFaults([
    { method: "PUT", path: uploadCommitPath(target.digest), nth: 1, fault: { kind: "respond", status: 500 } },
  ]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  assert.deepEqual(
    requestsTo(fx.destination.proxy, "PUT", uploadCommitPath(target.digest)).map((r) => r.status),
    [500, 201],
  );
  assert.equal(fx.blobsRead().filter((d) => d === target.digest).length, 1, "the blob was read again");
  await fx.assertBlobsIntact();
});

Deno.test("copy() fails on a persistent 500 at the final upload PUT, and a rerun uploads only that blob", async () => {
  await using fx = await startCopyFixture({ seed: 27, stores: { retryTimes: 1 } });
  const target = layer(fx, 1);
  fx.destination.proxy.setFaults([
    { method: "PUT", path: uploadCommitPath(target.digest), fault: { kind: "respond", status: 500 } },
  ]);
  const e = await fx.copyFailure();
  assertCopyError(e, "destination");
  assert.match(e.message, /HTTP 500/);
  await assertCleanFailureAndRerun(fx, [target]);
});

Deno.test("copy() recovers when a 500 answers an upload the registry did commit", async () => {
  await using fx = await startCopyFixture({ seed: 28 });
  const target = layer(fx, 0);
  fx.destination.proxy.setFaults([{
    method: "PUT",
    path: uploadCommitPath(target.digest),
    nth: 1,
    fault: { kind: "respond", status: 500, forward: true },
  }]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  const commits = requestsTo(fx.destination.proxy, "PUT", uploadCommitPath(target.digest));
  assert.equal(commits[0]?.status, 500);
  assert.ok((await fx.blobsPresent()).includes(target.digest));
  await fx.assertBlobsIntact();
});

Deno.test("copy() takes the media type from the manifest when the source sends a wrong Content-Type", async () => {
  for (const contentType of [MediaType.dockerManifest, "text/html", MediaType.ociIndex]) {
    await using fx = await startCopyFixture({ seed: 29, layerBytes: 1024 });
    fx.source.proxy.setFaults([
      { path: manifestPath(), fault: { kind: "headers", set: { "content-type": contentType } } },
    ]);
    await fx.copy();
    assert.ok(
      fx.source.proxy.requests.filter((r) => r.fault === "headers").length >= 2,
      "no wrong type sent",
    );
    const stored = await fx.destination.tree.resolve("mirror/app", "v1");
    assert.equal(stored.digest, fx.image.digest, contentType);
    assert.equal(stored.mediaType, MediaType.ociManifest, contentType);
  }
});

Deno.test("copy() to docker-registry survives a reset upload and 503s when starting uploads", async () => {
  await using fx = await startCopyFixture({ seed: 30, destination: "docker-registry" });
  fx.destination.proxy.setFaults([
    { method: "PATCH", path: UPLOAD_PATH, nth: 1, fault: { kind: "resetRequest", afterBytes: MiB } },
    { method: "POST", path: UPLOAD_PATH, times: 2, fault: { kind: "respond", status: 503 } },
  ]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  assert.ok(requestsTo(fx.destination.proxy, "PATCH", UPLOAD_PATH).some((r) => r.broken === "reset"));
  // docker-registry answers with absolute Locations: the proxy must have kept every request.
  assert.ok(fx.destination.proxy.requests.some((r) => /_state=/.test(r.path)));
  await fx.assertBlobsIntact();
});

Deno.test("copy() follows a blob redirect to another host without sending the credentials there", async () => {
  const auth = { username: "mirror", password: "s3cret-for-faults", on: ["source" as const] };
  await using fx = await startCopyFixture({ seed: 31, layerBytes: 64 * 1024, auth });
  const target = layer(fx, 0);
  const seen: { path: string; authorization: string | null }[] = [];
  await using storage = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    seen.push({ path: new URL(req.url).pathname, authorization: req.headers.get("authorization") });
    return new Response(await fx.source.store.getBlob("src/app", target));
  });
  fx.source.proxy.setFaults([{
    method: "GET",
    path: blobPath(target.digest),
    fault: {
      kind: "respond",
      status: 307,
      headers: { location: `http://127.0.0.1:${storage.addr.port}/objects/${target.digest}?signature=abc` },
    },
  }]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  assert.deepEqual(seen, [{ path: `/objects/${target.digest}`, authorization: null }]);
  const redirected = requestsTo(fx.source.proxy, "GET", blobPath(target.digest));
  assert.match(
    redirected[0]?.headers.get("authorization") ?? "",
    /^Basic /,
    "the registry got no credentials",
  );
});
