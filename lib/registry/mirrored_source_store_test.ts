import assert from "node:assert/strict";
import { NotFoundError, OcMirrorError } from "../errors.ts";
import { type RunEvent, testContext } from "../context.ts";
import { digestOf, MediaType } from "../oci/mod.ts";
import { FakeRegistry, seededBytes, startTestServer } from "./_test_server.ts";
import { MirroredSourceStore } from "./mirrored_source_store.ts";
import { parseRegistriesConf } from "./registries_conf.ts";
import { createRegistryStores } from "./registry_stores.ts";

const MANIFEST = new TextEncoder().encode(JSON.stringify({
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: digestOf("cfg"), size: 3 },
  layers: [],
}));

async function read(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("sources are served by the first mirror that has the content, then the rewritten primary", async () => {
  const mirror = new FakeRegistry();
  const primary = new FakeRegistry();
  const layer = seededBytes(2000, 11);
  const d = mirror.addManifest("mirrors/quay/ns/app", MANIFEST, MediaType.ociManifest, "v1");
  primary.addManifest("real/ns/app", MANIFEST, MediaType.ociManifest, "v1");
  const blob = primary.addBlob("real/ns/app", layer); // the mirror lacks this blob
  await using m = await startTestServer((req, url, body) => mirror.handle(req, url, body));
  await using p = await startTestServer((req, url, body) => primary.handle(req, url, body));
  const conf = parseRegistriesConf(
    `[[registry]]
prefix = "quay.io"
location = "${p.host}/real"
[[registry.mirror]]
location = "${m.host}/mirrors/quay"
[[registry.mirror]]
location = "${m.host}/digest-only"
pull-from-mirror = "digest-only"
`,
    "registries.conf",
  );
  const events: RunEvent[] = [];
  using stores = await createRegistryStores(testContext({ report: (e) => events.push(e) }), {
    registriesConf: conf,
  });
  const source = stores.source("quay.io");
  assert.ok(source instanceof MirroredSourceStore);
  assert.equal(source.label, "docker://quay.io");
  assert.deepEqual(await source.resolve("ns/app", "v1"), d);
  assert.deepEqual(await source.getManifest("ns/app", d), MANIFEST);
  assert.deepEqual(await read(await source.getBlob("ns/app", blob)), layer);
  // Tags skip the digest-only mirror; digests try it.
  assert.ok(!m.requests.some((r) => r.path.startsWith("/v2/digest-only/") && r.path.endsWith("/v1")));
  assert.ok(m.requests.some((r) => r.path === `/v2/digest-only/ns/app/blobs/${blob.digest}`));
  assert.deepEqual(p.requests.filter((r) => r.path !== "/v2/").map((r) => `${r.method} ${r.path}`), [
    `GET /v2/real/ns/app/blobs/${blob.digest}`,
  ]);
  const logs = events.flatMap((e) => e.kind === "log" && e.level === "debug" ? [e.message] : []);
  assert.ok(
    logs.includes(`Manifest v1 of quay.io/ns/app served by mirror ${m.host}/mirrors/quay/ns/app`),
    logs.join("\n"),
  );
  assert.ok(
    logs.includes(`Blob ${blob.digest} of quay.io/ns/app served by location ${p.host}/real/ns/app`),
    logs.join("\n"),
  );
});

Deno.test("when every location fails the primary's error is thrown", async () => {
  const empty = new FakeRegistry();
  await using m = await startTestServer((req, url, body) => empty.handle(req, url, body));
  await using p = await startTestServer((req, url, body) => empty.handle(req, url, body));
  const conf = parseRegistriesConf(
    `[[registry]]\nprefix = "quay.io"\nlocation = "${p.host}"\n[[registry.mirror]]\nlocation = "${m.host}"\n`,
    "r.conf",
  );
  using stores = await createRegistryStores(testContext(), { registriesConf: conf });
  await assert.rejects(stores.source("quay.io").resolve("ns/app", "v1"), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.store, `docker://${p.host}`);
    return true;
  });
});

Deno.test("a blocked registry is served only by its mirrors", async () => {
  const mirror = new FakeRegistry();
  const d = mirror.addManifest("ns/app", MANIFEST, MediaType.ociManifest, "v1");
  await using m = await startTestServer((req, url, body) => mirror.handle(req, url, body));
  const conf = parseRegistriesConf(
    `[[registry]]\nlocation = "blocked.io"\nblocked = true\n[[registry.mirror]]\nlocation = "${m.host}"\n`,
    "/etc/containers/registries.conf",
  );
  using stores = await createRegistryStores(testContext(), { registriesConf: conf });
  const source = stores.source("blocked.io");
  assert.deepEqual(await source.resolve("ns/app", "v1"), d);
  await assert.rejects(source.resolve("ns/other", "v1"), (e: unknown) => {
    assert.ok(e instanceof OcMirrorError);
    assert.equal(
      e.message,
      `Image "blocked.io/ns/other" is blocked by /etc/containers/registries.conf (prefix "blocked.io") and no mirror could serve it`,
    );
    assert.ok(e.cause instanceof NotFoundError);
    return true;
  });
});

Deno.test("without registries.conf entries source() is the plain registry store", async () => {
  using stores = await createRegistryStores(testContext(), {});
  assert.equal(stores.source("quay.io"), stores.destination("quay.io"));
  using withConf = await createRegistryStores(testContext(), {
    srcTlsVerify: false,
    registriesConf: { registries: [] },
  });
  assert.notEqual(withConf.source("quay.io"), withConf.destination("quay.io"));
});
