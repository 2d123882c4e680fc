/**
 * An on-disk cache of parsed catalogs keyed by the catalog manifest's digest, so `list operators` and
 * repeated runs skip pulling and parsing the layers. One file per digest, `sha256-<hex>.json`, written to
 * a temporary name and renamed; it is a JSON stream (a header object, then every blob) read back with the
 * streaming parser, so a large catalog is never parsed as one value. A missing or unreadable entry is a
 * cache miss, never an error.
 * @module
 */
import type { Digest } from "../oci/mod.ts";
import type { Catalog } from "./catalog.ts";
import { CatalogBuilder } from "./catalog_builder.ts";
import { parseFbcStream } from "./parse_fbc.ts";

const HEADER_SCHEMA = "oc-mirror.catalog-cache";
const CACHE_VERSION = 1;

/** The cache file of a digest inside `cacheDir`. */
export function catalogCachePath(cacheDir: string, digest: Digest): string {
  return `${cacheDir.replace(/\/+$/, "")}/${digest.replace(":", "-")}.json`;
}

/** Reads a cached catalog; undefined when absent, stale or unreadable. */
export async function readCachedCatalog(
  cacheDir: string,
  digest: Digest,
  o: { signal?: AbortSignal } = {},
): Promise<Catalog | undefined> {
  const path = catalogCachePath(cacheDir, digest);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  try {
    const builder = new CatalogBuilder();
    let header = true;
    for await (const obj of parseFbcStream(file.readable, path, o.signal ? { signal: o.signal } : {})) {
      if (header) {
        const h = obj.value;
        if (h.schema !== HEADER_SCHEMA || h.version !== CACHE_VERSION || h.digest !== digest) {
          return undefined;
        }
        header = false;
        continue;
      }
      builder.add(obj);
    }
    return header ? undefined : builder.build();
  } catch {
    return undefined;
  }
}

/** Writes a catalog to the cache atomically (temporary file, then rename). */
export async function writeCachedCatalog(
  cacheDir: string,
  digest: Digest,
  catalog: Catalog,
  o: { signal?: AbortSignal } = {},
): Promise<void> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const path = catalogCachePath(cacheDir, digest);
  const temp = `${path}.tmp-${crypto.randomUUID()}`;
  const file = await Deno.open(temp, { write: true, createNew: true });
  const encoder = new TextEncoder();
  let ok = false;
  try {
    const writer = file.writable.getWriter();
    let buffer: string[] = [];
    let size = 0;
    const flush = async () => {
      if (buffer.length === 0) return;
      await writer.write(encoder.encode(buffer.join("")));
      buffer = [];
      size = 0;
    };
    const put = async (blob: unknown) => {
      const line = `${JSON.stringify(blob)}\n`;
      buffer.push(line);
      size += line.length;
      if (size > 1024 * 1024) {
        if (o.signal?.aborted) throw o.signal.reason;
        await flush();
      }
    };
    await put({ schema: HEADER_SCHEMA, version: CACHE_VERSION, digest });
    for (
      const list of [
        catalog.packages,
        catalog.channels,
        catalog.bundles,
        catalog.deprecations,
        catalog.others,
      ]
    ) {
      for (const blob of list) await put(blob);
    }
    await flush();
    await writer.close();
    await Deno.rename(temp, path);
    ok = true;
  } finally {
    if (!ok) {
      try {
        file.close();
      } catch {
        // Already closed by the writer.
      }
      await Deno.remove(temp).catch(() => {});
    }
  }
}
