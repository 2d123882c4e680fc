/**
 * `oc-mirror list releases` and `list operators` end to end: the CLI as a subprocess against the
 * synthetic upstream's update graph and catalogs (read through its registries.conf).
 * @module
 */
import assert from "node:assert/strict";
import { startUpstream, type Upstream } from "../fixtures/upstream/mod.ts";
import { type Digest, parseManifest, type Platform } from "../lib/oci/mod.ts";
import { runOcMirror } from "./_support/cli.ts";

const CATALOG = "registry.redhat.io/redhat/redhat-operator-index:v4.14";

Deno.test("oc-mirror list releases prints the channel's versions and a version's channels from the update service", async () => {
  await using upstream = await startUpstream();
  const env = upstream.env();
  const published = upstream.content.graph.topology.channels["stable-4.14"];
  assert.ok(published);

  const channel = await runOcMirror(["list", "releases", "--channel", "stable-4.14"], { env });
  assert.equal(channel.code, 0, channel.stderr);
  assert.equal(channel.stdout, ["Channel: stable-4.14", "Architecture: amd64", ...published, ""].join("\n"));
  assert.equal(
    channel.stdout,
    "Channel: stable-4.14\nArchitecture: amd64\n4.13.2\n4.13.4\n4.14.1\n4.14.2\n4.14.3\n4.14.5\n4.14.6\n",
  );
  assert.ok(
    upstream.requests.some((r) =>
      r.url.startsWith("/api/upgrades_info/v1/graph?channel=stable-4.14&arch=amd64") && r.status === 200
    ),
    "UPDATE_URL_OVERRIDE sent the request to the synthetic update service",
  );

  const version = await runOcMirror(["list", "releases", "--version", "4.14"], { env });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(
    version.stdout,
    ["Channel: stable-4.14", "Architecture: amd64", ...published.filter((v) => v.startsWith("4.14.")), ""]
      .join("\n"),
  );
  assert.match(version.stderr, /Listing stable channels\. Use --channel=<channel-name> to filter\./);

  const channels = await runOcMirror(["list", "releases", "--channels", "--version", "4.14"], { env });
  assert.equal(channels.code, 0, channels.stderr);
  assert.equal(
    channels.stdout,
    "Listing channels for version 4.14.\nArchitecture: amd64\ncandidate-4.14\neus-4.14\nfast-4.14\nstable-4.14\n",
  );
  const expectedChannels = upstream.content.graph.channels.filter((c) => c.endsWith("-4.14")).sort();
  assert.deepEqual(channels.stdout.trim().split("\n").slice(2), expectedChannels);

  const json = await runOcMirror(
    ["list", "releases", "--channel", "fast-4.15", "--filter-by-archs", "arm64,multi", "--output", "json"],
    { env },
  );
  assert.equal(json.code, 0, json.stderr);
  const fast415 = upstream.content.graph.topology.channels["fast-4.15"];
  assert.deepEqual(json.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
    { channel: "fast-4.15", arch: "arm64", versions: fast415 },
    { channel: "fast-4.15", arch: "multi", versions: fast415 },
  ]);

  const usage = await runOcMirror(["list", "releases"], { env });
  assert.equal(usage.code, 1);
  assert.equal(usage.stdout, "");
  assert.match(
    usage.stderr,
    /^error: List releases needs --version X\.Y or --channel C, e\.g\. --version 4\.14$/m,
  );
});

/** The layer digests of the catalog's linux/amd64 image, as the upstream store holds them. */
async function catalogLayers(upstream: Upstream, reference: string): Promise<Set<Digest>> {
  const published = upstream.content.catalogs.find((c) => c.reference === reference);
  assert.ok(published, `upstream publishes ${reference}`);
  const repo = published.image.repository;
  const amd64 = (p: Platform[]) => p.some((x) => x.os === "linux" && x.architecture === "amd64");
  const image = published.image.children?.find((c) => amd64(c.platforms)) ?? published.image;
  const bytes = await upstream.store.getManifest(repo, image.descriptor);
  const m = parseManifest(bytes, { mediaType: image.descriptor.mediaType, where: reference });
  assert.equal(m.kind, "manifest");
  return new Set(m.kind === "manifest" ? m.layers.map((l) => l.digest) : []);
}

