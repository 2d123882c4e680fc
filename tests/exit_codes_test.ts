import assert from "node:assert/strict";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";

const CHART = {
  "Chart.yaml": "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
  "values.yaml": "image: quay.io/example/does-not-exist:1.0\n",
  "templates/pod.yaml":
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: {{ .Values.image }}\n",
};

Deno.test("exit codes follow the original's bitmask and failures land in the errors file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "exit-codes-" });
  try {
    await using up = await startUpstream();
    await using reg = await startDockerRegistry(`${dir}/registry`);
    for (const [name, text] of Object.entries(CHART)) {
      await Deno.mkdir(`${dir}/chart/${name.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/chart/${name}`, text);
    }
    const write = (body: string) =>
      Deno.writeTextFile(
        `${dir}/isc.yaml`,
        `apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n${body}`,
      );
    const run = () =>
      runOcMirror(["--v2", "-c", "isc.yaml", "--workspace", "file://ws", `docker://${reg.host}`], {
        cwd: dir,
        env: up.env(),
      });

    await write(
      "  additionalImages:\n  - name: quay.io/example/app:1.0\n  - name: quay.io/example/missing:9.9\n",
    );
    const additional = await run();
    assert.equal(additional.code, 8, additional.stderr);
    assert.match(additional.stderr, /✗ 1 \/ 2 additional images mirrored/);
    const errorsFile = [...Deno.readDirSync(`${dir}/ws/working-dir/logs`)].find((e) =>
      e.name.startsWith("mirroring_errors_")
    );
    assert.ok(errorsFile, "errors file written");
    const text = await Deno.readTextFile(`${dir}/ws/working-dir/logs/${errorsFile.name}`);
    assert.match(text, /^error mirroring image quay\.io\/example\/missing:9\.9 error: .+$/m);
    const catalog = await (await fetch(`${reg.url}/v2/example/app/tags/list`)).json();
    assert.deepEqual(catalog.tags, ["1.0"], "the image that exists was mirrored anyway");

    await write(
      `  additionalImages:\n  - name: quay.io/example/missing:9.9\n  helm:\n    local:\n    - name: broken\n      path: ${dir}/chart\n`,
    );
    const both = await run();
    assert.equal(both.code, 8 | 16, both.stderr);

    await write("  platform:\n    channels:\n    - name: stable-99.99\n");
    const release = await run();
    assert.equal(release.code, 2, release.stderr);
    assert.match(release.stderr, /stable-99\.99/);

    await write("  additionalImages:\n  - name: quay.io/example/app:1.0\n  unknownField: true\n");
    const config = await run();
    assert.equal(config.code, 1, config.stderr);
    assert.match(config.stderr, /^error: isc\.yaml:\d+:\d+: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
