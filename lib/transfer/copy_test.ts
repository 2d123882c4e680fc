import assert from "node:assert/strict";
import { CopyError } from "../errors.ts";
import { type Descriptor, digestOf, MediaType, parseManifest } from "../oci/mod.ts";
import {
  type ContentStore,
  MemoryStore,
  type OpOptions,
  type PutManifestOptions,
  writeImage,
  writeIndex,
} from "../store/mod.ts";
import { BlobLedger } from "./blob_ledger.ts";
import { copy } from "./copy.ts";

const enc = (s: string) => new TextEncoder().encode(s);

async function multiArch(store: MemoryStore, repo: string, tag: string): Promise<Descriptor> {
  const shared = { bytes: enc("shared base layer") };
  const amd = await writeImage(store, repo, {
    config: { architecture: "amd64", os: "linux" },
    layers: [shared, { bytes: enc("amd64 only") }],
    platform: { os: "linux", architecture: "amd64" },
  });
  const arm = await writeImage(store, repo, {
    config: { architecture: "arm64", os: "linux" },
    layers: [shared, { bytes: enc("arm64 only") }],
    platform: { os: "linux", architecture: "arm64", variant: "v8" },
  });
  return await writeIndex(store, repo, [amd, arm], { tag });
}

/** A destination that records the order of writes. */
class RecordingStore extends MemoryStore {
  calls: string[] = [];
  override async putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions) {
    this.calls.push(`blob ${d.digest}`);
    await super.putBlob(repo, d, body, o);
  }
  override async putManifest(repo: string, d: Descriptor, bytes: Uint8Array, o?: PutManifestOptions) {
    this.calls.push(`manifest ${d.digest}`);
    await super.putManifest(repo, d, bytes, o);
  }
}

Deno.test("copy() moves a multi-arch image unchanged and tags it", async () => {
  const src = new MemoryStore();
  const idx = await multiArch(src, "ns/app", "v1");
  const dst = new MemoryStore({ label: "memory://dst" });
  const r = await copy({ store: src, repository: "ns/app", reference: "v1" }, {
    store: dst,
    repository: "mirror/app",
    reference: "v1",
  });
  assert.equal(r.root.digest, idx.digest);
  assert.equal(r.filteredIndex, false);
  assert.equal(r.blobsCopied, 5); // 2 configs + shared + 2 arch layers
  assert.equal(r.manifestsWritten, 3);
  assert.equal((await dst.resolve("mirror/app", "v1")).digest, idx.digest);
  assert.deepEqual(await dst.getManifest("mirror/app", idx), await src.getManifest("ns/app", idx));
});

Deno.test("copy() writes blobs before manifests and children before the index", async () => {
  const src = new MemoryStore();
  const idx = await multiArch(src, "ns/app", "v1");
  const dst = new RecordingStore();
  await copy({ store: src, repository: "ns/app", reference: idx.digest }, {
    store: dst,
    repository: "app",
    reference: "v1",
  });
  const firstManifest = dst.calls.findIndex((c) => c.startsWith("manifest"));
  assert.ok(dst.calls.slice(firstManifest).every((c) => c.startsWith("manifest")));
  assert.equal(dst.calls.at(-1), `manifest ${idx.digest}`);
});

Deno.test("copy() skips blobs the destination has", async () => {
  const src = new MemoryStore();
  await multiArch(src, "ns/app", "v1");
  const dst = new MemoryStore();
  await copy({ store: src, repository: "ns/app", reference: "v1" }, {
    store: dst,
    repository: "app",
    reference: "v1",
  });
  const again = await copy({ store: src, repository: "ns/app", reference: "v1" }, {
    store: dst,
    repository: "app",
    reference: "v1",
  });
  assert.equal(again.blobsCopied, 0);
  assert.equal(again.blobsSkipped, 5);
  assert.equal(again.bytesCopied, 0);
});

Deno.test("copy() with a shared ledger mounts blobs into a second repository instead of transferring", async () => {
  const src = new MemoryStore();
  await multiArch(src, "ns/app", "v1");
  const dst = new MemoryStore();
  const ledger = new BlobLedger();
  const a = await copy({ store: src, repository: "ns/app", reference: "v1" }, {
    store: dst,
    repository: "a",
    reference: "v1",
  }, { ledger });
  const b = await copy({ store: src, repository: "ns/app", reference: "v1" }, {
    store: dst,
    repository: "b",
    reference: "v1",
  }, { ledger });
  assert.equal(a.blobsCopied, 5);
  assert.equal(b.blobsCopied, 0);
  assert.equal(b.blobsMounted, 5);
});

