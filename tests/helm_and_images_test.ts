/**
 * Acceptance tests of issue 8 (Helm charts, additional images, blocked images) through the CLI: the
 * synthetic Helm repository (sub-chart, aliased sub-chart, an env-only image through `imagePaths`,
 * digest-pinned images, a library chart), the local chart, additional images by tag, digest and
 * tag@digest with `targetRepo`/`targetTag` and `platforms`, and `blockedImages` removing an item of every
 * source kind — asserted on `mapping.txt` and on docker-registry.
 * @module
 */
import assert from "node:assert/strict";
import {
  LOCAL_CHART_DIR,
  LOCAL_CHART_IMAGES,
  type PublishedChart,
  startUpstream,
} from "../fixtures/upstream/mod.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { type IscBench, runIsc } from "./_support/isc_runs.ts";
import { assertMirrored, type MappingLine } from "./_support/mirror_checks.ts";
import { skopeoInspectRaw, skopeoManifestDigest } from "./_support/skopeo.ts";

/** Where a Helm or additional image goes without overrides: its path under the namespace. */
function namespaced(registry: string, image: string): string {
  const path = image.slice(image.indexOf("/") + 1);
  const at = path.indexOf("@");
  if (at < 0) return `${registry}/mirror/${path}`;
  const repo = path.slice(0, at).replace(/:[^/]*$/, "");
  const tag = /:([^/@]+)@/.exec(path)?.[1] ?? path.slice(at + 1).replace(":", "-");
  return `${registry}/mirror/${repo}:${tag}`;
}

/** The plan as `source → destination`, sorted. */
function planOf(lines: readonly MappingLine[]): string[] {
  return lines.map((l) => `${l.source} -> ${l.destination}`).sort();
}

/** The expected plan of images mapped namespace-preserving. */
function namespacedPlan(registry: string, images: Iterable<string>): string[] {
  return [...new Set(images)].map((i) => `${i.replace(/:[^/@]+@/, "@")} -> ${namespaced(registry, i)}`)
    .sort();
}

function chart(charts: readonly PublishedChart[], name: string, version: string): PublishedChart {
  const c = charts.find((x) => x.name === name && x.version === version);
  assert.ok(c, `${name} ${version}`);
  return c;
}

const ENV_PATH = "{.spec.template.spec.containers[*].env[*].value}";

