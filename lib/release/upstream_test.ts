/**
 * The release library against the synthetic upstream (`fixtures/upstream`): its graph server, payloads,
 * signature store and graph data, as a run of the tool sees them.
 */
import assert from "node:assert/strict";
import { startUpstream } from "../../fixtures/upstream/mod.ts";
import { testContext } from "../context.ts";
import { SignatureError } from "../errors.ts";
import { type Descriptor, parseManifest } from "../oci/mod.ts";
import { MemoryStore } from "../store/mod.ts";
import {
  buildGraphImage,
  fetchReleaseSignatures,
  GRAPH_IMAGE_CMD,
  listChannels,
  listVersions,
  readReleasePayload,
  releaseComponentDestination,
  releaseImageDestination,
  releaseTagFromIdentity,
  releaseVerificationKeys,
  SavedGraphSource,
  selectReleases,
  selectReleasesFromSource,
  UpdateGraphClient,
  verifyReleaseSignature,
  verifyUpgradePaths,
} from "./mod.ts";

const RELEASE_REPO = "quay.io/openshift-release-dev/ocp-release";
const versions = (s: { releases: { version: string }[] }) => s.releases.map((r) => r.version);

Deno.test("release library against the synthetic upstream", async (t) => {
  await using upstream = await startUpstream();
  const ctx = testContext({ envVars: upstream.env() });
  const saveDir = await Deno.makeTempDir();
  try {
    const client = new UpdateGraphClient({ ctx, saveDir });
    assert.equal(client.url, upstream.graphUrl);
    const stable414 = await client.graph("stable-4.14", "amd64");

    await t.step("selection modes on stable-4.14", () => {
      const select = (spec: Record<string, unknown>) =>
        versions(selectReleases(stable414, { name: "stable-4.14", ...spec }));
      assert.deepEqual(select({}), ["4.14.6"]);
      assert.deepEqual(select({ minVersion: "4.14.2", maxVersion: "4.14.2" }), ["4.14.2"]);
      assert.deepEqual(select({ minVersion: "4.14.1", maxVersion: "4.14.5" }), [
        "4.14.1",
        "4.14.2",
        "4.14.3",
        "4.14.5",
      ]);
      assert.deepEqual(select({ minVersion: "4.14.3" }), ["4.14.3", "4.14.5", "4.14.6"]);
      assert.deepEqual(select({ maxVersion: "4.14.1" }), ["4.13.2", "4.13.4", "4.14.1"]);
      assert.deepEqual(select({ full: true }), [
        "4.13.2",
        "4.13.4",
        "4.14.1",
        "4.14.2",
        "4.14.3",
        "4.14.5",
        "4.14.6",
      ]);
      // The shortest path skips 4.14.2 and 4.14.5.
      assert.deepEqual(select({ minVersion: "4.14.1", maxVersion: "4.14.6", shortestPath: true }), [
        "4.14.1",
        "4.14.3",
        "4.14.6",
      ]);
    });

    await t.step("conditional edges are used only when asked, with their risks", () => {
      const spec = { name: "stable-4.14", minVersion: "4.14.2", maxVersion: "4.14.5", shortestPath: true };
      assert.deepEqual(versions(selectReleases(stable414, spec)), ["4.14.2", "4.14.3", "4.14.5"]);
      const withRisks = selectReleases(stable414, spec, { includeConditionalEdges: true });
      assert.deepEqual(versions(withRisks), ["4.14.2", "4.14.5"]);
      assert.deepEqual(withRisks.conditionalRisks.map((r) => [r.from, r.to, r.risks.map((x) => x.name)]), [
        ["4.14.2", "4.14.5", ["ExampleNodeDrainStall"]],
      ]);
    });

    await t.step("two channels across minors get the cross-channel path, which verifies", async () => {
      const s = await selectReleasesFromSource(client, [{ name: "stable-4.13" }, { name: "stable-4.15" }], {
        arch: "amd64",
      });
      assert.deepEqual(s.crossChannel?.channels, ["stable-4.13", "stable-4.14", "stable-4.15"]);
      assert.deepEqual(versions(s), ["4.13.4", "4.14.5", "4.14.6", "4.15.3"]);
      assert.deepEqual(s.warnings, []);
      const report = verifyUpgradePaths(s.graphs.values(), versions(s));
      assert.equal(report.ok, true, report.failures.map((f) => f.message).join("\n"));
      // Without the intermediate versions: per channel the two ends share no channel; across channels
      // the check names what is missing.
      assert.equal(verifyUpgradePaths(s.graphs.values(), ["4.13.4", "4.15.3"]).ok, true);
      const across = verifyUpgradePaths(s.graphs.values(), ["4.13.4", "4.15.3"], { acrossChannels: true });
      assert.deepEqual(across.failures.map((f) => [f.channel, f.from, f.to, f.missing]), [
        ["stable-4.13+stable-4.15+stable-4.14", "4.13.4", "4.15.3", ["4.14.5", "4.15.2"]],
      ]);
      const inStable414 = verifyUpgradePaths([s.graphs.get("stable-4.14") ?? assert.fail()], [
        "4.13.4",
        "4.14.6",
      ]);
      assert.deepEqual(inStable414.failures.map((f) => f.missing), [["4.14.5"]]);
    });

    await t.step("the multi-arch graph names the multi payloads", async () => {
      const multi = await client.graph("stable-4.14", "multi");
      const head = selectReleases(multi, { name: "stable-4.14" }).releases[0];
      const published = upstream.content.releases.find((r) => r.version === "4.14.6" && r.arch === "multi");
      assert.equal(head?.payload, `${RELEASE_REPO}@${published?.payload.digest}`);
      const index = await upstream.store.resolve(RELEASE_REPO, published?.payload.digest ?? "");
      const arm = await readReleasePayload(upstream.store, RELEASE_REPO, index, {
        platform: { os: "linux", architecture: "arm64" },
      });
      assert.equal(arm.version, "4.14.6");
      assert.equal(arm.digest, index.digest);
      assert.notEqual(arm.manifestDigest, index.digest);
    });

    await t.step("payloads give their components, metadata and KubeVirt containers", async () => {
      for (const version of ["4.14.5", "4.14.6"]) {
        const published = upstream.content.releases.find((r) => r.version === version && r.arch === "x86_64");
        assert.ok(published);
        const d: Descriptor = await upstream.store.resolve(RELEASE_REPO, published.payload.digest);
        const p = await readReleasePayload(upstream.store, RELEASE_REPO, d);
        assert.equal(p.version, version);
        assert.deepEqual(
          p.imageReferences,
          published.components.map((c) => ({ name: c.name, image: c.reference })),
        );
        assert.deepEqual(p.metadata?.previous, published.previous);
        assert.deepEqual(p.bootImages?.kubevirt, published.kubevirt);
        assert.deepEqual([...p.files.keys()], [
          "release-manifests/0000_50_installer_coreos-bootimages.yaml",
          "release-manifests/image-references",
          "release-manifests/release-metadata",
        ]);
      }
    });

    await t.step("signatures verify, and tampered, wrong-digest and missing ones are refused", async () => {
      const keys = await releaseVerificationKeys(ctx);
      const good = upstream.content.releases.find((r) => r.version === "4.14.6" && r.arch === "x86_64");
      assert.ok(good);
      const sigs = await fetchReleaseSignatures(good.payload.digest, { ctx });
      assert.equal(sigs.length, 1);
      const v = await verifyReleaseSignature(sigs[0] ?? assert.fail(), {
        digest: good.payload.digest,
        publicKeys: keys,
      });
      assert.equal(v.identity, `${RELEASE_REPO}:4.14.6-x86_64`);
      const tag = releaseTagFromIdentity(v.identity);
      assert.deepEqual(releaseImageDestination(tag), {
        repository: "openshift/release-images",
        tag: "4.14.6-x86_64",
      });
      assert.equal(releaseComponentDestination(tag, "etcd").tag, "4.14.6-x86_64-etcd");

      const { bad } = upstream.content.signatures;
      const refuse = async (digest: typeof good.payload.digest, pattern: RegExp) => {
        const [sig] = await fetchReleaseSignatures(digest, { ctx });
        await assert.rejects(
          verifyReleaseSignature(sig ?? assert.fail(), { digest, publicKeys: keys }),
          (e: unknown) => {
            assert.ok(e instanceof SignatureError);
            assert.match(e.message, pattern);
            return true;
          },
        );
      };
      await refuse(bad.tampered.digest, /does not verify with release key/);
      await refuse(bad["wrong-digest"].digest, /is a valid signature of another payload/);
      assert.deepEqual(await fetchReleaseSignatures(bad.missing.digest, { ctx }), []);
    });

    await t.step("list releases reads channels and versions", async () => {
      assert.deepEqual(await listChannels(client, { version: "4.14" }), [
        "candidate-4.14",
        "eus-4.14",
        "fast-4.14",
        "stable-4.14",
      ]);
      assert.deepEqual((await listVersions(client, { channel: "stable-4.15", arch: "arm64" })).versions, [
        "4.14.5",
        "4.14.6",
        "4.15.1",
        "4.15.2",
        "4.15.3",
      ]);
    });

    await t.step("the graph image builds on the upstream UBI with the upstream graph data", async () => {
      const res = await fetch(upstream.graphDataUrl);
      assert.equal(res.status, 200);
      const base = "registry.access.redhat.com/ubi9/ubi";
      const dest = new MemoryStore();
      // The caller copies the base image first; here its layers are enough.
      const top = await upstream.store.resolve(base, "latest");
      const index = parseManifest(await upstream.store.getManifest(base, top), { where: base });
      for (const child of index.kind === "index" ? index.manifests : []) {
        const m = parseManifest(await upstream.store.getManifest(base, child), { where: base });
        for (const l of m.kind === "manifest" ? m.layers : []) {
          await dest.putBlob("openshift/graph-image", l, await upstream.store.getBlob(base, l));
        }
      }
      const built = await buildGraphImage({
        graphDataTarGz: res.body ?? assert.fail(),
        base: { store: upstream.store, repo: base, reference: "latest" },
        destination: { store: dest, repo: "openshift/graph-image", tag: "latest" },
      });
      assert.equal(built.manifests.length, 4);
      const first = parseManifest(
        await dest.getManifest("openshift/graph-image", built.manifests[0] as Descriptor),
        {
          where: "graph",
        },
      );
      assert.ok(first.kind === "manifest");
      const config = JSON.parse(
        await new Response(await dest.getBlob("openshift/graph-image", first.config)).text(),
      );
      assert.deepEqual(config.config.Cmd, GRAPH_IMAGE_CMD);
    });

    await t.step("disk-to-mirror selects from the saved graphs without the graph server", async () => {
      const before = upstream.requests.length;
      const offline = new SavedGraphSource({ dir: saveDir });
      const s = await selectReleasesFromSource(offline, [{ name: "stable-4.13" }, { name: "stable-4.15" }], {
        arch: "amd64",
      });
      assert.deepEqual(versions(s), ["4.13.4", "4.14.5", "4.14.6", "4.15.3"]);
      assert.equal(upstream.requests.length, before);
    });
  } finally {
    await Deno.remove(saveDir, { recursive: true });
  }
});
