import assert from "node:assert/strict";
import { packTar, type TarEntry, unpackTar } from "modern-tar";
import { GraphError } from "../errors.ts";
import { type Descriptor, digestOf, MediaType, parseManifest } from "../oci/mod.ts";
import { MemoryStore, writeImage, writeIndex } from "../store/mod.ts";
import { buildGraphImage, GRAPH_IMAGE_CMD, graphDataLayer } from "./graph_image.ts";
import { graphImageDestination } from "./release_destinations.ts";
import { updateServiceResource, updateServiceYaml } from "./update_service_resource.ts";

const enc = new TextEncoder();

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(s).arrayBuffer());
}

const mtime = new Date("2024-05-06T07:08:09Z");
const fileEntry = (name: string, body: string): TarEntry => ({
  header: { name, size: enc.encode(body).byteLength, type: "file", mode: 0o640, uid: 1000, gid: 1000, mtime },
  body,
});
const dirEntry = (name: string): TarEntry => ({
  header: { name, size: 0, type: "directory", mode: 0o755, uid: 1000, gid: 1000, mtime },
});

const graphData = await gzip(
  await packTar([
    dirEntry("channels/"),
    fileEntry("channels/stable-4.14.yaml", "name: stable-4.14\nversions:\n- 4.14.1\n"),
    dirEntry("blocked-edges/"),
    fileEntry("blocked-edges/4.14.2.yaml", "to: 4.14.2\nfrom: .*\n"),
    fileEntry("version", "1.0.0\n"),
    { header: { name: "stable", size: 0, type: "symlink", linkname: "channels", mtime } },
  ]),
);

/** A two-platform base image plus an attestation manifest, like UBI on a registry with buildkit metadata. */
async function baseImage(store: MemoryStore) {
  const platforms = [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }];
  const manifests: Descriptor[] = [];
  const baseLayers: Uint8Array[] = [];
  for (const p of platforms) {
    const layerBytes = await gzip(await packTar([fileEntry(`etc/os-${p.architecture}`, "ubi9")]));
    baseLayers.push(layerBytes);
    manifests.push(
      await writeImage(store, "ubi9/ubi", {
        config: {
          architecture: p.architecture,
          os: "linux",
          config: { Cmd: ["/bin/bash"], Env: ["PATH=/usr/bin"] },
          rootfs: { type: "layers", diff_ids: [digestOf(`diff-${p.architecture}`)] },
          history: [{ created_by: "base" }],
        },
        layers: [{ bytes: layerBytes }],
        platform: p,
      }),
    );
  }
  const attestation = await writeImage(store, "ubi9/ubi", {
    config: {},
    layers: [{ bytes: enc.encode("{}"), mediaType: "application/vnd.in-toto+json" }],
    platform: { os: "unknown", architecture: "unknown" },
  });
  const index = await writeIndex(store, "ubi9/ubi", [...manifests, attestation], { tag: "latest" });
  return { index, manifests, baseLayers };
}

/** Copies the base layers to the destination, as the caller does before building. */
function seedDestination(dest: MemoryStore, repo: string, layers: Uint8Array[]) {
  for (const l of layers) dest.addBlob(repo, l, MediaType.ociLayerGzip);
}

async function readJson(store: MemoryStore, repo: string, d: Descriptor): Promise<Record<string, unknown>> {
  return JSON.parse(await new Response(await store.getBlob(repo, d)).text());
}

Deno.test("graphDataLayer() re-tars the data under /var/lib/cincinnati-graph-data owned by root", async () => {
  const layer = await graphDataLayer(graphData);
  assert.equal(layer.digest, digestOf(layer.bytes));
  const tar = await gunzip(layer.bytes);
  assert.equal(layer.diffId, digestOf(tar));
  const entries = await unpackTar(tar);
  assert.deepEqual(entries.map((e) => e.header.name), [
    "var/",
    "var/lib/",
    "var/lib/cincinnati-graph-data/",
    "var/lib/cincinnati-graph-data/channels/",
    "var/lib/cincinnati-graph-data/channels/stable-4.14.yaml",
    "var/lib/cincinnati-graph-data/blocked-edges/",
    "var/lib/cincinnati-graph-data/blocked-edges/4.14.2.yaml",
    "var/lib/cincinnati-graph-data/version",
    "var/lib/cincinnati-graph-data/stable",
  ]);
  for (const e of entries) {
    assert.equal(e.header.uid, 0);
    assert.equal(e.header.gid, 0);
  }
  const channel = entries.find((e) => e.header.name.endsWith("stable-4.14.yaml"));
  assert.equal(new TextDecoder().decode(channel?.data), "name: stable-4.14\nversions:\n- 4.14.1\n");
  assert.equal(channel?.header.mode, 0o640);
  assert.equal(channel?.header.mtime?.toISOString(), mtime.toISOString());
  assert.equal(entries.at(-1)?.header.linkname, "channels");
  // Same input, same bytes: the image digest is reproducible.
  assert.equal(
    (await graphDataLayer(new Blob([graphData as Uint8Array<ArrayBuffer>]).stream())).digest,
    layer.digest,
  );
});

Deno.test("graphDataLayer() refuses entries that climb out of the directory", async () => {
  const evil = await gzip(await packTar([fileEntry("../../etc/passwd", "x")]));
  await assert.rejects(
    graphDataLayer(evil),
    new GraphError('Graph data archive entry "../../etc/passwd" climbs out of its directory'),
  );
  await assert.rejects(
    graphDataLayer(enc.encode("not gzip")),
    /^GraphError: Cannot read the graph data archive: /,
  );
});

