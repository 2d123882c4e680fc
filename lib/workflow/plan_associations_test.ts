import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { MediaType } from "../oci/mod.ts";
import type { ImageMapping } from "../plan/mod.ts";
import { parseImageReference } from "../reference/mod.ts";
import { MemoryStore, type SourceStore, writeImage, writeIndex } from "../store/mod.ts";
import type { Plan } from "./collect_plan.ts";
import { upstreamSources } from "./image_sources.ts";
import {
  associationOf,
  ManifestRecorder,
  planAssociations,
  selectedAssociations,
} from "./plan_associations.ts";

function mapping(source: string, repository: string, tag: string): ImageMapping {
  const ref = parseImageReference(source);
  return { source: ref, origin: ref, destination: { registry: "", repository, tag }, kind: "generic" };
}

function plan(mappings: ImageMapping[]): Plan {
  return { mappings, catalogs: [], signatures: [], releases: [], blocked: [] };
}

const options = { build: true, parallelImages: 2, parallelLayers: 2, imageTimeoutMs: 10_000 };

Deno.test("planAssociations records root, child manifests and every layer without moving blob data", async () => {
  const upstream = new MemoryStore({ label: "docker://quay.io" });
  const a = await writeImage(upstream, "example/multi", {
    config: { os: "linux", architecture: "amd64" },
    layers: [{ bytes: new TextEncoder().encode("amd64 layer") }],
    platform: { os: "linux", architecture: "amd64" },
  });
  const b = await writeImage(upstream, "example/multi", {
    config: { os: "linux", architecture: "arm64" },
    layers: [{ bytes: new TextEncoder().encode("arm64 layer") }],
    platform: { os: "linux", architecture: "arm64" },
  });
  const index = await writeIndex(upstream, "example/multi", [a, b], { tag: "latest" });
  const app = await writeImage(upstream, "example/app", {
    config: { n: 1 },
    layers: [{ bytes: new TextEncoder().encode("app layer") }],
    tag: "1.0",
  });
  const multi = mapping("quay.io/example/multi:latest", "example/multi", "latest");
  const appMapping = mapping("quay.io/example/app:1.0", "example/app", "1.0");
  const missing = mapping("quay.io/example/gone:1.0", "example/gone", "1.0");
  let blobReads = 0;
  const counting: SourceStore = {
    label: upstream.label,
    resolve: (r, ref, o) => upstream.resolve(r, ref, o),
    getManifest: (r, d, o) => upstream.getManifest(r, d, o),
    getBlob: (r, d, o) => {
      blobReads++;
      return upstream.getBlob(r, d, o);
    },
  };
  const planned = await planAssociations(plan([multi, appMapping, missing]), {
    ctx: testContext(),
    sources: upstreamSources(() => counting),
    ...options,
  });
  assert.equal(blobReads, 0, "no blob data was read");
  const m = planned.associations.get(multi);
  assert.equal(m?.id, index.digest);
  assert.deepEqual(m?.manifestDigests, [a.digest, b.digest].sort());
  assert.equal(m?.layerDigests.length, 4, "two configs and two layers");
  assert.equal(m?.tagSymlink, "latest");
  assert.equal(m?.path, "example/multi");
  assert.equal(m?.name, "quay.io/example/multi:latest");
  assert.equal(planned.associations.get(appMapping)?.id, app.digest);
  assert.ok(planned.failures.has(missing));

  const previous = [{
    ...(m as NonNullable<typeof m>),
    path: "example/gone",
    tagSymlink: "1.0",
    name: "gone",
  }];
  const selected = selectedAssociations(plan([multi, appMapping, missing]), planned, previous);
  assert.deepEqual(selected.map((s) => s.path), ["example/multi", "example/app", "example/gone"]);
});

Deno.test("associationOf leaves out manifests the root does not reach", async () => {
  const rec = new ManifestRecorder();
  const store = new MemoryStore();
  const original = await writeImage(store, "r", {
    config: { o: 1 },
    layers: [{ bytes: new Uint8Array([1]) }],
  });
  const rebuilt = await writeImage(store, "r", {
    config: { o: 2 },
    layers: [{ bytes: new Uint8Array([1]) }],
  });
  for (const d of [original, rebuilt]) await rec.putManifest("r", d, await store.getManifest("r", d));
  assert.equal(await rec.hasBlob("r", original), true);
  assert.equal(await rec.hasManifest("r", original), false);
  const assoc = associationOf(mapping("quay.io/x/r:1", "r", "1"), rebuilt.digest, rec.manifests("r"));
  assert.deepEqual(assoc.manifestDigests, []);
  assert.equal(assoc.layerDigests.length, 2);
  assert.equal(assoc.type, "generic");
  assert.equal(MediaType.ociManifest, rebuilt.mediaType);
});
