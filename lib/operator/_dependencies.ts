/**
 * Dependency resolution (v1 always unless `skipDependencies`; v2 on request): breadth-first over the kept
 * bundles' `olm.gvk.required` and `olm.package.required` properties (and the same inside `olm.constraint`).
 * A requirement no kept bundle satisfies is met by the highest-version bundle that provides it (ties go
 * to the package's default channel); that bundle and the bundles between it and its channel head are
 * added, and their own requirements are resolved in the next round.
 * @module
 */
import type { Range } from "semver";
import { type Bundle, bundleProperties } from "./catalog.ts";
import type { CatalogIndex } from "./_catalog_index.ts";
import { fillToHead } from "./_select.ts";
import { compareVersions, inRange, parseRange } from "./_versions.ts";

/** The selection being built: per package its default channel and the entries kept per channel. */
export interface PackageSelection {
  defaultChannel: string;
  channels: Map<string, Set<string>>;
}

type Requirement =
  | { kind: "gvk"; group: string; version: string; kindName: string; text: string }
  | { kind: "package"; packageName: string; range: Range | null; text: string };

function gvkKey(group: unknown, version: unknown, kind: unknown): string {
  return `${String(group)}/${String(version)}/${String(kind)}`;
}

function requirementsOf(b: Bundle): Requirement[] {
  const out: Requirement[] = [];
  const gvk = (v: Record<string, unknown>) =>
    out.push({
      kind: "gvk",
      group: String(v.group ?? ""),
      version: String(v.version ?? ""),
      kindName: String(v.kind ?? ""),
      text: `API ${gvkKey(v.group, v.version, v.kind)}`,
    });
  const pkg = (v: Record<string, unknown>) => {
    const expr = typeof v.versionRange === "string" && v.versionRange !== "" ? v.versionRange : "";
    out.push({
      kind: "package",
      packageName: String(v.packageName ?? ""),
      range: expr === "" ? null : parseRange(expr),
      text: `package "${String(v.packageName)}"${expr === "" ? "" : ` ${expr}`}`,
    });
  };
  for (const v of bundleProperties(b, "olm.gvk.required")) if (typeof v === "object" && v) gvk(v as never);
  for (const v of bundleProperties(b, "olm.package.required")) {
    if (typeof v === "object" && v) pkg(v as never);
  }
  for (const v of bundleProperties(b, "olm.constraint")) {
    if (typeof v !== "object" || v === null) continue;
    const c = v as Record<string, unknown>;
    if (typeof c.gvk === "object" && c.gvk) gvk(c.gvk as never);
    if (typeof c.package === "object" && c.package) pkg(c.package as never);
  }
  return out;
}

