/**
 * `oc-mirror list operators` (reference §1.4): `--catalogs --version X.Y` prints the four Red Hat
 * catalogs of a version; `--catalog REF` lists its packages with their default channels, `--package P`
 * the package's channels with their heads (the default marked), `--channel C` every bundle version of
 * the channel. The catalog is read through the registry stores (registries.conf applies) or from
 * `oci://DIR[:ref]`, and the parsed catalog is cached by digest under
 * `<cache dir>/.oc-mirror/catalogs/`, so a repeated listing reads no layer (the original pulls and
 * unpacks the whole catalog every time). Output as the original's columns, or `--output json`.
 * @module
 */
import { join, resolve } from "node:path";
import { log, type RunContext } from "../context.ts";
import { CatalogError, OcMirrorError, UsageError } from "../errors.ts";
import { OciLayoutStore } from "../layout/mod.ts";
import type { Descriptor } from "../oci/mod.ts";
import {
  type Catalog,
  type ChannelSummary,
  listChannels,
  listPackages,
  listVersions,
  type PackageSummary,
  readCatalog,
  type VersionSummary,
} from "../operator/mod.ts";
import {
  formatReference,
  type ImageLocation,
  parseImageLocation,
  parseImageReference,
  referenceTarget,
} from "../reference/mod.ts";
import { checkMinorVersion } from "../release/mod.ts";
import type { SourceStore } from "../store/mod.ts";
import { openRegistryStores, type RegistryAccess } from "../workflow/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import type { Flags } from "./flags.ts";
import { formatColumns } from "./format_columns.ts";
import { resolveLayoutReference } from "./layout_reference.ts";
import { registryAccessFromFlags } from "./registry_access.ts";

/** The Red Hat catalogs of an OpenShift version, without the `:v<version>` tag. */
export const RED_HAT_CATALOGS: readonly string[] = [
  "registry.redhat.io/redhat/redhat-operator-index",
  "registry.redhat.io/redhat/certified-operator-index",
  "registry.redhat.io/redhat/community-operator-index",
  "registry.redhat.io/redhat/redhat-marketplace-index",
];

/** What `list operators` was asked, after the flags are checked. */
export type ListOperatorsRequest =
  | { mode: "catalogs"; version: string; output: "text" | "json" }
  | { mode: "packages"; catalog: string; output: "text" | "json" }
  | { mode: "channels"; catalog: string; package: string; output: "text" | "json" }
  | { mode: "versions"; catalog: string; package: string; channel: string; output: "text" | "json" };

/** Checks the flags of `list operators` as the original does (most specific listing wins). */
export function listOperatorsRequestFromFlags(flags: Flags): ListOperatorsRequest {
  const output = flags.string("output") === "json" ? "json" : "text";
  const catalog = flags.string("catalog");
  const pkg = flags.string("package");
  const channel = flags.string("channel");
  const version = flags.string("version");
  for (const [name, value] of [["catalog", catalog], ["package", pkg], ["channel", channel]] as const) {
    if (value === "") throw new UsageError(`Flag --${name} is empty`);
  }
  if (channel !== undefined && (pkg === undefined || catalog === undefined)) {
    throw new UsageError("Flag --channel needs --catalog and --package", {
      hint: "e.g. oc-mirror list operators --catalog REF --package P --channel C",
    });
  }
  if (pkg !== undefined && catalog === undefined) {
    throw new UsageError("Flag --package needs --catalog", {
      hint: "e.g. oc-mirror list operators --catalog REF --package P",
    });
  }
  if (catalog !== undefined) {
    if (pkg === undefined) return { mode: "packages", catalog, output };
    if (channel === undefined) return { mode: "channels", catalog, package: pkg, output };
    return { mode: "versions", catalog, package: pkg, channel, output };
  }
  if (version === undefined) {
    throw new UsageError(
      flags.bool("catalogs")
        ? "Flag --catalogs needs --version X.Y, e.g. --catalogs --version 4.14"
        : "List operators needs --catalog REF, or --catalogs --version X.Y",
      { hint: "e.g. oc-mirror list operators --catalogs --version 4.14" },
    );
  }
  return { mode: "catalogs", version: checkMinorVersion(version), output };
}

