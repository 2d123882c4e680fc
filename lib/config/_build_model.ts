/**
 * Turns a document the schema accepted into the typed model: applies the defaults (channel type `ocp`,
 * `architectures: [amd64]` when channels are set and neither architectures nor platforms are given,
 * `false` flags, empty lists), parses references and compiles blocked-image patterns. Absent optional
 * values stay absent (no `key: undefined`), so models compare with deep equality.
 * @module
 */
import type { Platform } from "../oci/mod.ts";
import { parseImageReference } from "../reference/mod.ts";
import { parseCatalogLocation, type RawConfigDocument } from "./config_schema.ts";
import { compileGoRegexp } from "./go_regexp.ts";
import type {
  AnyImageSetConfig,
  ApiVersion,
  ConfigKind,
  HelmConfig,
  ImageSetContent,
  OperatorCatalog,
  OperatorChannel,
  OperatorPackage,
  PlatformConfig,
  ReleaseArchitecture,
  ReleaseChannel,
  StorageConfig,
} from "./image_set_config.ts";

type RawMirror = NonNullable<RawConfigDocument["mirror"]>;
type RawPlatform = NonNullable<RawMirror["platform"]>;
type RawOperator = NonNullable<RawMirror["operators"]>[number];
type RawPackage = NonNullable<RawOperator["packages"]>[number];
type RawChannel = NonNullable<RawPackage["channels"]>[number];
type RawHelm = NonNullable<RawMirror["helm"]>;

/** Copies the keys of `from` whose value is defined. */
function defined<T extends object>(from: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(from).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function platformList(list: { os: string; architecture: string }[] | undefined): Platform[] | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list.map((p) => ({ os: p.os, architecture: p.architecture }));
}

function buildPlatform(raw: RawPlatform | undefined): PlatformConfig {
  const p = raw ?? {};
  const channels: ReleaseChannel[] = (p.channels ?? []).map((c) => ({
    name: c.name,
    type: c.type ?? "ocp",
    ...defined({ minVersion: c.minVersion, maxVersion: c.maxVersion }),
    shortestPath: c.shortestPath ?? false,
    full: c.full ?? false,
  }));
  const platforms = platformList(p.platforms);
  const written = p.architectures ?? [];
  const architectures: ReleaseArchitecture[] = written.length > 0
    ? [...written]
    : channels.length > 0 && platforms === undefined
    ? ["amd64"]
    : [];
  return {
    channels,
    architectures,
    ...defined({ platforms }),
    graph: p.graph ?? false,
    ...defined({
      release: p.release,
      releaseReference: p.release === undefined ? undefined : parseImageReference(p.release),
    }),
    kubeVirtContainer: p.kubeVirtContainer ?? false,
  };
}

function buildChannel(c: RawChannel): OperatorChannel {
  return {
    name: c.name,
    ...defined({ minVersion: c.minVersion, maxVersion: c.maxVersion, minBundle: c.minBundle }),
  };
}

function buildPackage(p: RawPackage): OperatorPackage {
  return {
    name: p.name,
    ...defined({
      defaultChannel: p.defaultChannel,
      minVersion: p.minVersion,
      maxVersion: p.maxVersion,
      minBundle: p.minBundle,
    }),
    channels: (p.channels ?? []).map(buildChannel),
  };
}

function buildOperator(o: RawOperator): OperatorCatalog {
  return {
    catalog: o.catalog,
    catalogLocation: parseCatalogLocation(o.catalog),
    ...defined({ targetCatalog: o.targetCatalog, targetTag: o.targetTag, targetName: o.targetName }),
    full: o.full ?? false,
    skipDependencies: o.skipDependencies ?? false,
    ...defined({
      targetCatalogSourceTemplate: o.targetCatalogSourceTemplate,
      platforms: platformList(o.platforms),
      originalRef: o.originalRef,
    }),
    packages: (o.packages ?? []).map(buildPackage),
  };
}

function buildHelm(raw: RawHelm | undefined): HelmConfig {
  return {
    repositories: (raw?.repositories ?? []).map((r) => ({
      name: r.name,
      url: r.url,
      charts: (r.charts ?? []).map((c) => ({
        name: c.name,
        ...defined({ version: c.version }),
        imagePaths: c.imagePaths ?? [],
        ...defined({ platforms: platformList(c.platforms) }),
        valuesFiles: c.valuesFiles ?? [],
      })),
    })),
    local: (raw?.local ?? []).map((l) => ({
      name: l.name,
      path: l.path,
      imagePaths: l.imagePaths ?? [],
      valuesFiles: l.valuesFiles ?? [],
    })),
  };
}

function buildContent(raw: Omit<RawMirror, "blockedImages">): ImageSetContent {
  return {
    platform: buildPlatform(raw.platform),
    operators: (raw.operators ?? []).map(buildOperator),
    additionalImages: (raw.additionalImages ?? []).map((a) => ({
      name: a.name,
      reference: parseImageReference(a.name),
      ...defined({ targetRepo: a.targetRepo, targetTag: a.targetTag, platforms: platformList(a.platforms) }),
    })),
    helm: buildHelm(raw.helm),
    samples: (raw.samples ?? []).map((s) => ({ name: s.name })),
  };
}

function buildStorage(raw: NonNullable<RawConfigDocument["storageConfig"]>): StorageConfig {
  if (raw.local !== undefined) return { local: { path: raw.local.path } };
  const registry = raw.registry;
  if (registry === undefined) return {};
  return {
    registry: {
      imageURL: registry.imageURL,
      reference: parseImageReference(registry.imageURL),
      skipTLS: registry.skipTLS ?? false,
    },
  };
}

/** The typed model of a document that passed the schema and the rules. */
export function buildConfig(
  raw: RawConfigDocument,
  apiVersion: ApiVersion,
  kind: ConfigKind,
): AnyImageSetConfig {
  if (kind === "DeleteImageSetConfiguration") {
    return { apiVersion: "v2alpha1", kind, delete: buildContent(raw.delete ?? {}) };
  }
  const mirror = raw.mirror ?? {};
  return {
    apiVersion,
    kind,
    ...defined({
      archiveSize: raw.archiveSize,
      storageConfig: raw.storageConfig && buildStorage(raw.storageConfig),
    }),
    mirror: {
      ...buildContent(mirror),
      blockedImages: (mirror.blockedImages ?? []).map((b) => ({
        name: b.name,
        pattern: compileGoRegexp(b.name),
      })),
    },
  };
}
