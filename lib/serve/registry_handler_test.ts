import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { type Descriptor, digestOf, encodeJson, MediaType } from "../oci/mod.ts";
import { RegistryTreeStore } from "../layout/mod.ts";
import { type ContentStore, MemoryStore, writeBlob, writeImage, writeIndex } from "../store/mod.ts";
import { seededBytes } from "../../tests/_support/test_image.ts";
import { registryHandler } from "./registry_handler.ts";
import { type ServedRegistry, serveRegistry, type ServeRegistryOptions } from "./serve_registry.ts";

interface Fixture extends AsyncDisposable {
  store: ContentStore;
  reg: ServedRegistry;
  url: string;
}

async function start(
  options: ServeRegistryOptions & { memory?: boolean } = {},
): Promise<Fixture> {
  const root = await Deno.makeTempDir({ prefix: "serve-test-" });
  const store = options.memory ? new MemoryStore() : new RegistryTreeStore(root);
  const reg = await serveRegistry(store, options);
  return {
    store,
    reg,
    url: reg.url,
    [Symbol.asyncDispose]: async () => {
      await reg.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

async function errorCode(res: Response): Promise<string> {
  const body = await res.json();
  return body.errors[0].code;
}

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

function body(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

Deno.test("serveRegistry answers GET /v2/ with the API version header", async () => {
  await using f = await start();
  assert.match(f.reg.host, /^127\.0\.0\.1:\d+$/);
  assert.equal(f.url, `http://${f.reg.host}`);
  const res = await fetch(`${f.url}/v2/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("Docker-Distribution-API-Version"), "registry/2.0");
  assert.deepEqual(await res.json(), {});
});

Deno.test("registry serves manifests by tag and digest with their stored media type", async () => {
  await using f = await start();
  const m = await writeImage(f.store, "ns/app", {
    config: { n: 1 },
    layers: [{ bytes: seededBytes(1, 100) }],
    mediaType: MediaType.dockerManifest,
    tag: "v1",
  });
  for (const ref of ["v1", m.digest]) {
    const res = await fetch(`${f.url}/v2/ns/app/manifests/${ref}`, {
      headers: { Accept: MediaType.ociManifest },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("Content-Type"), MediaType.dockerManifest);
    assert.equal(res.headers.get("Docker-Content-Digest"), m.digest);
    assert.equal(res.headers.get("Content-Length"), String(m.size));
    assert.equal(digestOf(await bytesOf(res)), m.digest);
  }
  const head = await fetch(`${f.url}/v2/ns/app/manifests/v1`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("Content-Length"), String(m.size));
  assert.equal(head.headers.get("Docker-Content-Digest"), m.digest);
  const missing = await fetch(`${f.url}/v2/ns/app/manifests/nope`);
  assert.equal(missing.status, 404);
  assert.equal(await errorCode(missing), "MANIFEST_UNKNOWN");
});

Deno.test("registry takes a monolithic upload and rejects one whose digest does not match", async () => {
  await using f = await start();
  const blob = seededBytes(2, 5000);
  const d = digestOf(blob);
  const ok = await fetch(`${f.url}/v2/r/blobs/uploads/?digest=${d}`, { method: "POST", body: body(blob) });
  assert.equal(ok.status, 201);
  assert.equal(ok.headers.get("Location"), `/v2/r/blobs/${d}`);
  assert.equal(ok.headers.get("Docker-Content-Digest"), d);
  const get = await fetch(`${f.url}/v2/r/blobs/${d}`);
  assert.deepEqual(await bytesOf(get), blob);
  const other = seededBytes(3, 10);
  const bad = await fetch(`${f.url}/v2/r/blobs/uploads/?digest=${digestOf(other)}`, {
    method: "POST",
    body: body(blob),
  });
  assert.equal(bad.status, 400);
  assert.equal(await errorCode(bad), "DIGEST_INVALID");
  const head = await fetch(`${f.url}/v2/r/blobs/${digestOf(other)}`, { method: "HEAD" });
  assert.equal(head.status, 404);
});

Deno.test("registry assembles a chunked upload from several PATCHes", async () => {
  await using f = await start();
  const blob = seededBytes(4, 100_000);
  const d = digestOf(blob);
  const post = await fetch(`${f.url}/v2/ns/chunky/blobs/uploads/`, { method: "POST" });
  assert.equal(post.status, 202);
  assert.equal(post.headers.get("Range"), "0-0");
  const uuid = post.headers.get("Docker-Upload-UUID");
  let location = post.headers.get("Location") ?? "";
  assert.equal(location, `/v2/ns/chunky/blobs/uploads/${uuid}`);
  const cuts = [0, 30_000, 65_536, 99_999, 100_000];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i] ?? 0, cuts[i + 1] ?? 0];
    const res = await fetch(new URL(location, f.url), {
      method: "PATCH",
      headers: { "Content-Range": `${from}-${to - 1}`, "Content-Type": "application/octet-stream" },
      body: body(blob.slice(from, to)),
    });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get("Range"), `0-${to - 1}`);
    location = res.headers.get("Location") ?? "";
  }
  const status = await fetch(new URL(location, f.url));
  assert.equal(status.status, 204);
  assert.equal(status.headers.get("Range"), "0-99999");
  const put = await fetch(new URL(`${location}?digest=${d}`, f.url), { method: "PUT" });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get("Docker-Content-Digest"), d);
  assert.deepEqual(await bytesOf(await fetch(`${f.url}/v2/ns/chunky/blobs/${d}`)), blob);
  const gone = await fetch(new URL(location, f.url));
  assert.equal(gone.status, 404);
  assert.equal(await errorCode(gone), "BLOB_UPLOAD_UNKNOWN");
});

Deno.test("registry answers an out-of-order PATCH with 416 and keeps the upload usable", async () => {
  await using f = await start();
  const blob = seededBytes(5, 300);
  const post = await fetch(`${f.url}/v2/r/blobs/uploads/`, { method: "POST" });
  const location = new URL(post.headers.get("Location") ?? "", f.url);
  const first = await fetch(location, {
    method: "PATCH",
    headers: { "Content-Range": "0-99" },
    body: body(blob.slice(0, 100)),
  });
  assert.equal(first.status, 202);
  const skipped = await fetch(location, {
    method: "PATCH",
    headers: { "Content-Range": "200-299" },
    body: body(blob.slice(200)),
  });
  assert.equal(skipped.status, 416);
  assert.equal(skipped.headers.get("Range"), "0-99");
  await skipped.body?.cancel();
  const rest = await fetch(location, {
    method: "PATCH",
    headers: { "Content-Range": "100-299" },
    body: body(blob.slice(100)),
  });
  assert.equal(rest.status, 202);
  const put = await fetch(`${location}?digest=${digestOf(blob)}`, { method: "PUT" });
  assert.equal(put.status, 201);
});

Deno.test("registry finishes a streamed PATCH upload and a PUT carrying the last chunk", async () => {
  await using f = await start();
  const blob = seededBytes(6, 70_000);
  const d = digestOf(blob);
  const post = await fetch(`${f.url}/v2/r/blobs/uploads/`, { method: "POST" });
  const location = new URL(post.headers.get("Location") ?? "", f.url);
  const streamed = new Blob([body(blob.slice(0, 50_000))]).stream();
  const patch = await fetch(location, { method: "PATCH", body: streamed });
  assert.equal(patch.status, 202);
  assert.equal(patch.headers.get("Range"), "0-49999");
  const put = await fetch(`${location}?digest=${d}`, {
    method: "PUT",
    headers: { "Content-Range": "50000-69999" },
    body: body(blob.slice(50_000)),
  });
  assert.equal(put.status, 201);
  assert.deepEqual(await bytesOf(await fetch(`${f.url}/v2/r/blobs/${d}`)), blob);
});

Deno.test("registry rejects a finished upload whose digest does not match and drops it", async () => {
  await using f = await start();
  const blob = seededBytes(7, 1000);
  const post = await fetch(`${f.url}/v2/r/blobs/uploads/`, { method: "POST" });
  const location = new URL(post.headers.get("Location") ?? "", f.url);
  await (await fetch(location, { method: "PATCH", body: body(blob) })).body?.cancel();
  const wrong = digestOf("something else");
  const put = await fetch(`${location}?digest=${wrong}`, { method: "PUT" });
  assert.equal(put.status, 400);
  assert.equal(await errorCode(put), "DIGEST_INVALID");
  assert.equal((await fetch(`${f.url}/v2/r/blobs/${wrong}`, { method: "HEAD" })).status, 404);
  assert.equal((await fetch(`${f.url}/v2/r/blobs/${digestOf(blob)}`, { method: "HEAD" })).status, 404);
  const again = await fetch(location);
  assert.equal(again.status, 404);
  await again.body?.cancel();
});

Deno.test("registry cancels an upload with DELETE", async () => {
  await using f = await start();
  const post = await fetch(`${f.url}/v2/r/blobs/uploads/`, { method: "POST" });
  const location = new URL(post.headers.get("Location") ?? "", f.url);
  assert.equal((await fetch(location, { method: "DELETE" })).status, 204);
  const patch = await fetch(location, { method: "PATCH", body: "x" });
  assert.equal(patch.status, 404);
  assert.equal(await errorCode(patch), "BLOB_UPLOAD_UNKNOWN");
});

Deno.test("registry mounts a blob across repositories, or falls back to an upload session", async () => {
  await using f = await start();
  const d = await writeBlob(f.store, "src/repo", seededBytes(8, 500), "application/octet-stream");
  const mount = await fetch(`${f.url}/v2/dst/repo/blobs/uploads/?mount=${d.digest}&from=src/repo`, {
    method: "POST",
  });
  assert.equal(mount.status, 201);
  assert.equal(mount.headers.get("Docker-Content-Digest"), d.digest);
  const head = await fetch(`${f.url}/v2/dst/repo/blobs/${d.digest}`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("Content-Length"), "500");
  const fallback = await fetch(`${f.url}/v2/dst/other/blobs/uploads/?mount=${d.digest}&from=nowhere`, {
    method: "POST",
  });
  assert.equal(fallback.status, 202);
  assert.ok(fallback.headers.get("Docker-Upload-UUID"));
});

async function checkRanges(f: Fixture): Promise<void> {
  const blob = seededBytes(9, 10_000);
  const d = await writeBlob(f.store, "r", blob, "application/octet-stream");
  const part = await fetch(`${f.url}/v2/r/blobs/${d.digest}`, { headers: { Range: "bytes=1000-1999" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("Content-Range"), "bytes 1000-1999/10000");
  assert.equal(part.headers.get("Content-Length"), "1000");
  assert.deepEqual(await bytesOf(part), blob.slice(1000, 2000));
  const open = await fetch(`${f.url}/v2/r/blobs/${d.digest}`, { headers: { Range: "bytes=9990-" } });
  assert.equal(open.status, 206);
  assert.deepEqual(await bytesOf(open), blob.slice(9990));
  const suffix = await fetch(`${f.url}/v2/r/blobs/${d.digest}`, { headers: { Range: "bytes=-5" } });
  assert.deepEqual(await bytesOf(suffix), blob.slice(9995));
  const outside = await fetch(`${f.url}/v2/r/blobs/${d.digest}`, { headers: { Range: "bytes=20000-" } });
  assert.equal(outside.status, 416);
  assert.equal(outside.headers.get("Content-Range"), "bytes */10000");
  await outside.body?.cancel();
  const whole = await fetch(`${f.url}/v2/r/blobs/${d.digest}`);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get("Accept-Ranges"), "bytes");
  assert.deepEqual(await bytesOf(whole), blob);
}

Deno.test("registry answers Range requests on blobs with 206 from the tree store", async () => {
  await using f = await start();
  await checkRanges(f);
});

Deno.test("registry answers Range requests by skipping bytes for stores without getBlobRange", async () => {
  await using f = await start({ memory: true });
  await checkRanges(f);
});

Deno.test("registry deletes manifests by digest, with their tags, and refuses deletes by tag", async () => {
  await using f = await start();
  const m = await writeImage(f.store, "r", { config: { n: 1 }, layers: [], tag: "v1" });
  const byTag = await fetch(`${f.url}/v2/r/manifests/v1`, { method: "DELETE" });
  assert.equal(byTag.status, 405);
  await byTag.body?.cancel();
  const del = await fetch(`${f.url}/v2/r/manifests/${m.digest}`, { method: "DELETE" });
  assert.equal(del.status, 202);
  for (const ref of ["v1", m.digest]) {
    const res = await fetch(`${f.url}/v2/r/manifests/${ref}`);
    assert.equal(res.status, 404);
    assert.equal(await errorCode(res), "MANIFEST_UNKNOWN");
  }
  const again = await fetch(`${f.url}/v2/r/manifests/${m.digest}`, { method: "DELETE" });
  assert.equal(again.status, 404);
  await again.body?.cancel();
});

Deno.test("registry deletes blobs when the store can, and answers 405 otherwise", async () => {
  await using tree = await start();
  const d = await writeBlob(tree.store, "r", seededBytes(10, 10), "application/octet-stream");
  assert.equal((await fetch(`${tree.url}/v2/r/blobs/${d.digest}`, { method: "DELETE" })).status, 202);
  assert.equal((await fetch(`${tree.url}/v2/r/blobs/${d.digest}`, { method: "HEAD" })).status, 404);
  await using mem = await start({ memory: true });
  const e = await writeBlob(mem.store, "r", seededBytes(10, 10), "application/octet-stream");
  const res = await fetch(`${mem.url}/v2/r/blobs/${e.digest}`, { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.equal(await errorCode(res), "UNSUPPORTED");
});

Deno.test("registry refuses a manifest naming blobs or manifests the repository lacks", async () => {
  await using f = await start();
  const config = await writeBlob(f.store, "r", encodeJson({ n: 1 }), MediaType.ociConfig);
  const layer: Descriptor = { mediaType: MediaType.ociLayerGzip, digest: digestOf("absent"), size: 6 };
  const manifest = encodeJson({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config,
    layers: [layer],
  });
  const res = await fetch(`${f.url}/v2/r/manifests/v1`, {
    method: "PUT",
    headers: { "Content-Type": MediaType.ociManifest },
    body: body(manifest),
  });
  assert.equal(res.status, 400);
  const err = await res.json();
  assert.equal(err.errors[0].code, "MANIFEST_BLOB_UNKNOWN");
  assert.deepEqual(err.errors[0].detail, { digest: layer.digest });
  const child: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: digestOf(manifest),
    size: manifest.length,
  };
  const index = encodeJson({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [child] });
  const res2 = await fetch(`${f.url}/v2/r/manifests/list`, {
    method: "PUT",
    headers: { "Content-Type": MediaType.ociIndex },
    body: body(index),
  });
  assert.equal(res2.status, 400);
  assert.equal(await errorCode(res2), "MANIFEST_BLOB_UNKNOWN");
});

Deno.test("registry stores a pushed manifest and index and checks digest references", async () => {
  await using f = await start();
  const m = await writeImage(f.store, "src", { config: { n: 1 }, layers: [] });
  const bytes = await f.store.getManifest("src", m);
  const config = JSON.parse(new TextDecoder().decode(bytes)).config as Descriptor;
  await writeBlob(f.store, "r", encodeJson({ n: 1 }), config.mediaType);
  const wrong = await fetch(`${f.url}/v2/r/manifests/${digestOf("x")}`, {
    method: "PUT",
    headers: { "Content-Type": MediaType.ociManifest },
    body: body(bytes),
  });
  assert.equal(wrong.status, 400);
  assert.equal(await errorCode(wrong), "DIGEST_INVALID");
  const put = await fetch(`${f.url}/v2/r/manifests/${m.digest}`, {
    method: "PUT",
    headers: { "Content-Type": MediaType.ociManifest },
    body: body(bytes),
  });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get("Docker-Content-Digest"), m.digest);
  assert.equal(put.headers.get("Location"), `/v2/r/manifests/${m.digest}`);
  const idx = encodeJson({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [m] });
  const putIndex = await fetch(`${f.url}/v2/r/manifests/multi`, {
    method: "PUT",
    headers: { "Content-Type": MediaType.ociIndex },
    body: body(idx),
  });
  assert.equal(putIndex.status, 201);
  const got = await fetch(`${f.url}/v2/r/manifests/multi`);
  assert.equal(got.headers.get("Content-Type"), MediaType.ociIndex);
  assert.deepEqual(await bytesOf(got), idx);
  const invalid = await fetch(`${f.url}/v2/r/manifests/bad`, { method: "PUT", body: "not json" });
  assert.equal(invalid.status, 400);
  assert.equal(await errorCode(invalid), "MANIFEST_INVALID");
});

Deno.test("registry paginates tags with n, last and a Link header", async () => {
  await using f = await start();
  const m = await writeImage(f.store, "ns/tags", { config: { n: 1 }, layers: [] });
  const bytes = await f.store.getManifest("ns/tags", m);
  for (const tag of ["e", "a", "d", "b", "c"]) await f.store.putManifest("ns/tags", m, bytes, { tag });
  const all = await (await fetch(`${f.url}/v2/ns/tags/tags/list`)).json();
  assert.deepEqual(all, { name: "ns/tags", tags: ["a", "b", "c", "d", "e"] });
  const seen: string[] = [];
  let next: string | null = "/v2/ns/tags/tags/list?n=2";
  let pages = 0;
  while (next) {
    const res: Response = await fetch(new URL(next, f.url));
    const json = await res.json();
    seen.push(...json.tags);
    pages++;
    const link: string | null = res.headers.get("Link");
    next = link ? (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? null) : null;
  }
  assert.deepEqual(seen, ["a", "b", "c", "d", "e"]);
  assert.equal(pages, 3);
  const after = await (await fetch(`${f.url}/v2/ns/tags/tags/list?last=c`)).json();
  assert.deepEqual(after.tags, ["d", "e"]);
  const unknown = await fetch(`${f.url}/v2/ns/none/tags/list`);
  assert.equal(unknown.status, 404);
  assert.equal(await errorCode(unknown), "NAME_UNKNOWN");
  const badN = await fetch(`${f.url}/v2/ns/tags/tags/list?n=x`);
  assert.equal(badN.status, 400);
  assert.equal(await errorCode(badN), "PAGINATION_NUMBER_INVALID");
});

Deno.test("registry lists the catalog with pagination", async () => {
  await using f = await start();
  for (const repo of ["c/x", "a", "b/y/z"]) {
    await writeImage(f.store, repo, { config: { repo }, layers: [], tag: "t" });
  }
  assert.deepEqual(await (await fetch(`${f.url}/v2/_catalog`)).json(), {
    repositories: ["a", "b/y/z", "c/x"],
  });
  const first = await fetch(`${f.url}/v2/_catalog?n=2`);
  assert.deepEqual(await first.json(), { repositories: ["a", "b/y/z"] });
  assert.equal(first.headers.get("Link"), `</v2/_catalog?n=2&last=b%2Fy%2Fz>; rel="next"`);
  const second = await fetch(`${f.url}/v2/_catalog?n=2&last=b%2Fy%2Fz`);
  assert.deepEqual(await second.json(), { repositories: ["c/x"] });
  assert.equal(second.headers.get("Link"), null);
});

Deno.test("registry answers invalid names and unknown paths with spec errors", async () => {
  await using f = await start();
  const bad = await fetch(`${f.url}/v2/UPPER/manifests/v1`);
  assert.equal(bad.status, 400);
  assert.equal(await errorCode(bad), "NAME_INVALID");
  const badDigest = await fetch(`${f.url}/v2/r/blobs/sha256:xyz`);
  assert.equal(badDigest.status, 400);
  assert.equal(await errorCode(badDigest), "DIGEST_INVALID");
  const nowhere = await fetch(`${f.url}/v3/`);
  assert.equal(nowhere.status, 404);
  await nowhere.body?.cancel();
  const method = await fetch(`${f.url}/v2/r/tags/list`, { method: "POST" });
  assert.equal(method.status, 405);
  await method.body?.cancel();
});

Deno.test("registry in read-only mode serves reads and refuses writes with 405", async () => {
  await using f = await start({ readOnly: true });
  const m = await writeImage(f.store, "r", { config: { n: 1 }, layers: [], tag: "v1" });
  assert.equal((await fetch(`${f.url}/v2/r/manifests/v1`, { method: "HEAD" })).status, 200);
  for (
    const [method, path] of [
      ["POST", "/v2/r/blobs/uploads/"],
      ["PUT", "/v2/r/manifests/v2"],
      ["DELETE", `/v2/r/manifests/${m.digest}`],
    ]
  ) {
    const res = await fetch(`${f.url}${path}`, { method, ...(method === "PUT" ? { body: "{}" } : {}) });
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.equal(await errorCode(res), "UNSUPPORTED");
  }
  assert.equal((await f.store.resolve("r", "v1")).digest, m.digest);
});

Deno.test("registry with htpasswd answers 401 without credentials and 200 with them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "htpasswd-" });
  try {
    // docker-registry's htpasswd files carry $2y$ hashes (htpasswd -B).
    const hash = bcrypt.hashSync("s3cret", 4).replace(/^\$2[ab]\$/, "$2y$");
    await Deno.writeTextFile(`${dir}/htpasswd`, `# users\nalice:${hash}\n`);
    await using f = await start({ htpasswd: `${dir}/htpasswd` });
    const anon = await fetch(`${f.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get("WWW-Authenticate"), 'Basic realm="oc-mirror"');
    assert.equal(await errorCode(anon), "UNAUTHORIZED");
    const wrong = await fetch(`${f.url}/v2/`, { headers: { Authorization: `Basic ${btoa("alice:nope")}` } });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    for (let i = 0; i < 2; i++) {
      const ok = await fetch(`${f.url}/v2/`, { headers: { Authorization: `Basic ${btoa("alice:s3cret")}` } });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("registryHandler can be called without a server and removes its staged uploads on close", async () => {
  const uploadDir = await Deno.makeTempDir({ prefix: "uploads-" });
  try {
    const handler = registryHandler(new MemoryStore(), { uploadDir });
    const ping = await handler(new Request("http://registry.test/v2/"));
    assert.equal(ping.status, 200);
    await ping.body?.cancel();
    const post = await handler(new Request("http://registry.test/v2/r/blobs/uploads/", { method: "POST" }));
    assert.equal(post.status, 202);
    const patch = await handler(
      new Request(new URL(post.headers.get("Location") ?? "", "http://registry.test"), {
        method: "PATCH",
        body: "partial",
      }),
    );
    assert.equal(patch.status, 202);
    assert.equal((await Array.fromAsync(Deno.readDir(uploadDir))).length, 1);
    await handler.close();
    assert.equal((await Array.fromAsync(Deno.readDir(uploadDir))).length, 0);
  } finally {
    await Deno.remove(uploadDir, { recursive: true });
  }
});

Deno.test("serveRegistry reports each request to onRequest and stops on abort", async () => {
  const seen: string[] = [];
  const ac = new AbortController();
  const store = new MemoryStore();
  await writeIndex(store, "r", [], { tag: "empty" });
  const reg = await serveRegistry(store, {
    signal: ac.signal,
    onRequest: (req, res) => seen.push(`${req.method} ${new URL(req.url).pathname} ${res.status}`),
  });
  await (await fetch(`${reg.url}/v2/r/manifests/empty`)).body?.cancel();
  assert.deepEqual(seen, ["GET /v2/r/manifests/empty 200"]);
  ac.abort();
  await reg.close();
  await assert.rejects(fetch(`${reg.url}/v2/`));
});
