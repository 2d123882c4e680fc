import assert from "node:assert/strict";
import { packTar } from "modern-tar";
import { HelmError } from "../errors.ts";
import { chartTgz, chartYaml, writeChartDir } from "./_test_charts.ts";
import { loadChart } from "./chart_loader.ts";

async function gzip(tar: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([tar as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function rawTgz(entries: Array<[string, string]>): Promise<Uint8Array> {
  return await gzip(
    await packTar(
      entries.map(([name, body]) => ({
        header: { name, size: new TextEncoder().encode(body).length },
        body,
      })),
    ),
  );
}

Deno.test("loadChart() reads metadata, values, templates, files and sub-charts from a tgz", async () => {
  const sub = await chartTgz("sub", { "Chart.yaml": chartYaml("sub", "0.1.0"), "values.yaml": "a: 1\n" });
  const chart = await loadChart(
    await chartTgz("app", {
      "Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.10.0\nappVersion: 1.10\ntype: application\n",
      "values.yaml": "image:\n  tag: 1.10\nenabled: yes\n",
      "templates/a.yaml": "x",
      "crds/crd.yaml": "kind: CustomResourceDefinition",
      "files/x.conf": "conf",
      "charts/sub-0.1.0.tgz": sub,
      "charts/dir/Chart.yaml": chartYaml("dir", "0.2.0"),
      "charts/.hidden/Chart.yaml": "not a chart",
      "charts/_skip.tgz": "not a chart",
    }),
    { source: "app.tgz" },
  );
  assert.equal(chart.metadata.name, "app");
  assert.equal(chart.metadata.version, "1.10.0");
  assert.equal(chart.metadata.appVersion, "1.10", "a numeric appVersion keeps its text");
  assert.deepEqual(
    chart.values,
    { image: { tag: 1.1 }, enabled: true },
    "values are read as YAML 1.1, numbers as float64",
  );
  assert.deepEqual(chart.templates.map((t) => t.name), ["templates/a.yaml"]);
  assert.deepEqual(chart.crds.map((t) => t.name), ["crds/crd.yaml"]);
  assert.deepEqual(chart.files.map((t) => t.name), ["crds/crd.yaml", "files/x.conf"]);
  assert.deepEqual(chart.dependencies.map((d) => [d.metadata.name, d.source]).sort(), [
    ["dir", "app.tgz/charts/dir"],
    ["sub", "app.tgz/charts/sub-0.1.0.tgz"],
  ]);
});

Deno.test("loadChart() rejects archives that are corrupt, escape the chart or lack Chart.yaml", async () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    [new TextEncoder().encode("not gzip"), /^Chart archive "bad\.tgz" cannot be read: /],
    [
      await rawTgz([["app/../../etc/passwd", "x"]]),
      /^Chart archive "bad\.tgz" has a file outside the chart: "app\/\.\.\/\.\.\/etc\/passwd"$/,
    ],
    [
      await rawTgz([["a/Chart.yaml", chartYaml("a", "1.0.0")], ["b/Chart.yaml", "x"]]),
      /more than one chart directory: "a" and "b"/,
    ],
    [await rawTgz([["app/values.yaml", "a: 1"]]), /^Chart "bad\.tgz" has no Chart\.yaml$/],
    [
      await rawTgz([["app/Chart.yaml", "name: app\n"]]),
      /^Chart "bad\.tgz" has an invalid Chart\.yaml: "version" is required$/,
    ],
    [
      await rawTgz([["app/Chart.yaml", chartYaml("app", "1.0.0")], ["app/values.yaml", "- a\n"]]),
      /invalid values\.yaml: want a mapping/,
    ],
    [await gzip(new Uint8Array(1024)), /^Chart archive "bad\.tgz" is empty/],
  ];
  for (const [bytes, re] of cases) {
    await assert.rejects(loadChart(bytes, { source: "bad.tgz" }), (e: Error) => {
      assert.ok(e instanceof HelmError, String(e));
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("loadChart() enforces the per-file and per-chart size limits", async () => {
  const bytes = await chartTgz("app", {
    "Chart.yaml": chartYaml("app", "1.0.0"),
    "files/big": "x".repeat(5000),
  });
  await assert.rejects(
    loadChart(bytes, { maxFileBytes: 4096 }),
    /file "app\/files\/big" is larger than the limit: 5000 bytes, limit 4096/,
  );
  await assert.rejects(
    loadChart(bytes, { maxChartBytes: 4096 }),
    /is larger than the limit once decompressed/,
  );
  assert.equal((await loadChart(bytes)).files.length, 1);
});

Deno.test("loadChart() reads chart directories and .tgz files from disk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeChartDir(`${dir}/app`, {
      "Chart.yaml": chartYaml("app", "2.0.0"),
      "templates/x.yaml": "a",
      ".git/config": "ignored",
    });
    const fromDir = await loadChart(`${dir}/app`);
    assert.equal(fromDir.metadata.version, "2.0.0");
    assert.deepEqual([...fromDir.allFiles.keys()], ["Chart.yaml", "templates/x.yaml"]);
    await Deno.writeFile(
      `${dir}/app.tgz`,
      await chartTgz("app", { "Chart.yaml": chartYaml("app", "2.1.0") }),
    );
    assert.equal((await loadChart(`${dir}/app.tgz`)).metadata.version, "2.1.0");
    await assert.rejects(
      loadChart(`${dir}/none`),
      (e: Error) => e instanceof HelmError && /^Chart ".*none" cannot be read: /.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
