/**
 * The operator collector: `mirror.operators`. For each catalog: pin it by digest (recorded in
 * working-dir so disk-to-mirror reads the same original from the archive), read its file-based catalog,
 * filter it as the engine's semantics say, and map the bundle and related images of every kept bundle
 * plus the catalog itself (rebuilt from the filtered FBC unless it is mirrored whole).
 * @module
 */
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { catalogUniqueName, type OperatorCatalog } from "../config/mod.ts";
import { log } from "../context.ts";
import { CatalogError, ImageReferenceError } from "../errors.ts";
import { type Descriptor, digestHex, isDigest } from "../oci/mod.ts";
import { type CatalogSpec, filterCatalog, readCatalog } from "../operator/mod.ts";
import { type ImageMapping, namespacedDestination } from "../plan/mod.ts";
import { formatReference, type ImageReference, parseImageReference } from "../reference/mod.ts";
import { checkCatalogSourceTemplate } from "../resources/mod.ts";
import { OciLayoutStore } from "../layout/mod.ts";
import type { ImageAt, SourceStore } from "../store/mod.ts";
import {
  type CatalogPlan,
  type Collected,
  type CollectorContext,
  emptyCollected,
  RELATIVE_ROOT,
} from "./collector.ts";

/** What working-dir records about a catalog's pinned original. */
interface CatalogPin {
  catalog: string;
  digest: string;
  mediaType: string;
  size: number;
}

function pinFile(cc: CollectorContext, uniqueName: string): string {
  return join(cc.wd.operatorCatalogs, uniqueName.replace(/[^A-Za-z0-9._-]+/g, "_"), "source.json");
}

async function readPin(cc: CollectorContext, uniqueName: string): Promise<Descriptor> {
  const file = pinFile(cc, uniqueName);
  let pin: CatalogPin;
  try {
    pin = JSON.parse(await Deno.readTextFile(file));
  } catch (cause) {
    throw new CatalogError(
      `Catalog ${uniqueName} was not mirrored to disk with this workspace: ${file} is missing`,
      {
        cause,
        hint: "Run mirror-to-disk with a configuration that includes this catalog, and publish that archive",
      },
    );
  }
  if (!isDigest(pin.digest)) {
    throw new CatalogError(`Catalog pin ${file} has an invalid digest "${pin.digest}"`);
  }
  return { mediaType: pin.mediaType, digest: pin.digest, size: pin.size };
}

async function writePin(cc: CollectorContext, uniqueName: string, d: Descriptor): Promise<void> {
  const file = pinFile(cc, uniqueName);
  await Deno.mkdir(join(file, ".."), { recursive: true });
  const pin: CatalogPin = { catalog: uniqueName, digest: d.digest, mediaType: d.mediaType, size: d.size };
  await Deno.writeTextFile(file, JSON.stringify(pin, null, 2) + "\n");
}

function catalogSpec(op: OperatorCatalog): CatalogSpec {
  return {
    full: op.full,
    skipDependencies: op.skipDependencies,
    packages: op.packages.map((p) => ({
      name: p.name,
      ...(p.defaultChannel ? { defaultChannel: p.defaultChannel } : {}),
      ...(p.minVersion ? { minVersion: p.minVersion } : {}),
      ...(p.maxVersion ? { maxVersion: p.maxVersion } : {}),
      ...(p.minBundle ? { minBundle: p.minBundle } : {}),
      channels: p.channels.map((c) => ({
        name: c.name,
        ...(c.minVersion ? { minVersion: c.minVersion } : {}),
        ...(c.maxVersion ? { maxVersion: c.maxVersion } : {}),
        ...(c.minBundle ? { minBundle: c.minBundle } : {}),
      })),
    })),
  };
}

async function readTemplate(cc: CollectorContext, op: OperatorCatalog): Promise<unknown> {
  if (!op.targetCatalogSourceTemplate) return undefined;
  const file = op.targetCatalogSourceTemplate;
  try {
    return checkCatalogSourceTemplate(parseYaml(await Deno.readTextFile(resolve(cc.ctx.cwd, file))), file);
  } catch (e) {
    log(cc.ctx, "warn", `${(e as Error).message}; writing the plain CatalogSource instead`);
    return undefined;
  }
}

/** Where the catalog goes (relative) and where its original is read. */
interface CatalogPlace {
  origin: ImageReference;
  repository: string;
  tag?: string;
  /** The original, for reading (before pinning: by tag). */
  read(pinned?: Descriptor): ImageAt<SourceStore>;
}

