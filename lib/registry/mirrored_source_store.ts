/**
 * A source registry seen through registries.conf: `resolve`, `getManifest` and `getBlob` try each
 * matching mirror (longest prefix, repository path rewritten; digest-only mirrors only for digests,
 * tag-only mirrors only for tags), then the primary location unless it is blocked. The first location
 * that answers wins; which one served is logged at debug level. When all fail, the primary location's
 * error is thrown (for a blocked primary: a "blocked" error whose cause is the last mirror's error).
 * @module
 */
import { AbortedError, NotFoundError, OcMirrorError, RegistryError } from "../errors.ts";
import { log, type RunContext } from "../context.ts";
import { type Descriptor, isDigest } from "../oci/mod.ts";
import type { OpOptions, SourceStore } from "../store/mod.ts";
import { type PullSource, pullSources, type RegistriesConf } from "./registries_conf.ts";

/** A store that can also list tags (the primary location's). */
export interface ListingSourceStore extends SourceStore {
  listTags?(repo: string, o?: OpOptions): AsyncIterable<string>;
}

/** Options of {@link MirroredSourceStore}. */
export interface MirroredSourceStoreOptions {
  /** The registry host images are named with. */
  registry: string;
  conf: RegistriesConf;
  /** Returns the store for a location host; `insecure` asks for TLS verification off. */
  storeFor: (registry: string, insecure: boolean) => ListingSourceStore;
  ctx: Pick<RunContext, "report">;
}

/** A source store applying registries.conf mirrors and rewrites for one registry host. */
export class MirroredSourceStore implements ListingSourceStore {
  /** `docker://<host>` (the name the images are known by). */
  readonly label: string;
  #o: MirroredSourceStoreOptions;

  constructor(options: MirroredSourceStoreOptions) {
    this.#o = options;
    this.label = `docker://${options.registry}`;
  }

  /** The locations tried for `repo` and `reference`, in order. */
  sources(repo: string, reference: string): PullSource[] {
    return pullSources(this.#o.conf, this.#o.registry, repo, { byDigest: isDigest(reference) });
  }

  async #try<T>(
    repo: string,
    reference: string,
    what: string,
    fn: (store: ListingSourceStore, repository: string) => Promise<T>,
    o: OpOptions,
  ): Promise<T> {
    const sources = this.sources(repo, reference);
    let lastError: unknown;
    let mirrorNotFound: unknown;
    for (const s of sources) {
      if (s.blockedBy !== undefined) {
        lastError = new OcMirrorError(
          `Image "${this.#o.registry}/${repo}" is blocked by ${s.blockedBy}${
            lastError === undefined ? "" : " and no mirror could serve it"
          }`,
          {
            hint: "Remove blocked = true from that [[registry]] entry, or configure a mirror that has it",
            ...(lastError === undefined ? {} : { cause: lastError }),
          },
        );
        continue;
      }
      const store = this.#o.storeFor(s.registry, s.insecure);
      try {
        const result = await fn(store, s.repository);
        if (sources.length > 1 || s.registry !== this.#o.registry || s.repository !== repo) {
          log(
            this.#o.ctx,
            "debug",
            `${what} ${this.#o.registry}/${repo} served by ${
              s.mirror ? "mirror" : "location"
            } ${s.registry}/${s.repository}`,
          );
        }
        return result;
      } catch (e) {
        if (o.signal?.aborted || e instanceof AbortedError) throw e;
        if (s.mirror) {
          log(this.#o.ctx, "debug", `Mirror ${s.registry}/${s.repository} failed for ${what}: ${String(e)}`);
          if (e instanceof NotFoundError) mirrorNotFound ??= e;
        }
        lastError = e;
      }
    }
    // In a disconnected site the primary is unreachable: "not found at the mirror" is the useful answer.
    const unreachable = lastError instanceof RegistryError && lastError.status === 0;
    throw mirrorNotFound !== undefined && unreachable ? mirrorNotFound : lastError;
  }

  resolve(repo: string, reference: string, o: OpOptions = {}): Promise<Descriptor> {
    return this.#try(repo, reference, `Manifest ${reference} of`, (s, r) => s.resolve(r, reference, o), o);
  }

  getManifest(repo: string, d: Descriptor, o: OpOptions = {}): Promise<Uint8Array> {
    return this.#try(repo, d.digest, `Manifest ${d.digest} of`, (s, r) => s.getManifest(r, d, o), o);
  }

  getBlob(repo: string, d: Descriptor, o: OpOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return this.#try(repo, d.digest, `Blob ${d.digest} of`, (s, r) => s.getBlob(r, d, o), o);
  }

  /** Lists tags at the primary location (mirrors may be incomplete). */
  async *listTags(repo: string, o: OpOptions = {}): AsyncIterable<string> {
    const primary = this.sources(repo, "latest").find((s) => !s.mirror);
    if (!primary || primary.blockedBy !== undefined) {
      throw new OcMirrorError(
        `Image "${this.#o.registry}/${repo}" is blocked by ${primary?.blockedBy ?? "registries.conf"}`,
      );
    }
    const store = this.#o.storeFor(primary.registry, primary.insecure);
    if (!store.listTags) return;
    yield* store.listTags(primary.repository, o);
  }
}
