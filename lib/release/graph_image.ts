/**
 * Building the graph-data image (`graph: true`, reference §5): the update service's graph data
 * (`cincinnati-graph-data.tar.gz`) re-tarred under `/var/lib/cincinnati-graph-data/` (owned by root) as
 * one gzip layer appended to every platform manifest of a base image (UBI by default), with a CMD that
 * copies the data where the OpenShift Update Service reads it.
 *
 * The new layer is assembled in memory (the graph data is a few MiB compressed; capped) because a blob's
 * digest must be known before it is stored. The base image's own layers are NOT copied here: the caller
 * copies the base image to the destination repository first (one `copy()`), then calls this to add the
 * layer, configs, manifests and index.
 * @module
 */
import { createTarDecoder, createTarPacker, type TarHeader } from "modern-tar";
import { GraphError } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  digestingStream,
  encodeJson,
  formatPlatform,
  MAX_CONFIG_BYTES,
  MediaType,
  parseManifest,
  type Platform,
  platformMatches,
  verifyBytes,
} from "../oci/mod.ts";
import {
  type DestinationStore,
  type OpOptions,
  type SourceStore,
  writeBlob,
  writeIndex,
  writeManifest,
} from "../store/mod.ts";
import { cleanEntryPath } from "./_layer_files.ts";
import { readCapped } from "./_read_capped.ts";

/** Where the graph data lives in the image (no leading slash, as tar entry names). */
export const GRAPH_DATA_DIR = "var/lib/cincinnati-graph-data";

/** The graph image's CMD: copy the data into the directory the update service reads. */
export const GRAPH_IMAGE_CMD: readonly string[] = [
  "/bin/bash",
  "-c",
  "exec cp -rp /var/lib/cincinnati-graph-data/* /var/lib/cincinnati/graph-data",
];

/** The base image the original uses. */
export const DEFAULT_GRAPH_BASE_IMAGE = "registry.access.redhat.com/ubi9/ubi:latest";

/** Where the original downloads the graph data tarball. */
export const GRAPH_DATA_URL = "https://api.openshift.com/api/upgrades_info/graph-data";

/** The built graph-data layer. */
export interface GraphDataLayer {
  /** The gzip bytes. */
  bytes: Uint8Array;
  digest: Digest;
  /** The digest of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  diffId: Digest;
}

/** Options of {@link graphDataLayer}. */
export interface GraphDataLayerOptions extends OpOptions {
  /** Largest compressed layer. @default 1 GiB */
  maxLayerBytes?: number;
}

/** Types a (de)compression stream as a byte transform. */
function gzipStream(s: CompressionStream | DecompressionStream): TransformStream<Uint8Array, Uint8Array> {
  return s as unknown as TransformStream<Uint8Array, Uint8Array>;
}

function toStream(data: ReadableStream<Uint8Array> | Uint8Array): ReadableStream<Uint8Array> {
  return data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]).stream() : data;
}

/**
 * Re-tars a graph-data `.tar.gz` under {@link GRAPH_DATA_DIR} with uid/gid 0, keeping modes, times and
 * links; returns the gzip layer. Entries that climb out with `..` are refused.
 */
