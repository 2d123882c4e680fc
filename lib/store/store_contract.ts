/**
 * The contract every {@link ContentStore} must pass. A store's test file calls
 * `storeContract("LayoutStore", async () => ({ store, [Symbol.asyncDispose] }))` and gets one Deno test
 * per rule. Lives in lib/ (not tests/) because every store folder's tests use it.
 * @module
 */
import assert from "node:assert/strict";
import { DigestMismatchError, NotFoundError } from "../errors.ts";
import { type Descriptor, digestOf, MediaType } from "../oci/mod.ts";
import { writeBlob, writeImage, writeIndex } from "./image_writer.ts";
import type { ContentStore } from "./store.ts";

/** A store under test and how to dispose of it. */
export interface StoreUnderTest extends AsyncDisposable {
  store: ContentStore;
}

/** Options of {@link storeContract}. */
export interface StoreContractOptions {
  /** Skip the rules for optional methods the store does not have. @default false */
  readOnly?: boolean;
  /** Deno.test permissions/sanitizer settings for each case. */
  sanitizeResources?: boolean;
}

function stream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
}

async function read(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Registers the contract tests for a store factory. */
export function storeContract(
  name: string,
  make: () => Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  const test = (title: string, fn: (store: ContentStore) => Promise<void>) =>
    Deno.test({
      name: `${name} store contract: ${title}`,
      sanitizeResources: options.sanitizeResources ?? true,
      fn: async () => {
        await using s = await make();
        await fn(s.store);
      },
    });
  const blob = new TextEncoder().encode("hello, store contract");
  const d: Descriptor = {
    mediaType: "application/octet-stream",
    digest: digestOf(blob),
    size: blob.byteLength,
  };

  test("putBlob then hasBlob and getBlob return the same bytes", async (store) => {
    assert.equal(await store.hasBlob("ns/repo", d), false);
    await store.putBlob("ns/repo", d, stream(blob));
    assert.equal(await store.hasBlob("ns/repo", d), true);
    assert.deepEqual(await read(await store.getBlob("ns/repo", d)), blob);
  });

  test("putBlob rejects bytes that do not match the digest and publishes nothing", async (store) => {
    const wrong = new TextEncoder().encode("hello, store contracT");
    await assert.rejects(store.putBlob("ns/repo", d, stream(wrong)), DigestMismatchError);
    assert.equal(await store.hasBlob("ns/repo", d), false);
  });

  test("putBlob rejects a short body and publishes nothing", async (store) => {
    await assert.rejects(store.putBlob("ns/repo", d, stream(blob.slice(0, 5))), DigestMismatchError);
    assert.equal(await store.hasBlob("ns/repo", d), false);
  });

  test("putBlob rejects a body that errors midway and publishes nothing", async (store) => {
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(blob.slice(0, 4));
        c.error(new Error("connection reset"));
      },
    });
    await assert.rejects(store.putBlob("ns/repo", d, failing));
    assert.equal(await store.hasBlob("ns/repo", d), false);
  });

  test("manifests resolve by tag and digest and keep their exact bytes", async (store) => {
    const m = await writeImage(store, "ns/app", {
      config: { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } },
      layers: [{ bytes: new TextEncoder().encode("layer one") }],
      tag: "v1",
    });
    const byTag = await store.resolve("ns/app", "v1");
    assert.equal(byTag.digest, m.digest);
    assert.equal(byTag.size, m.size);
    assert.equal(byTag.mediaType, MediaType.ociManifest);
    const byDigest = await store.resolve("ns/app", m.digest);
    assert.equal(byDigest.digest, m.digest);
    const bytes = await store.getManifest("ns/app", byTag);
    assert.equal(digestOf(bytes), m.digest);
    assert.equal(await store.hasManifest("ns/app", m), true);
  });

  test("an index over two manifests round-trips", async (store) => {
    const a = await writeImage(store, "ns/multi", {
      config: { architecture: "amd64", os: "linux" },
      layers: [{ bytes: new TextEncoder().encode("amd64 layer") }],
      platform: { os: "linux", architecture: "amd64" },
    });
    const b = await writeImage(store, "ns/multi", {
      config: { architecture: "arm64", os: "linux" },
      layers: [{ bytes: new TextEncoder().encode("arm64 layer") }],
      platform: { os: "linux", architecture: "arm64" },
    });
    const idx = await writeIndex(store, "ns/multi", [a, b], { tag: "latest" });
    const r = await store.resolve("ns/multi", "latest");
    assert.equal(r.digest, idx.digest);
    assert.equal(r.mediaType, MediaType.ociIndex);
  });

  test("re-tagging moves the tag to the new manifest", async (store) => {
    const one = await writeImage(store, "ns/t", { config: { n: 1 }, layers: [], tag: "x" });
    const two = await writeImage(store, "ns/t", { config: { n: 2 }, layers: [], tag: "x" });
    assert.notEqual(one.digest, two.digest);
    assert.equal((await store.resolve("ns/t", "x")).digest, two.digest);
    assert.equal((await store.resolve("ns/t", one.digest)).digest, one.digest);
  });

  test("missing tags, manifests and blobs are NotFoundError", async (store) => {
    await assert.rejects(store.resolve("ns/none", "v1"), NotFoundError);
    const fake: Descriptor = { mediaType: MediaType.ociManifest, digest: digestOf("nothing"), size: 7 };
    await assert.rejects(store.resolve("ns/none", fake.digest), NotFoundError);
    await assert.rejects(store.getManifest("ns/none", fake), NotFoundError);
    await assert.rejects(async () => await read(await store.getBlob("ns/none", fake)), NotFoundError);
    assert.equal(await store.hasManifest("ns/none", fake), false);
  });

  test("putManifest rejects bytes that do not match the descriptor", async (store) => {
    const config = await writeBlob(store, "ns/bad", new TextEncoder().encode("{}"), MediaType.ociConfig);
    const bytes = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [] }),
    );
    const wrong: Descriptor = {
      mediaType: MediaType.ociManifest,
      digest: digestOf("other"),
      size: bytes.byteLength,
    };
    await assert.rejects(store.putManifest("ns/bad", wrong, bytes), DigestMismatchError);
    assert.equal(await store.hasManifest("ns/bad", wrong), false);
  });

  if (options.readOnly) return;

  test("listTags lists what was tagged", async (store) => {
    if (!store.listTags) return assert.fail(`${name} has no listTags`);
    await writeImage(store, "ns/tags", { config: { n: 1 }, layers: [], tag: "b" });
    await writeImage(store, "ns/tags", { config: { n: 2 }, layers: [], tag: "a" });
    const tags: string[] = [];
    for await (const t of store.listTags("ns/tags")) tags.push(t);
    assert.deepEqual(tags.sort(), ["a", "b"]);
  });

  test("deleteManifest removes the manifest and its tags", async (store) => {
    if (!store.deleteManifest) return assert.fail(`${name} has no deleteManifest`);
    const m = await writeImage(store, "ns/del", { config: { n: 1 }, layers: [], tag: "gone" });
    await store.deleteManifest("ns/del", m);
    assert.equal(await store.hasManifest("ns/del", m), false);
    await assert.rejects(store.resolve("ns/del", "gone"), NotFoundError);
  });
}
