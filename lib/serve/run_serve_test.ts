import assert from "node:assert/strict";
import { type RunEvent, testContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { RegistryTreeStore } from "../layout/mod.ts";
import { writeImage } from "../store/mod.ts";
import { findRegistryRoot, runServe } from "./run_serve.ts";

async function waitForUrl(events: RunEvent[]): Promise<string> {
  for (let i = 0; i < 200; i++) {
    for (const e of events) {
      if (e.kind === "log" && typeof e.detail?.url === "string") return e.detail.url;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("runServe never reported its URL");
}

Deno.test("runServe serves a cache dir's tree until the run is cancelled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-serve-" });
  try {
    const store = new RegistryTreeStore(`${dir}/.oc-mirror/.cache`);
    const m = await writeImage(store, "ns/app", { config: { n: 1 }, layers: [], tag: "v1" });
    const events: RunEvent[] = [];
    const ac = new AbortController();
    const ctx = testContext({ cwd: dir, signal: ac.signal, report: (e) => events.push(e) });
    const running = runServe(ctx, { root: ".", hostname: "127.0.0.1", port: 0, readOnly: true });
    const url = await waitForUrl(events);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/v2/ns/app/manifests/v1`, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("Docker-Content-Digest"), m.digest);
    const push = await fetch(`${url}/v2/ns/app/blobs/uploads/`, { method: "POST" });
    assert.equal(push.status, 405);
    await push.body?.cancel();
    ac.abort();
    await running;
    const messages = events.flatMap((e) => (e.kind === "log" ? [e.message] : []));
    assert.ok(
      messages.some((msg) => msg.startsWith(`Serving ${dir}/.oc-mirror/.cache at http://127.0.0.1:`)),
    );
    assert.ok(messages.some((msg) => msg.includes("read-only")));
    assert.ok(messages.includes("HEAD /v2/ns/app/manifests/v1 200"));
    assert.equal(messages.at(-1), `Stopped serving ${dir}/.oc-mirror/.cache`);
    await assert.rejects(fetch(`${url}/v2/`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findRegistryRoot accepts a tree, a cache dir or an empty dir, and rejects anything else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-serve-" });
  try {
    await Deno.mkdir(`${dir}/tree/docker/registry/v2`, { recursive: true });
    assert.equal(await findRegistryRoot(`${dir}/tree`), `${dir}/tree`);
    await Deno.mkdir(`${dir}/cache/.oc-mirror/.cache/docker/registry/v2`, { recursive: true });
    assert.equal(await findRegistryRoot(`${dir}/cache`), `${dir}/cache/.oc-mirror/.cache`);
    assert.equal(await findRegistryRoot(`${dir}/new`), `${dir}/new`);
    assert.ok((await Deno.stat(`${dir}/new/docker/registry/v2`)).isDirectory);
    await Deno.mkdir(`${dir}/other`);
    await Deno.writeTextFile(`${dir}/other/file.txt`, "x");
    await assert.rejects(findRegistryRoot(`${dir}/other`), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^Folder .*\/other holds no registry storage: want /);
      return true;
    });
    await assert.rejects(findRegistryRoot(`${dir}/missing`, true), UsageError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runServe names the port when it is already in use", async () => {
  const dir = await Deno.makeTempDir({ prefix: "run-serve-" });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    await assert.rejects(
      runServe(testContext({ cwd: dir }), { root: dir, hostname: "127.0.0.1", port }),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(e.message, `Cannot serve on 127.0.0.1:${port}: the port is already in use`);
        return true;
      },
    );
  } finally {
    taken.close();
    await Deno.remove(dir, { recursive: true });
  }
});
