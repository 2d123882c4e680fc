/**
 * The v1 metadata (`.metadata.json`, reference §3.6): which imageset a mirror belongs to (`uid`), the
 * sequence of the last mirror, what it mirrored (the ISC `mirror` section, pinned catalogs, release
 * channels) and one association per mirrored image (destination path, manifest digest, tag, child
 * manifests and blobs). Differential archives leave out the blobs of the past associations; pruning
 * deletes the past associations that the current ones no longer hold. Parsing accepts the original's
 * files (Go writes `null` for empty lists and omits empty fields).
 * @module
 */
import { z } from "zod";
import { StateError } from "../errors.ts";
import { type Digest, isDigest } from "../oci/mod.ts";

/** `kind` of the metadata document. */
export const V1_METADATA_KIND = "Metadata";

/** `apiVersion` of the metadata document. */
export const V1_METADATA_API_VERSION = "mirror.openshift.io/v1alpha2";

/** Where the metadata lives in a storage directory and as the first entry of a v1 archive. */
export const V1_METADATA_PATH = "publish/.metadata.json";

/** Largest metadata document read. */
export const MAX_V1_METADATA_BYTES = 256 * 1024 * 1024;

const digest = z.string().refine((s) => isDigest(s), { message: "want sha256:<64 hex>" })
  .transform((s) => s as Digest);
/** Go writes a nil slice as `null`; a missing list is empty too. */
const list = <T extends z.ZodType>(item: T) =>
  z.array(item).nullish().transform((a) => (a ?? []) as z.output<T>[]);

const associationSchema = z.object({
  /** The image as the configuration or payload named it. */
  name: z.string().min(1),
  /** Destination repository relative to the mirror root, e.g. `openshift/release`. */
  path: z.string().min(1),
  /** Digest of the image's root manifest at the destination. */
  id: digest,
  /** Destination tag; empty for digest-only images. */
  tagSymlink: z.string().nullish().transform((s) => s ?? ""),
  /** Image kind (`ocpRelease`, `operatorBundle`, `generic`, ...); the original may write a number. */
  type: z.union([z.string(), z.number()]).transform(String),
  /** Child manifests (of an index) and other manifests the image needs in its repository. */
  manifestDigests: list(digest),
  /** Configs and layers of every manifest of the image. */
  layerDigests: list(digest),
});

const operatorSchema = z.looseObject({
  catalog: z.string(),
  /** The catalog resolved to a digest. */
  imagePin: z.string().optional(),
});

const platformSchema = z.looseObject({
  channel: z.string(),
  minVersion: z.string().optional(),
});

const pastMirrorSchema = z.object({
  /** Unix seconds. */
  timestamp: z.number().int().nonnegative(),
  sequence: z.number().int().positive(),
  /** The `mirror` section of the ImageSetConfiguration, as written. */
  mirror: z.unknown().optional(),
  operators: list(operatorSchema),
  platforms: list(platformSchema),
  associations: list(associationSchema),
});

const metadataSchema = z.object({
  kind: z.literal(V1_METADATA_KIND),
  apiVersion: z.literal(V1_METADATA_API_VERSION),
  uid: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, {
    message: "want letters, digits, '.', '_' or '-' (it becomes an image tag)",
  }),
  /** True for a stateless run: the archive is applied once, nothing is pruned. */
  singleUse: z.boolean().nullish().transform((b) => b ?? false),
  pastMirror: pastMirrorSchema,
  /** The associations of the last mirror (what is at the destination after it is applied). */
  pastAssociations: list(associationSchema),
});

/** One mirrored image as the metadata records it. */
export type V1Association = z.output<typeof associationSchema>;

/** A pinned catalog of the last mirror. */
export type V1OperatorMetadata = z.output<typeof operatorSchema>;

/** A release channel of the last mirror. */
export type V1PlatformMetadata = z.output<typeof platformSchema>;

/** The last mirror. */
export type V1PastMirror = z.output<typeof pastMirrorSchema>;

/** The whole `.metadata.json`. */
export type V1Metadata = z.output<typeof metadataSchema>;

/** Parses and validates metadata bytes; `where` names the file or image in errors. */
export function parseV1Metadata(bytes: Uint8Array, where: string): V1Metadata {
  if (bytes.byteLength > MAX_V1_METADATA_BYTES) {
    throw new StateError(
      `Metadata ${where} is ${bytes.byteLength} bytes: the limit is ${MAX_V1_METADATA_BYTES}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new StateError(`Metadata ${where} is not valid JSON`, {
      cause,
      hint: "Restore it from a backup, or remove it to start a new imageset (sequence 1)",
    });
  }
  const r = metadataSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new StateError(
      `Metadata ${where} is not valid oc-mirror v1 metadata${at}: ${issue?.message ?? "invalid"}`,
      { hint: "Restore it from a backup, or remove it to start a new imageset (sequence 1)" },
    );
  }
  return r.data;
}

/** Serialises metadata as the original writes it (one JSON document). */
export function encodeV1Metadata(metadata: V1Metadata): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(metadata));
}

/** Input of {@link newV1Metadata}. */
export interface NewV1MetadataInput {
  uid: string;
  sequence: number;
  singleUse: boolean;
  now: Date;
  /** The `mirror` section of the ImageSetConfiguration. */
  mirror: unknown;
  operators: V1OperatorMetadata[];
  platforms: V1PlatformMetadata[];
  associations: V1Association[];
}

/** Builds the metadata of a mirror: its associations are both `pastMirror.associations` and `pastAssociations`. */
export function newV1Metadata(input: NewV1MetadataInput): V1Metadata {
  const associations = [...input.associations].sort(compareAssociations);
  return {
    kind: V1_METADATA_KIND,
    apiVersion: V1_METADATA_API_VERSION,
    uid: input.uid,
    singleUse: input.singleUse,
    pastMirror: {
      timestamp: Math.floor(input.now.getTime() / 1000),
      sequence: input.sequence,
      mirror: input.mirror,
      operators: input.operators,
      platforms: input.platforms,
      associations,
    },
    pastAssociations: associations,
  };
}

/** Orders associations by path, then tag, then digest (stable files and plans). */
export function compareAssociations(a: V1Association, b: V1Association): number {
  return cmp(a.path, b.path) || cmp(a.tagSymlink, b.tagSymlink) || cmp(a.id, b.id) || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every config and layer digest the associations name (what a differential archive leaves out). */
export function associationBlobs(associations: readonly V1Association[]): Set<Digest> {
  const out = new Set<Digest>();
  for (const a of associations) for (const d of a.layerDigests) out.add(d);
  return out;
}

/** The key of a tagged image at the destination: `<path>:<tag>@<digest>`. */
export function associationKey(a: Pick<V1Association, "path" | "id" | "tagSymlink">): string {
  return `${a.path}:${a.tagSymlink}@${a.id}`;
}

/** True when both lists name the same images (path, tag and digest), in any order. */
export function sameAssociations(a: readonly V1Association[], b: readonly V1Association[]): boolean {
  const ka = new Set(a.map(associationKey));
  const kb = new Set(b.map(associationKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}
