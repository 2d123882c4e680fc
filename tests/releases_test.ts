/**
 * Acceptance tests of issue 6 (platform releases) through the CLI: version selection per channel
 * (head, pin, range, min, max, full, shortestPath, two channels across minors), architectures and sparse
 * platforms, KubeVirt, errors, signatures; then real runs whose payload components must reach
 * docker-registry intact, and a disk-to-mirror that selects releases with the update service gone.
 * `oc-mirror list releases` is covered by tests/list_command_test.ts.
 * @module
 */
import assert from "node:assert/strict";
import {
  COMPONENTS,
  findRelease,
  type PayloadArch,
  type PublishedRelease,
  startUpstream,
  type Upstream,
} from "../fixtures/upstream/mod.ts";
import { runOcMirror } from "./_support/cli.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { destinationTags, type IscBench, runIsc } from "./_support/isc_runs.ts";
import { type MappingLine, readYamlDocuments } from "./_support/mirror_checks.ts";
import { skopeo, skopeoInspectRaw, skopeoManifestDigest } from "./_support/skopeo.ts";

const KEY = new URL("../fixtures/keys/release-public.asc", import.meta.url).pathname;

/** `mirror.platform` with these channel entries, after the extra platform lines `header`. */
function platform(entries: string[], header = ""): string {
  return `  platform:\n${header}    channels:\n${entries.join("")}`;
}

function channels(...entries: string[]): string {
  return platform(entries);
}

function channel(name: string, extra: Record<string, string | boolean> = {}): string {
  return `    - name: ${name}\n${Object.entries(extra).map(([k, v]) => `      ${k}: ${v}\n`).join("")}`;
}

/** The release payload tags a plan mirrors (`4.14.6-x86_64`, ...). */
function releaseTags(lines: readonly MappingLine[]): string[] {
  return destinationTags(lines, "openshift/release-images");
}

/** Asserts the plan maps the payload and every component of `release` exactly as the payload names them. */
function assertPayloadMapped(
  lines: readonly MappingLine[],
  release: PublishedRelease,
  registry: string,
): void {
  const tag = `${release.version}-${release.arch}`;
  assert.ok(
    lines.some((l) =>
      l.source === `quay.io/openshift-release-dev/ocp-release@${release.payload.digest}` &&
      l.destination === `${registry}/mirror/openshift/release-images:${tag}`
    ),
    `payload ${tag} is mapped by digest`,
  );
  assert.equal(release.components.length, COMPONENTS.length);
  for (const c of release.components) {
    assert.ok(
      lines.some((l) =>
        l.source === c.reference && l.destination === `${registry}/mirror/openshift/release:${tag}-${c.name}`
      ),
      `component ${c.name} of ${tag} is mapped`,
    );
  }
}