Deno.test("copy() with platforms writes a filtered index and reports it", async () => {
  const src = new MemoryStore();
  const idx = await multiArch(src, "ns/app", "v1");
  const dst = new MemoryStore();
  const r = await copy(
    { store: src, repository: "ns/app", reference: "v1" },
    { store: dst, repository: "app", reference: "v1" },
    { platforms: [{ os: "linux", architecture: "arm64" }] },
  );
  assert.equal(r.filteredIndex, true);
  assert.notEqual(r.root.digest, idx.digest);
  const m = parseManifest(await dst.getManifest("app", r.root), { where: "t" });
  assert.equal(m.kind, "index");
  assert.deepEqual(m.kind === "index" && m.manifests.map((c) => c.platform?.architecture), ["arm64"]);
  assert.equal(r.blobsCopied, 3);
});

Deno.test("copy() keeps the index intact when every platform is wanted", async () => {
  const src = new MemoryStore();
  const idx = await multiArch(src, "ns/app", "v1");
  const r = await copy(
    { store: src, repository: "ns/app", reference: "v1" },
    { store: new MemoryStore(), repository: "app", reference: "v1" },
    { platforms: [{ os: "linux", architecture: "arm64" }, { os: "linux", architecture: "x86_64" }] },
  );
  assert.equal(r.filteredIndex, false);
  assert.equal(r.root.digest, idx.digest);
});

Deno.test("copy() refuses a platform filter that matches nothing, naming what exists", async () => {
  const src = new MemoryStore();
  await multiArch(src, "ns/app", "v1");
  await assert.rejects(
    copy({ store: src, repository: "ns/app", reference: "v1" }, {
      store: new MemoryStore(),
      repository: "a",
      reference: "v1",
    }, {
      platforms: [{ os: "linux", architecture: "s390x" }],
    }),
    (e: unknown) =>
      e instanceof CopyError && e.side === "source" &&
      e.message ===
        "Image memory://ns/app:v1 has no manifest for platforms linux/s390x: it has linux/amd64, linux/arm64/v8",
  );
});

/** A source whose blob bytes are not what their digest says. */
class LyingStore extends MemoryStore {
  override async getBlob(repo: string, d: Descriptor, o?: OpOptions) {
    const s = await super.getBlob(repo, d, o);
    const bytes = new Uint8Array(await new Response(s).arrayBuffer());
    if (bytes.length > 0) bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    return new Blob([bytes]).stream();
  }
}

Deno.test("copy() fails an image whose source blob does not match its digest and writes no manifest", async () => {
  const src = new LyingStore();
  await writeImage(src, "ns/bad", {
    config: { os: "linux" },
    layers: [{ bytes: enc("payload") }],
    tag: "v1",
  });
  const dst = new MemoryStore();
  await assert.rejects(
    copy({ store: src, repository: "ns/bad", reference: "v1" }, {
      store: dst,
      repository: "bad",
      reference: "v1",
    }),
    (e: unknown) =>
      e instanceof CopyError && e.side === "source" && /does not match its digest/.test(e.message),
  );
  await assert.rejects(dst.resolve("bad", "v1"));
});

/** A destination that fails every blob upload. */
class FullDisk extends MemoryStore {
  override putBlob(): Promise<void> {
    return Promise.reject(new Error("no space left on device"));
  }
}

Deno.test("copy() blames the destination for a failed write", async () => {
  const src = new MemoryStore();
  await writeImage(src, "ns/a", { config: { os: "linux" }, layers: [{ bytes: enc("x") }], tag: "v1" });
  await assert.rejects(
    copy({ store: src, repository: "ns/a", reference: "v1" }, {
      store: new FullDisk(),
      repository: "a",
      reference: "v1",
    }),
    (e: unknown) =>
      e instanceof CopyError && e.side === "destination" && e.message === "no space left on device",
  );
});

/** A source serving an index that lists itself. */
class SelfReferencing extends MemoryStore {
  index = enc("");
  d: Descriptor = { mediaType: MediaType.ociIndex, digest: digestOf(""), size: 0 };
  constructor() {
    super();
    // An index cannot contain its own digest, so fake the store: every digest returns the same index.
    const body = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] as Descriptor[] };
    body.manifests.push({ mediaType: MediaType.ociIndex, digest: digestOf("placeholder"), size: 10 });
    this.index = enc(JSON.stringify(body));
    this.d = { mediaType: MediaType.ociIndex, digest: digestOf(this.index), size: this.index.length };
  }
  override resolve() {
    return Promise.resolve(this.d);
  }
  override getManifest(_repo: string, d: Descriptor) {
    // Returns the index for the root and for its child: a loop, each verified against its own digest.
    const body = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [this.d] };
    const bytes = d.digest === this.d.digest ? this.index : enc(JSON.stringify(body));
    return Promise.resolve(bytes);
  }
}

Deno.test("copy() refuses an index that loops back on itself", async () => {
  const src = new SelfReferencing();
  await assert.rejects(
    copy({ store: src, repository: "loop", reference: "v1" }, {
      store: new MemoryStore(),
      repository: "l",
      reference: "v1",
    }),
    (e: unknown) => e instanceof CopyError && /references itself|deeper than/.test(e.message),
  );
});