/** Adds the dependencies of the selected bundles to `selection`; unmet ones become warnings. */
export function resolveDependencies(
  index: CatalogIndex,
  selection: Map<string, PackageSelection>,
  warnings: string[],
): void {
  const providers = new Map<string, Bundle[]>();
  const inAnyChannel = new Set<string>();
  for (const c of index.catalog.channels) {
    for (const e of c.entries) inAnyChannel.add(`${c.package}\u0000${e.name}`);
  }
  for (const b of index.catalog.bundles) {
    if (!inAnyChannel.has(`${b.package}\u0000${b.name}`)) continue;
    for (const v of bundleProperties(b, "olm.gvk")) {
      if (typeof v !== "object" || v === null) continue;
      const g = v as Record<string, unknown>;
      const key = gvkKey(g.group, g.version, g.kind);
      const list = providers.get(key);
      if (list) list.push(b);
      else providers.set(key, [b]);
    }
  }
  const selected = new Set<Bundle>();
  const providedGvks = new Set<string>();
  const selectedByPackage = new Map<string, Bundle[]>();
  const select = (b: Bundle): boolean => {
    if (selected.has(b)) return false;
    selected.add(b);
    for (const v of bundleProperties(b, "olm.gvk")) {
      if (typeof v === "object" && v !== null) {
        const g = v as Record<string, unknown>;
        providedGvks.add(gvkKey(g.group, g.version, g.kind));
      }
    }
    const list = selectedByPackage.get(b.package);
    if (list) list.push(b);
    else selectedByPackage.set(b.package, [b]);
    return true;
  };
  for (const [pkg, sel] of selection) {
    const bundles = index.bundles(pkg);
    for (const names of sel.channels.values()) {
      for (const n of names) {
        const b = bundles.get(n);
        if (b) select(b);
      }
    }
  }
  const isDefault = (b: Bundle) => {
    const def = index.packages.get(b.package)?.defaultChannel;
    const ch = def === undefined ? undefined : index.channels(b.package).get(def);
    return ch?.entries.some((e) => e.name === b.name) ?? false;
  };
  const best = (candidates: Bundle[]) =>
    [...candidates].sort((a, b) =>
      compareVersions(index.version(b), index.version(a)) ||
      Number(isDefault(b)) - Number(isDefault(a)) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    )[0];
  const satisfied = (r: Requirement) =>
    r.kind === "gvk"
      ? providedGvks.has(gvkKey(r.group, r.version, r.kindName))
      : (selectedByPackage.get(r.packageName) ?? []).some((b) =>
        r.range === null || inRange(r.range, index.version(b))
      );

  let wave = [...selected];
  const reported = new Set<string>();
  while (wave.length > 0) {
    const next: Bundle[] = [];
    for (const requirer of wave) {
      for (const r of requirementsOf(requirer)) {
        if (satisfied(r)) continue;
        let candidates: Bundle[];
        if (r.kind === "gvk") candidates = providers.get(gvkKey(r.group, r.version, r.kindName)) ?? [];
        else {
          const range = r.range;
          candidates = [...index.bundles(r.packageName).values()].filter((b) =>
            inAnyChannel.has(`${b.package}\u0000${b.name}`) &&
            (range === null || inRange(range, index.version(b)))
          );
        }
        const provider = best(candidates);
        if (!provider) {
          const msg =
            `Bundle "${requirer.name}" of package "${requirer.package}" requires ${r.text}: no bundle ` +
            `in the catalog provides it`;
          if (!reported.has(msg)) warnings.push(msg);
          reported.add(msg);
          continue;
        }
        const channel = index.channelsContaining(provider.package, provider.name)[0];
        if (!channel) continue;
        const fill = fillToHead(index.graph(channel), [provider.name]);
        let sel = selection.get(provider.package);
        const pkg = index.packages.get(provider.package);
        if (!sel) {
          sel = { defaultChannel: pkg?.defaultChannel ?? channel.name, channels: new Map() };
          selection.set(provider.package, sel);
          const def = sel.defaultChannel;
          const defChannel = index.channels(provider.package).get(def);
          if (def !== channel.name && defChannel) {
            sel.channels.set(def, new Set([index.graph(defChannel).head.name]));
            warnings.push(
              `Adding the head of default channel "${def}" of package "${provider.package}" so the dependency ` +
                `package stays valid`,
            );
          }
        }
        let kept = sel.channels.get(channel.name);
        if (!kept) sel.channels.set(channel.name, kept = new Set());
        const bundles = index.bundles(provider.package);
        for (const name of fill) {
          if (kept.has(name)) continue;
          kept.add(name);
          const b = bundles.get(name);
          if (b && select(b)) next.push(b);
        }
        for (const name of sel.channels.get(sel.defaultChannel) ?? []) {
          const b = bundles.get(name);
          if (b && select(b)) next.push(b);
        }
        warnings.push(
          `Adding bundle "${provider.name}" of package "${provider.package}" (channel "${channel.name}"): ` +
            `bundle "${requirer.name}" requires ${r.text}`,
        );
      }
    }
    wave = next;
  }
}
