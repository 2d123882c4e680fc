/**
 * Where v1 metadata is kept (`storageConfig`, reference §2.3 and §3.6): a local directory
 * (`<path>/publish/.metadata.json`, written atomically, mode 0600) or a registry image holding one layer
 * (an uncompressed tar with the file `.metadata.json`), which is also how disk-to-mirror records the
 * metadata at the target (`<registry>/<namespace>/oc-mirror:<uid>`).
 * @module
 */
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { packTar, unpackTar } from "modern-tar";
import { NotFoundError, OcMirrorError, StateError } from "../errors.ts";
import { digestOf, MediaType, parseManifest, verifyBytes } from "../oci/mod.ts";
import { type DestinationStore, type OpOptions, type SourceStore, writeImage } from "../store/mod.ts";
import {
  encodeV1Metadata,
  MAX_V1_METADATA_BYTES,
  parseV1Metadata,
  V1_METADATA_PATH,
  type V1Metadata,
} from "./v1_metadata.ts";

/** A place that holds one metadata document. */
export interface MetadataBackend {
  /** Names the backend in messages: a file path or an image reference. */
  readonly label: string;
  /** The stored metadata; undefined when there is none yet. */
  read(o?: OpOptions): Promise<V1Metadata | undefined>;
  /** Replaces the stored metadata. */
  write(metadata: V1Metadata, o?: OpOptions): Promise<void>;
}

/** Metadata in a directory: `<dir>/publish/.metadata.json`. */
export class LocalMetadataBackend implements MetadataBackend {
  /** The metadata file. */
  readonly file: string;
  readonly label: string;

  constructor(dir: string) {
    this.file = join(dir, V1_METADATA_PATH);
    this.label = this.file;
  }

  async read(_o?: OpOptions): Promise<V1Metadata | undefined> {
    let bytes: Uint8Array;
    try {
      const info = await Deno.stat(this.file);
      if (info.size > MAX_V1_METADATA_BYTES) {
        throw new StateError(
          `Metadata ${this.file} is ${info.size} bytes: the limit is ${MAX_V1_METADATA_BYTES}`,
        );
      }
      bytes = await Deno.readFile(this.file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      if (e instanceof OcMirrorError) throw e;
      throw new StateError(`Cannot read metadata ${this.file}: ${(e as Error).message}`, { cause: e });
    }
    return parseV1Metadata(bytes, this.file);
  }

  /** Writes under a temporary name (0600) and renames, so a reader never sees half a file. */
  async write(metadata: V1Metadata, _o?: OpOptions): Promise<void> {
    const tmp = `${this.file}.tmp-${crypto.randomUUID()}`;
    try {
      await Deno.mkdir(dirname(this.file), { recursive: true });
      await Deno.writeFile(tmp, encodeV1Metadata(metadata), { mode: 0o600 });
      await Deno.chmod(tmp, 0o600);
      await Deno.rename(tmp, this.file);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw new StateError(`Cannot write metadata ${this.file}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** The file name inside the metadata image's layer. */
export const METADATA_IMAGE_FILE = ".metadata.json";

const EPOCH = new Date(0);

async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
  where: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    // Throwing ends the loop, which cancels the stream.
    if (size > max) throw new StateError(`Metadata ${where} is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Finds the metadata file in a layer: a (gzipped) tar holding `.metadata.json`, or the bare JSON. */
async function metadataFromLayer(layer: Uint8Array, where: string): Promise<Uint8Array> {
  let bytes = layer;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
  if (bytes[0] === 0x7b) return bytes; // "{": the JSON itself
  let entries: Awaited<ReturnType<typeof unpackTar>>;
  try {
    entries = await unpackTar(bytes);
  } catch (cause) {
    throw new StateError(`Metadata image ${where} has a layer that is neither a tar nor JSON`, { cause });
  }
  const entry = entries.find((e) =>
    e.data !== undefined && (e.header.name.split("/").pop() ?? "") === METADATA_IMAGE_FILE
  );
  if (!entry?.data) {
    throw new StateError(`Metadata image ${where} has no ${METADATA_IMAGE_FILE} in its layer`);
  }
  return entry.data;
}

/**
 * Metadata as an image in a registry (or any store): one layer, an uncompressed tar holding
 * `.metadata.json`, tagged `tag` in `repository`.
 */
export class RegistryMetadataBackend implements MetadataBackend {
  readonly label: string;
  #store: SourceStore & DestinationStore;
  #repo: string;
  #tag: string;

  constructor(store: SourceStore & DestinationStore, repository: string, tag: string) {
    this.#store = store;
    this.#repo = repository;
    this.#tag = tag;
    const base = store.label.endsWith("/") ? store.label : `${store.label}/`;
    this.label = `${base}${repository}:${tag}`;
  }

  async read(o: OpOptions = {}): Promise<V1Metadata | undefined> {
    try {
      const root = await this.#store.resolve(this.#repo, this.#tag, o);
      const manifest = parseManifest(await this.#store.getManifest(this.#repo, root, o), {
        mediaType: root.mediaType,
        where: this.label,
      });
      const layer = manifest.kind === "manifest" ? manifest.layers[0] : undefined;
      if (!layer) throw new StateError(`Metadata image ${this.label} is not an image with a layer`);
      if (layer.size > MAX_V1_METADATA_BYTES) {
        throw new StateError(
          `Metadata image ${this.label} has a layer of ${layer.size} bytes: the limit is ${MAX_V1_METADATA_BYTES}`,
        );
      }
      const bytes = await readCapped(
        await this.#store.getBlob(this.#repo, layer, o),
        MAX_V1_METADATA_BYTES,
        this.label,
      );
      verifyBytes(bytes, layer, `${this.label} layer ${layer.digest}`);
      return parseV1Metadata(await metadataFromLayer(bytes, this.label), this.label);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      if (e instanceof StateError || (e instanceof OcMirrorError && e.code === "ABORTED")) throw e;
      throw new StateError(`Cannot read metadata image ${this.label}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async write(metadata: V1Metadata, o: OpOptions = {}): Promise<void> {
    const json = encodeV1Metadata(metadata);
    const tar = await packTar([{
      header: {
        name: METADATA_IMAGE_FILE,
        size: json.byteLength,
        type: "file",
        mode: 0o600,
        mtime: EPOCH,
        uid: 0,
        gid: 0,
        uname: "",
        gname: "",
      },
      body: json,
    }]);
    try {
      await writeImage(this.#store, this.#repo, {
        config: {
          architecture: "amd64",
          os: "linux",
          config: { Labels: { "io.openshift.mirror.metadata": metadata.uid } },
          rootfs: { type: "layers", diff_ids: [digestOf(tar)] },
        },
        layers: [{
          bytes: tar,
          mediaType: MediaType.ociLayer,
          annotations: { "org.opencontainers.image.title": METADATA_IMAGE_FILE },
        }],
        tag: this.#tag,
      }, o);
    } catch (e) {
      if (e instanceof OcMirrorError && e.code === "ABORTED") throw e;
      throw new StateError(`Cannot write metadata image ${this.label}: ${(e as Error).message}`, {
        cause: e,
        ...(e instanceof OcMirrorError && e.hint !== undefined ? { hint: e.hint } : {}),
      });
    }
  }
}