Deno.test("oc-mirror list operators lists packages, channels and versions of a catalog, and the Red Hat catalogs", async () => {
  await using upstream = await startUpstream();
  const home = await Deno.makeTempDir({ prefix: "list-operators-home-" });
  const env = { ...upstream.env(), HOME: home };
  try {
    const packages = await runOcMirror(["list", "operators", "--catalog", CATALOG], { env });
    assert.equal(packages.code, 0, packages.stderr);
    assert.equal(
      packages.stdout,
      [
        "NAME                   DISPLAY NAME                 DEFAULT CHANNEL",
        "cluster-logging        Red Hat OpenShift Logging    stable-5.9",
        "compliance-operator    Compliance Operator          stable",
        "devworkspace-operator  DevWorkspace Operator        fast",
        "loki-operator          Loki Operator                stable-5.9",
        "ocs-operator           OpenShift Container Storage  stable-4.14",
        "odf-operator           OpenShift Data Foundation    stable-4.14",
        "web-terminal           Web Terminal                 fast",
        "",
      ].join("\n"),
    );
    const published = upstream.content.catalogs.find((c) => c.reference === CATALOG);
    assert.deepEqual(
      packages.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s{2,}/)).map((c) => [c[0], c[2]]),
      published?.packages.map((p) => [p.name, p.defaultChannel]).sort(),
    );
    // The parsed catalog went to the default cache under $HOME.
    const cached = [...Deno.readDirSync(`${home}/.oc-mirror/catalogs`)].map((e) => e.name);
    assert.equal(cached.length, 1);
    assert.match(cached[0] ?? "", /^sha256-[0-9a-f]{64}\.json$/);

    const channels = await runOcMirror([
      "list",
      "operators",
      "--catalog",
      CATALOG,
      "--package",
      "cluster-logging",
    ], {
      env,
    });
    assert.equal(channels.code, 0, channels.stderr);
    assert.equal(
      channels.stdout,
      [
        "PACKAGE          CHANNEL     HEAD                    DEFAULT",
        "cluster-logging  stable      cluster-logging.v5.9.2",
        "cluster-logging  stable-5.8  cluster-logging.v5.8.3",
        "cluster-logging  stable-5.9  cluster-logging.v5.9.2  *",
        "",
      ].join("\n"),
    );

    const versions = await runOcMirror(
      ["list", "operators", "--catalog", CATALOG, "--package", "cluster-logging", "--channel", "stable-5.9"],
      { env },
    );
    assert.equal(versions.code, 0, versions.stderr);
    assert.equal(versions.stdout, "VERSIONS\n5.9.0\n5.9.1\n5.9.2\n");

    const json = await runOcMirror(
      [
        "list",
        "operators",
        "--catalog",
        `docker://${CATALOG}`,
        "--package",
        "compliance-operator",
        "-o",
        "json",
      ],
      { env },
    );
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      catalog: `docker://${CATALOG}`,
      package: "compliance-operator",
      defaultChannel: "stable",
      channels: [
        {
          name: "release-0.1",
          head: "compliance-operator.v0.1.61",
          headVersion: "0.1.61",
          isDefault: false,
          entries: 2,
        },
        {
          name: "stable",
          head: "compliance-operator.v1.5.0",
          headVersion: "1.5.0",
          isDefault: true,
          entries: 3,
        },
      ],
    });

    const typo = await runOcMirror(
      ["list", "operators", "--catalog", CATALOG, "--package", "cluster-loging"],
      {
        env,
      },
    );
    assert.equal(typo.code, 1);
    assert.equal(
      typo.stderr,
      `error: Package "cluster-loging" not found in catalog ${CATALOG}: did you mean "cluster-logging"?\n` +
        "hint: Run `oc-mirror list operators --catalog <catalog>` to see the packages\n",
    );
    const badChannel = await runOcMirror(
      ["list", "operators", "--catalog", CATALOG, "--package", "cluster-logging", "--channel", "stable-6.0"],
      { env },
    );
    assert.equal(badChannel.code, 1);
    assert.match(
      badChannel.stderr,
      /^error: Channel "stable-6\.0" not found in package "cluster-logging" in catalog .*: did you mean .*\(channels: "stable", "stable-5\.8", "stable-5\.9"\)$/m,
    );

    const catalogs = await runOcMirror(["list", "operators", "--catalogs", "--version", "4.14"]);
    assert.equal(catalogs.code, 0, catalogs.stderr);
    assert.equal(
      catalogs.stdout,
      [
        "Available OpenShift OperatorHub catalogs:",
        "OpenShift 4.14:",
        "registry.redhat.io/redhat/redhat-operator-index:v4.14",
        "registry.redhat.io/redhat/certified-operator-index:v4.14",
        "registry.redhat.io/redhat/community-operator-index:v4.14",
        "registry.redhat.io/redhat/redhat-marketplace-index:v4.14",
        "",
      ].join("\n"),
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("oc-mirror list operators reuses the parsed catalog: a second listing reads no layer", async () => {
  await using upstream = await startUpstream();
  const cache = await Deno.makeTempDir({ prefix: "list-operators-cache-" });
  const store = upstream.store;
  const getBlob = store.getBlob.bind(store);
  const fetched: Digest[] = [];
  store.getBlob = (repo, d, o) => {
    fetched.push(d.digest);
    return getBlob(repo, d, o);
  };
  try {
    const layers = await catalogLayers(upstream, CATALOG);
    assert.ok(layers.size > 0);
    const args = [
      "list",
      "operators",
      "--catalog",
      CATALOG,
      "--package",
      "odf-operator",
      "--cache-dir",
      cache,
    ];
    const first = await runOcMirror(args, { env: upstream.env() });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      new Set(fetched.filter((d) => layers.has(d))),
      layers,
      "the first listing reads every layer",
    );
    const cached = [...Deno.readDirSync(`${cache}/.oc-mirror/catalogs`)].map((e) => e.name);
    assert.equal(cached.length, 1);

    fetched.length = 0;
    const second = await runOcMirror(args, { env: upstream.env() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(fetched.filter((d) => layers.has(d)), [], "the second listing reads no layer");
    assert.equal(
      second.stdout,
      "PACKAGE       CHANNEL      HEAD                  DEFAULT\nodf-operator  stable-4.14  odf-operator.v4.14.3  *\n",
    );
  } finally {
    store.getBlob = getBlob;
    await Deno.remove(cache, { recursive: true });
  }
});
