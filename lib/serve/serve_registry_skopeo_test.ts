/**
 * The embedded registry against real clients: skopeo copies images (single, multi-arch, Docker and
 * OCI) into and out of it unchanged, through htpasswd auth and TLS, and to and from the CNCF
 * distribution registry.
 */
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { MediaType } from "../oci/mod.ts";
import { OciLayoutStore, RegistryTreeStore } from "../layout/mod.ts";
import { startDockerRegistry } from "../../tests/_support/docker_registry.ts";
import { skopeo, skopeoCopy, skopeoManifestDigest } from "../../tests/_support/skopeo.ts";
import { writeTestImage, writeTestIndex } from "../../tests/_support/test_image.ts";
import { serveRegistry, type ServeRegistryOptions } from "./serve_registry.ts";
import { makeTestCertificates } from "../../tests/_support/test_certs.ts";

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "serve-skopeo-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function served(dir: string, options: ServeRegistryOptions = {}) {
  const store = new RegistryTreeStore(`${dir}/root`);
  const reg = await serveRegistry(store, options);
  return { store, reg, [Symbol.asyncDispose]: () => reg.close() };
}

Deno.test("skopeo copies a multi-arch OCI index into and out of the embedded registry unchanged", async () => {
  await withTemp(async (dir) => {
    const layout = new OciLayoutStore(`${dir}/src`);
    const idx = await writeTestIndex(layout, "any", { seed: 100, tag: "multi" });
    const single = await writeTestImage(layout, "any", {
      seed: 200,
      tag: "single",
      layers: 3,
      layerBytes: 3_000_000,
    });
    await using s = await served(dir);
    await skopeoCopy(`oci:${dir}/src:multi`, `docker://${s.reg.host}/ns/app:v1`, ["--all"]);
    await skopeoCopy(`oci:${dir}/src:single`, `docker://${s.reg.host}/ns/app:single`);
    assert.equal(await skopeoManifestDigest(`docker://${s.reg.host}/ns/app:v1`), idx.digest);
    assert.equal(await skopeoManifestDigest(`docker://${s.reg.host}/ns/app:single`), single.digest);
    assert.equal((await s.store.resolve("ns/app", "v1")).digest, idx.digest);
    const tags = JSON.parse(
      new TextDecoder().decode(
        await skopeo(["list-tags", "--tls-verify=false", `docker://${s.reg.host}/ns/app`]),
      ),
    );
    assert.deepEqual(tags.Tags.sort(), ["single", "v1"]);
    await skopeoCopy(`docker://${s.reg.host}/ns/app:v1`, `oci:${dir}/out:back`, ["--all"]);
    assert.equal(await skopeoManifestDigest(`oci:${dir}/out:back`), idx.digest);
  });
});

Deno.test("skopeo moves Docker images between the embedded registry and docker-registry unchanged", async () => {
  await withTemp(async (dir) => {
    await using s = await served(dir);
    const list = await writeTestIndex(s.store, "team/list", {
      seed: 300,
      tag: "v1",
      mediaType: MediaType.dockerManifestList,
    });
    const single = await writeTestImage(s.store, "team/one", {
      seed: 400,
      tag: "v1",
      mediaType: MediaType.dockerManifest,
    });
    await Deno.mkdir(`${dir}/distribution`);
    await using dist = await startDockerRegistry(`${dir}/distribution`);
    await skopeoCopy(`docker://${s.reg.host}/team/list:v1`, `docker://${dist.host}/mirror/list:v1`, [
      "--all",
    ]);
    await skopeoCopy(`docker://${s.reg.host}/team/one:v1`, `docker://${dist.host}/mirror/one:v1`);
    assert.equal(await skopeoManifestDigest(`docker://${dist.host}/mirror/list:v1`), list.digest);
    assert.equal(await skopeoManifestDigest(`docker://${dist.host}/mirror/one:v1`), single.digest);
    await skopeoCopy(`docker://${dist.host}/mirror/list:v1`, `docker://${s.reg.host}/back/list:v2`, [
      "--all",
    ]);
    assert.equal(await skopeoManifestDigest(`docker://${s.reg.host}/back/list:v2`), list.digest);
    assert.equal((await s.store.resolve("back/list", "v2")).mediaType, MediaType.dockerManifestList);
  });
});

Deno.test("skopeo pushes to an htpasswd-protected embedded registry only with credentials", async () => {
  await withTemp(async (dir) => {
    const hash = bcrypt.hashSync("pa55", 4).replace(/^\$2[ab]\$/, "$2y$");
    await Deno.writeTextFile(`${dir}/htpasswd`, `bob:${hash}\n`);
    const layout = new OciLayoutStore(`${dir}/src`);
    const img = await writeTestImage(layout, "any", { seed: 500, tag: "t" });
    await using s = await served(dir, { htpasswd: `${dir}/htpasswd` });
    await assert.rejects(
      skopeoCopy(`oci:${dir}/src:t`, `docker://${s.reg.host}/secure/app:t`),
      /unauthorized|authentication required/i,
    );
    await skopeoCopy(`oci:${dir}/src:t`, `docker://${s.reg.host}/secure/app:t`, ["--dest-creds", "bob:pa55"]);
    assert.equal(
      await skopeoManifestDigest(`docker://${s.reg.host}/secure/app:t`, ["--creds", "bob:pa55"]),
      img.digest,
    );
  });
});

Deno.test("skopeo copies into and out of the embedded registry over TLS with a verified certificate", async () => {
  await withTemp(async (dir) => {
    await Deno.mkdir(`${dir}/pki`);
    const pki = await makeTestCertificates(`${dir}/pki`);
    await Deno.mkdir(`${dir}/certs.d`);
    await Deno.copyFile(pki.ca, `${dir}/certs.d/ca.crt`);
    const layout = new OciLayoutStore(`${dir}/src`);
    const img = await writeTestImage(layout, "any", { seed: 600, tag: "t" });
    await using s = await served(dir, { tls: { certFile: pki.cert, keyFile: pki.key } });
    assert.match(s.reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(pki.ca)] });
    try {
      const ping = await fetch(`${s.reg.url}/v2/`, { client });
      assert.equal(ping.status, 200);
      await ping.body?.cancel();
    } finally {
      client.close();
    }
    await skopeo([
      "copy",
      "--dest-tls-verify=true",
      "--dest-cert-dir",
      `${dir}/certs.d`,
      `oci:${dir}/src:t`,
      `docker://${s.reg.host}/tls/app:t`,
    ]);
    await skopeo([
      "copy",
      "--src-tls-verify=true",
      "--src-cert-dir",
      `${dir}/certs.d`,
      `docker://${s.reg.host}/tls/app:t`,
      `oci:${dir}/out:t`,
    ]);
    assert.equal(await skopeoManifestDigest(`oci:${dir}/out:t`), img.digest);
    // Without the CA, verification fails: the certificate really is checked.
    await assert.rejects(
      skopeo(["inspect", "--raw", "--tls-verify=true", `docker://${s.reg.host}/tls/app:t`]),
      /certificate|x509/i,
    );
  });
});