Deno.test("releases: version selection, architectures, KubeVirt, errors and signatures, asserted on mapping.txt", async (t) => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "releases-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const bench: IscBench = { dir, registry: reg.host, env: up.env() };
    const topology = up.content.graph.topology;
    const stable414 = topology.channels["stable-4.14"] as readonly string[];
    const rel = (version: string, arch: PayloadArch = "x86_64") =>
      findRelease(up.content.releases, version, arch);
    const x86 = (vs: readonly string[]) => vs.map((v) => `${v}-x86_64`);

    await t.step("head only by default: the channel's latest release and its 15 components", async () => {
      const r = await runIsc(bench, "head", channels(channel("stable-4.14")));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), ["4.14.6-x86_64"]);
      assertPayloadMapped(r.lines, rel("4.14.6"), reg.host);
      assert.equal(r.lines.length, 1 + COMPONENTS.length);
      assert.match(r.stderr, /Channel stable-4\.14 \(amd64\): 4\.14\.6 \(head\)/);
    });

    await t.step("minVersion == maxVersion pins one release", async () => {
      const r = await runIsc(
        bench,
        "pin",
        channels(channel("stable-4.14", { minVersion: "4.14.2", maxVersion: "4.14.2" })),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), ["4.14.2-x86_64"]);
      assertPayloadMapped(r.lines, rel("4.14.2"), reg.host);
    });

    await t.step("a range keeps the channel's versions inside it (4.14.4 is not in stable)", async () => {
      const r = await runIsc(
        bench,
        "range",
        channels(channel("stable-4.14", { minVersion: "4.14.2", maxVersion: "4.14.5" })),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), x86(["4.14.2", "4.14.3", "4.14.5"]));
      for (const v of ["4.14.2", "4.14.3", "4.14.5"]) assertPayloadMapped(r.lines, rel(v), reg.host);
    });

    await t.step("minVersion only runs to the channel head", async () => {
      const r = await runIsc(bench, "min", channels(channel("stable-4.14", { minVersion: "4.14.3" })));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), x86(["4.14.3", "4.14.5", "4.14.6"]));
    });

    await t.step("maxVersion only starts at the channel's lowest version", async () => {
      const r = await runIsc(bench, "max", channels(channel("stable-4.14", { maxVersion: "4.14.3" })));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), x86(["4.13.2", "4.13.4", "4.14.1", "4.14.2", "4.14.3"]));
    });

    await t.step("full: true mirrors the whole channel", async () => {
      const r = await runIsc(bench, "full", channels(channel("stable-4.14", { full: true })));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), x86(stable414));
      assert.equal(r.lines.length, stable414.length * (1 + COMPONENTS.length));
    });

    await t.step("shortestPath from 4.14.1 to 4.14.6 keeps only 4.14.1 → 4.14.3 → 4.14.6", async () => {
      const r = await runIsc(
        bench,
        "shortest",
        channels(channel("stable-4.14", { minVersion: "4.14.1", maxVersion: "4.14.6", shortestPath: true })),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(releaseTags(r.lines), x86(["4.14.1", "4.14.3", "4.14.6"]));
      assert.match(
        r.stderr,
        /Channel stable-4\.14 \(amd64\): 4\.14\.1 \(shortest-path\), 4\.14\.3 \(shortest-path\), 4\.14\.6 \(shortest-path\)/,
      );
    });

    await t.step("two channels across minors add a cross-channel upgrade path through 4.14", async () => {
      const r = await runIsc(bench, "cross", channels(channel("stable-4.13"), channel("stable-4.15")));
      assert.equal(r.code, 0, r.stderr);
      const versions = releaseTags(r.lines).map((t) => t.replace(/-x86_64$/, ""));
      assert.deepEqual(versions, ["4.13.4", "4.14.5", "4.14.6", "4.15.3"]);
      // Consecutive versions are upgrade edges of the graph: the mirror holds a real path.
      for (let i = 1; i < versions.length; i++) {
        assert.ok(
          topology.edges.some(([f, to]) => f === versions[i - 1] && to === versions[i]),
          `${versions[i - 1]} → ${versions[i]} is an edge`,
        );
      }
    });

    await t.step(
      "architectures [amd64, arm64] mirror each architecture's payload, components and KubeVirt image",
      async () => {
        const r = await runIsc(
          bench,
          "arches",
          platform(
            [channel("stable-4.14")],
            "    architectures: [amd64, arm64]\n    kubeVirtContainer: true\n",
          ),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(releaseTags(r.lines), ["4.14.6-aarch64", "4.14.6-x86_64"]);
        assertPayloadMapped(r.lines, rel("4.14.6", "aarch64"), reg.host);
        assertPayloadMapped(r.lines, rel("4.14.6", "x86_64"), reg.host);
        assert.match(r.stderr, /Channel stable-4\.14 \(arm64\): 4\.14\.6 \(head\)/);
        const { kubevirt } = rel("4.14.6");
        assert.deepEqual(
          r.lines.filter((l) => l.destination.includes("kube-virt")).map((l) => l.source).sort(),
          [
            kubevirt.aarch64,
            kubevirt.x86_64,
          ].sort(),
        );
        assert.ok(
          r.lines.some((l) =>
            l.source === kubevirt.aarch64 &&
            l.destination === `${reg.host}/mirror/openshift/release:4.14.6-aarch64-kube-virt-container`
          ),
        );
        assert.equal(r.lines.length, 2 * (2 + COMPONENTS.length));
      },
    );

    await t.step(
      "platforms select the multi payload (kept as a manifest list, filtered at copy time)",
      async () => {
        const r = await runIsc(
          bench,
          "platforms",
          platform([channel("stable-4.14")], "    platforms:\n    - os: linux\n      architecture: arm64\n"),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(releaseTags(r.lines), ["4.14.6-multi"]);
        assertPayloadMapped(r.lines, rel("4.14.6", "multi"), reg.host);
        assert.match(r.stderr, /Channel stable-4\.14 \(multi\): 4\.14\.6 \(head\)/);
      },
    );

    await t.step("kubeVirtContainer adds the KubeVirt image named by the boot-images ConfigMap", async () => {
      const r = await runIsc(
        bench,
        "kubevirt",
        platform([channel("stable-4.14")], "    kubeVirtContainer: true\n"),
      );
      assert.equal(r.code, 0, r.stderr);
      const kubevirt = rel("4.14.6").kubevirt.x86_64;
      assert.deepEqual(r.lines.filter((l) => l.destination.includes("kube-virt")), [{
        source: kubevirt,
        destination: `${reg.host}/mirror/openshift/release:4.14.6-x86_64-kube-virt-container`,
      }]);
      assert.equal(r.lines.length, 2 + COMPONENTS.length);
    });

    await t.step(
      "a channel that does not exist fails as a release error naming it, at its line",
      async () => {
        const r = await runIsc(bench, "no-channel", channels(channel("stable-4.99")));
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^error: isc\.yaml:6:\d+: Channel "stable-4\.99" \(amd64\) has no releases/m);
      },
    );

    await t.step("minVersion above maxVersion is a located configuration error", async () => {
      const r = await runIsc(
        bench,
        "min-max",
        channels(channel("stable-4.14", { minVersion: "4.14.5", maxVersion: "4.14.2" })),
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: isc\.yaml:7:\d+: .*minVersion "4\.14\.5" is greater than maxVersion "4\.14\.2"/m,
      );
    });

    await t.step("a version the channel does not list is a located error naming its neighbours", async () => {
      const r = await runIsc(
        bench,
        "not-in-channel",
        channels(channel("stable-4.14", { minVersion: "4.14.4" })),
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^error: isc\.yaml:6:\d+: Channel "stable-4\.14" \(amd64\) has no version 4\.14\.4 \(minVersion\): .*4\.14\.3 and 4\.14\.5/m,
      );
    });

    const { bad } = up.content.signatures;
    assert.equal(bad["wrong-digest"].version, "4.13.1");
    assert.equal(bad.tampered.version, "4.13.2");
    assert.equal(bad.missing.version, "4.13.0");
    const arm = (name: string, version: string) =>
      platform([channel(name, { minVersion: version, maxVersion: version })], "    architectures: [arm64]\n");

    await t.step("a signature for another digest is refused", async () => {
      const r = await runIsc(bench, "sig-wrong-digest", arm("stable-4.13", "4.13.1"));
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: Signature 1 of release 4\\.13\\.1 \\(${
            bad["wrong-digest"].digest
          }\\) is a valid signature of another payload: it signs sha256:[0-9a-f]{64}, not ${
            bad["wrong-digest"].digest
          }$`,
          "m",
        ),
      );
    });

    await t.step("a tampered signature is refused", async () => {
      const r = await runIsc(bench, "sig-tampered", arm("stable-4.13", "4.13.2"));
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: Signature 1 of release 4\\.13\\.2 \\(${bad.tampered.digest}\\) does not verify with release key [0-9A-F]{40}: `,
          "m",
        ),
      );
    });

    await t.step("a payload without signature is refused unless --ignore-release-signature", async () => {
      const r = await runIsc(bench, "sig-missing", arm("fast-4.13", "4.13.0"));
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: Release 4\\.13\\.0 \\(quay\\.io/openshift-release-dev/ocp-release@${bad.missing.digest}\\) has no signature$`,
          "m",
        ),
      );
      assert.match(r.stderr, /--ignore-release-signature/);
      const ignored = await runIsc(bench, "sig-missing-ignored", arm("fast-4.13", "4.13.0"), {
        flags: ["--ignore-release-signature"],
      });
      assert.equal(ignored.code, 0, ignored.stderr);
      assert.deepEqual(releaseTags(ignored.lines), ["4.13.0-aarch64"]);
      assert.match(ignored.stderr, /^warning: Release 4\.13\.0 .* is mirrored without a verified signature/m);
    });

    await t.step(
      "platform.release by digest with --ignore-release-signature is tagged with the digest hex",
      async () => {
        const digest = bad.missing.digest;
        const hex = digest.slice("sha256:".length);
        const yaml =
          `  platform:\n    architectures: [arm64]\n    release: quay.io/openshift-release-dev/ocp-release@${digest}\n`;
        const refused = await runIsc(bench, "release-digest", yaml);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /has no signature/);
        const r = await runIsc(bench, "release-digest-ignored", yaml, {
          flags: ["--ignore-release-signature"],
        });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(releaseTags(r.lines), [hex]);
        const release = rel("4.13.0", "aarch64");
        for (const c of release.components) {
          assert.ok(
            r.lines.some((l) =>
              l.source === c.reference && l.destination.endsWith(`/openshift/release:${hex}-${c.name}`)
            ),
            c.name,
          );
        }
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The config digest and architecture `skopeo inspect` reports for an image (reads manifest and config). */
async function skopeoInspect(
  ref: string,
): Promise<{ Digest: string; Architecture: string; Layers: string[] }> {
  return JSON.parse(
    new TextDecoder().decode(await skopeo(["inspect", "--tls-verify=false", `docker://${ref}`])),
  );
}

