/**
 * Regression tests for the bugs the fault proxy found (issue 11): credentials sent to a foreign upload
 * Location, a source's wrong Content-Type pushed on, a source 404 asked again, a blob uploaded twice when
 * only its commit answer was lost, an oversized index read before it was refused. Each comment names the
 * code that was at fault.
 * @module
 */
import assert from "node:assert/strict";
import { type Descriptor, digestOf, encodeJson, MediaType } from "../lib/oci/mod.ts";
import { MAX_IMAGE_MANIFESTS } from "../lib/transfer/mod.ts";
import { type CopyFixture, startCopyFixture } from "./_support/copy_fixture.ts";
import { blobPath, manifestPath, UPLOAD_PATH, uploadCommitPath } from "./_support/fault_proxy.ts";

function layer(fx: CopyFixture, i: number): Descriptor {
  const d = fx.layers[i];
  assert.ok(d, `the fixture image has no layer ${i}`);
  return d;
}

/**
 * lib/registry/blob_upload.ts `uploadLocation()` resolves the `Location` of `POST /blobs/uploads/` (and
 * of every PATCH) against the response URL and uses it whatever its origin, and `RegistryClient.request()`
 * attaches the registry's `Authorization` to any URL. A registry (or anything that can rewrite its
 * answers) can thus make us send blob bytes and the registry's credentials to another host.
 * Fix: in `uploadLocation()`, refuse a location whose origin differs from `res.url`'s with a
 * `RegistryError` ("Registry docker://H returned an upload location on another host "X": refusing to
 * send blob D there"); and in `RegistryClient.request()`, never set `Authorization` when the URL's
 * origin is not the endpoint's (as `HttpTransport.send()` already does for redirects).
 */
Deno.test("copy() refuses an upload Location on another host and never sends it bytes or credentials", async () => {
  const password = "s3cret-upload-location";
  await using fx = await startCopyFixture({
    seed: 60,
    layerBytes: 2 * 1024 * 1024,
    auth: { username: "mirror", password, on: ["destination"] },
  });
  const seen: string[] = [];
  await using elsewhere = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = req.body ? (await req.arrayBuffer()).byteLength : 0;
    const auth = req.headers.get("authorization") !== null ? " with Authorization" : "";
    seen.push(`${req.method} ${new URL(req.url).pathname} (${body} bytes${auth})`);
    return new Response(null, { status: 404 });
  });
  fx.destination.proxy.setFaults([{
    method: "POST",
    path: UPLOAD_PATH,
    fault: {
      kind: "headers",
      set: {
        location: (v) =>
          v === null ? null : `http://127.0.0.1:${elsewhere.addr.port}${new URL(v, "http://x").pathname}`,
      },
    },
  }]);
  const e = await fx.copyFailure();
  assert.equal(e.side, "destination", e.message);
  assert.deepEqual(seen, [], "requests reached the other host");
  await fx.assertNoImage();
});

/**
 * lib/transfer/image_graph.ts `walkImage()` keeps the media type of the root descriptor that
 * `RegistryStore.resolve()` built from the source's `Content-Type`, even when the manifest's own
 * `mediaType` field says otherwise; `copy()` then pushes the manifest with that wrong `Content-Type`
 * (and returns it in `CopyResult.root`). docker-registry rejects the push (400 MANIFEST_INVALID), so the
 * copy fails and blames the destination for the source's mistake.
 * Fix: in `walkImage()`'s `read()`, when the parsed manifest's `mediaType` (from its JSON) differs from
 * `d.mediaType`, use `{ ...d, mediaType: manifest.mediaType }` as the node's descriptor (for the root;
 * an index child's descriptor is part of its parent's bytes and is pushed with the manifest's type too).
 */
Deno.test("copy() pushes a manifest with its own media type, not the source's wrong Content-Type", async () => {
  await using fx = await startCopyFixture({ seed: 61, layerBytes: 1024, destination: "docker-registry" });
  fx.source.proxy.setFaults([
    { path: manifestPath(), fault: { kind: "headers", set: { "content-type": MediaType.dockerManifest } } },
  ]);
  const result = await fx.copy();
  assert.equal(result.root.mediaType, MediaType.ociManifest);
  const put = fx.destination.proxy.requests.find((r) => r.method === "PUT" && manifestPath().test(r.path));
  assert.equal(put?.headers.get("content-type"), MediaType.ociManifest);
  assert.equal(await fx.destinationDigest(), fx.image.digest);
});

