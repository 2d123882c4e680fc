import assert from "node:assert/strict";
import { HelmError } from "../errors.ts";
import { serveRepository } from "./_test_charts.ts";
import {
  allChartVersions,
  fetchRepositoryIndex,
  findChartVersion,
  indexRelativePath,
  parseRepositoryIndex,
  redactUrl,
  resolveChartUrl,
} from "./repository_index.ts";

const HEX = "ab".repeat(32);

const INDEX = `apiVersion: v1
entries:
  podinfo:
  - name: podinfo
    version: 6.0.0
    appVersion: 6.0.0
    digest: ${HEX}
    urls: [podinfo-6.0.0.tgz]
    created: 2021-05-01T10:00:00Z
  - name: podinfo
    version: 6.1.0-rc.1
    urls: [charts/podinfo-6.1.0-rc.1.tgz]
  - name: podinfo
    version: 5.2.1
    urls: [https://cdn.example.com/podinfo-5.2.1.tgz]
  - name: podinfo
    version: v4.0.0
    urls: [podinfo-v4.0.0.tgz]
  common:
  - name: common
    version: 1.0.0
    type: library
    urls: [common-1.0.0.tgz]
  broken:
  - name: broken
generated: 2021-05-01T10:00:00Z
`;

Deno.test("resolveChartUrl() resolves relative URLs against the repository and keeps its query", () => {
  assert.equal(
    resolveChartUrl("https://h.example.com/repo", "a-1.tgz"),
    "https://h.example.com/repo/a-1.tgz",
  );
  assert.equal(
    resolveChartUrl("https://h.example.com/repo/", "sub/a-1.tgz"),
    "https://h.example.com/repo/sub/a-1.tgz",
  );
  assert.equal(
    resolveChartUrl("https://h.example.com/repo?sig=1", "a.tgz"),
    "https://h.example.com/repo/a.tgz?sig=1",
  );
  assert.equal(
    resolveChartUrl("https://h.example.com/repo", "/abs/a.tgz"),
    "https://h.example.com/abs/a.tgz",
  );
  assert.equal(
    resolveChartUrl("https://h.example.com/repo", "https://o.example.com/a.tgz"),
    "https://o.example.com/a.tgz",
  );
});

Deno.test("indexRelativePath() and redactUrl() name repositories safely", () => {
  assert.equal(
    indexRelativePath("https://stefanprodan.github.io/podinfo/"),
    "stefanprodan.github.io/podinfo/index.yaml",
  );
  assert.equal(indexRelativePath("http://127.0.0.1:8080/a/../b"), "127.0.0.1:8080/b/index.yaml");
  assert.equal(redactUrl("https://user:secret@h.example.com/repo?token=x"), "https://h.example.com/repo");
});

Deno.test("parseRepositoryIndex() sorts versions newest first, resolves URLs and skips invalid entries", () => {
  const index = parseRepositoryIndex(new TextEncoder().encode(INDEX), "https://charts.example.com/stable");
  assert.deepEqual([...index.entries.keys()], ["common", "podinfo"]);
  const podinfo = index.entries.get("podinfo") ?? [];
  assert.deepEqual(podinfo.map((v) => v.version), ["6.1.0-rc.1", "6.0.0", "5.2.1", "v4.0.0"]);
  assert.equal(podinfo[1]?.digest, `sha256:${HEX}`);
  assert.deepEqual(podinfo[1]?.urls, ["https://charts.example.com/stable/podinfo-6.0.0.tgz"]);
  assert.deepEqual(podinfo[2]?.urls, ["https://cdn.example.com/podinfo-5.2.1.tgz"]);
  assert.deepEqual(allChartVersions(index).map((v) => `${v.name}-${v.version}`), [
    "podinfo-6.1.0-rc.1",
    "podinfo-6.0.0",
    "podinfo-5.2.1",
    "podinfo-v4.0.0",
  ]);
  assert.throws(
    () => parseRepositoryIndex(new TextEncoder().encode("entries: {}\n"), "https://u:p@charts.example.com/x"),
    /^HelmError: Index of repository "https:\/\/charts\.example\.com\/x" is not a Helm index: it has no apiVersion$/,
  );
});

Deno.test("findChartVersion() picks exact, v-prefixed, range and newest stable versions", () => {
  const index = parseRepositoryIndex(new TextEncoder().encode(INDEX), "https://charts.example.com/stable");
  assert.equal(findChartVersion(index, "podinfo", "5.2.1").version, "5.2.1");
  assert.equal(findChartVersion(index, "podinfo", "4.0.0").version, "v4.0.0");
  assert.equal(findChartVersion(index, "podinfo", "v5.2.1").version, "5.2.1");
  assert.equal(findChartVersion(index, "podinfo", "^5").version, "5.2.1");
  assert.equal(findChartVersion(index, "podinfo").version, "6.0.0");
  assert.throws(() => findChartVersion(index, "podinfo", "9.9.9"), (e: Error) => {
    assert.ok(e instanceof HelmError);
    assert.equal(
      e.message,
      'Chart "podinfo" version "9.9.9" is not in the index of repository "https://charts.example.com/stable": ' +
        "available versions are 6.1.0-rc.1, 6.0.0, 5.2.1, v4.0.0",
    );
    return true;
  });
  assert.throws(
    () => findChartVersion(index, "nginx"),
    /^HelmError: Chart "nginx" is not in the index of repository ".*": it has common, podinfo$/,
  );
});

Deno.test("fetchRepositoryIndex() downloads index.yaml and reports HTTP errors and timeouts", async () => {
  await using server = serveRepository({ "/charts/index.yaml": INDEX, "/slow/index.yaml": INDEX }, {
    delayMs: { "/slow/index.yaml": 2000 },
  });
  const index = await fetchRepositoryIndex(`${server.url}/charts/`);
  assert.equal(index.entries.get("podinfo")?.[1]?.urls[0], `${server.url}/charts/podinfo-6.0.0.tgz`);
  assert.equal(new TextDecoder().decode(index.bytes), INDEX);
  await assert.rejects(
    fetchRepositoryIndex(`${server.url}/none`),
    (e: Error) =>
      e instanceof HelmError &&
      e.message === `Index of repository "${server.url}/none" cannot be fetched: HTTP 404 Not Found`,
  );
  await assert.rejects(
    fetchRepositoryIndex(`${server.url}/slow`, { timeoutMs: 100 }),
    (e: Error) =>
      e instanceof HelmError && /cannot be fetched: no complete answer within 100 ms$/.test(e.message),
  );
  await assert.rejects(
    fetchRepositoryIndex(`${server.url}/charts`, { maxBytes: 100 }),
    /larger than the limit of 100 bytes/,
  );
});
