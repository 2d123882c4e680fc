/**
 * Reading the FBC files of a catalog image from its layers, in order, as an overlay filesystem would see
 * them: only files under the configs root are kept (parsed as they stream, never held as text), a later
 * layer's file replaces an earlier one, and whiteouts (`.wh.<name>` deletes, `.wh..wh..opq` empties a
 * directory) remove files of lower layers.
 * @see https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
 * @module
 */
import { Duplex } from "node:stream";
import * as zlib from "node:zlib";
import { createTarDecoder } from "modern-tar";
import { CatalogError } from "../errors.ts";
import { type LocatedObject, parseFbcStream } from "./parse_fbc.ts";

/** Normalises a path inside an image: no leading `./` or `/`, no trailing or doubled slashes. */
export function normalizeImagePath(path: string): string {
  return path.split("/").filter((p) => p !== "" && p !== ".").join("/");
}

function isUnder(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

const FBC_FILE = /\.(json|ya?ml)$/i;

/** Options of {@link LayerFileCollector}. */
export interface LayerFileCollectorOptions {
  /** The configs root from the image label, e.g. `/configs`. */
  root: string;
  /** Largest catalog file accepted, in bytes. @default 1 GiB */
  maxFileBytes?: number;
  signal?: AbortSignal;
}

/** Collects the parsed FBC files of a catalog image, one layer at a time. */
export class LayerFileCollector {
  readonly #root: string;
  readonly #options: LayerFileCollectorOptions;
  readonly #files = new Map<string, { layer: number; objects: LocatedObject[] }>();

  constructor(options: LayerFileCollectorOptions) {
    this.#root = normalizeImagePath(options.root);
    this.#options = options;
  }

  #remove(target: string, layer: number): void {
    if (this.#files.size === 0) return;
    for (const [path, f] of this.#files) {
      if (f.layer < layer && isUnder(path, target)) this.#files.delete(path);
    }
  }

  /** Applies one uncompressed layer (a tar stream) on top of the ones before it. */
  async applyLayer(layer: number, tar: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = createTarDecoder();
    const entries = tar.pipeThrough(decoder, this.#options.signal ? { signal: this.#options.signal } : {});
    for await (const entry of entries) {
      const path = normalizeImagePath(entry.header.name);
      const slash = path.lastIndexOf("/");
      const dir = slash < 0 ? "" : path.slice(0, slash);
      const base = path.slice(slash + 1);
      const type = entry.header.type ?? "file";
      if (base === ".wh..wh..opq") {
        this.#remove(dir, layer);
      } else if (base.startsWith(".wh.")) {
        this.#remove(dir === "" ? base.slice(4) : `${dir}/${base.slice(4)}`, layer);
      } else if (type === "file" && isUnder(path, this.#root) && path !== this.#root && FBC_FILE.test(base)) {
        const objects: LocatedObject[] = [];
        const opts = {
          ...(this.#options.maxFileBytes ? { maxFileBytes: this.#options.maxFileBytes } : {}),
          ...(this.#options.signal ? { signal: this.#options.signal } : {}),
        };
        for await (const o of parseFbcStream(entry.body, `/${path}`, opts)) objects.push(o);
        this.#files.set(path, { layer, objects });
        continue;
      } else if (type === "directory") {
        // A directory merges with a lower one, but hides a lower file of the same path.
        const f = this.#files.get(path);
        if (f && f.layer < layer) this.#files.delete(path);
      } else {
        // Any other entry (file, link) hides whatever lower layers had at or below its path.
        this.#remove(path, layer);
      }
      await entry.body.cancel();
    }
  }

  /** The kept files in path order (the order `opm` walks them), with their parsed objects. */
  files(): { path: string; objects: LocatedObject[] }[] {
    return [...this.#files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, f]) => ({ path: `/${path}`, objects: f.objects }));
  }
}

/** Returns the uncompressed tar stream of a layer, detecting gzip and zstd by their magic bytes. */
export async function uncompressedLayer(
  body: ReadableStream<Uint8Array>,
  where: string,
): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const replay = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      if (first.done) return;
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  if (head[0] === 0x1f && head[1] === 0x8b) {
    return replay.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    const z = zlib as unknown as { createZstdDecompress?: () => Duplex };
    if (!z.createZstdDecompress) {
      throw new CatalogError(`Layer ${where} is zstd-compressed, which this runtime cannot decompress`);
    }
    const pair = Duplex.toWeb(z.createZstdDecompress()) as unknown as TransformStream<Uint8Array, Uint8Array>;
    return replay.pipeThrough(pair);
  }
  return replay;
}
