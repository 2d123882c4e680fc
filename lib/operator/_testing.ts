/**
 * Test support for this folder: small builders for FBC blobs and a catalog with known graphs. Used by
 * tests and the benchmark only.
 * @module
 */
import * as zlibModule from "node:zlib";
import { gzipSync } from "node:zlib";
import { packTar, type TarEntry } from "modern-tar";
import { type Descriptor, digestOf, MediaType, type Platform } from "../oci/mod.ts";
import { type DestinationStore, writeImage } from "../store/mod.ts";
import {
  type Bundle,
  type Catalog,
  type Channel,
  type ChannelEntry,
  CONFIGS_LABEL,
  type Package,
  type Property,
} from "./catalog.ts";
import { CatalogBuilder } from "./catalog_builder.ts";

/** An `olm.package` blob. */
export function pkgBlob(name: string, defaultChannel: string): Package {
  return { schema: "olm.package", name, defaultChannel };
}

/** A channel entry. */
export function entry(name: string, replaces?: string, skips?: string[], skipRange?: string): ChannelEntry {
  const e: ChannelEntry = { name };
  if (replaces !== undefined) e.replaces = replaces;
  if (skips !== undefined) e.skips = skips;
  if (skipRange !== undefined) e.skipRange = skipRange;
  return e;
}

/** An `olm.channel` blob. */
export function channelBlob(pkg: string, name: string, entries: ChannelEntry[]): Channel {
  return { schema: "olm.channel", package: pkg, name, entries };
}

/** Options of {@link bundleBlob}. */
export interface BundleOptions {
  /** Extra properties (gvk, requirements). */
  properties?: Property[];
  /** Operand images besides the bundle image. @default one operator image */
  operands?: string[];
}

/** An `olm.bundle` blob named `<pkg>.v<version>` with a bundle image and operand images. */
export function bundleBlob(pkg: string, version: string, o: BundleOptions = {}): Bundle {
  const image = `quay.io/example/${pkg}-bundle:v${version}`;
  const operands = o.operands ?? [`quay.io/example/${pkg}-operator:v${version}`];
  return {
    schema: "olm.bundle",
    package: pkg,
    name: `${pkg}.v${version}`,
    image,
    properties: [{ type: "olm.package", value: { packageName: pkg, version } }, ...(o.properties ?? [])],
    relatedImages: [{ name: "", image }, ...operands.map((img, i) => ({ name: `operand-${i}`, image: img }))],
  };
}

/** A GVK property value. */
export function gvk(
  type: "olm.gvk" | "olm.gvk.required",
  group: string,
  version: string,
  kind: string,
): Property {
  return { type, value: { group, version, kind } };
}

/** A catalog from blobs, through the real builder (so duplicates and bad fields are caught). */
export function makeCatalog(blobs: unknown[]): Catalog {
  const b = new CatalogBuilder();
  blobs.forEach((value, i) =>
    b.add({
      value: structuredClone(value) as Record<string, unknown>,
      at: { file: "test.json", line: 0, object: i + 1 },
    })
  );
  return b.build();
}

/** Sorted bundle names. */
export function bundleNames(bundles: readonly { name: string }[]): string[] {
  return bundles.map((b) => b.name).sort();
}

/** `foo.v<version>` names for a list of versions, sorted. */
export function named(pkg: string, versions: string[]): string[] {
  return versions.map((v) => `${pkg}.v${v}`).sort();
}

/**
 * The reference catalog of the tests:
 * - foo (default stable): stable is operator-registry's test graph (head 3.0.0; 1.0.0 and 2.0.0 skip the
 *   0.x line, 3.0.0 skips the 2.x line); fast = 3.0.0 ← 4.0.0. Deprecations and an opaque blob.
 * - bar (default alpha): alpha 1.0.0 ← 1.1.0 ← 1.2.0; beta 2.0.0 (replaces 1.2.0, not in beta).
 *   bar 1.2.0 requires API baz.example.com/v1/Baz and package qux >=1.0.0 <2.0.0; bar 2.0.0 requires a
 *   package that does not exist.
 * - baz (default stable): 0.9.0 ← 1.0.0 ← 1.1.0; 0.9.0 and 1.0.0 provide Baz v1, 1.1.0 provides Baz v2.
 * - qux (default stable): 0.5.0 ← 1.0.0 ← 1.5.0 ← 2.0.0; legacy: 1.7.0, which requires baz <1.0.0.
 */
