/**
 * Benchmark of catalog parsing and filtering on a generated catalog the size of the Red Hat operator
 * index: 300 packages, three channels each, long replaces chains whose entries carry 90+ skips (the shape
 * that made the original run out of memory, OCPBUGS-52471). Prints the time of each phase and the peak
 * memory. Deterministic (seeded).
 *
 *   npx deno run --allow-read --allow-env --allow-sys=osRelease scripts/bench/filter_catalog_bench.ts [packages]
 * @module
 */
// deno-lint-ignore-file no-console
import { CatalogBuilder, type CatalogSpec, filterCatalog, parseFbcStream } from "../../lib/operator/mod.ts";

const PACKAGES = Number(Deno.args[0] ?? 300);
const STABLE_ENTRIES = 30;
const FAST_ENTRIES = 20;
const SKIPS = 95;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Streams the catalog package by package; the whole text never exists at once. */
function catalogStream(random: () => number): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  const encoder = new TextEncoder();
  let p = 0;
  let total = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (p >= PACKAGES) {
        controller.close();
        return;
      }
      const pkg = `operator-${String(p).padStart(3, "0")}`;
      const version = (minor: number, patch: number) => `1.${minor}.${patch}`;
      const name = (v: string) => `${pkg}.v${v}`;
      const stable = Array.from({ length: STABLE_ENTRIES }, (_, i) => version(Math.floor(i / 10), i % 10));
      const fast = Array.from({ length: FAST_ENTRIES }, (_, i) => version(3 + Math.floor(i / 10), i % 10));
      const blobs: unknown[] = [{
        schema: "olm.package",
        name: pkg,
        defaultChannel: "stable",
        description: "An operator. ".repeat(40),
      }];
      const channel = (cname: string, versions: string[], skips: number) => ({
        schema: "olm.channel",
        package: pkg,
        name: cname,
        entries: versions.map((v, i) => ({
          name: name(v),
          ...(i > 0 ? { replaces: name(versions[i - 1] as string) } : {}),
          // Like Red Hat catalogs: most skipped names are builds that are not in the channel.
          skips: Array.from({ length: skips }, (_, k) => `${pkg}.v${v}-build${k}`),
          skipRange: `>=1.0.0 <${v}`,
        })),
      });
      blobs.push(channel("stable", stable, SKIPS), channel("fast", fast, 10));
      blobs.push(channel("candidate", fast.slice(-5), 2));
      for (const v of [...stable, ...fast]) {
        const properties: unknown[] = [
          { type: "olm.package", value: { packageName: pkg, version: v } },
          { type: "olm.gvk", value: { group: `${pkg}.example.com`, version: "v1", kind: "Thing" } },
          {
            type: "olm.csv.metadata",
            value: { displayName: pkg, description: "Manages things. ".repeat(60) },
          },
        ];
        if (random() < 0.1) {
          const dep = `operator-${String(Math.floor(random() * PACKAGES)).padStart(3, "0")}`;
          properties.push({
            type: "olm.package.required",
            value: { packageName: dep, versionRange: ">=1.0.0 <2.0.0" },
          });
        }
        const image = `registry.example.com/${pkg}/bundle@sha256:${
          (p * 1000 + total % 997).toString(16).padStart(64, "0")
        }`;
        blobs.push({
          schema: "olm.bundle",
          package: pkg,
          name: name(v),
          image,
          properties,
          relatedImages: [
            { name: "", image },
            { name: "operator", image: `registry.example.com/${pkg}/operator:v${v}` },
            { name: "operand", image: `registry.example.com/${pkg}/operand:v${v}` },
          ],
        });
      }
      const text = blobs.map((b) => JSON.stringify(b, null, 4)).join("\n") + "\n";
      for (let i = 0; i < text.length; i += 64 * 1024) {
        const chunk = encoder.encode(text.slice(i, i + 64 * 1024));
        total += chunk.byteLength;
        controller.enqueue(chunk);
      }
      p++;
    },
  });
  return { stream, bytes: () => total };
}

let peakRss = 0;
let peakHeap = 0;
function sample(): void {
  const m = Deno.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}
const sampler = setInterval(sample, 5);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

const random = seeded(42);
const { stream, bytes } = catalogStream(random);
let t0 = performance.now();
const builder = new CatalogBuilder();
for await (const o of parseFbcStream(stream, "/configs/catalog.json")) builder.add(o);
const catalog = builder.build();
const parseMs = performance.now() - t0;
sample();
console.log(
  `parse: ${parseMs.toFixed(0)} ms for ${mb(bytes())} of JSON (${catalog.packages.length} packages, ` +
    `${catalog.channels.length} channels, ${catalog.bundles.length} bundles)`,
);

const names = catalog.packages.map((p) => p.name);
const specs: [string, CatalogSpec, "v1" | "v2"][] = [
  ["v2 heads of every channel (cold)", {}, "v2"],
  ["v2 heads of every channel (warm)", {}, "v2"],
  ["v2 100 packages, package ranges", {
    packages: names.slice(0, 100).map((name) => ({ name, minVersion: "1.1.0", maxVersion: "1.2.5" })),
  }, "v2"],
  ["v2 100 packages, channel ranges", {
    packages: names.slice(100, 200).map((name) => ({
      name,
      channels: [{ name: "stable", minVersion: "1.0.5" }],
    })),
  }, "v2"],
  ["v2 full, 300 packages", { full: true, packages: names.map((name) => ({ name })) }, "v2"],
  ["v1 100 packages, ranges + dependencies", {
    packages: names.slice(0, 100).map((name) => ({ name, minVersion: "1.2.0" })),
  }, "v1"],
];
let slowest = 0;
for (const [label, spec, semantics] of specs) {
  t0 = performance.now();
  const r = filterCatalog(catalog, spec, { semantics });
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  sample();
  console.log(`filter ${label}: ${ms.toFixed(0)} ms, ${r.bundles.length} bundles, ${r.images.length} images`);
}
clearInterval(sampler);
sample();
console.log(`peak memory: rss ${mb(peakRss)}, heap ${mb(peakHeap)}`);
console.log(`slowest filter: ${slowest.toFixed(0)} ms ${slowest < 1000 ? "(under 1 s)" : "(OVER 1 s)"}`);
if (slowest >= 1000) Deno.exitCode = 1;