/**
 * lib/transfer/copy.ts `transferBlob()` means not to retry a blob the source does not have
 * (`code === "NOT_FOUND"`), but `streamBlob()` always throws the `CopyError` made by `sourceSide()` or
 * `destinationSide()`, whose code is `COPY_FAILED`: the check never matches and a 404 is asked
 * `blobAttempts` (3) times, with growing waits. Fix: stop only for a source-side NOT_FOUND,
 * `e instanceof CopyError && e.side === "source" && e.cause?.code === "NOT_FOUND"`; a destination 404
 * (an upload session the registry forgot, see "recovers when a 500 answers an upload the registry did
 * commit" in faults_copy_test.ts) must stay retryable.
 */
Deno.test("copy() does not ask again for a blob the source answered 404 for", async () => {
  await using fx = await startCopyFixture({ seed: 62, layerBytes: 64 * 1024 });
  const target = layer(fx, 0);
  fx.source.proxy.setFaults([
    {
      method: "GET",
      path: blobPath(target.digest),
      fault: { kind: "respond", status: 404, code: "BLOB_UNKNOWN" },
    },
  ]);
  await fx.copyFailure();
  assert.equal(fx.blobsRead().filter((d) => d === target.digest).length, 1);
});

/**
 * lib/transfer/copy.ts `transferBlob()` retries a failed blob by streaming it again from the source,
 * without asking the destination whether the failed attempt landed after all. When the registry
 * committed the upload but the answer to the final PUT was lost (here: a 500 after the commit), the
 * whole blob is read and uploaded a second time (for a multi-GB layer, minutes of transfer).
 * Fix: before each retry of `streamBlob()`, `if (await dst.hasBlob(dRepo, d, o)) break;` (counting the
 * blob as copied).
 */
Deno.test("copy() does not upload a blob again when only the answer to its commit was lost", async () => {
  await using fx = await startCopyFixture({ seed: 63 });
  const target = layer(fx, 0);
  fx.destination.proxy.setFaults([{
    method: "PUT",
    path: uploadCommitPath(target.digest),
    nth: 1,
    fault: { kind: "respond", status: 500, forward: true },
  }]);
  await fx.copy();
  assert.equal(await fx.destinationDigest(), fx.image.digest);
  assert.equal(fx.blobsRead().filter((d) => d === target.digest).length, 1, "the blob was read twice");
});

/**
 * lib/transfer/image_graph.ts `walkImage()` counts manifests as it reads them, so an index naming more
 * than MAX_IMAGE_MANIFESTS children is refused only after MAX_IMAGE_MANIFESTS child manifests were
 * fetched (thousands of requests, each with retries, against a hostile or broken registry). The index
 * itself says how many children it has. Fix: when an index is parsed, refuse it before reading any
 * child if `count + manifest.manifests.length > MAX_IMAGE_MANIFESTS`.
 */
Deno.test("copy() refuses an oversized index before reading its child manifests", async () => {
  await using fx = await startCopyFixture({ seed: 64, layerBytes: 1024 });
  const index = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: Array.from({ length: MAX_IMAGE_MANIFESTS + 100 }, () => fx.image),
  });
  const digest = digestOf(index);
  const headers = {
    "content-type": MediaType.ociIndex,
    "docker-content-digest": digest,
    "content-length": String(index.byteLength),
  };
  fx.source.proxy.setFaults([
    { method: "HEAD", path: manifestPath("v1"), fault: { kind: "respond", status: 200, headers } },
    {
      method: "GET",
      path: manifestPath(digest),
      fault: { kind: "respond", status: 200, headers, body: index },
    },
  ]);
  const e = await fx.copyFailure();
  assert.match(e.message, /more than 4096 manifests/);
  const childReads = fx.source.proxy.requests.filter((r) => r.path.endsWith(fx.image.digest)).length;
  assert.equal(childReads, 0, `${childReads} child manifests were read first`);
});
