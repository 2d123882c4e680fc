/**
 * Reads chosen files of one directory out of image layers as they stream: decompress, walk the tar
 * entries, keep the wanted files (capped), cancel every other body, and note whiteouts so the caller can
 * stack layers as an overlay filesystem does. Nothing is written to disk.
 * @see https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
 * @module
 */
import { Duplex } from "node:stream";
import { createZstdDecompress } from "node:zlib";
import { createTarDecoder } from "modern-tar";
import { DigestMismatchError, ManifestError } from "../errors.ts";
import { type Descriptor, MediaType, verifyStream } from "../oci/mod.ts";

/** What one layer contributes to the scoped directory. */
export interface LayerScan {
  /** Kept files by clean path (no leading `./` or `/`). */
  files: Map<string, Uint8Array>;
  /** Paths this layer deletes from lower layers (whiteouts, or non-directories replacing a directory). */
  removed: string[];
  /** Directories whose lower-layer contents this layer hides (opaque whiteouts). */
  opaque: string[];
}

/** Options of {@link scanLayer}. */
export interface ScanLayerOptions {
  /** Names the image in errors. */
  where: string;
  /** The directory of interest, e.g. `release-manifests`. */
  scope: string;
  /** Which files under `scope` to keep. */
  keep: (path: string) => boolean;
  /** Largest single file kept. */
  maxFileBytes: number;
  /** Bytes still allowed for kept files over all layers; decremented as files are kept. */
  budget: { remaining: number };
  signal?: AbortSignal;
}

/** Cleans a tar entry name; undefined for names that climb out with `..`. */
export function cleanEntryPath(name: string): string | undefined {
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") return undefined;
    parts.push(p);
  }
  return parts.join("/");
}

function isUnder(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

/** A decompressing transform for the layer's media type; undefined for an uncompressed tar. */
function decompressor(layer: Descriptor, where: string): TransformStream<Uint8Array, Uint8Array> | undefined {
  const mt = layer.mediaType;
  if (
    mt === MediaType.ociLayerGzip || mt === MediaType.dockerLayerGzip ||
    mt === MediaType.dockerForeignLayerGzip || mt.endsWith("+gzip") || mt.endsWith(".tar.gzip")
  ) {
    return new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>;
  }
  if (mt.endsWith("+zstd") || mt.endsWith(".tar.zstd")) {
    return Duplex.toWeb(createZstdDecompress()) as unknown as TransformStream<Uint8Array, Uint8Array>;
  }
  if (mt === MediaType.ociLayer || mt.endsWith(".tar") || mt.endsWith(".diff.tar")) return undefined;
  throw new ManifestError(
    `Image ${where} has layer ${layer.digest} of media type "${mt}": want a tar, tar+gzip or tar+zstd layer`,
  );
}

async function readBody(
  body: ReadableStream<Uint8Array>,
  path: string,
  declared: number,
  o: ScanLayerOptions,
): Promise<Uint8Array> {
  const limit = Math.min(o.maxFileBytes, o.budget.remaining);
  if (declared > limit) {
    await body.cancel();
    throw new ManifestError(
      declared > o.maxFileBytes
        ? `Image ${o.where} has ${path} of ${declared} bytes: the limit is ${o.maxFileBytes}`
        : `Image ${o.where} has more ${o.scope}/ files than the ${o.budget.remaining} bytes still allowed`,
    );
  }
  const out = new Uint8Array(declared);
  let at = 0;
  for await (const chunk of body) {
    if (at + chunk.byteLength > declared) {
      throw new ManifestError(`Image ${o.where} has a corrupt tar entry ${path}`);
    }
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  if (at !== declared) throw new ManifestError(`Image ${o.where} has a truncated tar entry ${path}`);
  o.budget.remaining -= declared;
  return out;
}

/**
 * Streams one layer blob (verifying its digest), keeping the wanted files under `scope` and noting its
 * whiteouts. Other entries' bodies are skipped unread.
 */
export async function scanLayer(
  blob: ReadableStream<Uint8Array>,
  layer: Descriptor,
  o: ScanLayerOptions,
): Promise<LayerScan> {
  const where = `${o.where} layer ${layer.digest}`;
  const decompress = decompressor(layer, o.where);
  let bytes = blob.pipeThrough(verifyStream(layer, where));
  if (decompress) bytes = bytes.pipeThrough(decompress);
  const decoder = createTarDecoder();
  const piped = bytes.pipeTo(decoder.writable, o.signal ? { signal: o.signal } : {});
  // Observed below; this keeps an early failure from being reported as unhandled meanwhile.
  piped.catch(() => {});
  const scan: LayerScan = { files: new Map(), removed: [], opaque: [] };
  const scope = o.scope;
  try {
    for await (const entry of decoder.readable) {
      const path = cleanEntryPath(entry.header.name);
      const type = entry.header.type ?? "file";
      const base = path?.slice(path.lastIndexOf("/") + 1) ?? "";
      const dir = path === undefined ? "" : path.slice(0, Math.max(0, path.lastIndexOf("/")));
      if (path === undefined || path === "") {
        await entry.body.cancel();
      } else if (base === ".wh..wh..opq") {
        if (isUnder(dir, scope) || isUnder(scope, dir)) scan.opaque.push(dir);
        await entry.body.cancel();
      } else if (base.startsWith(".wh.")) {
        const target = dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`;
        if (isUnder(target, scope) || isUnder(scope, target)) scan.removed.push(target);
        await entry.body.cancel();
      } else if (type !== "directory" && (path === scope || scope.startsWith(`${path}/`))) {
        // A non-directory at the scope or above it replaces the directory of the layers below.
        scan.removed.push(path);
        await entry.body.cancel();
      } else if (type === "file" && isUnder(path, scope) && o.keep(path)) {
        scan.files.set(path, await readBody(entry.body, path, entry.header.size, o));
      } else {
        await entry.body.cancel();
      }
    }
    await piped;
  } catch (e) {
    const reason = e instanceof Error ? e : new Error(String(e));
    await decoder.readable.cancel(reason).catch(() => {});
    if (e instanceof ManifestError || e instanceof DigestMismatchError) throw e;
    if (o.signal?.aborted) throw e;
    throw new ManifestError(`Cannot read layer ${layer.digest} of image ${o.where}: ${reason.message}`, {
      cause: e,
    });
  }
  return scan;
}

/** Stacks a layer's scan onto the files of the layers below it (overlay semantics). */
export function applyLayer(state: Map<string, Uint8Array>, scan: LayerScan): void {
  const removeBelow = (dir: string, keepDir: boolean) => {
    for (const p of [...state.keys()]) {
      if (keepDir ? dir === "" || p.startsWith(`${dir}/`) : isUnder(p, dir)) state.delete(p);
    }
  };
  for (const d of scan.opaque) removeBelow(d, true);
  for (const p of scan.removed) removeBelow(p, false);
  for (const [p, bytes] of scan.files) state.set(p, bytes);
}
