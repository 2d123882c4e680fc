/**
 * The content-store interfaces. Every place images live (a registry, an OCI layout, the cache, an
 * archive set, memory) implements {@link SourceStore} and/or {@link DestinationStore}, and every image
 * move is `copy(source, destination)` between two of them.
 *
 * Contract for implementations (checked by `storeContract`):
 * - `getManifest` returns the exact bytes whose digest is `d.digest` (verified), capped in size.
 * - `getBlob` streams bytes; the consumer verifies them.
 * - `putBlob` verifies size and digest as the bytes stream and publishes only on a match; on a
 *   mismatch or an errored body it leaves nothing behind and rejects.
 * - `putManifest` is called only once everything the manifest names is present; it may also tag.
 * - A missing tag, manifest or blob is a `NotFoundError`.
 * @module
 */
import type { Descriptor, Digest } from "../oci/mod.ts";

/** Options every I/O operation takes. */
export interface OpOptions {
  signal?: AbortSignal;
}

/** Options of {@link DestinationStore.putManifest}. */
export interface PutManifestOptions extends OpOptions {
  /** Also point this tag at the manifest. */
  tag?: string;
}

/** Somewhere images can be read from. */
export interface SourceStore {
  /** Names the store in messages: `docker://quay.io`, `oci:///cache`, `file://archives`. */
  readonly label: string;
  /** Resolves a tag or digest to the descriptor of the manifest it names. */
  resolve(repo: string, reference: string, o?: OpOptions): Promise<Descriptor>;
  /** Returns the exact bytes of a manifest, verified against `d.digest`. */
  getManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<Uint8Array>;
  /** Streams a blob's bytes (not verified: pipe through `verifyStream`). */
  getBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<ReadableStream<Uint8Array>>;
}

/** Somewhere images can be written to. */
export interface DestinationStore {
  /** Names the store in messages. */
  readonly label: string;
  hasBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<boolean>;
  /** Stores a blob, verifying size and digest while it streams; publishes only on a match. */
  putBlob(repo: string, d: Descriptor, body: ReadableStream<Uint8Array>, o?: OpOptions): Promise<void>;
  hasManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<boolean>;
  /** Stores manifest bytes (and tags them with `o.tag`); everything they name must already be present. */
  putManifest(repo: string, d: Descriptor, bytes: Uint8Array, o?: PutManifestOptions): Promise<void>;
  /** Makes a blob of `fromRepo` available in `repo` without transferring it; false if it could not. */
  mountBlob?(repo: string, fromRepo: string, d: Descriptor, o?: OpOptions): Promise<boolean>;
}

/** A store that can be read and written, with optional management operations. */
export interface ContentStore extends SourceStore, DestinationStore {
  /** Deletes a manifest by digest (tags pointing at it go with it). */
  deleteManifest?(repo: string, d: Descriptor, o?: OpOptions): Promise<void>;
  /** Lists the tags of a repository. */
  listTags?(repo: string, o?: OpOptions): AsyncIterable<string>;
  /** Lists the repositories of the store. */
  listRepositories?(o?: OpOptions): AsyncIterable<string>;
}

/** An image in a store: the unit `copy` moves. */
export interface ImageAt<S> {
  store: S;
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

/** A digest string type guard usable on references. */
export function isDigestReference(reference: string): reference is Digest {
  return reference.startsWith("sha256:");
}
