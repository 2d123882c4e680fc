import assert from "node:assert/strict";
import { packTar, type TarEntry } from "modern-tar";
import { DigestMismatchError, ManifestError } from "../errors.ts";
import { type Descriptor, digestOf, MediaType } from "../oci/mod.ts";
import { MemoryStore, type OpOptions, type SourceStore, writeImage, writeIndex } from "../store/mod.ts";
import { readReleasePayload } from "./release_payload.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

function file(name: string, body: string | Uint8Array): TarEntry {
  const bytes = typeof body === "string" ? enc.encode(body) : body;
  return { header: { name, size: bytes.byteLength, type: "file", mode: 0o644 }, body: bytes };
}

function dir(name: string): TarEntry {
  return { header: { name, size: 0, type: "directory", mode: 0o755 } };
}

async function tarGz(...entries: TarEntry[]): Promise<Uint8Array> {
  return await gzip(await packTar(entries));
}

/** Deterministic pseudo-random bytes (a decoy binary). */
function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function componentImage(arch: string, name: string): string {
  return `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${digestOf(`${arch}/${name}`)}`;
}

function imageReferences(version: string, arch: string): string {
  return JSON.stringify({
    kind: "ImageStream",
    apiVersion: "image.openshift.io/v1",
    metadata: { name: version, creationTimestamp: null },
    spec: {
      lookupPolicy: { local: false },
      tags: ["etcd", "cli", "machine-os-images"].map((name) => ({
        name,
        annotations: { "io.openshift.build.source-location": "https://github.com/openshift/x" },
        from: {
          kind: "DockerImage",
          name: componentImage(arch, name),
        },
      })),
    },
  });
}

const bootImagesYaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: coreos-bootimages
  namespace: openshift-machine-config-operator