export async function graphDataLayer(
  graphDataTarGz: ReadableStream<Uint8Array> | Uint8Array,
  options: GraphDataLayerOptions = {},
): Promise<GraphDataLayer> {
  const max = options.maxLayerBytes ?? 1024 * 1024 * 1024;
  const decoder = createTarDecoder();
  const input = toStream(graphDataTarGz).pipeThrough(gzipStream(new DecompressionStream("gzip")));
  const piped = input.pipeTo(decoder.writable, options.signal ? { signal: options.signal } : {});
  piped.catch(() => {});
  const { readable, controller } = createTarPacker();
  const diff = digestingStream();
  const out = digestingStream();
  const collected = readCapped(
    readable.pipeThrough(diff.stream).pipeThrough(gzipStream(new CompressionStream("gzip"))).pipeThrough(
      out.stream,
    ),
    max,
    () => {
      throw new GraphError(`The graph data layer is larger than ${max} bytes`);
    },
  );
  collected.catch(() => {});
  const epoch = new Date(0);
  const owner = { uid: 0, gid: 0, uname: "root", gname: "root" };
  const add = async (header: TarHeader, body?: ReadableStream<Uint8Array>) => {
    const w = controller.add(header);
    if (body) await body.pipeTo(w);
    else await w.close();
  };
  try {
    let prefix = "";
    for (const part of GRAPH_DATA_DIR.split("/")) {
      prefix += `${part}/`;
      await add({ name: prefix, type: "directory", size: 0, mode: 0o755, mtime: epoch, ...owner });
    }
    for await (const entry of decoder.readable) {
      const h = entry.header;
      const path = cleanEntryPath(h.name);
      if (path === undefined) {
        await entry.body.cancel();
        throw new GraphError(`Graph data archive entry "${h.name}" climbs out of its directory`);
      }
      const type = h.type ?? "file";
      const common = {
        mode: h.mode ?? (type === "directory" ? 0o755 : 0o644),
        mtime: h.mtime ?? epoch,
        ...owner,
      };
      if (path === "" || !["file", "directory", "symlink", "link"].includes(type)) {
        await entry.body.cancel();
        continue;
      }
      const name = `${GRAPH_DATA_DIR}/${path}`;
      if (type === "file") {
        await add({ name, type, size: h.size, ...common }, entry.body);
      } else if (type === "directory") {
        await entry.body.cancel();
        await add({ name: `${name}/`, type, size: 0, ...common });
      } else {
        await entry.body.cancel();
        const target = h.linkname ?? "";
        const hardTarget = cleanEntryPath(target);
        if (type === "link" && (hardTarget === undefined || hardTarget === "")) {
          throw new GraphError(
            `Graph data archive entry "${h.name}" links to "${target}", outside its directory`,
          );
        }
        const linkname = type === "link" ? `${GRAPH_DATA_DIR}/${hardTarget}` : target;
        await add({ name, type, size: 0, linkname, ...common });
      }
    }
    await piped;
    controller.finalize();
    const bytes = await collected;
    return { bytes, digest: out.result().digest, diffId: diff.result().digest };
  } catch (e) {
    controller.error(e);
    await decoder.readable.cancel(e).catch(() => {});
    if (e instanceof GraphError) throw e;
    throw new GraphError(`Cannot read the graph data archive: ${(e as Error)?.message ?? e}`, { cause: e });
  }
}

/** Options of {@link buildGraphImage}. */
export interface BuildGraphImageOptions extends GraphDataLayerOptions {
  /** The update service's graph data, `.tar.gz`. */
  graphDataTarGz: ReadableStream<Uint8Array> | Uint8Array;
  /** The base image (UBI by default in the original). */
  base: { store: SourceStore; repo: string; reference: string };
  /** Where to write; the base image's layers must already be in `repo` (see the module note). */
  destination: { store: DestinationStore; repo: string; tag: string };
  /** Keep only these platforms of a multi-platform base. @default all */
  platforms?: Platform[];
}

/** What {@link buildGraphImage} wrote. */
export interface GraphImage {
  /** The tagged top descriptor (an index when the base is one). */
  descriptor: Descriptor;
  /** The graph-data layer shared by every platform. */
  layer: Descriptor;
  /** The per-platform manifests written. */
  manifests: Descriptor[];
}

async function readConfig(store: SourceStore, repo: string, d: Descriptor, where: string, o: OpOptions) {
  if (d.size > MAX_CONFIG_BYTES) throw new GraphError(`Base image ${where} has a config of ${d.size} bytes`);
  const bytes = await readCapped(await store.getBlob(repo, d, o), MAX_CONFIG_BYTES, () => {
    throw new GraphError(`Base image ${where} has a config larger than ${MAX_CONFIG_BYTES} bytes`);
  });
  verifyBytes(bytes, d, `${where} config`);
  const config: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new GraphError(`Base image ${where} has a config that is not a JSON object`);
  }
  return config as Record<string, unknown>;
}