Deno.test("buildGraphImage() appends the layer to every platform and sets the CMD", async () => {
  const src = new MemoryStore({ label: "docker://registry.access.redhat.com" });
  const dest = new MemoryStore({ label: "docker://mirror.example" });
  const base = await baseImage(src);
  const { repository, tag } = graphImageDestination();
  seedDestination(dest, repository, base.baseLayers);
  const built = await buildGraphImage({
    graphDataTarGz: graphData,
    base: { store: src, repo: "ubi9/ubi", reference: "latest" },
    destination: { store: dest, repo: repository, tag },
  });
  assert.equal((await dest.resolve(repository, "latest")).digest, built.descriptor.digest);
  const index = parseManifest(await dest.getManifest(repository, built.descriptor), { where: "graph index" });
  assert.equal(index.kind, "index");
  if (index.kind !== "index") return;
  assert.deepEqual(index.manifests.map((m) => m.platform?.architecture), ["amd64", "arm64"]);
  assert.equal(built.manifests.length, 2);
  for (const [i, child] of index.manifests.entries()) {
    const m = parseManifest(await dest.getManifest(repository, child), { where: "graph manifest" });
    assert.equal(m.kind, "manifest");
    if (m.kind !== "manifest") return;
    assert.deepEqual(m.layers.map((l) => l.digest), [
      digestOf(base.baseLayers[i] as Uint8Array),
      built.layer.digest,
    ]);
    assert.equal(m.layers[1]?.mediaType, MediaType.ociLayerGzip);
    const config = await readJson(dest, repository, m.config);
    assert.deepEqual((config.config as Record<string, unknown>).Cmd, GRAPH_IMAGE_CMD);
    assert.deepEqual((config.config as Record<string, unknown>).Env, ["PATH=/usr/bin"]);
    const diffIds = (config.rootfs as { diff_ids: string[] }).diff_ids;
    assert.equal(diffIds.length, 2);
    assert.equal(diffIds[1], (await graphDataLayer(graphData)).diffId);
    assert.equal((config.history as unknown[]).length, 2);
  }
});

Deno.test("buildGraphImage() keeps only the platforms asked for", async () => {
  const src = new MemoryStore();
  const dest = new MemoryStore();
  const base = await baseImage(src);
  seedDestination(dest, "openshift/graph-image", base.baseLayers);
  const built = await buildGraphImage({
    graphDataTarGz: graphData,
    base: { store: src, repo: "ubi9/ubi", reference: base.index.digest },
    destination: { store: dest, repo: "openshift/graph-image", tag: "latest" },
    platforms: [{ os: "linux", architecture: "arm64" }],
  });
  const index = parseManifest(await dest.getManifest("openshift/graph-image", built.descriptor), {
    where: "x",
  });
  assert.deepEqual(index.kind === "index" ? index.manifests.map((m) => m.platform?.architecture) : [], [
    "arm64",
  ]);
  await assert.rejects(
    buildGraphImage({
      graphDataTarGz: graphData,
      base: { store: src, repo: "ubi9/ubi", reference: "latest" },
      destination: { store: dest, repo: "openshift/graph-image", tag: "latest" },
      platforms: [{ os: "linux", architecture: "s390x" }],
    }),
    new GraphError("Base image memory:///ubi9/ubi:latest has no manifest for linux/s390x"),
  );
});

Deno.test("buildGraphImage() extends a single Docker manifest and tags it", async () => {
  const src = new MemoryStore();
  const dest = new MemoryStore();
  const layerBytes = await gzip(await packTar([fileEntry("etc/os", "micro")]));
  await writeImage(src, "ubi8/ubi-micro", {
    mediaType: MediaType.dockerManifest,
    config: { architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: ["x"] } },
    layers: [{ bytes: layerBytes }],
    tag: "latest",
  });
  dest.addBlob("openshift/graph-image", layerBytes);
  const built = await buildGraphImage({
    graphDataTarGz: graphData,
    base: { store: src, repo: "ubi8/ubi-micro", reference: "latest" },
    destination: { store: dest, repo: "openshift/graph-image", tag: "latest" },
  });
  assert.equal(built.descriptor.mediaType, MediaType.dockerManifest);
  assert.equal((await dest.resolve("openshift/graph-image", "latest")).digest, built.descriptor.digest);
  assert.equal(built.layer.mediaType, MediaType.dockerLayerGzip);
  const m = parseManifest(await dest.getManifest("openshift/graph-image", built.descriptor), { where: "x" });
  assert.equal(m.kind === "manifest" ? m.config.mediaType : "", MediaType.dockerConfig);
});

Deno.test("updateServiceResource() points the update service at the mirrored releases and graph image", () => {
  const r = updateServiceResource({
    releasesRepo: "mirror.example:5000/ns/openshift/release-images",
    graphImage: "mirror.example:5000/ns/openshift/graph-image:latest",
    now: new Date("2026-01-02T03:04:05.678Z"),
    version: "v0.1.0",
  });
  assert.deepEqual(r, {
    apiVersion: "updateservice.operator.openshift.io/v1",
    kind: "UpdateService",
    metadata: {
      name: "update-service-oc-mirror",
      namespace: "openshift-update-service",
      annotations: {
        createdBy: "oc-mirror v2",
        createdAt: "2026-01-02T03:04:05Z",
        "oc-mirror_version": "v0.1.0",
      },
    },
    spec: {
      replicas: 2,
      releases: "mirror.example:5000/ns/openshift/release-images",
      graphDataImage: "mirror.example:5000/ns/openshift/graph-image:latest",
    },
  });
  assert.match(
    updateServiceYaml(r),
    /^apiVersion: updateservice.operator.openshift.io\/v1\nkind: UpdateService\n/,
  );
});