function placeCatalog(cc: CollectorContext, op: OperatorCatalog): CatalogPlace {
  const loc = op.catalogLocation;
  const retarget = (path: string) => {
    if (op.targetCatalog !== undefined) return op.targetCatalog;
    if (op.targetName === undefined) return path;
    const slash = path.lastIndexOf("/");
    return slash < 0 ? op.targetName : `${path.slice(0, slash)}/${op.targetName}`;
  };
  if (loc.kind === "oci") {
    const dirName = loc.path.replace(/\/+$/, "").split("/").pop() ?? "catalog";
    const repository = retarget(dirName.toLowerCase().replace(/[^a-z0-9._-]+/g, "-"));
    const tag = op.targetTag ?? "latest";
    const origin: ImageReference = { registry: "oci", repository, tag: loc.reference ?? "latest" };
    return {
      origin,
      repository,
      tag,
      read: (pinned) => {
        if (cc.sources.kind === "upstream") {
          const store = new OciLayoutStore(loc.path);
          return { store, repository, reference: pinned?.digest ?? loc.reference ?? "latest" };
        }
        return cc.sources.locate({
          source: origin,
          destination: { registry: "", repository, ...(pinned ? { digest: pinned.digest } : { tag }) },
        });
      },
    };
  }
  const origin = loc.reference;
  const repository = retarget(origin.repository);
  const tag = op.targetTag ?? origin.tag;
  return {
    origin,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    read: (pinned) =>
      cc.sources.locate({
        source: pinned ? { ...origin, digest: pinned.digest } : origin,
        destination: {
          registry: "",
          repository,
          ...(pinned ? { digest: pinned.digest } : { tag: tag ?? "latest" }),
        },
      }),
  };
}

/** Collects one catalog. */
async function collectCatalog(
  cc: CollectorContext,
  op: OperatorCatalog,
  index: number,
  collected: Collected,
): Promise<void> {
  const uniqueName = catalogUniqueName(op);
  const place = placeCatalog(cc, op);
  const o = { signal: cc.ctx.signal };
  let pinned: Descriptor;
  let original: ImageAt<SourceStore>;
  if (cc.sources.kind === "upstream") {
    const at = place.read();
    pinned = await at.store.resolve(at.repository, at.reference, o);
    await writePin(cc, uniqueName, pinned);
    original = place.read(pinned);
  } else if (cc.sources.kind === "mirror") {
    // Reading the mirror (delete): the mirrored catalog holds exactly the bundles that were mirrored.
    original = place.read();
    pinned = await original.store.resolve(original.repository, original.reference, o);
    original = { ...original, reference: pinned.digest };
  } else {
    pinned = await readPin(cc, uniqueName);
    original = place.read(pinned);
  }
  const catalog = await readCatalog(original.store, original.repository, pinned, {
    ...o,
    cacheDir: cc.wd.catalogCache,
    ...(op.platforms?.[0] ? { platform: op.platforms[0] } : {}),
  });
  const semantics = cc.engine;
  const result = filterCatalog(catalog, catalogSpec(op), {
    semantics,
    resolveDependencies: semantics === "v1" ? !op.skipDependencies : cc.options.resolveDependencies,
    catalog: op.catalog,
  });
  for (const w of result.warnings) log(cc.ctx, "warn", `${op.catalog}: ${w}`);
  log(
    cc.ctx,
    "info",
    `Catalog ${op.catalog}: ${result.bundles.length} bundles of ${
      new Set(result.bundles.map((b) => b.package)).size
    } packages selected`,
  );

  const byImage = new Map<string, ImageMapping>();
  for (const img of result.images) {
    if (img.image.startsWith("oci://")) {
      throw new CatalogError(
        `Bundle ${img.bundle} of ${op.catalog} names an oci:// image "${img.image}", which cannot be mirrored`,
      );
    }
    let ref: ImageReference;
    try {
      ref = parseImageReference(img.image);
    } catch (e) {
      if (!(e instanceof ImageReferenceError)) throw e;
      log(cc.ctx, "warn", `Bundle ${img.bundle} of ${op.catalog}: ${e.message}; skipped`);
      continue;
    }
    const key = formatReference(ref);
    const existing = byImage.get(key);
    if (existing) {
      if (!existing.bundles?.includes(img.bundle)) existing.bundles?.push(img.bundle);
      if (!existing.packages?.includes(img.package)) existing.packages?.push(img.package);
      if (img.kind === "operatorBundle") existing.kind = "operatorBundle";
      continue;
    }
    byImage.set(key, {
      source: ref,
      origin: ref,
      destination: namespacedDestination(RELATIVE_ROOT, ref),
      kind: img.kind,
      bundles: [img.bundle],
      packages: [img.package],
      catalog: uniqueName,
      ...(op.platforms ? { platforms: op.platforms } : {}),
    });
  }
  collected.mappings.push(...byImage.values());

  const tag = place.tag ?? `sha256-${digestHex(pinned.digest)}`;
  const mapping: ImageMapping = {
    source: { ...place.origin, digest: pinned.digest },
    origin: place.origin,
    destination: { registry: "", repository: place.repository, tag },
    kind: "operatorCatalog",
    catalog: uniqueName,
    ...(op.platforms ? { platforms: op.platforms } : {}),
  };
  collected.mappings.push(mapping);
  const template = await readTemplate(cc, op);
  const plan: CatalogPlan = {
    mapping,
    pinned,
    original,
    ...(result.unchanged ? {} : { filtered: result.catalog }),
    ...(op.platforms ? { platforms: op.platforms } : {}),
    ...(template !== undefined ? { template } : {}),
  };
  collected.catalogs.push(plan);
  void index;
}

/** Collects every catalog of the configuration. */
export async function collectOperators(cc: CollectorContext): Promise<Collected> {
  const collected = emptyCollected();
  const ops = cc.loaded.config.mirror.operators;
  for (let i = 0; i < ops.length; i++) await collectCatalog(cc, ops[i] as OperatorCatalog, i, collected);
  return collected;
}