data:
  releaseVersion: 4.14.1
  stream: |
    {
      "stream": "rhcos-4.14",
      "architectures": {
        "x86_64": {"images": {"kubevirt": {"release": "414.92", "image": "quay.io/openshift-release-dev/ocp-v4.0-art-dev",
          "digest-ref": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${"a".repeat(64)}"}}},
        "s390x": {"images": {"kubevirt": {"digest-ref": "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${
  "b".repeat(64)
}"}}},
        "aarch64": {"artifacts": {}}
      }
    }
`;

const metadata414 = JSON.stringify({
  kind: "cincinnati-metadata-v0",
  version: "4.14.1",
  previous: ["4.13.20", "4.14.0"],
  metadata: { url: "https://access.redhat.com/errata/RHSA-2023:0001" },
});

/** A payload of three layers: a decoy base, an older manifests layer, and the release layer on top. */
async function payloadLayers(version = "4.14.1", arch = "x86_64") {
  const base = await tarGz(dir("usr/"), dir("usr/bin/"), file("usr/bin/oc", noise(300_000, 7)));
  const older = await tarGz(
    dir("release-manifests/"),
    file("release-manifests/image-references", imageReferences("4.14.0", arch)),
    file("release-manifests/stale-file.yaml", "kind: Stale"),
    file("release-manifests/0000_10_kept.yaml", "kind: Kept"),
    file("etc/release-manifests/image-references", "decoy outside the directory"),
  );
  const top = await tarGz(
    dir("./release-manifests/"),
    file("./release-manifests/image-references", imageReferences(version, arch)),
    file("./release-manifests/release-metadata", metadata414.replace("4.14.1", version)),
    file("./release-manifests/0000_50_installer_coreos-bootimages.yaml", bootImagesYaml),
    file("./release-manifests/.wh.stale-file.yaml", ""),
  );
  return [base, older, top];
}

async function payloadImage(store: MemoryStore, repo: string, layers: Uint8Array[], arch = "amd64") {
  return await writeImage(store, repo, {
    config: { architecture: arch, os: "linux", config: { Labels: { "io.openshift.release": "4.14.1" } } },
    layers: layers.map((bytes) => ({ bytes })),
    platform: { os: "linux", architecture: arch },
  });
}

Deno.test("readReleasePayload() reads image-references, metadata and boot images from the top layers", async () => {
  const store = new MemoryStore();
  const m = await payloadImage(store, "ocp/release", await payloadLayers());
  const p = await readReleasePayload(store, "ocp/release", m);
  assert.equal(p.version, "4.14.1");
  assert.equal(p.digest, m.digest);
  assert.equal(p.manifestDigest, m.digest);
  assert.deepEqual(p.imageReferences.map((r) => r.name), ["etcd", "cli", "machine-os-images"]);
  assert.equal(p.imageReferences[0]?.image, componentImage("x86_64", "etcd"));
  assert.deepEqual(p.metadata?.previous, ["4.13.20", "4.14.0"]);
  assert.deepEqual(p.bootImages, {
    kubevirt: {
      x86_64: `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${"a".repeat(64)}`,
      s390x: `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${"b".repeat(64)}`,
    },
  });
  assert.deepEqual([...p.files.keys()], [
    "release-manifests/0000_50_installer_coreos-bootimages.yaml",
    "release-manifests/image-references",
    "release-manifests/release-metadata",
  ]);
});

Deno.test("readReleasePayload() stacks layers: later files replace earlier ones, whiteouts delete", async () => {
  const store = new MemoryStore();
  const m = await payloadImage(store, "ocp/release", await payloadLayers());
  const p = await readReleasePayload(store, "ocp/release", m, { allManifests: true });
  assert.deepEqual([...p.files.keys()], [
    "release-manifests/0000_10_kept.yaml",
    "release-manifests/0000_50_installer_coreos-bootimages.yaml",
    "release-manifests/image-references",
    "release-manifests/release-metadata",
  ]);
  assert.match(dec.decode(p.files.get("release-manifests/image-references")), /"name":"4.14.1"/);
});

Deno.test("readReleasePayload() honours an opaque whiteout and a directory whiteout", async () => {
  const store = new MemoryStore();
  const [base, older, top] = await payloadLayers();
  const opaque = await tarGz(
    file("release-manifests/.wh..wh..opq", ""),
    file("release-manifests/image-references", imageReferences("4.14.2", "x86_64")),
  );
  const p = await readReleasePayload(
    store,
    "ocp/a",
    await payloadImage(store, "ocp/a", [base as Uint8Array, older as Uint8Array, top as Uint8Array, opaque]),
    { allManifests: true },
  );
  assert.deepEqual([...p.files.keys()], ["release-manifests/image-references"]);
  assert.equal(p.version, "4.14.2");
  const gone = await tarGz(file(".wh.release-manifests", ""));
  await assert.rejects(
    readReleasePayload(store, "ocp/b", await payloadImage(store, "ocp/b", [top as Uint8Array, gone])),
    /has no release-manifests\/image-references: it is not an OpenShift release image$/,
  );
});

Deno.test("readReleasePayload() reads the asked platform of a multi-arch payload", async () => {
  const store = new MemoryStore();
  const amd = await payloadImage(store, "ocp/multi", await payloadLayers("4.14.1", "x86_64"), "amd64");
  const arm = await payloadImage(store, "ocp/multi", await payloadLayers("4.14.1", "aarch64"), "arm64");
  const index = await writeIndex(store, "ocp/multi", [amd, arm], { tag: "4.14.1-multi" });
  const p = await readReleasePayload(store, "ocp/multi", index, {
    platform: { os: "linux", architecture: "arm64" },
  });
  assert.equal(p.digest, index.digest);
  assert.equal(p.manifestDigest, arm.digest);
  assert.equal(p.imageReferences[0]?.image, componentImage("aarch64", "etcd"));
  const def = await readReleasePayload(store, "ocp/multi", index);
  assert.equal(def.manifestDigest, amd.digest);
  await assert.rejects(
    readReleasePayload(store, "ocp/multi", index, { platform: { os: "linux", architecture: "s390x" } }),
    new ManifestError(
      `Release payload memory:///ocp/multi@${index.digest} has no manifest for linux/s390x: it has linux/amd64, linux/arm64`,
    ),
  );
});

Deno.test("readReleasePayload() reads uncompressed and zstd layers too", async () => {
  const store = new MemoryStore();
  const refs = file("release-manifests/image-references", imageReferences("4.15.0", "x86_64"));
  const plain = await packTar([refs]);
  const m = await writeImage(store, "ocp/plain", {
    config: { os: "linux", architecture: "amd64" },
    layers: [{ bytes: plain, mediaType: MediaType.ociLayer }],
  });
  assert.equal((await readReleasePayload(store, "ocp/plain", m)).version, "4.15.0");
  const { zstdCompressSync } = await import("node:zlib");
  const z = await writeImage(store, "ocp/zstd", {
    config: { os: "linux", architecture: "amd64" },
    layers: [{ bytes: new Uint8Array(zstdCompressSync(plain)), mediaType: MediaType.ociLayerZstd }],
  });
  assert.equal((await readReleasePayload(store, "ocp/zstd", z)).version, "4.15.0");
});

Deno.test("readReleasePayload() refuses oversized files and unknown layer types", async () => {
  const store = new MemoryStore();
  const m = await payloadImage(store, "ocp/release", await payloadLayers());
  await assert.rejects(
    readReleasePayload(store, "ocp/release", m, { maxFileBytes: 100, name: "quay.io/ocp-release:4.14.1" }),
    (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      assert.match(
        e.message,
        /^Image quay.io\/ocp-release:4.14.1 has release-manifests\/image-references of \d+ bytes: the limit is 100$/,
      );
      return true;
    },
  );
  const odd = await writeImage(store, "ocp/odd", {
    config: { os: "linux", architecture: "amd64" },
    layers: [{ bytes: enc.encode("x"), mediaType: "application/vnd.example.thing" }],
  });
  await assert.rejects(
    readReleasePayload(store, "ocp/odd", odd, { name: "p" }),
    /^ManifestError: Image p has layer sha256:[0-9a-f]{64} of media type "application\/vnd.example.thing": want a tar/,
  );
});

/** A store that serves a corrupted copy of every blob. */
class CorruptingStore implements SourceStore {
  readonly label = "corrupt://";
  constructor(readonly inner: MemoryStore) {}
  resolve(repo: string, reference: string, o?: OpOptions) {
    return this.inner.resolve(repo, reference, o);
  }
  getManifest(repo: string, d: Descriptor, o?: OpOptions) {
    return this.inner.getManifest(repo, d, o);
  }
  async getBlob(repo: string, d: Descriptor, o?: OpOptions) {
    const bytes = new Uint8Array(await new Response(await this.inner.getBlob(repo, d, o)).arrayBuffer());
    // Flip a byte of the end-of-archive padding: the tar still reads, only the digest can tell.
    const at = bytes.length - 1;
    bytes[at] = (bytes[at] as number) ^ 0xff;
    return new Blob([bytes]).stream();
  }
}

Deno.test("readReleasePayload() verifies every layer against its digest", async () => {
  const store = new MemoryStore();
  const plain = await packTar([
    file("release-manifests/image-references", imageReferences("4.15.0", "x86_64")),
  ]);
  const m = await writeImage(store, "ocp/release", {
    config: { os: "linux", architecture: "amd64" },
    layers: [{ bytes: plain, mediaType: MediaType.ociLayer }],
  });
  assert.equal((await readReleasePayload(store, "ocp/release", m)).version, "4.15.0");
  await assert.rejects(readReleasePayload(new CorruptingStore(store), "ocp/release", m), (e: unknown) => {
    assert.ok(e instanceof DigestMismatchError, String(e));
    assert.equal(e.where, `corrupt:///ocp/release@${m.digest} layer ${digestOf(plain)}`);
    return true;
  });
});

Deno.test("readReleasePayload() reports a broken image-references naming the payload", async () => {
  const store = new MemoryStore();
  const m = await payloadImage(store, "ocp/bad", [
    await tarGz(
      file("release-manifests/image-references", JSON.stringify({ kind: "ImageStream", spec: {} })),
    ),
  ]);
  await assert.rejects(
    readReleasePayload(store, "ocp/bad", m, { name: "quay.io/x@sha256:1" }),
    new ManifestError(
      "Release payload quay.io/x@sha256:1 has an invalid release-manifests/image-references: it has no spec.tags list",
    ),
  );
});