Deno.test("copy() reports bytes events that add up to the bytes copied", async () => {
  const src = new MemoryStore();
  await writeImage(src, "ns/big", {
    config: { os: "linux" },
    layers: [{ bytes: new Uint8Array(3 << 20).fill(7) }, { bytes: new Uint8Array(1000).fill(1) }],
    tag: "v1",
  });
  let events = 0;
  const r = await copy({ store: src, repository: "ns/big", reference: "v1" }, {
    store: new MemoryStore(),
    repository: "b",
    reference: "v1",
  }, {
    onEvent: (e) => {
      if (e.kind === "bytes") events += e.count;
    },
  });
  assert.equal(events, r.bytesCopied);
  assert.ok(r.bytesCopied > 3 << 20);
});

Deno.test("copy() shares one transfer between concurrent copies of the same blob", async () => {
  const src = new MemoryStore();
  await multiArch(src, "ns/app", "v1");
  let puts = 0;
  class Counting extends MemoryStore {
    override async putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions) {
      puts++;
      await super.putBlob(repo, d, body, o);
    }
  }
  const dst: ContentStore = new Counting();
  const ledger = new BlobLedger();
  await Promise.all(
    [1, 2, 3].map(() =>
      copy({ store: src, repository: "ns/app", reference: "v1" }, {
        store: dst,
        repository: "same",
        reference: "v1",
      }, { ledger })
    ),
  );
  assert.equal(puts, 5);
});

/** A source whose first read of each blob breaks midway. */
class FlakySource extends MemoryStore {
  reads = new Map<string, number>();
  override async getBlob(repo: string, d: Descriptor, o?: OpOptions) {
    const n = (this.reads.get(d.digest) ?? 0) + 1;
    this.reads.set(d.digest, n);
    const s = await super.getBlob(repo, d, o);
    if (n > 1) return s;
    const bytes = new Uint8Array(await new Response(s).arrayBuffer());
    return new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, Math.floor(bytes.length / 2)));
        c.error(new Error("connection reset by peer"));
      },
    });
  }
}

Deno.test("copy() reads a blob again when its transfer breaks midway", async () => {
  const src = new FlakySource();
  await writeImage(src, "ns/a", {
    config: { os: "linux" },
    layers: [{ bytes: enc("some layer bytes") }],
    tag: "v1",
  });
  const dst = new MemoryStore();
  const r = await copy({ store: src, repository: "ns/a", reference: "v1" }, {
    store: dst,
    repository: "a",
    reference: "v1",
  }, {
    blobRetryDelayMs: 1,
  });
  assert.equal(r.blobsCopied, 2);
  assert.ok([...src.reads.values()].every((n) => n === 2));
  assert.equal((await dst.resolve("a", "v1")).digest, r.root.digest);
});

Deno.test("copy() gives up after blobAttempts and names the source as the failing side", async () => {
  class Broken extends MemoryStore {
    reads = 0;
    override getBlob(): Promise<ReadableStream<Uint8Array>> {
      this.reads++;
      return Promise.resolve(
        new ReadableStream({ start: (c) => c.error(new Error("connection reset by peer")) }),
      );
    }
  }
  const src = new Broken();
  await writeImage(src, "ns/a", { config: { os: "linux" }, layers: [], tag: "v1" });
  await assert.rejects(
    copy({ store: src, repository: "ns/a", reference: "v1" }, {
      store: new MemoryStore(),
      repository: "a",
      reference: "v1",
    }, {
      blobAttempts: 2,
      blobRetryDelayMs: 1,
    }),
    (e: unknown) => e instanceof CopyError && e.side === "source" && e.message === "connection reset by peer",
  );
  assert.equal(src.reads, 2);
});

Deno.test("copy() of two images that share a blob, at the same time into two repositories, transfers it once and mounts it", async () => {
  const src = new MemoryStore();
  const shared = { bytes: new Uint8Array(256 * 1024).fill(3) };
  await writeImage(src, "ns/a", { config: { n: 1 }, layers: [shared], tag: "v1" });
  await writeImage(src, "ns/b", { config: { n: 2 }, layers: [{ bytes: shared.bytes.slice() }], tag: "v1" });
  const dst = new MemoryStore();
  const ledger = new BlobLedger();
  const [a, b] = await Promise.all([
    copy({ store: src, repository: "ns/a", reference: "v1" }, {
      store: dst,
      repository: "a",
      reference: "v1",
    }, { ledger }),
    copy({ store: src, repository: "ns/b", reference: "v1" }, {
      store: dst,
      repository: "b",
      reference: "v1",
    }, { ledger }),
  ]);
  assert.equal((a?.blobsMounted ?? 0) + (b?.blobsMounted ?? 0), 1);
  const config = new TextEncoder().encode(JSON.stringify({ n: 1 })).length;
  assert.equal(
    (a?.bytesCopied ?? 0) + (b?.bytesCopied ?? 0),
    shared.bytes.length + 2 * config,
    "the shared layer moved once",
  );
});
