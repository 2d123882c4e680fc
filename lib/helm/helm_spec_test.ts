import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { HelmError } from "../errors.ts";
import { digestOf } from "../oci/mod.ts";
import { appChart, chartTgz, chartYaml, serveRepository, writeChartDir } from "./_test_charts.ts";
import { loadChart } from "./chart_loader.ts";
import { type HelmSpec, resolveHelmSpec } from "./helm_spec.ts";

const OPERAND = "quay.io/example/operand@sha256:" + "cd".repeat(32);

async function repositoryFiles(): Promise<Record<string, string | Uint8Array>> {
  const charts: Record<string, Uint8Array> = {
    "web-1.0.0.tgz": await chartTgz(
      "web",
      appChart("web", "1.0.0", 'image:\n  repository: quay.io/example/web\n  tag: "1"\n'),
    ),
    "web-2.0.0.tgz": await chartTgz(
      "web",
      appChart("web", "2.0.0", 'image:\n  repository: quay.io/example/web\n  tag: "2"\n'),
    ),
    "operator-0.3.0.tgz": await chartTgz(
      "operator",
      appChart(
        "operator",
        "0.3.0",
        `image:\n  repository: quay.io/example/operator\n  tag: v0.3.0\nenv:\n  OPERAND: ${OPERAND}\n`,
      ),
    ),
    "common-1.0.0.tgz": await chartTgz("common", {
      "Chart.yaml": chartYaml("common", "1.0.0", "type: library\n"),
    }),
  };
  const entry = (file: string, name: string, version: string, type = "application") =>
    `  - {name: ${name}, version: ${version}, type: ${type}, digest: ${
      digestOf(charts[file] as Uint8Array).slice(7)
    }, urls: [${file}]}\n`;
  const index = "apiVersion: v1\nentries:\n" +
    "  web:\n" + entry("web-1.0.0.tgz", "web", "1.0.0") + entry("web-2.0.0.tgz", "web", "2.0.0") +
    "  operator:\n" + entry("operator-0.3.0.tgz", "operator", "0.3.0") +
    "  common:\n" + entry("common-1.0.0.tgz", "common", "1.0.0", "library");
  const files: Record<string, string | Uint8Array> = { "/charts/index.yaml": index };
  for (const [name, bytes] of Object.entries(charts)) files[`/charts/${name}`] = bytes;
  return files;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await listFiles(`${dir}/${e.name}`, `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

const noNetwork: typeof fetch = () => Promise.reject(new Error("network used while offline"));

Deno.test("resolveHelmSpec() mirrors every non-library chart version when a repository lists no charts", async () => {
  const files = await repositoryFiles();
  await using server = serveRepository(files);
  const work = await Deno.makeTempDir();
  try {
    const ctx = testContext({ cwd: work });
    const spec: HelmSpec = { repositories: [{ name: "example", url: `${server.url}/charts` }] };
    const options = { ctx, chartsDir: "helm/charts", indexesDir: "helm/indexes" };
    const charts = await resolveHelmSpec(spec, options);
    assert.deepEqual(charts.map((c) => [c.name, c.version, c.images]), [
      ["operator", "0.3.0", ["quay.io/example/operator:v0.3.0"]],
      ["web", "2.0.0", ["quay.io/example/web:2"]],
      ["web", "1.0.0", ["quay.io/example/web:1"]],
    ]);
    assert.equal(charts[1]?.file, `${work}/helm/charts/web-2.0.0.tgz`);
    assert.equal(charts[1]?.repository, "example");
    const host = new URL(server.url).host;
    assert.deepEqual(await listFiles(`${work}/helm`), [
      "charts/operator-0.3.0.tgz",
      "charts/web-1.0.0.tgz",
      "charts/web-2.0.0.tgz",
      `indexes/${host}/charts/index.yaml`,
    ]);
    assert.equal(
      await Deno.readTextFile(`${work}/helm/indexes/${host}/charts/index.yaml`),
      files["/charts/index.yaml"],
    );

    // Disk-to-mirror: the same result from the saved files, without the network.
    await server[Symbol.asyncDispose]();
    const offline = await resolveHelmSpec(spec, { ...options, offline: true, fetch: noNetwork });
    assert.deepEqual(offline, charts);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("resolveHelmSpec() resolves listed charts with imagePaths and valuesFiles, and local charts", async () => {
  await using server = serveRepository(await repositoryFiles());
  const work = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${work}/web-values.yaml`, 'image:\n  tag: "2-custom"\n');
    await writeChartDir(
      `${work}/src/tool`,
      appChart("tool", "0.0.1", 'image:\n  repository: registry.example.com/tools/tool\n  tag: "0.0.1"\n'),
    );
    const ctx = testContext({ cwd: work });
    const spec: HelmSpec = {
      repositories: [{
        name: "example",
        url: `${server.url}/charts/`,
        charts: [
          {
            name: "operator",
            version: "0.3.0",
            imagePaths: ["{.spec.template.spec.containers[*].env[*].value}"],
          },
          { name: "web", valuesFiles: ["web-values.yaml"] },
        ],
      }],
      local: [{ name: "my-tool", path: "src/tool" }],
    };
    const options = { ctx, chartsDir: `${work}/helm/charts`, indexesDir: `${work}/helm/indexes` };
    const charts = await resolveHelmSpec(spec, options);
    assert.deepEqual(charts.map((c) => [c.name, c.version, c.images, c.warnings]), [
      ["operator", "0.3.0", [OPERAND, "quay.io/example/operator:v0.3.0"], []],
      ["web", "2.0.0", ["quay.io/example/web:2-custom"], []],
      ["tool", "0.0.1", ["registry.example.com/tools/tool:0.0.1"], []],
    ]);
    assert.equal(charts[2]?.local, "my-tool");
    assert.equal(charts[2]?.file, `${work}/helm/charts/my-tool-0.0.1.tgz`);
    assert.equal(
      (await loadChart(charts[2]?.file ?? "")).metadata.name,
      "tool",
      "the local directory was packed",
    );
    assert.equal(
      server.requests.get("/charts/web-1.0.0.tgz"),
      undefined,
      "only the chosen version is downloaded",
    );

    // Offline, the local chart is found in chartsDir when its path is gone.
    await Deno.remove(`${work}/src`, { recursive: true });
    await server[Symbol.asyncDispose]();
    const offline = await resolveHelmSpec(spec, { ...options, offline: true, fetch: noNetwork });
    assert.deepEqual(offline.map((c) => c.images), charts.map((c) => c.images));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("resolveHelmSpec() fails clearly for bad image paths, unknown versions and missing offline files", async () => {
  await using server = serveRepository(await repositoryFiles());
  const work = await Deno.makeTempDir();
  try {
    const ctx = testContext({ cwd: work });
    const options = { ctx, chartsDir: "charts", indexesDir: "indexes" };
    const repo = { name: "example", url: `${server.url}/charts` };
    await assert.rejects(
      resolveHelmSpec(
        { repositories: [{ ...repo, charts: [{ name: "web", imagePaths: ["env.value"] }] }] },
        options,
      ),
      /^HelmError: Image path "env\.value" is not a valid JSONPath/,
    );
    assert.equal(server.requests.size, 0, "nothing is fetched before the image paths are checked");
    await assert.rejects(
      resolveHelmSpec({ repositories: [{ ...repo, charts: [{ name: "web", version: "3.0.0" }] }] }, options),
      (e: Error) =>
        e instanceof HelmError &&
        /version "3\.0\.0" is not in the index .*: available versions are 2\.0\.0, 1\.0\.0$/.test(e.message),
    );
    await assert.rejects(
      resolveHelmSpec({ repositories: [{ ...repo, charts: [{ name: "operator" }] }] }, {
        ...options,
        offline: true,
        fetch: noNetwork,
      }),
      (e: Error) => {
        assert.ok(e instanceof HelmError);
        assert.match(
          e.message,
          /^Chart "operator" version "0\.3\.0" of Helm repository "example" is not in ".*\/charts"$/,
        );
        assert.match(e.hint ?? "", /mirror-to-disk/);
        return true;
      },
    );
    await assert.rejects(
      resolveHelmSpec({ repositories: [{ name: "other", url: `${server.url}/other` }] }, {
        ...options,
        offline: true,
      }),
      /^HelmError: Index of Helm repository "other" .* is not in ".*index\.yaml"/,
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
