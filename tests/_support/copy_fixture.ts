/**
 * The setting of the fault tests: a source registry (the embedded registry over a `MemoryStore` holding a
 * seeded test image) behind a {@link FaultProxy}, a destination registry (the embedded registry, or
 * `docker-registry`, over a registry storage tree in a temp folder) behind a second proxy, and
 * `copy()` between them with `RegistryStore`s made by `createRegistryStores`, fresh for every run as a
 * new process would make them. Checks read the destination tree directly: its tag, its manifests, and
 * that every blob file hashes to its name.
 *
 * ```ts
 * await using fx = await startCopyFixture({ layerBytes: 3 << 20, sourceFaults: [...] });
 * const failure = await fx.copyFailure();            // the CopyError of a failed run
 * await fx.assertNoImage();
 * fx.source.proxy.setFaults([]);
 * await fx.copy();                                   // the rerun
 * assert.deepEqual(fx.committedBlobs(), [layer.digest]);
 * ```
 * @module
 */
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { createHash } from "node:crypto";
import { testContext } from "../../lib/context.ts";
import { CopyError } from "../../lib/errors.ts";
import { type Descriptor, type Digest, parseManifest } from "../../lib/oci/mod.ts";
import { RegistryTreeStore } from "../../lib/layout/mod.ts";
import {
  createRegistryStores,
  type CredentialLookup,
  type RegistryStoresOptions,
} from "../../lib/registry/mod.ts";
import { type ServedRegistry, serveRegistry } from "../../lib/serve/mod.ts";
import { MemoryStore } from "../../lib/store/mod.ts";
import { copy, type CopyOptions, type CopyResult } from "../../lib/transfer/mod.ts";
import { type DockerRegistry, startDockerRegistry } from "./docker_registry.ts";
import { type FaultProxy, type FaultRule, startFaultProxy } from "./fault_proxy.ts";
import { writeTestImage } from "./test_image.ts";

/** Source repository and tag of the fixture image. */
export const SOURCE_REPO = "src/app";
/** Destination repository the image is copied to (same tag). */
export const DESTINATION_REPO = "mirror/app";
/** The tag on both sides. */
export const TAG = "v1";

/** Options of {@link startCopyFixture}. */
export interface CopyFixtureOptions {
  /** Seed of the image. @default 1 */
  seed?: number;
  /** @default 2 */
  layers?: number;
  /** Random bytes per layer (a gzip of random data is slightly larger). @default 3 MiB */
  layerBytes?: number;
  sourceFaults?: FaultRule[];
  destinationFaults?: FaultRule[];
  /** Which registry receives the copy. @default "embedded" */
  destination?: "embedded" | "docker-registry";
  /** Extra store options (retries, credentials). retryTimes 3 and retryDelayMs 10 unless given. */
  stores?: Partial<RegistryStoresOptions>;
  /**
   * Basic auth: the embedded registries named in `on` require this user (htpasswd), and every copy run
   * uses it as its credentials.
   */
  auth?: { username: string; password: string; on: ("source" | "destination")[] };
}

