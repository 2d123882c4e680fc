/**
 * Issue 11, "Hostile and bad input / registry responses": a source registry that answers with huge or
 * malformed manifests, an index naming thousands of manifests, an index that resolves to itself, or
 * indexes nested too deep. `copy()` must refuse each with a `CopyError` naming the image and the source,
 * read no more than its caps, and write nothing at the destination. The crafted answers come from the
 * fault proxy (`respond` and `rewrite` faults) in front of the embedded registry.
 * @module
 */
import assert from "node:assert/strict";
import { type Descriptor, digestOf, encodeJson, MAX_MANIFEST_BYTES, MediaType } from "../lib/oci/mod.ts";
import { writeIndex } from "../lib/store/mod.ts";
import { MAX_IMAGE_DEPTH, MAX_IMAGE_MANIFESTS } from "../lib/transfer/mod.ts";
import { causeCodes, type CopyFixture, startCopyFixture } from "./_support/copy_fixture.ts";
import { type FaultRule, manifestPath } from "./_support/fault_proxy.ts";

/** Rules that make the source answer `v1` (HEAD and GET, by tag and by digest) with `bytes`. */
function serveManifest(
  bytes: Uint8Array,
  mediaType: string,
  o: { declareLength?: boolean } = {},
): FaultRule[] {
  const digest = digestOf(bytes);
  const headers: Record<string, string> = { "content-type": mediaType, "docker-content-digest": digest };
  if (o.declareLength ?? true) headers["content-length"] = String(bytes.byteLength);
  const respond = { kind: "respond" as const, status: 200, headers };
  return [
    { method: "HEAD", path: manifestPath("v1"), fault: respond },
    { method: "GET", path: manifestPath("v1"), fault: { ...respond, body: bytes } },
    { method: "HEAD", path: manifestPath(digest), fault: respond },
    { method: "GET", path: manifestPath(digest), fault: { ...respond, body: bytes } },
  ];
}

/** Asserts the copy was refused at the source and nothing reached the destination. */
async function assertRefused(fx: CopyFixture, pattern: RegExp): Promise<{ codes: string[] }> {
  const e = await fx.copyFailure();
  assert.equal(e.side, "source", e.message);
  assert.match(e.image, /\/src\/app:v1$/);
  assert.match(e.message, pattern);
  assert.deepEqual(
    fx.destination.proxy.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").map((r) => r.path),
    [],
    "the destination was written to",
  );
  await fx.assertNoImage();
  return { codes: causeCodes(e) };
}

Deno.test("copy() refuses a manifest larger than 4 MiB by its declared size", async () => {
  await using fx = await startCopyFixture({ seed: 40, layerBytes: 1024 });
  const huge = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: fx.config,
    layers: fx.layers,
    annotations: { padding: "x".repeat(MAX_MANIFEST_BYTES) },
  });
  assert.ok(huge.byteLength > MAX_MANIFEST_BYTES);
  fx.source.proxy.setFaults(serveManifest(huge, MediaType.ociManifest));
  // Refused on the declared Content-Length, before the body is read.
  const { codes } = await assertRefused(
    fx,
    new RegExp(`is ${huge.byteLength} bytes: the limit is ${MAX_MANIFEST_BYTES}`),
  );
  assert.ok(codes.includes("MANIFEST_INVALID"), codes.join(", "));
});

Deno.test("copy() stops reading an endless manifest body at the 4 MiB cap", async () => {
  await using fx = await startCopyFixture({ seed: 41, layerBytes: 1024 });
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  const endless = () => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"schemaVersion":2,"padding":"'));
        else if (sent > 1024 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    }, { highWaterMark: 0 });
  };
  const fakeDigest = digestOf("endless");
  const headers = { "content-type": MediaType.ociManifest, "docker-content-digest": fakeDigest };
  fx.source.proxy.setFaults([
    { method: "HEAD", path: manifestPath(), fault: { kind: "respond", status: 200, headers } },
    { method: "GET", path: manifestPath(), fault: { kind: "respond", status: 200, headers, body: endless } },
  ]);
  const { codes } = await assertRefused(fx, /larger than the limit/);
  assert.ok(codes.includes("MANIFEST_INVALID"), codes.join(", "));
  const got = fx.source.proxy.requests.filter((r) => r.method === "GET" && manifestPath().test(r.path));
  assert.ok(got.length >= 1);
  // The body is 1 GiB: what was served is what the client read plus socket buffers.
  for (const r of got) assert.ok(r.responseBytes < 64 * 1024 * 1024, `${r.responseBytes} bytes served`);
});

