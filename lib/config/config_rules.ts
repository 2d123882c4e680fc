/**
 * The validation rules of a configuration that relate several values (the original's §2.5 rules and a
 * few of ours): duplicates, ranges, mutually exclusive fields. They run on the document as read, before
 * the schema's verdict, so that every problem of a file is reported at once; values of the wrong type
 * are skipped here because the schema reports them.
 * @module
 */
import type { ConfigPath } from "./config_path.ts";
import { formatConfigPath } from "./config_path.ts";
import { quoteValue } from "./_messages.ts";
import { parseCatalogLocation } from "./config_schema.ts";
import { compareVersions, normalizeOperatorVersion, normalizeReleaseVersion } from "./_versions.ts";

/** What the rules need to know and where they report. */
export interface RuleContext {
  /** `mirror` for an ImageSetConfiguration, `delete` for a DeleteImageSetConfiguration. */
  contentKey: "mirror" | "delete";
  /** The line the value at `path` was written on. */
  lineOf(path: ConfigPath): number | undefined;
  /** Reports an error located at the value at `path`; `message` starts with the path. */
  report(path: ConfigPath, message: string): void;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The name a catalog is mirrored under, the original's "unique name": the catalog with `targetCatalog`
 * replacing its repository path (v1 `targetName` its last component) and `targetTag` its tag or digest.
 */
export function catalogUniqueName(operator: {
  catalog: string;
  targetCatalog?: string;
  targetTag?: string;
  targetName?: string;
}): string {
  const location = parseCatalogLocation(operator.catalog);
  const retarget = (path: string) => {
    if (operator.targetCatalog !== undefined) return operator.targetCatalog;
    if (operator.targetName === undefined) return path;
    const slash = path.lastIndexOf("/");
    return slash < 0 ? operator.targetName : `${path.slice(0, slash)}/${operator.targetName}`;
  };
  if (location.kind === "oci") {
    const tag = operator.targetTag ?? location.reference;
    return `oci://${retarget(location.path)}${tag === undefined ? "" : `:${tag}`}`;
  }
  const ref = location.reference;
  const base = `${ref.registry}/${retarget(ref.repository)}`;
  if (operator.targetTag !== undefined) return `${base}:${operator.targetTag}`;
  if (ref.tag !== undefined) return `${base}:${ref.tag}`;
  return ref.digest === undefined ? `${base}:latest` : `${base}@${ref.digest}`;
}

/** Reports each repeated `key` value of `items` (by exact value) at its second and later occurrences. */
function checkUnique(ctx: RuleContext, items: unknown[], base: ConfigPath, key: string, scope: string): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const value = str(obj(item)?.[key]);
    if (value === undefined) return;
    const seen = first.get(value);
    const path = [...base, i, key];
    if (seen === undefined) {
      first.set(value, i);
      return;
    }
    const line = ctx.lineOf([...base, seen, key]);
    ctx.report(
      path,
      `${formatConfigPath(path)} ${quoteValue(value)} is listed twice${scope} (first at line ${line ?? "?"})`,
    );
  });
}

/** Reports `minVersion` above `maxVersion` in `o` (an object at `base`). */
function checkRange(
  ctx: RuleContext,
  o: Obj,
  base: ConfigPath,
  normalize: (s: string) => string | undefined,
) {
  const min = str(o.minVersion);
  const max = str(o.maxVersion);
  if (min === undefined || max === undefined) return;
  const a = normalize(min);
  const b = normalize(max);
  if (a === undefined || b === undefined || compareVersions(a, b) <= 0) return;
  const path = [...base, "minVersion"];
  ctx.report(
    path,
    `${formatConfigPath(path)} ${quoteValue(min)} is greater than maxVersion ${quoteValue(max)}: ` +
      `no version can match`,
  );
}

function checkPlatform(ctx: RuleContext, platform: Obj, base: ConfigPath): void {
  const channels = list(platform.channels);
  checkUnique(ctx, channels, [...base, "channels"], "name", "");
  channels.forEach((c, i) => {
    const channel = obj(c);
    if (channel !== undefined) checkRange(ctx, channel, [...base, "channels", i], normalizeReleaseVersion);
  });
  if (platform.platforms !== undefined && platform.architectures !== undefined) {
    const path = [...base, "platforms"];
    ctx.report(
      path,
      `${formatConfigPath(path)} cannot be combined with ${formatConfigPath([...base, "architectures"])}: ` +
        `keep platforms (architectures is deprecated)`,
    );
  }
}

const RANGE_KEYS = ["minVersion", "maxVersion", "minBundle"] as const;

function firstRangeKey(o: Obj): (typeof RANGE_KEYS)[number] | undefined {
  return RANGE_KEYS.find((k) => o[k] !== undefined);
}

function checkMinBundle(ctx: RuleContext, o: Obj, base: ConfigPath): void {
  if (o.minBundle === undefined || o.minVersion === undefined) return;
  const path = [...base, "minBundle"];
  ctx.report(path, `${formatConfigPath(path)} cannot be combined with minVersion: use one of them`);
}