/** The parsed-catalog cache folder: `<--cache-dir | $OC_MIRROR_CACHE | home>/.oc-mirror/catalogs`. */
export function catalogCacheDir(flags: Flags, ctx: Pick<RunContext, "env" | "homeDir" | "cwd">): string {
  const flag = flags.string("cache-dir");
  const envValue = ctx.env("OC_MIRROR_CACHE");
  const env = envValue === "" ? undefined : envValue;
  if (flag !== undefined && env !== undefined) {
    throw new UsageError("Both OC_MIRROR_CACHE and --cache-dir are set: use one of them");
  }
  return join(resolve(ctx.cwd, flag ?? env ?? ctx.homeDir), ".oc-mirror", "catalogs");
}

/** Parses `--catalog`: `REF`, `docker://REF` or `oci://DIR[:ref]`. */
export function parseCatalogLocation(value: string): ImageLocation {
  if (/^[a-z]+:\/\//.test(value)) return parseImageLocation(value);
  return { kind: "docker", reference: parseImageReference(value) };
}

async function readCatalogAt(
  ctx: RunContext,
  shown: string,
  at: { store: SourceStore; repository: string; reference: string },
  cacheDir: string,
): Promise<Catalog> {
  const o = { signal: ctx.signal };
  let descriptor: Descriptor;
  try {
    descriptor = await at.store.resolve(at.repository, at.reference, o);
  } catch (e) {
    if (!(e instanceof OcMirrorError) || e.code === "ABORTED") throw e;
    throw new CatalogError(
      `Cannot read catalog ${shown}: ${e.message}`,
      e.hint === undefined ? { cause: e } : { cause: e, hint: e.hint },
    );
  }
  log(ctx, "debug", `Reading catalog ${shown} (${descriptor.digest}); parsed-catalog cache ${cacheDir}`);
  try {
    return await readCatalog(at.store, at.repository, descriptor, { ...o, cacheDir });
  } catch (e) {
    if (!(e instanceof OcMirrorError) || e instanceof CatalogError || e.code === "ABORTED") throw e;
    throw new CatalogError(
      `Cannot read catalog ${shown}: ${e.message}`,
      e.hint === undefined ? { cause: e } : { cause: e, hint: e.hint },
    );
  }
}

/** Reads the catalog `--catalog` names (registry or OCI layout), through the parsed-catalog cache. */
export async function loadListedCatalog(
  ctx: RunContext,
  catalog: string,
  options: { access: RegistryAccess; cacheDir: string },
): Promise<Catalog> {
  const l = parseCatalogLocation(catalog);
  if (l.kind === "oci") {
    const store = new OciLayoutStore(resolve(ctx.cwd, l.path));
    let reference: string;
    try {
      reference = await resolveLayoutReference(store, l.path, l.reference, { signal: ctx.signal });
    } catch (e) {
      if (!(e instanceof OcMirrorError)) throw e;
      throw new CatalogError(`Cannot read catalog ${catalog}: ${e.message}`, {
        cause: e,
        ...(e.hint !== undefined ? { hint: e.hint } : {}),
      });
    }
    return await readCatalogAt(ctx, catalog, { store, repository: "", reference }, options.cacheDir);
  }
  const stores = await openRegistryStores(ctx, options.access, "v2");
  try {
    const store = stores.source(l.reference.registry);
    const at = { store, repository: l.reference.repository, reference: referenceTarget(l.reference) };
    return await readCatalogAt(ctx, formatReference(l.reference), at, options.cacheDir);
  } finally {
    stores.close();
  }
}

/** Formats the package listing: `NAME  DISPLAY NAME  DEFAULT CHANNEL` columns, or JSON. */
export function formatPackages(catalog: string, packages: PackageSummary[], output: "text" | "json"): string {
  if (output === "json") return JSON.stringify({ catalog, packages }) + "\n";
  return formatColumns([
    ["NAME", "DISPLAY NAME", "DEFAULT CHANNEL"],
    ...packages.map((p) => [p.name, p.displayName ?? "", p.defaultChannel]),
  ]);
}

/** Formats the channel listing: `PACKAGE  CHANNEL  HEAD  DEFAULT` columns (`*` marks it), or JSON. */
export function formatChannels(
  catalog: string,
  pkg: string,
  channels: ChannelSummary[],
  output: "text" | "json",
): string {
  if (output === "json") {
    const defaultChannel = channels.find((c) => c.isDefault)?.name;
    return JSON.stringify({
      catalog,
      package: pkg,
      ...(defaultChannel !== undefined ? { defaultChannel } : {}),
      channels: channels.map(({ package: _, ...c }) => c),
    }) + "\n";
  }
  return formatColumns([
    ["PACKAGE", "CHANNEL", "HEAD", "DEFAULT"],
    ...channels.map((c) => [c.package, c.name, c.head, c.isDefault ? "*" : ""]),
  ]);
}

/** Formats the versions of a channel: `VERSIONS` then one per line (lowest first), or JSON. */
export function formatVersions(
  catalog: string,
  pkg: string,
  channel: string,
  versions: VersionSummary[],
  output: "text" | "json",
): string {
  if (output === "json") return JSON.stringify({ catalog, package: pkg, channel, versions }) + "\n";
  return ["VERSIONS", ...versions.map((v) => v.version ?? v.bundle), ""].join("\n");
}

/** Formats the Red Hat catalogs of a version, as the original prints them, or JSON. */
export function formatCatalogs(version: string, output: "text" | "json"): string {
  const catalogs = RED_HAT_CATALOGS.map((c) => `${c}:v${version}`);
  if (output === "json") return JSON.stringify({ version, catalogs }) + "\n";
  return ["Available OpenShift OperatorHub catalogs:", `OpenShift ${version}:`, ...catalogs, ""].join("\n");
}

/** The list operators command. */
export const listOperatorsCommand: Command = {
  name: "list operators",
  description: "List the packages, channels and versions of an operator catalog",
  usage: [
    "oc-mirror list operators --catalogs --version X.Y                  the Red Hat catalogs of X.Y",
    "oc-mirror list operators --catalog REF                             packages (default channels)",
    "oc-mirror list operators --catalog REF --package P                 channels (heads)",
    "oc-mirror list operators --catalog REF --package P --channel C     bundle versions",
  ],
  flags: [
    ...GLOBAL_FLAGS,
    ...REGISTRY_FLAGS,
    {
      name: "catalog",
      type: "string",
      valueName: "REF",
      description: "Catalog image: REF, docker://REF or oci://DIR[:ref]",
    },
    { name: "catalogs", type: "boolean", description: "List the Red Hat catalogs of --version" },
    { name: "version", type: "string", valueName: "X.Y", description: "OpenShift minor version, e.g. 4.14" },
    { name: "package", type: "string", valueName: "NAME", description: "Package to list the channels of" },
    { name: "channel", type: "string", valueName: "NAME", description: "Channel to list the versions of" },
    {
      name: "cache-dir",
      type: "string",
      valueName: "DIR",
      description:
        "Parsed catalogs are cached in <DIR>/.oc-mirror/catalogs; default $OC_MIRROR_CACHE or $HOME",
    },
    {
      name: "output",
      short: "o",
      type: "string",
      choices: ["text", "json"],
      default: "text",
      engine: "ours",
      description: "text: the original's columns; json: one JSON object",
    },
  ],
  examples: [
    "oc-mirror list operators --catalogs --version 4.14",
    "oc-mirror list operators --catalog registry.redhat.io/redhat/redhat-operator-index:v4.14",
    "oc-mirror list operators --catalog registry.redhat.io/redhat/redhat-operator-index:v4.14 --package odf-operator",
    "oc-mirror list operators --catalog oci:///srv/catalog:v4.14 --package odf-operator --channel stable-4.14 -o json",
  ],
  async run({ ctx, io, flags }) {
    const r = listOperatorsRequestFromFlags(flags);
    if (r.mode === "catalogs") {
      io.stdout(formatCatalogs(r.version, r.output));
      return {};
    }
    const cacheDir = catalogCacheDir(flags, ctx);
    const catalog = await loadListedCatalog(ctx, r.catalog, {
      access: registryAccessFromFlags(flags, ctx),
      cacheDir,
    });
    const o = { catalog: r.catalog };
    if (r.mode === "packages") {
      io.stdout(formatPackages(r.catalog, listPackages(catalog), r.output));
    } else if (r.mode === "channels") {
      io.stdout(formatChannels(r.catalog, r.package, listChannels(catalog, r.package, o), r.output));
    } else {
      const versions = listVersions(catalog, r.package, r.channel, o);
      io.stdout(formatVersions(r.catalog, r.package, r.channel, versions, r.output));
    }
    return {};
  },
};
