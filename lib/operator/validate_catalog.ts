/**
 * The checks `opm validate` makes on a file-based catalog, as a list of problems (empty when valid):
 * every package has channels and an existing default channel; every channel has one head, no cycle, no
 * stranded entry, and names only bundles the catalog defines; every bundle sits in a channel of its
 * package and carries its `olm.package` property; deprecations reference existing bundles and channels.
 * `replaces` and `skips` may name bundles that are not in the catalog: OLM uses them to upgrade from
 * versions installed on a cluster, so a filtered catalog keeps them.
 * @module
 */
import type { Catalog } from "./catalog.ts";
import { buildChannelGraph, channelLabel, strandedEntries } from "./channel_graph.ts";

/** Returns every problem found, sorted; an empty list means the catalog is valid. */
export function validateCatalog(catalog: Catalog): string[] {
  const problems: string[] = [];
  const packages = new Map<string, string | undefined>();
  for (const p of catalog.packages) {
    if (packages.has(p.name)) problems.push(`Package "${p.name}" is defined twice`);
    packages.set(p.name, p.defaultChannel);
  }
  const channelsOf = new Map<string, Set<string>>();
  const bundleKeys = new Set<string>();
  for (const b of catalog.bundles) {
    const key = `${b.package}\u0000${b.name}`;
    if (bundleKeys.has(key)) problems.push(`Bundle "${b.name}" of package "${b.package}" is defined twice`);
    bundleKeys.add(key);
    if (!packages.has(b.package)) {
      problems.push(
        `Bundle "${b.name}" belongs to package "${b.package}", which the catalog does not define`,
      );
    }
    const own = b.properties.filter((p) => p.type === "olm.package");
    const name = (own[0]?.value as { packageName?: unknown } | undefined)?.packageName;
    if (own.length !== 1 || name !== b.package) {
      problems.push(
        `Bundle "${b.name}" of package "${b.package}" must have exactly one olm.package property naming its ` +
          `package`,
      );
    }
  }
  const inChannel = new Set<string>();
  for (const c of catalog.channels) {
    const label = channelLabel(c);
    let names = channelsOf.get(c.package);
    if (!names) channelsOf.set(c.package, names = new Set());
    if (names.has(c.name)) problems.push(`The ${label} is defined twice`);
    names.add(c.name);
    if (!packages.has(c.package)) {
      problems.push(`The ${label} belongs to a package the catalog does not define`);
    }
    for (const e of c.entries) {
      const key = `${c.package}\u0000${e.name}`;
      inChannel.add(key);
      if (!bundleKeys.has(key)) problems.push(`The ${label} names bundle "${e.name}", which is not defined`);
    }
    try {
      const graph = buildChannelGraph(c);
      const stranded = strandedEntries(graph);
      if (stranded.length > 0) {
        problems.push(
          `The ${label} has stranded entries (not reachable from its head): ${stranded.join(", ")}`,
        );
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  for (const [name, defaultChannel] of packages) {
    const names = channelsOf.get(name);
    if (!names || names.size === 0) problems.push(`Package "${name}" has no channels`);
    if (defaultChannel === undefined || defaultChannel === "") {
      problems.push(`Package "${name}" has no default channel`);
    } else if (names && !names.has(defaultChannel)) {
      problems.push(`Package "${name}" has default channel "${defaultChannel}", which it does not define`);
    }
  }
  for (const b of catalog.bundles) {
    if (!inChannel.has(`${b.package}\u0000${b.name}`)) {
      problems.push(`Bundle "${b.name}" of package "${b.package}" is in no channel`);
    }
  }
  for (const d of catalog.deprecations) {
    if (!packages.has(d.package)) {
      problems.push(`Deprecations of package "${d.package}" name a package the catalog does not define`);
      continue;
    }
    for (const e of d.entries) {
      const ref = e.reference;
      if (ref.schema === "olm.bundle" && !bundleKeys.has(`${d.package}\u0000${ref.name}`)) {
        problems.push(
          `Deprecations of package "${d.package}" name bundle "${ref.name}", which is not defined`,
        );
      }
      if (ref.schema === "olm.channel" && !channelsOf.get(d.package)?.has(String(ref.name))) {
        problems.push(
          `Deprecations of package "${d.package}" name channel "${ref.name}", which is not defined`,
        );
      }
    }
  }
  return problems.sort();
}
