/**
 * Acceptance tests of issue 7 (operator catalogs) through the CLI on the synthetic catalogs: every
 * filtering mode asserts the exact bundle set and image set of `mapping.txt`; errors name what exists;
 * v1alpha2 and `--resolve-dependencies` resolve dependencies; a real run rebuilds the catalog, which is
 * read back from docker-registry and compared with the filtered FBC, and mirrors `full: true` unchanged.
 * @module
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { unpackTar } from "modern-tar";
import {
  type PublishedBundle,
  type PublishedCatalog,
  startUpstream,
  type Upstream,
} from "../fixtures/upstream/mod.ts";
import { testContext } from "../lib/context.ts";
import { type Descriptor, parseManifest } from "../lib/oci/mod.ts";
import { type Catalog, CONFIGS_LABEL, readCatalog } from "../lib/operator/mod.ts";
import { createRegistryStores } from "../lib/registry/mod.ts";
import type { SourceStore } from "../lib/store/mod.ts";
import { startDockerRegistry } from "./_support/docker_registry.ts";
import { type IscBench, runIsc } from "./_support/isc_runs.ts";
import { type MappingLine, readYamlDocuments } from "./_support/mirror_checks.ts";
import { skopeoManifestDigest } from "./_support/skopeo.ts";

const REDHAT = "registry.redhat.io/redhat/redhat-operator-index:v4.14";
const CERTIFIED = "registry.redhat.io/redhat/certified-operator-index:v4.14";

function publishedCatalog(up: Upstream, reference: string): PublishedCatalog {
  const c = up.content.catalogs.find((x) => x.reference === reference);
  assert.ok(c, `the upstream publishes ${reference}`);
  return c;
}

/** Every bundle of a catalog by name. */
function bundlesByName(catalog: PublishedCatalog): Map<string, PublishedBundle> {
  return new Map(catalog.packages.flatMap((p) => p.bundles.map((b) => [b.name, b] as const)));
}

/** The bundles whose bundle image is a source of the plan, sorted by name. */
function plannedBundles(lines: readonly MappingLine[], catalog: PublishedCatalog): string[] {
  const sources = new Set(lines.map((l) => l.source));
  return [...bundlesByName(catalog).values()].filter((b) => sources.has(b.image)).map((b) => b.name).sort();
}

/** Where a digest-pinned operator image goes: its path under the namespace, tagged `sha256-<hex>`. */
function operatorDestination(registry: string, image: string): string {
  const [repo, digest] = image.split("@") as [string, string];
  return `${registry}/mirror/${repo.slice(repo.indexOf("/") + 1)}:${digest.replace(":", "-")}`;
}

/**
 * Asserts the plan is exactly: the bundle image and every related image of each bundle of `names`
 * (namespace-preserving, by digest) plus one line per catalog.
 */
function assertOperatorImages(
  lines: readonly MappingLine[],
  catalog: PublishedCatalog,
  names: readonly string[],
  registry: string,
  catalogLines = 1,
): void {
  const bundles = bundlesByName(catalog);
  const expected = new Map<string, string>();
  for (const name of names) {
    const b = bundles.get(name);
    assert.ok(b, name);
    for (const image of [b.image, ...b.relatedImages.map((r) => r.image)]) {
      expected.set(image, operatorDestination(registry, image));
    }
  }
  const operatorLines = lines.filter((l) => !/-index@sha256:/.test(l.source));
  assert.deepEqual(
    new Map(operatorLines.map((l) => [l.source, l.destination])),
    expected,
    "bundle and related images of exactly the kept bundles",
  );
  assert.equal(operatorLines.length, expected.size, "each image once");
  assert.equal(lines.length - operatorLines.length, catalogLines, "catalog lines");
}

/** Bundle names of the heads of every channel of `packages` (all packages when omitted). */
function heads(catalog: PublishedCatalog, packages?: string[]): string[] {
  const out = new Set<string>();
  for (const p of catalog.packages) {
    if (packages && !packages.includes(p.name)) continue;
    for (const c of p.channels) out.add(c.head);
  }
  return [...out].sort();
}

function operators(body: string): string {
  return `  operators:\n${body}`;
}

