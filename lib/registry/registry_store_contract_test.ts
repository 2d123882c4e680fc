import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { type Descriptor, digestOf, MediaType } from "../oci/mod.ts";
import { storeContract, writeImage } from "../store/mod.ts";
import { startDockerRegistry } from "../../tests/_support/docker_registry.ts";
import { skopeoInspectRaw } from "../../tests/_support/skopeo.ts";
import { seededBytes } from "./_test_server.ts";
import { RegistryStore } from "./registry_store.ts";
import { createRegistryStores } from "./registry_stores.ts";

// The real CNCF distribution registry over plain http on 127.0.0.1 (loopback: http allowed with the
// default tlsVerify=true, as Docker does), one fresh registry per contract rule.
storeContract("RegistryStore (docker-registry, http)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-contract-" });
  const reg = await startDockerRegistry(`${dir}/storage`);
  const stores = await createRegistryStores(testContext(), { retryTimes: 1 });
  return {
    store: stores.destination(reg.host),
    [Symbol.asyncDispose]: async () => {
      stores.close();
      await reg[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

async function withRegistry(fn: (host: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "registry-interop-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/storage`);
    await fn(reg.host, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("docker-registry: a multi-MiB blob round-trips through chunked PATCH uploads and mounts", async () => {
  await withRegistry(async (host) => {
    using stores = await createRegistryStores(testContext(), { uploadChunkBytes: 512 * 1024 });
    const store = stores.destination(host);
    const bytes = seededBytes(2 * 1024 * 1024 + 17, 42);
    const d = { mediaType: MediaType.ociLayerGzip, digest: digestOf(bytes), size: bytes.byteLength };
    await store.putBlob("src/app", d, new Blob([bytes]).stream());
    const back = new Uint8Array(await new Response(await store.getBlob("src/app", d)).arrayBuffer());
    assert.equal(digestOf(back), d.digest);
    assert.equal(await store.hasBlob("dst/app", d), false);
    assert.equal(await store.mountBlob("dst/app", "src/app", d), true);
    assert.equal(await store.hasBlob("dst/app", d), true);
    const missing = { ...d, digest: digestOf("not there") };
    assert.equal(await store.mountBlob("dst/app", "src/app", missing), false);
  });
});

Deno.test("docker-registry: pushed manifests are byte-identical for skopeo and the catalog pages", async () => {
  await withRegistry(async (host) => {
    using stores = await createRegistryStores(testContext(), {});
    const store = stores.destination(host);
    const names = ["a/one", "b/two", "c/three"];
    const manifests = [];
    for (const [i, repo] of names.entries()) {
      manifests.push(
        await writeImage(store, repo, {
          config: { architecture: "amd64", os: "linux", n: i },
          layers: [{ bytes: seededBytes(1000, i + 1) }],
          mediaType: i === 0 ? MediaType.dockerManifest : MediaType.ociManifest,
          tag: "v1",
        }),
      );
    }
    for (const [i, repo] of names.entries()) {
      const raw = await skopeoInspectRaw(`docker://${host}/${repo}:v1`);
      assert.equal(digestOf(raw), manifests[i]?.digest);
      assert.deepEqual(raw, await store.getManifest(repo, manifests[i] as Descriptor));
    }
    const paged = new RegistryStore(store.client, { ctx: testContext(), pageSize: 2 });
    const repos: string[] = [];
    for await (const r of paged.listRepositories()) repos.push(r);
    assert.deepEqual(repos, names);
  });
});
