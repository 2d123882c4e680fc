/**
 * Parsers for the files of a release payload's `release-manifests/` directory that mirroring needs:
 * `image-references` (an ImageStream naming every component image), `release-metadata` (version and
 * previous versions) and the CoreOS boot-images ConfigMap (the KubeVirt container per architecture).
 * @module
 */
import { parseAllDocuments } from "yaml";
import { ManifestError } from "../errors.ts";

/** The directory of a payload image that holds its manifests. */
export const RELEASE_MANIFESTS_DIR = "release-manifests";

/** The ImageStream listing the component images. */
export const IMAGE_REFERENCES_FILE = "release-manifests/image-references";

/** The release's Cincinnati metadata. */
export const RELEASE_METADATA_FILE = "release-manifests/release-metadata";

/** The ConfigMap with the CoreOS boot images (and the KubeVirt container). */
export const BOOT_IMAGES_FILE = "release-manifests/0000_50_installer_coreos-bootimages.yaml";

/** The files {@link readReleasePayload} keeps by default. */
export const ESSENTIAL_RELEASE_FILES: readonly string[] = [
  IMAGE_REFERENCES_FILE,
  RELEASE_METADATA_FILE,
  BOOT_IMAGES_FILE,
];

/** One component image of a release. */
export interface ReleaseImageReference {
  /** The ImageStream tag name, e.g. `etcd`. */
  name: string;
  /** The image by digest, e.g. `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:…`. */
  image: string;
}

/** The parsed `image-references`. */
export interface ImageReferences {
  /** `metadata.name` of the ImageStream: the release version. */
  version?: string;
  images: ReleaseImageReference[];
}

/** The parsed `release-metadata`. */
export interface ReleaseMetadata {
  /** `cincinnati-metadata-v0`. */
  kind: string;
  version: string;
  /** Versions that update to this one. */
  previous: string[];
  /** Further metadata (errata `url`, …), as received. */
  metadata: Record<string, unknown>;
}

/** The KubeVirt containers of the boot-images ConfigMap. */
export interface BootImages {
  /** `digest-ref` by stream architecture name (`x86_64`, `aarch64`, `ppc64le`, `s390x`). */
  kubevirt: Record<string, string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function text(bytes: Uint8Array, file: string, where: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new ManifestError(`Release payload ${where} has a ${file} that is not UTF-8 text`, { cause });
  }
}

function json(bytes: Uint8Array, file: string, where: string): unknown {
  const t = text(bytes, file, where);
  try {
    return JSON.parse(t);
  } catch {
    // Some tools write these files as YAML; YAML is a superset of JSON.
    try {
      const docs = parseAllDocuments(t);
      if (!Array.isArray(docs) || docs.length !== 1 || docs[0]?.errors.length) {
        throw new Error("not one document");
      }
      return docs[0]?.toJS();
    } catch (cause) {
      throw new ManifestError(`Release payload ${where} has a ${file} that is neither JSON nor YAML`, {
        cause,
      });
    }
  }
}

/** Parses `release-manifests/image-references`; `where` names the payload in errors. */
export function parseImageReferences(bytes: Uint8Array, where: string): ImageReferences {
  const file = IMAGE_REFERENCES_FILE;
  const doc = json(bytes, file, where);
  const bad = (detail: string): never => {
    throw new ManifestError(`Release payload ${where} has an invalid ${file}: ${detail}`);
  };
  if (!isObject(doc)) return bad("not an object");
  if (doc.kind !== "ImageStream") return bad(`kind is ${JSON.stringify(doc.kind)}, want "ImageStream"`);
  const spec = doc.spec;
  if (!isObject(spec) || !Array.isArray(spec.tags)) return bad("it has no spec.tags list");
  const images: ReleaseImageReference[] = [];
  spec.tags.forEach((t: unknown, i: number) => {
    if (!isObject(t) || typeof t.name !== "string" || t.name === "") {
      return bad(`spec.tags[${i}] has no name`);
    }
    const from = t.from;
    if (!isObject(from) || typeof from.name !== "string" || from.name === "") {
      return bad(`spec.tags[${i}] (${t.name}) has no from.name`);
    }
    if (from.kind !== undefined && from.kind !== "DockerImage") {
      return bad(
        `spec.tags[${i}] (${t.name}) has from.kind ${JSON.stringify(from.kind)}, want "DockerImage"`,
      );
    }
    images.push({ name: t.name, image: from.name });
  });
  const out: ImageReferences = { images };
  if (isObject(doc.metadata) && typeof doc.metadata.name === "string") out.version = doc.metadata.name;
  return out;
}

/** Parses `release-manifests/release-metadata`. */
export function parseReleaseMetadata(bytes: Uint8Array, where: string): ReleaseMetadata {
  const file = RELEASE_METADATA_FILE;
  const doc = json(bytes, file, where);
  if (!isObject(doc) || typeof doc.version !== "string" || doc.version === "") {
    throw new ManifestError(`Release payload ${where} has an invalid ${file}: it has no version`);
  }
  return {
    kind: typeof doc.kind === "string" ? doc.kind : "",
    version: doc.version,
    previous: Array.isArray(doc.previous)
      ? doc.previous.filter((p): p is string => typeof p === "string")
      : [],
    metadata: isObject(doc.metadata) ? doc.metadata : {},
  };
}

/** Parses the boot-images ConfigMap: `data.stream` JSON, `architectures.<arch>.images.kubevirt.digest-ref`. */
export function parseBootImages(bytes: Uint8Array, where: string): BootImages {
  const file = BOOT_IMAGES_FILE;
  const bad = (detail: string, cause?: unknown): never => {
    throw new ManifestError(
      `Release payload ${where} has an invalid ${file}: ${detail}`,
      cause ? { cause } : {},
    );
  };
  let configMap: unknown;
  try {
    const docs = parseAllDocuments(text(bytes, file, where));
    if (!Array.isArray(docs)) return bad("not YAML");
    for (const d of docs) {
      if (d.errors.length) return bad(d.errors[0]?.message ?? "not YAML");
      const js: unknown = d.toJS();
      if (isObject(js) && isObject(js.data) && typeof js.data.stream === "string") configMap = js;
    }
  } catch (cause) {
    if (cause instanceof ManifestError) throw cause;
    return bad("not YAML", cause);
  }
  if (!isObject(configMap) || !isObject(configMap.data)) return bad("no document has data.stream");
  let stream: unknown;
  try {
    stream = JSON.parse(configMap.data.stream as string);
  } catch (cause) {
    return bad("data.stream is not JSON", cause);
  }
  if (!isObject(stream) || !isObject(stream.architectures)) return bad("data.stream has no architectures");
  const kubevirt: Record<string, string> = {};
  for (const [arch, a] of Object.entries(stream.architectures)) {
    if (!isObject(a) || !isObject(a.images) || !isObject(a.images.kubevirt)) continue;
    const ref = a.images.kubevirt["digest-ref"];
    if (typeof ref === "string" && ref !== "") kubevirt[arch] = ref;
  }
  return { kubevirt };
}