function checkPackage(ctx: RuleContext, pkg: Obj, base: ConfigPath, full: ConfigPath | undefined): void {
  const channels = list(pkg.channels);
  checkUnique(ctx, channels, [...base, "channels"], "name", " in this package");
  checkRange(ctx, pkg, base, normalizeOperatorVersion);
  checkMinBundle(ctx, pkg, base);
  const packageRange = firstRangeKey(pkg);
  let mixedReported = false;
  const rangedChannels: ConfigPath[] = [];
  channels.forEach((c, j) => {
    const channel = obj(c);
    if (channel === undefined) return;
    const at = [...base, "channels", j];
    checkRange(ctx, channel, at, normalizeOperatorVersion);
    checkMinBundle(ctx, channel, at);
    const channelRange = firstRangeKey(channel);
    if (channelRange === undefined) return;
    rangedChannels.push([...at, channelRange]);
    if (packageRange !== undefined && !mixedReported) {
      mixedReported = true;
      const path = [...base, packageRange];
      ctx.report(
        path,
        `${formatConfigPath(path)} cannot be combined with channel versions ` +
          `(${formatConfigPath(at)} sets ${channelRange}): set versions on the package or on its channels`,
      );
    }
  });
  if (full !== undefined) {
    const ranged = packageRange === undefined ? rangedChannels : [[...base, packageRange], ...rangedChannels];
    for (const path of ranged) {
      ctx.report(
        path,
        `${formatConfigPath(path)} cannot be used with full: true (${formatConfigPath(full)}): ` +
          `full selects every version, remove one of them`,
      );
    }
  }
  const defaultChannel = str(pkg.defaultChannel);
  const names = channels.map((c) => str(obj(c)?.name)).filter((n): n is string => n !== undefined);
  if (defaultChannel !== undefined && names.length > 0 && !names.includes(defaultChannel)) {
    const path = [...base, "defaultChannel"];
    ctx.report(
      path,
      `${formatConfigPath(path)} ${quoteValue(defaultChannel)} is not one of the package's channels ` +
        `(${names.join(", ")}): add it to channels, else it is filtered out`,
    );
  }
}

function checkOperators(ctx: RuleContext, operators: unknown[], base: ConfigPath): void {
  const seen = new Map<string, { index: number; catalog: string }>();
  operators.forEach((o, i) => {
    const operator = obj(o);
    if (operator === undefined) return;
    const at = [...base, i];
    const catalog = str(operator.catalog);
    if (catalog !== undefined) {
      let unique: string | undefined;
      try {
        unique = catalogUniqueName({
          catalog,
          ...(str(operator.targetCatalog) === undefined
            ? {}
            : { targetCatalog: str(operator.targetCatalog) }),
          ...(str(operator.targetTag) === undefined ? {} : { targetTag: str(operator.targetTag) }),
          ...(str(operator.targetName) === undefined ? {} : { targetName: str(operator.targetName) }),
        });
      } catch {
        unique = undefined; // the schema reports the malformed reference
      }
      const first = unique === undefined ? undefined : seen.get(unique);
      if (unique !== undefined && first === undefined) seen.set(unique, { index: i, catalog });
      if (unique !== undefined && first !== undefined) {
        const path = [...at, "catalog"];
        const line = ctx.lineOf([...base, first.index, "catalog"]) ?? "?";
        const why = first.catalog === catalog
          ? `is listed twice (first at line ${line})`
          : `would be mirrored as ${quoteValue(unique)} like ${
            formatConfigPath([...base, first.index])
          } (line ${line})`;
        ctx.report(
          path,
          `${formatConfigPath(path)} ${
            quoteValue(catalog)
          } ${why}: set targetCatalog or targetTag to tell them apart`,
        );
      }
    }
    const packages = list(operator.packages);
    checkUnique(ctx, packages, [...at, "packages"], "name", " in this catalog");
    const full = operator.full === true ? [...at, "full"] : undefined;
    packages.forEach((p, j) => {
      const pkg = obj(p);
      if (pkg !== undefined) checkPackage(ctx, pkg, [...at, "packages", j], full);
    });
  });
}

function checkStorageConfig(ctx: RuleContext, storage: Obj): void {
  if (storage.local !== undefined && storage.registry !== undefined) {
    ctx.report(
      ["storageConfig", "registry"],
      "storageConfig.registry cannot be combined with storageConfig.local: keep the metadata in one place",
    );
  } else if (storage.local === undefined && storage.registry === undefined) {
    ctx.report(["storageConfig"], "storageConfig is empty (want local.path or registry.imageURL)");
  }
}

/** Runs every rule on `document` (the configuration as read) and reports what breaks them. */
export function checkConfigRules(document: unknown, ctx: RuleContext): void {
  const root = obj(document);
  if (root === undefined) return;
  const storage = obj(root.storageConfig);
  if (storage !== undefined) checkStorageConfig(ctx, storage);
  const content = obj(root[ctx.contentKey]);
  if (content === undefined) return;
  const platform = obj(content.platform);
  if (platform !== undefined) checkPlatform(ctx, platform, [ctx.contentKey, "platform"]);
  checkOperators(ctx, list(content.operators), [ctx.contentKey, "operators"]);
}