/** A running source/destination pair; dispose of it to stop everything and remove the temp folder. */
export interface CopyFixture extends AsyncDisposable {
  source: { registry: ServedRegistry; proxy: FaultProxy; store: MemoryStore };
  destination: {
    registry: ServedRegistry | DockerRegistry;
    proxy: FaultProxy;
    /** The storage root (holds `docker/registry/v2`). */
    root: string;
    /** A reader of the destination's storage tree. */
    tree: RegistryTreeStore;
  };
  /** The source image's manifest. */
  image: Descriptor;
  /** Its config. */
  config: Descriptor;
  /** Its layers, in manifest order. */
  layers: Descriptor[];
  /** One copy run (fresh registry stores, fresh ledger) from source to destination through the proxies. */
  copy(options?: CopyOptions & { stores?: Partial<RegistryStoresOptions> }): Promise<CopyResult>;
  /** Runs a copy that must fail and returns its {@link CopyError}. */
  copyFailure(options?: CopyOptions & { stores?: Partial<RegistryStoresOptions> }): Promise<CopyError>;
  /** The digest the destination tag points at, undefined when there is none. */
  destinationDigest(): Promise<Digest | undefined>;
  /** Asserts the destination has neither the tag nor the image's manifest. */
  assertNoImage(): Promise<void>;
  /** Asserts every blob file of the destination tree hashes to its digest (and nothing else is there). */
  assertBlobsIntact(): Promise<void>;
  /** Blobs (config and layers) the destination repository has. */
  blobsPresent(): Promise<Digest[]>;
  /** Digests committed at the destination (`PUT ...?digest=` answered 201) since `from` (a request index). */
  committedBlobs(from?: number): Digest[];
  /** Blob digests the source served a GET for since `from` (a request index). */
  blobsRead(from?: number): Digest[];
}

/** The error chain of `e`, outermost first. */
export function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let c: unknown = e; c !== undefined && out.length < 10; c = (c as { cause?: unknown }).cause) {
    out.push(c);
    if (!(c instanceof Error)) break;
  }
  return out;
}

/** The `code` of every error in the chain. */
export function causeCodes(e: unknown): string[] {
  return causes(e).map((c) => (c as { code?: unknown }).code).filter((c): c is string =>
    typeof c === "string"
  );
}