Deno.test("operators: every filtering mode selects the exact bundle set and image set, errors name what exists", async (t) => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "operators-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const bench: IscBench = { dir, registry: reg.host, env: up.env() };
    const redhat = publishedCatalog(up, REDHAT);
    const all = [...bundlesByName(redhat).keys()].sort();
    const catalogLine = (lines: readonly MappingLine[]) => lines.find((l) => /-index@sha256:/.test(l.source));
    const cl = (versions: string[]) => versions.map((v) => `cluster-logging.v${v}`);

    await t.step(
      "no packages: the head of every channel of every package, catalog rebuilt at its tag",
      async () => {
        const r = await runIsc(bench, "heads", operators(`  - catalog: ${REDHAT}\n`));
        assert.equal(r.code, 0, r.stderr);
        const expected = heads(redhat);
        assert.equal(expected.length, 10);
        assert.deepEqual(plannedBundles(r.lines, redhat), expected);
        assertOperatorImages(r.lines, redhat, expected, reg.host);
        assert.deepEqual(catalogLine(r.lines), {
          source: `registry.redhat.io/redhat/redhat-operator-index@${redhat.image.digest}`,
          destination: `${reg.host}/mirror/redhat/redhat-operator-index:v4.14`,
        });
      },
    );

    await t.step("full: true without packages: every bundle", async () => {
      const r = await runIsc(bench, "full", operators(`  - catalog: ${REDHAT}\n    full: true\n`));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(plannedBundles(r.lines, redhat), all);
      assertOperatorImages(r.lines, redhat, all, reg.host);
    });

    const pkg = (body: string) => operators(`  - catalog: ${REDHAT}\n    packages:\n${body}`);

    await t.step("a package without channels: the head of each of its channels", async () => {
      const r = await runIsc(bench, "package", pkg("    - name: cluster-logging\n"));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(plannedBundles(r.lines, redhat), cl(["5.8.3", "5.9.2"]));
      assertOperatorImages(r.lines, redhat, cl(["5.8.3", "5.9.2"]), reg.host);
    });

    await t.step("a package without channels with full: true: all its bundles", async () => {
      const r = await runIsc(
        bench,
        "package-full",
        operators(`  - catalog: ${REDHAT}\n    full: true\n    packages:\n    - name: cluster-logging\n`),
      );
      assert.equal(r.code, 0, r.stderr);
      const expected = cl(["5.8.0", "5.8.1", "5.8.2", "5.8.3", "5.9.0", "5.9.1", "5.9.2"]);
      assert.deepEqual(plannedBundles(r.lines, redhat), expected);
      assertOperatorImages(r.lines, redhat, expected, reg.host);
    });

    await t.step("listed channels: only their heads", async () => {
      const r = await runIsc(
        bench,
        "channels",
        pkg("    - name: cluster-logging\n      channels:\n      - name: stable-5.9\n"),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(plannedBundles(r.lines, redhat), cl(["5.9.2"]));
      assertOperatorImages(r.lines, redhat, cl(["5.9.2"]), reg.host);
    });

    await t.step(
      "dropping the default channel is an error until defaultChannel names a kept one",
      async () => {
        const body = "    - name: cluster-logging\n__DEFAULT__      channels:\n      - name: stable-5.8\n";
        const r = await runIsc(bench, "default-missing", pkg(body.replace("__DEFAULT__", "")));
        assert.equal(r.code, 4, r.stderr);
        assert.match(
          r.stderr,
          /^error: .*package "cluster-logging" in catalog registry\.redhat\.io\/redhat\/redhat-operator-index:v4\.14: the default channel "stable-5\.9" was filtered out, a new default channel must be configured$/m,
        );
        assert.match(
          r.stderr,
          /^hint: Set defaultChannel for package "cluster-logging" to one of "stable-5\.8"$/m,
        );
        const fixed = await runIsc(
          bench,
          "default-set",
          pkg(body.replace("__DEFAULT__", "      defaultChannel: stable-5.8\n")),
        );
        assert.equal(fixed.code, 0, fixed.stderr);
        assert.deepEqual(plannedBundles(fixed.lines, redhat), cl(["5.8.3"]));
      },
    );

    await t.step("a package-level range applies to every channel", async () => {
      const r = await runIsc(
        bench,
        "package-range",
        pkg("    - name: cluster-logging\n      minVersion: 5.8.1\n      maxVersion: 5.9.1\n"),
      );
      assert.equal(r.code, 0, r.stderr);
      const expected = cl(["5.8.1", "5.8.2", "5.8.3", "5.9.0", "5.9.1"]);
      assert.deepEqual(plannedBundles(r.lines, redhat), expected);
      assertOperatorImages(r.lines, redhat, expected, reg.host);
    });

    await t.step("channel-level ranges apply per channel", async () => {
      const r = await runIsc(
        bench,
        "channel-range",
        pkg(
          "    - name: cluster-logging\n      channels:\n      - name: stable-5.9\n        minVersion: 5.9.1\n" +
            "      - name: stable-5.8\n        minVersion: 5.8.1\n        maxVersion: 5.8.1\n",
        ),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(plannedBundles(r.lines, redhat), cl(["5.8.1", "5.9.1", "5.9.2"]));
    });

    await t.step("a minVersion keeps skipped bundles in range (loki 5.9.2 skips 5.9.1)", async () => {
      const r = await runIsc(bench, "skips", pkg("    - name: loki-operator\n      minVersion: 5.8.1\n"));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        plannedBundles(r.lines, redhat),
        ["5.8.1", "5.8.2", "5.9.0", "5.9.1", "5.9.2"].map((v) => `loki-operator.v${v}`),
      );
    });

    await t.step("a package that does not exist is an operator error suggesting the nearest", async () => {
      const r = await runIsc(bench, "no-package", pkg("    - name: cluster-loging\n"));
      assert.equal(r.code, 4, r.stderr);
      assert.match(
        r.stderr,
        /^error: Package "cluster-loging" not found in catalog registry\.redhat\.io\/redhat\/redhat-operator-index:v4\.14: did you mean "cluster-logging"\?$/m,
      );
    });

    await t.step(
      "a channel that does not exist is an operator error listing the package's channels",
      async () => {
        const r = await runIsc(
          bench,
          "no-channel",
          pkg("    - name: cluster-logging\n      channels:\n      - name: stable-5.7\n"),
        );
        assert.equal(r.code, 4, r.stderr);
        assert.match(
          r.stderr,
          /^error: Channel "stable-5\.7" not found in package "cluster-logging" in catalog .*: did you mean "stable-5\.8"/m,
        );
        assert.match(r.stderr, /"stable-5\.9"/);
      },
    );

    await t.step(
      "a range no version of the default channel falls in is an error naming the channel's versions",
      async () => {
        const r = await runIsc(
          bench,
          "no-version",
          pkg("    - name: cluster-logging\n      minVersion: 5.8.1\n      maxVersion: 5.8.1\n"),
        );
        assert.equal(r.code, 4, r.stderr);
        assert.match(
          r.stderr,
          /^error: Package "cluster-logging" channel "stable-5\.9" has version range ">=5\.8\.1 <=5\.8\.1" that results in an empty channel in catalog .*: its versions go from 5\.9\.0 to 5\.9\.2$/m,
        );
      },
    );

    const dependents = pkg("    - name: odf-operator\n    - name: web-terminal\n");
    const withDependencies = [
      "devworkspace-operator.v0.26.0",
      "ocs-operator.v4.14.3",
      "odf-operator.v4.14.3",
      "web-terminal.v1.10.0",
    ];

    await t.step("v2 ignores dependencies; --resolve-dependencies adds the required packages", async () => {
      const plain = await runIsc(bench, "v2-deps", dependents);
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual(plannedBundles(plain.lines, redhat), ["odf-operator.v4.14.3", "web-terminal.v1.10.0"]);
      const resolved = await runIsc(bench, "v2-resolve", dependents, { flags: ["--resolve-dependencies"] });
      assert.equal(resolved.code, 0, resolved.stderr);
      assert.deepEqual(plannedBundles(resolved.lines, redhat), withDependencies);
      assertOperatorImages(resolved.lines, redhat, withDependencies, reg.host);
      assert.match(resolved.stderr, /"odf-operator\.v4\.14\.3" requires package "ocs-operator"/);
      assert.match(
        resolved.stderr,
        /"web-terminal\.v1\.10\.0" requires API workspace\.devfile\.io\/v1alpha1\/DevWorkspaceRouting/,
      );
    });

    await t.step(
      "v1alpha2 resolves olm.package.required and olm.gvk.required unless skipDependencies",
      async () => {
        const v1 = await runIsc(bench, "v1-deps", dependents, { apiVersion: "v1alpha2" });
        assert.equal(v1.code, 0, v1.stderr);
        assert.match(v1.stderr, /Using the v1 engine/);
        assert.deepEqual(plannedBundles(v1.lines, redhat), withDependencies);
        const skipped = await runIsc(
          bench,
          "v1-skip",
          operators(
            `  - catalog: ${REDHAT}\n    skipDependencies: true\n    packages:\n    - name: odf-operator\n` +
              "    - name: web-terminal\n",
          ),
          { apiVersion: "v1alpha2" },
        );
        assert.equal(skipped.code, 0, skipped.stderr);
        assert.deepEqual(plannedBundles(skipped.lines, redhat), [
          "odf-operator.v4.14.3",
          "web-terminal.v1.10.0",
        ]);
      },
    );

    await t.step("targetCatalog and targetTag name the rebuilt catalog", async () => {
      const certified = publishedCatalog(up, CERTIFIED);
      const r = await runIsc(
        bench,
        "target",
        operators(
          `  - catalog: ${CERTIFIED}\n    targetCatalog: partners/certified\n    targetTag: v4.14-crunchy\n` +
            "    packages:\n    - name: crunchy-postgres-operator\n",
        ),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(plannedBundles(r.lines, certified), ["crunchy-postgres-operator.v5.5.0"]);
      assertOperatorImages(r.lines, certified, ["crunchy-postgres-operator.v5.5.0"], reg.host);
      assert.deepEqual(catalogLine(r.lines), {
        source: `registry.redhat.io/redhat/certified-operator-index@${certified.image.digest}`,
        destination: `${reg.host}/mirror/partners/certified:v4.14-crunchy`,
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Reads a small blob of a store as JSON. */
async function blobJson(store: SourceStore, repo: string, d: Descriptor): Promise<Record<string, unknown>> {
  return JSON.parse(await new Response(await store.getBlob(repo, d)).text());
}

/** Names of the catalog's packages, channels (with entry names) and bundles, for comparison. */
function catalogShape(c: Catalog): unknown {
  return {
    packages: c.packages.map((p) => `${p.name} (default ${p.defaultChannel})`).sort(),
    channels: c.channels.map((ch) => `${ch.package}/${ch.name}: ${ch.entries.map((e) => e.name).sort()}`)
      .sort(),
    bundles: c.bundles.map((b) => b.name).sort(),
  };
}

Deno.test("operators: the rebuilt catalog at docker-registry serves exactly the filtered FBC; full: true is mirrored unchanged", async () => {
  await using up = await startUpstream();
  const dir = await Deno.makeTempDir({ prefix: "operators-m2m-" });
  try {
    await using reg = await startDockerRegistry(`${dir}/registry`);
    const bench: IscBench = { dir, registry: reg.host, env: up.env() };
    const redhat = publishedCatalog(up, REDHAT);
    const certified = publishedCatalog(up, CERTIFIED);
    // The template is named by an absolute path, as in the reference's example.
    const template = `${dir}/templates/catalog-source.yaml`;
    await Deno.mkdir(`${dir}/templates`);
    await Deno.writeTextFile(
      template,
      "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nmetadata:\n  name: replaced\n" +
        "  annotations:\n    team: storage\nspec:\n  displayName: Filtered Red Hat operators\n" +
        "  image: replaced\n  updateStrategy:\n    registryPoll:\n      interval: 30m\n",
    );
    const r = await runIsc(
      bench,
      "m2m",
      operators(
        `  - catalog: ${REDHAT}\n    targetCatalog: filtered/redhat-index\n    targetTag: odf-wt\n` +
          `    targetCatalogSourceTemplate: ${template}\n    packages:\n` +
          "    - name: odf-operator\n    - name: web-terminal\n      channels:\n      - name: fast\n" +
          "        minVersion: 1.9.0\n" +
          `  - catalog: ${CERTIFIED}\n    full: true\n`,
      ),
      { dryRun: false },
    );
    assert.equal(r.code, 0, r.stderr);
    const kept = ["odf-operator.v4.14.3", "web-terminal.v1.10.0", "web-terminal.v1.9.0"];
    const certifiedAll = [...bundlesByName(certified).keys()].sort();
    assert.match(r.stderr, /✓ \d+ \/ \d+ operator images mirrored/);

    // Every bundle and related image of every kept bundle is at the destination with its source digest.
    const images = new Set<string>();
    for (const [catalog, names] of [[redhat, kept], [certified, certifiedAll]] as const) {
      const byName = bundlesByName(catalog);
      for (const n of names) {
        const b = byName.get(n) as PublishedBundle;
        for (const image of [b.image, ...b.relatedImages.map((x) => x.image)]) images.add(image);
      }
    }
    for (const image of images) {
      const destination = operatorDestination(reg.host, image);
      assert.equal(await skopeoManifestDigest(`docker://${destination}`), image.split("@")[1], destination);
    }

    // full: true without packages: the catalog is mirrored as is.
    assert.equal(
      await skopeoManifestDigest(`docker://${reg.host}/mirror/redhat/certified-operator-index:v4.14`),
      certified.image.digest,
    );

    // The rebuilt catalog: read back from the registry, it holds exactly the filtered FBC.
    await using stores = await createRegistryStores(testContext(), {
      destTlsVerify: false,
      srcTlsVerify: false,
    });
    const store = stores.destination(reg.host);
    const repo = "mirror/filtered/redhat-index";
    const root = await store.resolve(repo, "odf-wt");
    assert.notEqual(root.digest, redhat.image.digest);
    const rebuilt = await readCatalog(store, repo, root);
    const original = await readCatalog(up.store, redhat.image.repository, redhat.image.descriptor);
    assert.deepEqual(catalogShape(rebuilt), {
      packages: ["odf-operator (default stable-4.14)", "web-terminal (default fast)"],
      channels: [
        "odf-operator/stable-4.14: odf-operator.v4.14.3",
        "web-terminal/fast: web-terminal.v1.10.0,web-terminal.v1.9.0",
      ],
      bundles: kept,
    });
    for (const b of rebuilt.bundles) {
      assert.deepEqual(b, original.bundles.find((o) => o.name === b.name), `${b.name} is unchanged`);
    }
    const rebuiltArm = await readCatalog(store, repo, root, {
      platform: { os: "linux", architecture: "arm64" },
    });
    assert.deepEqual(catalogShape(rebuiltArm), catalogShape(rebuilt));

    // Every platform: serve /configs, the label, and the stale /tmp/cache whited out.
    const index = parseManifest(await store.getManifest(repo, root), {
      mediaType: root.mediaType,
      where: repo,
    });
    assert.equal(index.kind, "index");
    assert.deepEqual(index.manifests.map((m) => m.platform?.architecture).sort(), ["amd64", "arm64"]);
    for (const d of index.manifests) {
      const m = parseManifest(await store.getManifest(repo, d), { mediaType: d.mediaType, where: repo });
      assert.equal(m.kind, "manifest");
      const config = await blobJson(store, repo, m.config);
      const inner = config.config as { Cmd: string[]; Labels: Record<string, string> };
      assert.deepEqual(inner.Cmd, ["serve", "/configs"]);
      assert.equal(inner.Labels[CONFIGS_LABEL], "/configs");
      assert.equal(inner.Labels.vendor, "Red Hat, Inc.", "original labels kept");
      const whiteout = m.layers.at(-2) as Descriptor;
      const gz = new Uint8Array(await new Response(await store.getBlob(repo, whiteout)).arrayBuffer());
      const names = (await unpackTar(gunzipSync(gz))).map((e) => e.header.name);
      assert.ok(names.includes("tmp/.wh.cache"), `no stale /tmp/cache: ${names}`);
      assert.ok(names.includes(".wh.configs"), `old /configs removed: ${names}`);
    }

    // CatalogSources point at the mirrored catalogs.
    const resources = `${r.workingDir}/cluster-resources`;
    assert.doesNotMatch(r.stderr, /plain CatalogSource/, "the template is used");
    const [cs] = await readYamlDocuments(`${resources}/cs-redhat-index-odf-wt.yaml`);
    assert.deepEqual(cs?.spec, {
      displayName: "Filtered Red Hat operators",
      image: `${reg.host}/mirror/filtered/redhat-index:odf-wt`,
      sourceType: "grpc",
      updateStrategy: { registryPoll: { interval: "30m" } },
    });
    const meta = cs?.metadata as { name: string; namespace: string; annotations: Record<string, string> };
    assert.equal(meta.name, "cs-redhat-index-odf-wt");
    assert.equal(meta.namespace, "openshift-marketplace");
    assert.equal(meta.annotations.team, "storage");
    const [cert] = await readYamlDocuments(`${resources}/cs-certified-operator-index-v4-14.yaml`);
    assert.equal(
      (cert?.spec as { image: string }).image,
      `${reg.host}/mirror/redhat/certified-operator-index:v4.14`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
