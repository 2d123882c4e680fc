import assert from "node:assert/strict";
import { DigestMismatchError, HelmError } from "../errors.ts";
import { digestOf } from "../oci/mod.ts";
import { chartTgz, chartYaml, serveRepository } from "./_test_charts.ts";
import { downloadChart } from "./chart_download.ts";
import { fetchRepositoryIndex, findChartVersion } from "./repository_index.ts";

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("downloadChart() saves <name>-<version>.tgz, verifies the index digest and reuses a good file", async () => {
  const tgz = await chartTgz("web", { "Chart.yaml": chartYaml("web", "1.0.0") });
  const hex = digestOf(tgz).slice("sha256:".length);
  const index = `apiVersion: v1
entries:
  web:
  - {name: web, version: 1.0.0, digest: ${hex}, urls: [missing/web-1.0.0.tgz, web-1.0.0.tgz]}
  - {name: web, version: 0.9.0, digest: ${"ff".repeat(32)}, urls: [web-1.0.0.tgz]}
`;
  await using server = serveRepository({ "/index.yaml": index, "/web-1.0.0.tgz": tgz });
  const dir = await Deno.makeTempDir();
  try {
    const repo = await fetchRepositoryIndex(server.url);
    const entry = findChartVersion(repo, "web", "1.0.0");
    const first = await downloadChart(entry, { dir });
    assert.equal(first.file, `${dir}/web-1.0.0.tgz`);
    assert.equal(first.digest, digestOf(tgz));
    assert.ok(first.downloaded);
    assert.deepEqual(await Deno.readFile(first.file), tgz);
    assert.equal(
      server.requests.get("/missing/web-1.0.0.tgz"),
      1,
      "the first URL failed, the second was used",
    );

    const again = await downloadChart(entry, { dir });
    assert.equal(again.downloaded, false);
    assert.equal(
      server.requests.get("/web-1.0.0.tgz"),
      1,
      "an existing matching file is not downloaded again",
    );

    await assert.rejects(downloadChart(findChartVersion(repo, "web", "0.9.0"), { dir }), (e: Error) => {
      assert.ok(e instanceof DigestMismatchError);
      assert.equal(e.expected, `sha256:${"ff".repeat(32)}`);
      assert.equal(e.actual, digestOf(tgz));
      assert.match(
        e.message,
        /chart "web" version "0\.9\.0" from "http:\/\/127\.0\.0\.1:\d+\/web-1\.0\.0\.tgz"/,
      );
      return true;
    });
    assert.deepEqual(await listDir(dir), ["web-1.0.0.tgz"], "nothing is left behind by a failed download");

    await assert.rejects(
      downloadChart({ ...entry, urls: [`${server.url}/nope.tgz`] }, { dir: `${dir}/x` }),
      (e: Error) =>
        e instanceof HelmError &&
        /^Cannot download chart "web" version "1\.0\.0" from ".*\/nope\.tgz": HTTP 404$/.test(e.message),
    );
    await assert.rejects(
      downloadChart({ ...entry, digest: undefined }, { dir: `${dir}/y`, maxBytes: 10 }),
      /over the limit of 10$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