/** A credential lookup answering `username`/`password` for every registry. */
export function staticCredentials(username: string, password: string): CredentialLookup {
  return {
    lookup: (registry) =>
      Promise.resolve({
        credential: { username, password },
        source: { file: "test-auth.json", key: registry },
      }),
    searched: ["test-auth.json"],
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function* walkFiles(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walkFiles(path);
    else yield path;
  }
}

const COMMIT = /^\/v2\/.+\/blobs\/uploads\/[^?]+\?(?:.*&)?digest=(sha256(?:%3A|:)[0-9a-f]{64})/;
const BLOB_GET = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/;

/** Starts the source and destination registries with their proxies and writes the source image. */
export async function startCopyFixture(options: CopyFixtureOptions = {}): Promise<CopyFixture> {
  const cleanup: (() => Promise<void>)[] = [];
  const dispose = async () => {
    for (const c of cleanup.reverse()) {
      try {
        await c();
      } catch {
        // best effort
      }
    }
  };
  try {
    const store = new MemoryStore({ label: "memory://source" });
    const image = await writeTestImage(store, SOURCE_REPO, {
      seed: options.seed ?? 1,
      layers: options.layers ?? 2,
      layerBytes: options.layerBytes ?? 3 * 1024 * 1024,
      tag: TAG,
    });
    const m = parseManifest(await store.getManifest(SOURCE_REPO, image), { where: "fixture" });
    if (m.kind !== "manifest") throw new Error("fixture image is not a manifest");
    const root = await Deno.makeTempDir({ prefix: "faults-destination-" });
    cleanup.push(() => Deno.remove(root, { recursive: true }));
    let htpasswd: string | undefined;
    if (options.auth) {
      htpasswd = `${root}.htpasswd`;
      await Deno.writeTextFile(
        htpasswd,
        `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 5)}\n`,
      );
      const file = htpasswd;
      cleanup.push(() => Deno.remove(file));
    }
    const authOn = (side: "source" | "destination") =>
      htpasswd !== undefined && options.auth?.on.includes(side) ? { htpasswd } : {};
    const sourceRegistry = await serveRegistry(store, { readOnly: true, ...authOn("source") });
    cleanup.push(() => sourceRegistry.close());
    const sourceProxy = await startFaultProxy(sourceRegistry.url, { faults: options.sourceFaults ?? [] });
    cleanup.push(() => sourceProxy.close());

    let registry: ServedRegistry | DockerRegistry;
    if (options.destination === "docker-registry") {
      registry = await startDockerRegistry(root);
      const r = registry;
      cleanup.push(async () => await r[Symbol.asyncDispose]());
    } else {
      registry = await serveRegistry(new RegistryTreeStore(root), authOn("destination"));
      const r = registry;
      cleanup.push(() => r.close());
    }
    const destinationProxy = await startFaultProxy(registry.url, { faults: options.destinationFaults ?? [] });
    cleanup.push(() => destinationProxy.close());
    const tree = new RegistryTreeStore(root);

    const storeOptions = (extra: Partial<RegistryStoresOptions> = {}): RegistryStoresOptions => ({
      retryTimes: 3,
      retryDelayMs: 10,
      ...(options.auth
        ? { credentials: staticCredentials(options.auth.username, options.auth.password) }
        : {}),
      ...options.stores,
      ...extra,
    });
    const runCopy = async (o: CopyOptions & { stores?: Partial<RegistryStoresOptions> } = {}) => {
      const { stores: extra, ...copyOptions } = o;
      await using stores = await createRegistryStores(testContext(), storeOptions(extra));
      try {
        return await copy(
          { store: stores.source(sourceProxy.host), repository: SOURCE_REPO, reference: TAG },
          { store: stores.destination(destinationProxy.host), repository: DESTINATION_REPO, reference: TAG },
          { blobRetryDelayMs: 10, ...copyOptions },
        );
      } finally {
        // Let cancelled uploads and cut bodies finish before the next run or the checks.
        await sourceProxy.idle();
        await destinationProxy.idle();
      }
    };

    const destinationDigest = async () => {
      try {
        return (await tree.resolve(DESTINATION_REPO, TAG)).digest;
      } catch (e) {
        if ((e as { code?: string }).code === "NOT_FOUND") return undefined;
        throw e;
      }
    };

    return {
      source: { registry: sourceRegistry, proxy: sourceProxy, store },
      destination: { registry, proxy: destinationProxy, root, tree },
      image,
      config: m.config,
      layers: m.layers,
      copy: runCopy,
      async copyFailure(o = {}) {
        try {
          await runCopy(o);
        } catch (e) {
          assert.ok(e instanceof CopyError, `expected a CopyError, got ${e}`);
          return e;
        }
        assert.fail("the copy succeeded");
      },
      destinationDigest,
      async assertNoImage() {
        assert.equal(await destinationDigest(), undefined, "the destination has the tag");
        assert.equal(
          await tree.hasManifest(DESTINATION_REPO, image),
          false,
          "the destination has the image manifest",
        );
      },
      async assertBlobsIntact() {
        const blobs = `${root}/docker/registry/v2/blobs/sha256`;
        for await (const path of walkFiles(blobs)) {
          const parts = path.slice(blobs.length + 1).split("/");
          assert.equal(parts.length, 3, `unexpected file ${path}`);
          assert.equal(parts[2], "data", `unexpected file ${path} (a partial write?)`);
          assert.equal(await sha256File(path), parts[1], `blob file ${path} does not match its digest`);
        }
      },
      async blobsPresent() {
        const out: Digest[] = [];
        for (const d of [m.config, ...m.layers]) {
          if (await tree.hasBlob(DESTINATION_REPO, d)) out.push(d.digest);
        }
        return out;
      },
      committedBlobs(from = 0) {
        return destinationProxy.requests.slice(from).flatMap((r) => {
          const match = r.method === "PUT" && r.status === 201 ? COMMIT.exec(r.path) : null;
          return match ? [decodeURIComponent(match[1] as string) as Digest] : [];
        });
      },
      blobsRead(from = 0) {
        return sourceProxy.requests.slice(from).flatMap((r) => {
          const match = r.method === "GET" ? BLOB_GET.exec(r.path) : null;
          return match ? [match[1] as Digest] : [];
        });
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}
