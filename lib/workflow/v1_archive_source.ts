/**
 * Reading a v1 archive set for disk-to-mirror. A differential archive leaves out the blobs earlier
 * sequences shipped, so, as the original does (reference §3.5), a blob missing from the archive is read
 * back from the target registry, in a repository where an earlier association put it. Also lists the
 * sequences of the `mirror_seq<N>_*.tar` parts a directory holds.
 * @module
 */
import { type ArchiveReader, parsePartFileName } from "../archive/mod.ts";
import { ArchiveError } from "../errors.ts";
import type { Descriptor, Digest } from "../oci/mod.ts";
import type { V1Association } from "../state/mod.ts";
import type { OpOptions, SourceStore } from "../store/mod.ts";

/** The v1 sequences whose parts are in `dir`, ascending. */
export async function v1ArchiveSequences(dir: string): Promise<number[]> {
  const out = new Set<number>();
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = e.isFile || e.isSymlink ? parsePartFileName(e.name) : undefined;
      if (p?.kind === "v1") out.add(p.sequence);
    }
  } catch (cause) {
    throw new ArchiveError(dir, `Cannot read archive directory ${dir}`, { cause });
  }
  return [...out].sort((a, b) => a - b);
}

/** Options of {@link ArchiveWithTargetFallback}. */
export interface ArchiveFallbackOptions {
  /** The target registry. */
  target: SourceStore;
  /** The target's associations (relative paths) before this publish. */
  published: readonly V1Association[];
  /** The repository at the target of a relative path. */
  repository: (path: string) => string;
}

/** An archive set whose missing blobs are read from the target registry. */
export class ArchiveWithTargetFallback implements SourceStore {
  readonly label: string;
  #reader: ArchiveReader;
  #target: SourceStore;
  #blobRepos = new Map<Digest, string>();
  #repository: (path: string) => string;

  constructor(reader: ArchiveReader, o: ArchiveFallbackOptions) {
    this.#reader = reader;
    this.label = reader.label;
    this.#target = o.target;
    this.#repository = o.repository;
    for (const a of o.published) {
      for (const d of a.layerDigests) {
        if (!this.#blobRepos.has(d)) this.#blobRepos.set(d, o.repository(a.path));
      }
    }
  }

  resolve(repo: string, reference: string, o?: OpOptions): Promise<Descriptor> {
    return this.#reader.resolve(repo, reference, o);
  }

  getManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<Uint8Array> {
    return this.#reader.getManifest(repo, d, o);
  }

  /** The blob from the archive, else from the target repository an earlier association put it in. */
  getBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<ReadableStream<Uint8Array>> {
    if (this.#reader.containsBlob(d.digest)) return this.#reader.getBlob(repo, d, o);
    return this.#target.getBlob(this.#blobRepos.get(d.digest) ?? this.#repository(repo), d, o);
  }
}
