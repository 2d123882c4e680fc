/**
 * The two layers a rebuilt catalog image appends, built reproducibly (sorted entries, mtime 0, uid/gid
 * 0, fixed modes, gzip): a whiteout layer that removes the old FBC root and the stale pre-built cache
 * `/tmp/cache`, and a layer with the filtered FBC under `configs/<package>/catalog.json`.
 * @module
 */
import { gzipSync } from "node:zlib";
import { packTar, type TarEntry } from "modern-tar";
import { CatalogError } from "../errors.ts";
import { type Digest, digestOf } from "../oci/mod.ts";
import { type Catalog, catalogBlobsByPackage } from "./catalog.ts";
import { normalizeImagePath } from "./_layer_files.ts";

/** A built layer: its gzip bytes and the digest of the uncompressed tar (the config's diff_id). */
export interface BuiltLayer {
  bytes: Uint8Array;
  diffId: Digest;
}

const EPOCH = new Date(0);

function file(name: string, body: Uint8Array, mode = 0o644): TarEntry {
  return {
    header: {
      name,
      size: body.byteLength,
      type: "file",
      mode,
      mtime: EPOCH,
      uid: 0,
      gid: 0,
      uname: "",
      gname: "",
    },
    body,
  };
}

function dir(name: string, mode = 0o755): TarEntry {
  return {
    header: { name, size: 0, type: "directory", mode, mtime: EPOCH, uid: 0, gid: 0, uname: "", gname: "" },
  };
}

async function build(entries: TarEntry[]): Promise<BuiltLayer> {
  entries.sort((a, b) => (a.header.name < b.header.name ? -1 : a.header.name > b.header.name ? 1 : 0));
  const tar = await packTar(entries);
  return { bytes: new Uint8Array(gzipSync(tar, { level: 6 })), diffId: digestOf(tar) };
}

/**
 * The whiteout layer: `.wh.<root>` for every old FBC root (and `/configs`), and `tmp/.wh.cache` so no
 * pre-built `opm` cache survives to make the catalog pod crash-loop. `tmp/` is written with mode 1777 so
 * runtimes that create implied parent directories do not narrow `/tmp`'s permissions.
 */
export function whiteoutLayer(oldRoots: readonly string[]): Promise<BuiltLayer> {
  const empty = new Uint8Array(0);
  const targets = new Set(["configs", ...oldRoots.map(normalizeImagePath).filter((r) => r !== "")]);
  const entries: TarEntry[] = [dir("tmp/", 0o1777), file("tmp/.wh.cache", empty)];
  for (const t of targets) {
    const slash = t.lastIndexOf("/");
    entries.push(file(slash < 0 ? `.wh.${t}` : `${t.slice(0, slash)}/.wh.${t.slice(slash + 1)}`, empty));
  }
  return build(entries);
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The FBC layer: `configs/<package>/catalog.json` per package (package-less blobs in `configs/catalog.json`). */
export function configsLayer(catalog: Catalog): Promise<BuiltLayer> {
  const encoder = new TextEncoder();
  const entries: TarEntry[] = [dir("configs/")];
  for (const [pkg, blobs] of catalogBlobsByPackage(catalog)) {
    const text = blobs.map((b) => `${JSON.stringify(b)}\n`).join("");
    if (pkg === "") {
      entries.push(file("configs/catalog.json", encoder.encode(text)));
      continue;
    }
    if (!SAFE_NAME.test(pkg) || pkg === "catalog.json") {
      throw new CatalogError(
        `Package name "${pkg}" cannot be used as a directory name in the rebuilt catalog`,
      );
    }
    entries.push(dir(`configs/${pkg}/`), file(`configs/${pkg}/catalog.json`, encoder.encode(text)));
  }
  return build(entries);
}
