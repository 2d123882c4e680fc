/**
 * The Helm collector: `mirror.helm`. Resolves repository and local charts (downloading charts and
 * indexes into working-dir when reading upstream, reading them back from there otherwise), finds their
 * images and maps them namespace-preserving.
 * @module
 */
import { log } from "../context.ts";
import { ImageReferenceError } from "../errors.ts";
import { resolveHelmSpec } from "../helm/mod.ts";
import { formatPlatform, type Platform } from "../oci/mod.ts";
import { namespacedDestination } from "../plan/mod.ts";
import { formatReference, parseImageReference } from "../reference/mod.ts";
import { type Collected, type CollectorContext, emptyCollected, RELATIVE_ROOT } from "./collector.ts";

/** Collects the Helm charts' images. */
export async function collectHelm(cc: CollectorContext): Promise<Collected> {
  const collected = emptyCollected();
  const helm = cc.loaded.config.mirror.helm;
  if (helm.repositories.length === 0 && helm.local.length === 0) return collected;
  // Platforms per chart entry of the configuration (`repo/name/version`, version empty when not given).
  const platformsOf = new Map<string, Platform[] | undefined>();
  for (const r of helm.repositories) {
    for (const c of r.charts) platformsOf.set(`${r.name}/${c.name}/${c.version ?? ""}`, c.platforms);
  }
  const chartPlatforms = (repository: string, name: string, version: string) => {
    const exact = `${repository}/${name}/${version}`;
    return platformsOf.has(exact) ? platformsOf.get(exact) : platformsOf.get(`${repository}/${name}/`);
  };
  const charts = await resolveHelmSpec({
    repositories: helm.repositories.map((r) => ({
      name: r.name,
      url: r.url,
      charts: r.charts.map((c) => ({
        name: c.name,
        ...(c.version !== undefined ? { version: c.version } : {}),
        imagePaths: c.imagePaths,
        valuesFiles: c.valuesFiles,
      })),
    })),
    local: helm.local.map((l) => ({
      name: l.name,
      path: l.path,
      imagePaths: l.imagePaths,
      valuesFiles: l.valuesFiles,
    })),
  }, {
    ctx: cc.ctx,
    chartsDir: cc.wd.helmCharts,
    indexesDir: cc.wd.helmIndexes,
    offline: cc.sources.kind !== "upstream",
  });
  const seen = new Set<string>();
  for (const chart of charts) {
    for (const w of chart.warnings) log(cc.ctx, "warn", `Helm chart ${chart.name} ${chart.version}: ${w}`);
    const platforms = chart.repository
      ? chartPlatforms(chart.repository, chart.name, chart.version)
      : undefined;
    for (const image of chart.images) {
      let ref;
      try {
        ref = parseImageReference(image);
      } catch (e) {
        if (!(e instanceof ImageReferenceError)) throw e;
        log(
          cc.ctx,
          "warn",
          `Helm chart ${chart.name} ${chart.version} names "${image}", which is not an image reference; skipped`,
        );
        continue;
      }
      if (ref.tag === undefined && ref.digest === undefined) ref = { ...ref, tag: "latest" };
      // Another chart may need the same image for other platforms: dedupeMappings merges those.
      const key = `${formatReference(ref)} ${platforms?.map(formatPlatform).join(",") ?? "all"}`;
      if (seen.has(key)) continue;
      seen.add(key);
      collected.mappings.push({
        source: ref,
        origin: ref,
        destination: namespacedDestination(RELATIVE_ROOT, ref),
        kind: "helmImage",
        ...(platforms ? { platforms } : {}),
      });
    }
  }
  return collected;
}