Deno.test("releases: a sparse multi payload with KubeVirt reaches docker-registry with only the asked platform", async () => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "releases-sparse-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const bench: IscBench = { dir, registry: reg.host, env: up.env() };
    const r = await runIsc(
      bench,
      "sparse",
      "  platform:\n    kubeVirtContainer: true\n    platforms:\n    - os: linux\n      architecture: arm64\n" +
        "    channels:\n    - name: stable-4.14\n",
      { dryRun: false },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /✓ 17 \/ 17 release images mirrored/);
    const release = findRelease(up.content.releases, "4.14.6", "multi");
    const arm64 = (i: { children?: { platforms: { architecture: string }[]; digest: string }[] }) =>
      i.children?.find((c) => c.platforms.some((p) => p.architecture === "arm64"))?.digest;
    const payload = JSON.parse(
      new TextDecoder().decode(
        await skopeoInspectRaw(`docker://${reg.host}/mirror/openshift/release-images:4.14.6-multi`),
      ),
    ) as { manifests: { digest: string; platform: { architecture: string } }[] };
    assert.deepEqual(payload.manifests.map((m) => m.platform.architecture), ["arm64"]);
    assert.equal(payload.manifests[0]?.digest, arm64(release.payload));
    for (const c of release.components) {
      const ref = `${reg.host}/mirror/openshift/release:4.14.6-multi-${c.name}`;
      const index = JSON.parse(new TextDecoder().decode(await skopeoInspectRaw(`docker://${ref}`))) as {
        manifests: { digest: string; platform: { architecture: string } }[];
      };
      assert.deepEqual(index.manifests.map((m) => m.platform.architecture), ["arm64"], c.name);
      const inspected = await skopeoInspect(`${ref.replace(/:[^:/]+$/, "")}@${index.manifests[0]?.digest}`);
      assert.equal(inspected.Architecture, "arm64", c.name);
      assert.ok(inspected.Layers.length > 0, c.name);
    }
    const kubevirt = `${reg.host}/mirror/openshift/release:4.14.6-multi-kube-virt-container`;
    // One of the payload's KubeVirt images (single-architecture; which one a multi payload gets is open).
    const kubevirtDigests = Object.values(release.kubevirt).map((ref) => ref.slice(ref.indexOf("@") + 1));
    assert.ok(kubevirtDigests.includes(await skopeoManifestDigest(`docker://${kubevirt}`)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("releases: mirror-to-disk, then disk-to-mirror selects the same releases with the update service stopped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "releases-d2m-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const isc =
      "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\nmirror:\n  platform:\n" +
      "    channels:\n    - name: stable-4.14\n      minVersion: 4.14.1\n      maxVersion: 4.14.6\n" +
      "      shortestPath: true\n";
    await Deno.writeTextFile(`${dir}/isc.yaml`, isc);
    let releases: PublishedRelease[];
    let graphRequests: number;
    const up: Upstream = await startUpstream();
    try {
      releases = ["4.14.1", "4.14.3", "4.14.6"].map((v) => findRelease(up.content.releases, v, "x86_64"));
      const m2d = await runOcMirror(["--v2", "-c", "isc.yaml", "file://out"], { cwd: dir, env: up.env() });
      assert.equal(m2d.code, 0, m2d.stderr);
      graphRequests = up.requests.filter((q) => q.url.includes("/graph?")).length;
      assert.ok(graphRequests > 0);
    } finally {
      await up.close();
    }
    // The upstream (graph server, signatures, registry) is gone: everything comes from the archive.
    const d2m = await runOcMirror(
      ["--v2", "-c", "isc.yaml", "--from", "file://out", `docker://${reg.host}/mirror`],
      { cwd: dir, env: { OCP_SIGNATURE_VERIFICATION_PK: KEY } },
    );
    assert.equal(d2m.code, 0, d2m.stderr);
    assert.match(
      d2m.stderr,
      /Channel stable-4\.14 \(amd64\): 4\.14\.1 \(shortest-path\), 4\.14\.3 \(shortest-path\), 4\.14\.6 \(shortest-path\)/,
    );
    assert.match(d2m.stderr, /✓ 48 \/ 48 release images mirrored/);
    for (const release of releases) {
      const tag = `${release.version}-x86_64`;
      assert.equal(
        await skopeoManifestDigest(`docker://${reg.host}/mirror/openshift/release-images:${tag}`),
        release.payload.digest,
      );
      for (const c of release.components) {
        const inspected = await skopeoInspect(`${reg.host}/mirror/openshift/release:${tag}-${c.name}`);
        assert.equal(inspected.Digest, c.digest, `${tag} ${c.name}`);
        assert.equal(inspected.Architecture, "amd64");
      }
    }
    // The signature ConfigMap: one signature per payload, numbered across payloads as the original does.
    const [sigs] = await readYamlDocuments(
      `${dir}/out/working-dir/cluster-resources/signature-configmap.yaml`,
    );
    const keys = Object.keys((sigs?.binaryData ?? {}) as Record<string, string>);
    assert.deepEqual(
      keys.map((k) => k.replace(/-\d+$/, "")).sort(),
      releases.map((r) => r.payload.digest.replace(":", "-")).sort(),
    );
    assert.deepEqual(keys.map((k) => Number(/-(\d+)$/.exec(k)?.[1])).sort(), [1, 2, 3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
