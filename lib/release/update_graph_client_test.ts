import assert from "node:assert/strict";
import { join } from "node:path";
import { testContext } from "../context.ts";
import { GraphError } from "../errors.ts";
import { graphJson } from "./_test_graph.ts";
import { savedGraphFileName, SavedGraphSource } from "./saved_graph_source.ts";
import {
  graphArchitecture,
  OCP_UPDATE_GRAPH_URL,
  OKD_UPDATE_GRAPH_URL,
  UpdateGraphClient,
  updateGraphUrl,
} from "./update_graph_client.ts";

interface Seen {
  url: URL;
  accept: string | null;
}

function startGraphServer(handler: (req: Request, seen: Seen[]) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push({ url: new URL(req.url), accept: req.headers.get("accept") });
    return handler(req, seen);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/api/upgrades_info/v1/graph`,
    seen,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

const doc = graphJson("stable-4.14", { versions: ["4.14.1", "4.14.2"], edges: [["4.14.1", "4.14.2"]] });

Deno.test("updateGraphUrl() honours UPDATE_URL_OVERRIDE for OCP only", () => {
  assert.equal(updateGraphUrl(testContext()), OCP_UPDATE_GRAPH_URL);
  const ctx = testContext({
    envVars: { UPDATE_URL_OVERRIDE: "https://osus.example/api/upgrades_info/v1/graph" },
  });
  assert.equal(updateGraphUrl(ctx), "https://osus.example/api/upgrades_info/v1/graph");
  assert.equal(updateGraphUrl(ctx, "okd"), OKD_UPDATE_GRAPH_URL);
  assert.equal(new UpdateGraphClient({ ctx }).url, "https://osus.example/api/upgrades_info/v1/graph");
  assert.equal(new UpdateGraphClient({ ctx, type: "okd" }).url, OKD_UPDATE_GRAPH_URL);
});

Deno.test("UpdateGraphClient.graph() asks for channel, arch and id as JSON and saves the response", async () => {
  await using srv = startGraphServer(() =>
    new Response(doc, { headers: { "content-type": "application/json" } })
  );
  const dir = await Deno.makeTempDir();
  try {
    const client = new UpdateGraphClient({ ctx: testContext(), url: srv.url, saveDir: dir, id: "run-id-1" });
    const g = await client.graph("stable-4.14", "x86_64");
    assert.deepEqual(g.nodes.map((n) => n.version), ["4.14.1", "4.14.2"]);
    assert.equal(g.arch, "amd64");
    assert.equal(g.source, srv.url);
    const q = srv.seen[0]?.url.searchParams;
    assert.equal(q?.get("channel"), "stable-4.14");
    assert.equal(q?.get("arch"), "amd64");
    assert.equal(q?.get("id"), "run-id-1");
    assert.equal(srv.seen[0]?.accept, "application/json");
    const saved = join(dir, "amd64-stable-4.14.json");
    assert.equal(await Deno.readTextFile(saved), doc);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir), (e) => e.name), ["amd64-stable-4.14.json"]);
    // Disk-to-mirror reads the same graph back without the server.
    const offline = await new SavedGraphSource({ dir }).graph("stable-4.14", "amd64");
    assert.deepEqual(offline.nodes, g.nodes);
    assert.deepEqual(offline.edges, g.edges);
    assert.equal(offline.source, saved);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UpdateGraphClient.graph() reports a non-200 answer with URL, channel and status", async () => {
  await using srv = startGraphServer(() =>
    new Response(JSON.stringify({ kind: "invalid_params", value: "unknown channel" }), { status: 400 })
  );
  const client = new UpdateGraphClient({ ctx: testContext(), url: srv.url });
  await assert.rejects(client.graph("stable-9.99", "amd64"), (e: unknown) => {
    assert.ok(e instanceof GraphError);
    assert.equal(
      e.message,
      `Cannot get the update graph of channel "stable-9.99" (amd64) from ${srv.url}: HTTP 400 Bad Request: ` +
        '{"kind":"invalid_params","value":"unknown channel"}',
    );
    return true;
  });
});

Deno.test("UpdateGraphClient.graph() gives up after timeoutMs", async () => {
  const { promise: release, resolve } = Promise.withResolvers<void>();
  await using srv = startGraphServer(async () => {
    await release;
    return new Response(doc);
  });
  try {
    const client = new UpdateGraphClient({ ctx: testContext(), url: srv.url, timeoutMs: 50 });
    await assert.rejects(client.graph("stable-4.14", "amd64"), (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.equal(
        e.message,
        `Cannot get the update graph of channel "stable-4.14" (amd64) from ${srv.url}: no answer within 50 ms`,
      );
      return true;
    });
  } finally {
    resolve();
  }
});

Deno.test("UpdateGraphClient.graph() reports an unreachable service and an invalid document", async () => {
  await using srv = startGraphServer(() => new Response("<html>maintenance</html>"));
  const client = new UpdateGraphClient({ ctx: testContext(), url: srv.url });
  await assert.rejects(
    client.graph("stable-4.14", "amd64"),
    new GraphError(
      `Update graph of channel "stable-4.14" (amd64) from ${srv.url} is invalid: not valid JSON`,
    ),
  );
  const closed = new UpdateGraphClient({ ctx: testContext(), url: "http://127.0.0.1:9/graph" });
  await assert.rejects(
    closed.graph("stable-4.14", "amd64"),
    /^GraphError: Cannot get the update graph of channel "stable-4.14" \(amd64\) from http:\/\/127.0.0.1:9\/graph: /,
  );
});

Deno.test("graphArchitecture() accepts the service's names and release aliases only", () => {
  assert.equal(graphArchitecture("aarch64"), "arm64");
  assert.equal(graphArchitecture("multi"), "multi");
  assert.throws(
    () => graphArchitecture("riscv64"),
    new GraphError(
      'Architecture "riscv64" is not one the update service knows: want one of amd64, arm64, ppc64le, s390x, multi',
    ),
  );
});

Deno.test("SavedGraphSource.graph() names the missing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, savedGraphFileName("arm64", "fast-4.15"));
    await assert.rejects(new SavedGraphSource({ dir }).graph("fast-4.15", "arm64"), (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.equal(
        e.message,
        `No saved update graph for channel "fast-4.15" (arm64): "${path}" does not exist`,
      );
      assert.match(e.hint ?? "", /mirror-to-disk/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