export function referenceCatalog(): Catalog {
  const foo = (v: string) => `foo.v${v}`;
  const bazV1 = gvk("olm.gvk", "baz.example.com", "v1", "Baz");
  return makeCatalog([
    pkgBlob("foo", "stable"),
    channelBlob("foo", "stable", [
      entry(foo("0.1.0")),
      entry(foo("0.1.1"), foo("0.1.0")),
      entry(foo("0.2.0"), foo("0.1.1")),
      entry(foo("0.3.0"), foo("0.2.0")),
      entry(foo("1.0.0"), foo("0.1.0"), [foo("0.1.1"), foo("0.2.0"), foo("0.3.0")]),
      entry(foo("1.1.0"), foo("1.0.0")),
      entry(foo("2.0.0"), foo("0.1.0"), [
        foo("0.1.1"),
        foo("0.2.0"),
        foo("0.3.0"),
        foo("1.0.0"),
        foo("1.1.0"),
      ]),
      entry(foo("2.1.0"), foo("2.0.0")),
      entry(foo("3.0.0"), foo("1.1.0"), [foo("2.0.0"), foo("2.1.0")], ">=0.1.0 <3.0.0"),
    ]),
    channelBlob("foo", "fast", [entry(foo("3.0.0")), entry(foo("4.0.0"), foo("3.0.0"))]),
    ...["0.1.0", "0.1.1", "0.2.0", "0.3.0", "1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0", "4.0.0"].map((v) =>
      bundleBlob("foo", v)
    ),
    {
      schema: "olm.deprecations",
      package: "foo",
      entries: [
        { reference: { schema: "olm.bundle", name: foo("0.1.0") }, message: "0.1.0 is deprecated" },
        { reference: { schema: "olm.channel", name: "fast" }, message: "fast is deprecated" },
        { reference: { schema: "olm.package" }, message: "foo is deprecated" },
      ],
    },
    { schema: "example.io/note", package: "foo", text: "kept with foo" },
    { schema: "example.io/global", text: "kept always" },
    pkgBlob("bar", "alpha"),
    channelBlob("bar", "alpha", [
      entry("bar.v1.0.0"),
      entry("bar.v1.1.0", "bar.v1.0.0"),
      entry("bar.v1.2.0", "bar.v1.1.0"),
    ]),
    channelBlob("bar", "beta", [entry("bar.v2.0.0", "bar.v1.2.0")]),
    bundleBlob("bar", "1.0.0"),
    bundleBlob("bar", "1.1.0"),
    bundleBlob("bar", "1.2.0", {
      properties: [
        gvk("olm.gvk.required", "baz.example.com", "v1", "Baz"),
        { type: "olm.package.required", value: { packageName: "qux", versionRange: ">=1.0.0 <2.0.0" } },
      ],
    }),
    bundleBlob("bar", "2.0.0", {
      properties: [{
        type: "olm.package.required",
        value: { packageName: "missing", versionRange: ">=1.0.0" },
      }],
    }),
    pkgBlob("baz", "stable"),
    channelBlob("baz", "stable", [
      entry("baz.v0.9.0"),
      entry("baz.v1.0.0", "baz.v0.9.0"),
      entry("baz.v1.1.0", "baz.v1.0.0"),
    ]),
    bundleBlob("baz", "0.9.0", { properties: [bazV1] }),
    bundleBlob("baz", "1.0.0", { properties: [bazV1] }),
    bundleBlob("baz", "1.1.0", { properties: [gvk("olm.gvk", "baz.example.com", "v2", "Baz")] }),
    pkgBlob("qux", "stable"),
    channelBlob("qux", "stable", [
      entry("qux.v0.5.0"),
      entry("qux.v1.0.0", "qux.v0.5.0"),
      entry("qux.v1.5.0", "qux.v1.0.0"),
      entry("qux.v2.0.0", "qux.v1.5.0"),
    ]),
    channelBlob("qux", "legacy", [entry("qux.v1.7.0")]),
    bundleBlob("qux", "0.5.0"),
    bundleBlob("qux", "1.0.0"),
    bundleBlob("qux", "1.5.0"),
    bundleBlob("qux", "1.7.0", {
      properties: [{ type: "olm.package.required", value: { packageName: "baz", versionRange: "<1.0.0" } }],
    }),
    bundleBlob("qux", "2.0.0"),
  ]);
}

/** A file of a test layer. */
export interface TarFile {
  name: string;
  body?: string | Uint8Array;
  type?: "file" | "directory";
  mode?: number;
}

/** An uncompressed tar of files. */
export async function tar(files: TarFile[]): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const entries: TarEntry[] = files.map((f) => {
    const body = typeof f.body === "string" ? enc.encode(f.body) : f.body ?? new Uint8Array(0);
    const type = f.type ?? "file";
    return {
      header: {
        name: f.name,
        size: type === "file" ? body.byteLength : 0,
        type,
        mode: f.mode ?? (type === "file" ? 0o644 : 0o755),
        mtime: new Date(0),
      },
      ...(type === "file" ? { body } : {}),
    };
  });
  return await packTar(entries);
}

/** Options of {@link writeCatalogImage}. */
export interface CatalogImageOptions {
  /** The configs label; null for none (a SQLite-era image). @default "/configs" */
  root?: string | null;
  platform?: Platform;
  tag?: string;
  /** @default MediaType.ociManifest */
  mediaType?: string;
  /** Compress layers with zstd instead of gzip. */
  zstd?: boolean;
}

/** Writes an opm-style catalog image (config with label, Entrypoint, Cmd with --cache-dir) of the given layers. */
export async function writeCatalogImage(
  store: DestinationStore,
  repo: string,
  layers: TarFile[][],
  o: CatalogImageOptions = {},
): Promise<Descriptor> {
  const tars = await Promise.all(layers.map(tar));
  const platform = o.platform ?? { os: "linux", architecture: "amd64" };
  const labels: Record<string, string> = { "io.example.catalog": "test" };
  if (o.root !== null) labels[CONFIGS_LABEL] = o.root ?? "/configs";
  const config = {
    architecture: platform.architecture,
    os: platform.os,
    config: {
      Labels: labels,
      Entrypoint: ["/bin/opm"],
      Cmd: ["serve", "/configs", "--cache-dir=/tmp/cache"],
    },
    rootfs: { type: "layers", diff_ids: tars.map((t) => digestOf(t)) },
    history: tars.map((_, i) => ({ created_by: `layer ${i}` })),
  };
  const zstd =
    (zlibModule as unknown as { zstdCompressSync: (b: Uint8Array) => Uint8Array }).zstdCompressSync;
  return await writeImage(store, repo, {
    config,
    layers: tars.map((t) =>
      o.zstd
        ? { bytes: new Uint8Array(zstd(t)), mediaType: MediaType.ociLayerZstd }
        : { bytes: new Uint8Array(gzipSync(t)) }
    ),
    ...(o.mediaType ? { mediaType: o.mediaType } : {}),
    ...(o.tag ? { tag: o.tag } : {}),
    platform,
  });
}