/**
 * Builds the graph image: the graph-data layer appended to each (selected) platform manifest of the base,
 * the CMD set, configs, manifests and (for a multi-platform base) the index written to the destination
 * and tagged. Returns the top descriptor.
 */
export async function buildGraphImage(options: BuildGraphImageOptions): Promise<GraphImage> {
  const o: OpOptions = options.signal ? { signal: options.signal } : {};
  const { base, destination } = options;
  const baseName = `${base.store.label}/${base.repo}:${base.reference}`;
  const layer = await graphDataLayer(options.graphDataTarGz, options);
  const top = await base.store.resolve(base.repo, base.reference, o);
  const topManifest = parseManifest(await base.store.getManifest(base.repo, top, o), {
    mediaType: top.mediaType,
    where: baseName,
  });
  const manifests: Descriptor[] = [];
  let layerDescriptor: Descriptor | undefined;

  const extend = async (d: Descriptor, platform: Platform | undefined): Promise<Descriptor> => {
    const where = platform ? `${baseName} (${formatPlatform(platform)})` : baseName;
    const m = d.digest === top.digest
      ? topManifest
      : parseManifest(await base.store.getManifest(base.repo, d, o), { mediaType: d.mediaType, where });
    if (m.kind !== "manifest") throw new GraphError(`Base image ${where} is a nested index`);
    const isDocker = m.mediaType === MediaType.dockerManifest;
    const layerType = isDocker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip;
    layerDescriptor = await writeBlob(destination.store, destination.repo, layer.bytes, layerType, o);
    const config = await readConfig(base.store, base.repo, m.config, where, o);
    const inner = typeof config.config === "object" && config.config !== null ? config.config : {};
    config.config = { ...inner, Cmd: [...GRAPH_IMAGE_CMD] };
    const rootfs =
      (typeof config.rootfs === "object" && config.rootfs !== null ? config.rootfs : {}) as Record<
        string,
        unknown
      >;
    const diffIds = Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : [];
    config.rootfs = { ...rootfs, type: "layers", diff_ids: [...diffIds, layer.diffId] };
    const history = Array.isArray(config.history) ? config.history : [];
    config.history = [...history, {
      created_by: `oc-mirror: graph data under /${GRAPH_DATA_DIR}, CMD ${JSON.stringify(GRAPH_IMAGE_CMD)}`,
    }];
    const configDescriptor = await writeBlob(
      destination.store,
      destination.repo,
      encodeJson(config),
      m.config.mediaType,
      o,
    );
    const manifest: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: m.mediaType,
      config: configDescriptor,
      layers: [...m.layers, layerDescriptor],
    };
    if (m.annotations) manifest.annotations = m.annotations;
    const written = await writeManifest(
      destination.store,
      destination.repo,
      encodeJson(manifest),
      m.mediaType,
      {
        ...o,
        ...(platform ? {} : { tag: destination.tag }),
      },
    );
    manifests.push(written);
    return written;
  };

  let descriptor: Descriptor;
  if (topManifest.kind === "manifest") {
    descriptor = await extend(top, undefined);
  } else {
    const children: Descriptor[] = [];
    for (const child of topManifest.manifests) {
      const p = child.platform;
      if (!p || p.os === "unknown" || p.architecture === "unknown") continue; // attestations and the like
      if (options.platforms && !options.platforms.some((w) => platformMatches(p, w))) continue;
      const written = await extend(child, p);
      const entry: Descriptor = { ...written, platform: p };
      if (child.annotations) entry.annotations = child.annotations;
      children.push(entry);
    }
    if (children.length === 0) {
      const wanted = (options.platforms ?? []).map(formatPlatform).join(", ") || "any platform";
      throw new GraphError(`Base image ${baseName} has no manifest for ${wanted}`);
    }
    descriptor = await writeIndex(destination.store, destination.repo, children, {
      ...o,
      tag: destination.tag,
      mediaType: topManifest.mediaType,
    });
  }
  return { descriptor, layer: layerDescriptor as Descriptor, manifests };
}