Deno.test("helm and additional images: charts, local chart, overrides and blocked images, asserted on mapping.txt", async (t) => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "helm-images-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const bench: IscBench = { dir, registry: reg.host, env: up.env() };
    const charts = up.content.helm.charts;
    const app = chart(charts, "example-app", "1.0.0");
    const stack = chart(charts, "example-stack", "0.1.0");
    const repository = `  helm:\n    repositories:\n    - name: example\n      url: ${up.helmRepoUrl}\n`;

    await t.step(
      "a repository without charts: every non-library chart version, default image paths",
      async () => {
        const r = await runIsc(bench, "all-charts", repository);
        assert.equal(r.code, 0, r.stderr);
        const applications = charts.filter((c) => c.type === "application");
        assert.equal(applications.length, 3);
        assert.deepEqual(planOf(r.lines), namespacedPlan(reg.host, applications.flatMap((c) => c.images)));
        for (const c of applications) {
          assert.match(
            r.stderr,
            new RegExp(`Helm chart "${c.name}" version "${c.version.replaceAll(".", "\\.")}"`),
          );
        }
        assert.doesNotMatch(r.stderr, /example-lib/, "the library chart is skipped");
        assert.ok(!r.lines.some((l) => app.envImages.includes(l.source)), "env values need imagePaths");
      },
    );

    await t.step("charts with sub-charts, an aliased sub-chart, imagePaths and a local chart", async () => {
      const r = await runIsc(
        bench,
        "charts",
        repository +
          `      charts:\n      - name: example-app\n        version: 1.0.0\n        imagePaths: ["${ENV_PATH}"]\n` +
          `      - name: example-stack\n        version: 0.1.0\n` +
          `    local:\n    - name: example-local\n      path: ${LOCAL_CHART_DIR}\n`,
      );
      assert.equal(r.code, 0, r.stderr);
      // The aliased sub-chart (session-cache) renders with its own values: cache:2.1 besides cache:2.0.
      assert.ok(
        stack.images.includes("quay.io/example/cache:2.0") &&
          stack.images.includes("quay.io/example/cache:2.1"),
      );
      // The env-only image and the sidecar are digest-pinned: tagged sha256-<hex> at the destination.
      assert.ok(app.envImages.length === 1 && app.envImages[0]?.includes("@sha256:"));
      assert.deepEqual(
        planOf(r.lines),
        namespacedPlan(reg.host, [
          ...app.images,
          ...app.envImages,
          ...stack.images,
          ...LOCAL_CHART_IMAGES.images,
          ...LOCAL_CHART_IMAGES.cronJobImages,
        ]),
      );
      assert.match(r.stderr, /Local Helm chart "example-local" version "0\.2\.0": 3 image\(s\)/);
    });

    await t.step(
      "additional images by tag, digest, tag@digest, with no tag, overrides and platforms",
      async () => {
        const proxy = up.content.images["quay.io/example/proxy:2.3"];
        const multi = up.content.images["quay.io/example/multi:latest"];
        assert.ok(proxy && multi);
        const r = await runIsc(
          bench,
          "additional",
          "  additionalImages:\n" +
            "  - name: quay.io/example/app:1.0\n" +
            `  - name: quay.io/example/proxy@${proxy.digest}\n` +
            `  - name: quay.io/example/proxy:2.3@${proxy.digest}\n` +
            `  - name: quay.io/example/proxy:2.3@${proxy.digest}\n    targetRepo: custom/proxy\n    targetTag: v2\n` +
            "  - name: quay.io/example/multi\n    platforms:\n    - os: linux\n      architecture: arm64\n" +
            "  - name: docker.io/library/busybox:1.36\n    targetTag: stable\n" +
            "  - name: quay.io/example/app:1.1\n    targetRepo: apps/app\n",
        );
        assert.equal(r.code, 0, r.stderr);
        const m = `${reg.host}/mirror`;
        const hex = proxy.digest.slice("sha256:".length);
        assert.deepEqual(planOf(r.lines), [
          `docker.io/library/busybox:1.36 -> ${m}/library/busybox:stable`,
          `quay.io/example/app:1.0 -> ${m}/example/app:1.0`,
          `quay.io/example/app:1.1 -> ${m}/apps/app:1.1`,
          `quay.io/example/multi:latest -> ${m}/example/multi:latest`,
          `quay.io/example/proxy@${proxy.digest} -> ${m}/custom/proxy:v2`,
          `quay.io/example/proxy@${proxy.digest} -> ${m}/example/proxy:2.3`,
          `quay.io/example/proxy@${proxy.digest} -> ${m}/example/proxy:sha256-${hex}`,
        ]);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The tags of a repository at docker-registry (empty when the repository does not exist). */
async function registryTags(url: string, repo: string): Promise<string[]> {
  const res = await fetch(`${url}/v2/${repo}/tags/list`);
  if (res.status === 404) {
    await res.body?.cancel();
    return [];
  }
  assert.equal(res.status, 200, `${repo} tags`);
  return ((await res.json()).tags as string[] | null ?? []).sort();
}

Deno.test("helm and additional images: blockedImages removes an item of every source kind; the rest reaches docker-registry", async () => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "helm-images-m2m-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const bench: IscBench = { dir, registry: reg.host, env: up.env() };
    const proxy = up.content.images["quay.io/example/proxy:2.3"];
    const multi = up.content.images["quay.io/example/multi:latest"];
    assert.ok(proxy && multi);
    const yaml = "  platform:\n    channels:\n    - name: stable-4.14\n" +
      "  operators:\n  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.14\n" +
      "    packages:\n    - name: web-terminal\n" +
      "  additionalImages:\n  - name: quay.io/example/app:1.0\n  - name: docker.io/library/busybox:latest\n" +
      `  - name: quay.io/example/proxy:2.3@${proxy.digest}\n    targetRepo: custom/proxy\n    targetTag: v2\n` +
      "  - name: quay.io/example/multi\n    platforms:\n    - os: linux\n      architecture: arm64\n" +
      // example-stack needs cache:2.0 whole: the additional image's platform filter must not cut it down.
      "  - name: quay.io/example/cache:2.0\n    platforms:\n    - os: linux\n      architecture: arm64\n" +
      `  helm:\n    repositories:\n    - name: example\n      url: ${up.helmRepoUrl}\n      charts:\n` +
      `      - name: example-app\n        version: 1.0.0\n        imagePaths: ["${ENV_PATH}"]\n` +
      "        platforms:\n        - os: linux\n          architecture: arm64\n" +
      // 1.1.0 names the same (multi-arch) proxy sidecar without a platform filter: it must arrive whole.
      "      - name: example-app\n        version: 1.1.0\n" +
      "      - name: example-stack\n        version: 0.1.0\n" +
      "  blockedImages:\n" +
      '  - name: "release:4\\\\.14\\\\.6-x86_64-etcd$"\n' +
      '  - name: "web-terminal-tooling"\n' +
      '  - name: "^quay\\\\.io/example/cache:2\\\\.1$"\n' +
      '  - name: "^docker\\\\.io/library/busybox:latest$"\n';
    const dry = await runIsc(bench, "blocked", yaml);
    assert.equal(dry.code, 0, dry.stderr);
    const blocked = [...dry.stderr.matchAll(/^Blocked (\S+) \(blockedImages "([^"]+)"\)$/gm)].map((m) =>
      m[2]
    );
    assert.deepEqual(blocked.sort(), [
      "^docker\\.io/library/busybox:latest$",
      "^quay\\.io/example/cache:2\\.1$",
      "release:4\\.14\\.6-x86_64-etcd$",
      "web-terminal-tooling",
    ]);
    const m = `${reg.host}/mirror`;
    const destinations = dry.lines.map((l) => l.destination);
    for (
      const gone of ["openshift/release:4.14.6-x86_64-etcd", "library/busybox:latest", "example/cache:2.1"]
    ) {
      assert.ok(!destinations.includes(`${m}/${gone}`), gone);
    }
    assert.ok(!destinations.some((d) => d.includes("web-terminal-tooling")));
    assert.ok(destinations.includes(`${m}/openshift/release:4.14.6-x86_64-cli`));
    assert.ok(destinations.includes(`${m}/example/cache:2.0`));
    assert.ok(destinations.some((d) => d.includes("web-terminal-exec")));

    const run = await runIsc(bench, "blocked", yaml, { dryRun: false });
    assert.equal(run.code, 0, run.stderr);
    assert.equal([...run.stderr.matchAll(/^Blocked /gm)].length, 4, "the run says what it blocked");
    const sparse = (l: MappingLine) => l.destination === `${m}/example/multi:latest`;
    const checked = await assertMirrored(dry.lines, {
      sourceRef: (s) => up.localReference(s),
      rebuilt: (l) => l.destination.includes("redhat-operator-index") || sparse(l),
    });
    assert.equal(checked, dry.lines.length - 2);
    assert.equal(await skopeoManifestDigest(`docker://${m}/custom/proxy:v2`), proxy.digest);
    assert.equal(
      await skopeoManifestDigest(`docker://${m}/example/proxy:${proxy.digest.replace(":", "-")}`),
      proxy.digest,
      "the proxy sidecar whole: example-app 1.1.0 asks for every platform",
    );
    const cache = up.content.images["quay.io/example/cache:2.0"];
    assert.equal(cache?.platforms.length, 2);
    assert.equal(
      await skopeoManifestDigest(`docker://${m}/example/cache:2.0`),
      cache?.digest,
      "cache:2.0 whole",
    );
    const index = JSON.parse(
      new TextDecoder().decode(await skopeoInspectRaw(`docker://${m}/example/multi:latest`)),
    );
    assert.deepEqual(
      index.manifests.map((x: { platform: { architecture: string } }) => x.platform.architecture),
      [
        "arm64",
      ],
    );

    // Nothing blocked reached the registry.
    assert.ok(!(await registryTags(reg.url, "mirror/openshift/release")).includes("4.14.6-x86_64-etcd"));
    assert.deepEqual(await registryTags(reg.url, "mirror/example/cache"), ["2.0"]);
    assert.deepEqual(await registryTags(reg.url, "mirror/library/busybox"), ["1.36"]);
    assert.deepEqual(await registryTags(reg.url, "mirror/web-terminal/web-terminal-tooling-rhel9"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
