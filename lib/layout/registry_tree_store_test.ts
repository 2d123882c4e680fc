import assert from "node:assert/strict";
import { DigestMismatchError, NotFoundError } from "../errors.ts";
import { type Descriptor, digestOf, MediaType } from "../oci/mod.ts";
import { storeContract, writeBlob, writeImage, writeIndex } from "../store/mod.ts";
import { RegistryTreeStore } from "./registry_tree_store.ts";
import {
  blobDataPath,
  layerLinkPath,
  manifestRevisionLinkPath,
  tagCurrentLinkPath,
} from "./registry_tree_paths.ts";

async function tempStore(): Promise<{ store: RegistryTreeStore; root: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "tree-store-" });
  return {
    store: new RegistryTreeStore(root),
    root,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

storeContract("RegistryTreeStore", tempStore);

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function stream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
}

function descriptorOf(bytes: Uint8Array): Descriptor {
  return { mediaType: "application/octet-stream", digest: digestOf(bytes), size: bytes.byteLength };
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${dir}/${rel}`)) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out.push(p);
    }
  };
  await walk("");
  return out.sort();
}

Deno.test("RegistryTreeStore writes distribution's data and link files", async () => {
  await using t = await tempStore();
  const m = await writeImage(t.store, "ns/app", {
    config: { architecture: "amd64", os: "linux" },
    layers: [{ bytes: bytesOf("layer") }],
    tag: "v1",
  });
  const layer = digestOf("layer");
  assert.equal(await Deno.readTextFile(`${t.root}/${layerLinkPath("ns/app", layer)}`), layer);
  assert.deepEqual(await Deno.readFile(`${t.root}/${blobDataPath(layer)}`), bytesOf("layer"));
  assert.equal(
    await Deno.readTextFile(`${t.root}/${manifestRevisionLinkPath("ns/app", m.digest)}`),
    m.digest,
  );
  assert.equal(await Deno.readTextFile(`${t.root}/${tagCurrentLinkPath("ns/app", "v1")}`), m.digest);
  const files = await listAll(t.root);
  assert.ok(files.every((f) => !f.endsWith(".tmp")), `temp files left: ${files.join(", ")}`);
  assert.equal(t.store.blobPath(layer), `${t.root}/${blobDataPath(layer)}`);
});

Deno.test("RegistryTreeStore putBlob leaves no temp file or folder when the digest does not match", async () => {
  await using t = await tempStore();
  const good = bytesOf("good bytes");
  await assert.rejects(
    t.store.putBlob("r", descriptorOf(good), stream(bytesOf("evil bytes"))),
    DigestMismatchError,
  );
  const files = await listAll(t.root).catch(() => []);
  assert.deepEqual(files, []);
  assert.equal(await t.store.hasBlobData(digestOf(good)), false);
});

Deno.test("RegistryTreeStore concurrent puts of the same blob all succeed with one data file", async () => {
  await using t = await tempStore();
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
  const d = descriptorOf(big);
  await Promise.all(
    ["a", "b", "c", "a", "b"].map((repo) => t.store.putBlob(`ns/${repo}`, d, stream(big))),
  );
  for (const repo of ["a", "b", "c"]) assert.equal(await t.store.hasBlob(`ns/${repo}`, d), true);
  const files = await listAll(t.root);
  assert.deepEqual(files.filter((f) => f.includes("/blobs/")), [blobDataPath(d.digest)]);
  assert.deepEqual(await Deno.readFile(t.store.blobPath(d.digest)), big);
});

Deno.test("RegistryTreeStore hasBlob needs the repository link and the data", async () => {
  await using t = await tempStore();
  const b = bytesOf("shared");
  const d = await writeBlob(t.store, "one", b, "application/octet-stream");
  assert.equal(await t.store.hasBlob("two", d), false);
  assert.equal(await t.store.hasBlobData(d.digest), true);
  await assert.rejects(t.store.getBlob("two", d), NotFoundError);
  assert.equal(await t.store.mountBlob("two", "one", d), true);
  assert.equal(await t.store.hasBlob("two", d), true);
  assert.equal(await t.store.mountBlob("three", "nowhere", d), false);
  await Deno.remove(t.store.blobPath(d.digest));
  assert.equal(await t.store.hasBlob("one", d), false);
});

Deno.test("RegistryTreeStore putBlob of bytes the tree already has only links them", async () => {
  await using t = await tempStore();
  const b = bytesOf("already here");
  const d = await writeBlob(t.store, "one", b, "application/octet-stream");
  let pulled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled = true;
      c.enqueue(b);
      c.close();
    },
  }, { highWaterMark: 0 });
  await t.store.putBlob("two", d, body);
  assert.equal(pulled, false);
  assert.equal(await t.store.hasBlob("two", d), true);
});

Deno.test("RegistryTreeStore getBlobRange and statBlob serve parts of a blob", async () => {
  await using t = await tempStore();
  const b = bytesOf("0123456789abcdef");
  const d = await writeBlob(t.store, "r", b, "application/octet-stream");
  const part = new Uint8Array(await new Response(await t.store.getBlobRange("r", d, 3, 7)).arrayBuffer());
  assert.equal(new TextDecoder().decode(part), "3456");
  const tail = new Uint8Array(await new Response(await t.store.getBlobRange("r", d, 10)).arrayBuffer());
  assert.equal(new TextDecoder().decode(tail), "abcdef");
  assert.equal((await t.store.statBlob("r", d.digest)).size, 16);
  await assert.rejects(t.store.statBlob("other", d.digest), NotFoundError);
});

Deno.test("RegistryTreeStore deleteManifest keeps the blob and other tags", async () => {
  await using t = await tempStore();
  const one = await writeImage(t.store, "r", { config: { n: 1 }, layers: [], tag: "one" });
  await t.store.putManifest("r", one, await t.store.getManifest("r", one), { tag: "also-one" });
  const two = await writeImage(t.store, "r", { config: { n: 2 }, layers: [], tag: "two" });
  await t.store.deleteManifest("r", one);
  const tags: string[] = [];
  for await (const tag of t.store.listTags("r")) tags.push(tag);
  assert.deepEqual(tags, ["two"]);
  assert.equal(await t.store.hasBlobData(one.digest), true);
  assert.equal((await t.store.resolve("r", "two")).digest, two.digest);
  await assert.rejects(t.store.deleteManifest("r", one), NotFoundError);
});

Deno.test("RegistryTreeStore putManifest refuses a manifest whose blobs the repository lacks", async () => {
  await using t = await tempStore();
  const m = await writeImage(t.store, "a", { config: { n: 1 }, layers: [{ bytes: bytesOf("l") }] });
  const bytes = await t.store.getManifest("a", m);
  await assert.rejects(t.store.putManifest("b", m, bytes), NotFoundError);
  assert.equal(await t.store.hasManifest("b", m), false);
  const idx = await writeIndex(t.store, "a", [m], { tag: "i" });
  await assert.rejects(t.store.putManifest("b", idx, await t.store.getManifest("a", idx)), NotFoundError);
});

Deno.test("RegistryTreeStore resolve reads the media type from the manifest JSON", async () => {
  await using t = await tempStore();
  const m = await writeImage(t.store, "d", {
    config: { n: 1 },
    layers: [{ bytes: bytesOf("x") }],
    mediaType: MediaType.dockerManifest,
    tag: "docker",
  });
  const list = await writeIndex(t.store, "d", [m], { mediaType: MediaType.dockerManifestList, tag: "list" });
  assert.equal((await t.store.resolve("d", "docker")).mediaType, MediaType.dockerManifest);
  assert.equal((await t.store.resolve("d", list.digest)).mediaType, MediaType.dockerManifestList);
});

Deno.test("RegistryTreeStore listRepositories finds nested repositories", async () => {
  await using t = await tempStore();
  for (const repo of ["b", "a/x", "a", "a/x/y", "c-d"]) {
    await writeImage(t.store, repo, { config: { repo }, layers: [], tag: "t" });
  }
  await t.store.putBlob("blobs-only", descriptorOf(bytesOf("z")), stream(bytesOf("z")));
  const repos: string[] = [];
  for await (const r of t.store.listRepositories()) repos.push(r);
  assert.deepEqual(repos, ["a", "a/x", "a/x/y", "b", "c-d"]);
});

Deno.test("RegistryTreeStore rejects repository names and tags that would escape the tree", async () => {
  await using t = await tempStore();
  await assert.rejects(t.store.resolve("../etc", "v1"), /Repository name "..\/etc" is invalid/);
  await assert.rejects(t.store.resolve("ok", "../../x"), /Tag "..\/..\/x" of ok is invalid/);
  const b = bytesOf("b");
  await assert.rejects(t.store.putBlob("a//b", descriptorOf(b), stream(b)), /is invalid/);
});

Deno.test("RegistryTreeStore with fsync writes the same tree", async () => {
  const root = await Deno.makeTempDir({ prefix: "tree-store-" });
  try {
    const store = new RegistryTreeStore(root, { fsync: true, label: "cache://test" });
    assert.equal(store.label, "cache://test");
    const m = await writeImage(store, "r", { config: { n: 1 }, layers: [{ bytes: bytesOf("l") }], tag: "t" });
    assert.equal((await store.resolve("r", "t")).digest, m.digest);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("RegistryTreeStore.sweepTemporaryFiles removes the temp files of dead writers only", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = new RegistryTreeStore(root);
    const dir = `${root}/docker/registry/v2/blobs/sha256/ab/${"ab".repeat(32)}`;
    await Deno.mkdir(dir, { recursive: true });
    const uuid = crypto.randomUUID();
    await Deno.writeTextFile(`${dir}/.data.2147483646-${uuid}.tmp`, "half a layer of a killed run");
    await Deno.writeTextFile(`${dir}/.data.${Deno.pid}-${uuid}.tmp`, "a layer this process is writing");
    await Deno.writeTextFile(`${dir}/data`, "a finished blob");
    const links = `${root}/docker/registry/v2/repositories/ns/app/_layers/sha256/${"ab".repeat(32)}`;
    await Deno.mkdir(links, { recursive: true });
    await Deno.writeTextFile(`${links}/.link.2147483646-${uuid}.tmp`, "sha256:");
    assert.equal(await store.sweepTemporaryFiles(), 2);
    assert.deepEqual([...Deno.readDirSync(links)], []);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, [`.data.${Deno.pid}-${uuid}.tmp`, "data"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