Deno.test("copy() refuses a manifest that is not valid JSON", async () => {
  await using fx = await startCopyFixture({ seed: 42, layerBytes: 1024 });
  const broken = new TextEncoder().encode(
    `{"schemaVersion":2,"mediaType":"${MediaType.ociManifest}","config":{"mediaType":"x","digest":`,
  );
  fx.source.proxy.setFaults(serveManifest(broken, MediaType.ociManifest));
  const { codes } = await assertRefused(fx, /not valid JSON/);
  assert.ok(codes.includes("MANIFEST_INVALID"), codes.join(", "));
});

Deno.test("copy() refuses a manifest of the wrong shape (a layer that is not a descriptor)", async () => {
  await using fx = await startCopyFixture({ seed: 43, layerBytes: 1024 });
  const bad = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: fx.config,
    layers: [{ mediaType: MediaType.ociLayerGzip, digest: "sha256:../../../etc/passwd", size: -1 }],
  });
  fx.source.proxy.setFaults(serveManifest(bad, MediaType.ociManifest));
  const { codes } = await assertRefused(
    fx,
    /layers\[0\] has digest "sha256:\.\.\/\.\.\/\.\.\/etc\/passwd": want sha256:<64 hex digits>/,
  );
  assert.ok(codes.includes("MANIFEST_INVALID"), codes.join(", "));
});

Deno.test("copy() refuses an index that names more than MAX_IMAGE_MANIFESTS manifests", async () => {
  await using fx = await startCopyFixture({ seed: 44, layerBytes: 1024 });
  const child: Descriptor = { ...fx.image, platform: { os: "linux", architecture: "amd64" } };
  const index = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: Array.from({ length: MAX_IMAGE_MANIFESTS + 100 }, () => child),
  });
  fx.source.proxy.setFaults(serveManifest(index, MediaType.ociIndex));
  await assertRefused(fx, new RegExp(`more than ${MAX_IMAGE_MANIFESTS} manifests`));
  const childReads = fx.source.proxy.requests.filter((r) => r.path.endsWith(fx.image.digest)).length;
  assert.ok(childReads <= MAX_IMAGE_MANIFESTS, `${childReads} child manifests read`);
});

Deno.test("copy() refuses an index whose child resolves to the index itself, without looping", async () => {
  await using fx = await startCopyFixture({ seed: 45, layerBytes: 1024 });
  // The index names a child index; the registry answers that child with the index again.
  const childDigest = digestOf("the index itself");
  const index = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{ mediaType: MediaType.ociIndex, digest: childDigest, size: 200 }],
  });
  const loop: FaultRule = {
    method: "GET",
    path: manifestPath(childDigest),
    fault: { kind: "respond", status: 200, headers: { "content-type": MediaType.ociIndex }, body: index },
  };
  fx.source.proxy.setFaults([loop, ...serveManifest(index, MediaType.ociIndex)]);
  const { codes } = await assertRefused(fx, /does not match|references itself/);
  assert.ok(codes.includes("DIGEST_MISMATCH"), codes.join(", "));
  const reads = fx.source.proxy.requests.filter((r) => r.method === "GET" && r.path.includes(childDigest));
  assert.equal(reads.length, 1, "the child was read more than once");
});

Deno.test("copy() refuses indexes nested deeper than MAX_IMAGE_DEPTH", async () => {
  await using fx = await startCopyFixture({ seed: 46, layerBytes: 1024 });
  let top: Descriptor = { ...fx.image, platform: { os: "linux", architecture: "amd64" } };
  for (let depth = 0; depth <= MAX_IMAGE_DEPTH; depth++) {
    top = await writeIndex(fx.source.store, "src/app", [top]);
  }
  await writeIndex(fx.source.store, "src/app", [top], { tag: "v1" });
  await assertRefused(fx, new RegExp(`deeper than ${MAX_IMAGE_DEPTH} levels`));
});
