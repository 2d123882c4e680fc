/**
 * v1 disk-to-mirror (publish, reference §3.5, §3.6): `-c isc.yaml --from file://DIR docker://REG[/ns]`
 * with apiVersion v1alpha2 or `--v1`. Reads the archive's metadata, checks its sequence against the
 * metadata image at the target (`<REG>/<ns>/oc-mirror:<uid>`): the first publish must be sequence 1,
 * then each must follow the last ("invalid mirror sequence order, want X, got Y", "mirror sequence is
 * the same"; `--skip-metadata-check` or `--skip-pruning` bypass it). Then verifies the set, publishes
 * (blobs a differential archive left out are mounted or read back from the target), prunes what the
 * earlier sequence had and this one no longer has (plan printed first; not with `--skip-pruning`),
 * writes `oc-mirror-workspace/results-<epoch>/` and finally records the metadata at the target (and in
 * `storageConfig`, never moving it back). When DIR holds several sequences, the one after the target's
 * is published (else the newest, which the check then refuses).
 * @module
 */
import { resolve } from "node:path";
import { ArchiveReader } from "../archive/mod.ts";
import { type ImageSetConfig, loadConfig, type LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import { ArchiveError } from "../errors.ts";
import type { RegistryLocation } from "../reference/mod.ts";
import {
  checkSequence,
  lockWorkspace,
  type MetadataBackend,
  parseV1Metadata,
  V1_METADATA_PATH,
  type V1Metadata,
} from "../state/mod.ts";
import { BlobLedger } from "../transfer/mod.ts";
import { batchItems } from "./batch_items.ts";
import { rebaseReference } from "./collector.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { checkUpgradePaths } from "./finish_registry_run.ts";
import { relativeSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { summarize, writeErrorsFile } from "./run_outputs.ts";
import { batchOptions, dryRunToRegistry, planRequest, writeV1RunResults } from "./run_steps.ts";
import { ArchiveWithTargetFallback, v1ArchiveSequences } from "./v1_archive_source.ts";
import { openStorageBackend, pruneTarget, targetMetadataBackend } from "./v1_state.ts";
import { workingDir } from "./working_dir.ts";
import { V1_WORKSPACE } from "./write_v1_results.ts";

/** Reads the metadata a v1 archive set begins with. */
export async function readArchiveMetadata(reader: ArchiveReader, signal?: AbortSignal): Promise<V1Metadata> {
  if (reader.listFiles(V1_METADATA_PATH).length === 0) {
    throw new ArchiveError(
      reader.dir,
      `Archive set in ${reader.dir} has no ${V1_METADATA_PATH}: it was not written by a v1 mirror-to-disk`,
      { hint: "Publish archives named mirror_NNNNNN.tar with --v2" },
    );
  }
  const bytes = await reader.readFile(V1_METADATA_PATH, {
    maxBytes: 256 * 1024 * 1024,
    ...(signal ? { signal } : {}),
  });
  return parseV1Metadata(bytes, `${reader.dir} (${reader.parts[0]?.file ?? "archive"} ${V1_METADATA_PATH})`);
}

interface Chosen {
  reader: ArchiveReader;
  incoming: V1Metadata;
  backend: MetadataBackend;
  current: V1Metadata | undefined;
}

/** Runs v1 disk-to-mirror. */
export async function diskToMirrorV1(
  ctx: RunContext,
  request: MirrorRequest,
  loaded: LoadedConfig<ImageSetConfig>,
): Promise<MirrorOutcome> {
  const started = ctx.now().getTime();
  const dest = request.destination as RegistryLocation;
  const dir = resolve(ctx.cwd, request.from ?? ".");
  const wd = workingDir(dir);
  await using _lock = await lockWorkspace(wd.lock);
  await using stores = await openRegistryStores(ctx, request.registry, "v1");
  const target = stores.destination(dest.registry);
  const root = { registry: dest.registry, namespace: dest.namespace, maxNestedPaths: request.maxNestedPaths };
  const where = `${dest.registry}${dest.namespace ? `/${dest.namespace}` : ""}`;
  const signal = ctx.signal;

  const sequences = await v1ArchiveSequences(dir);
  if (sequences.length === 0) {
    throw new ArchiveError(dir, `No v1 archive parts mirror_seq<N>_NNNNNN.tar found in ${dir}`, {
      hint: "Archives named mirror_NNNNNN.tar were written by the v2 engine: publish them with --v2",
    });
  }
  const open = async (sequence: number): Promise<Chosen> => {
    const reader = await ArchiveReader.open(dir, { ctx, signal, sequence });
    const incoming = await readArchiveMetadata(reader, signal);
    const backend = targetMetadataBackend(target, dest.namespace, incoming.uid);
    const current = incoming.singleUse ? undefined : await backend.read({ signal });
    return { reader, incoming, backend, current };
  };
  let chosen = await open(sequences[sequences.length - 1] as number);
  const want = chosen.current ? chosen.current.pastMirror.sequence + 1 : 1;
  if (sequences.length > 1 && sequences.includes(want) && want !== sequences[sequences.length - 1]) {
    chosen = await open(want);
  }
  const { reader, incoming, backend, current } = chosen;
  const seq = incoming.pastMirror.sequence;
  if (sequences.length > 1) {
    log(ctx, "info", `${dir} holds sequences ${sequences.join(", ")}: publishing sequence ${seq}`);
  }
  if (incoming.singleUse) {
    log(
      ctx,
      "warn",
      `The archive was made without storageConfig (single use): no sequence check, no pruning, no metadata at ${where}`,
    );
  } else {
    const check = checkSequence({
      ...(current ? { current: current.pastMirror.sequence } : {}),
      incoming: seq,
      target: where,
      skipMetadataCheck: request.v1.skipMetadataCheck,
      skipPruning: request.v1.skipPruning,
    });
    if (check.kind === "bypassed") {
      log(ctx, "warn", `Sequence check bypassed (${check.flag}): ${check.problem}`);
    }
    log(
      ctx,
      "info",
      `Publishing sequence ${seq} of imageset ${incoming.uid} to ${where} (${
        current ? `at sequence ${current.pastMirror.sequence}` : "first publish"
      })`,
    );
  }

  log(ctx, "info", `Verifying ${reader.parts.length} archive part(s) in ${dir} before pushing anything`);
  await reader.verify({ signal });
  await reader.extractFiles("working-dir/", dir, { signal });
  const repository = (path: string) => rebaseReference({ registry: "", repository: path }, root).repository;
  const published = current?.pastAssociations ?? [];
  const source = new ArchiveWithTargetFallback(reader, { target, published, repository });
  const sources = relativeSources(source);
  const plan = await planRequest(ctx, request, {
    loaded: await archiveConfig(ctx, reader, loaded),
    engine: "v1",
    sources,
    wd,
  });
  const prune = !incoming.singleUse && !request.v1.skipPruning;

  if (request.dryRun) {
    await dryRunToRegistry(ctx, request, { plan, sources, destination: target, root, wd });
    if (prune) {
      await pruneTarget({
        ctx,
        store: target,
        root,
        previous: published,
        current: incoming.pastAssociations,
        continueOnError: request.continueOnError,
        dryRun: true,
      });
    }
    return { failed: [] };
  }

  const ledger = new BlobLedger();
  for (const a of published) {
    for (const d of a.layerDigests) ledger.recordPresent(target.label, repository(a.path), d);
  }
  const items = batchItems({ plan, sources, destination: target, root, build: false });
  const result = await runCopyBatch(items, {
    ...batchOptions(ctx, request),
    ledger,
    phase: "disk-to-mirror",
  });
  const errors = await writeErrorsFile(wd.logs, result.failures, ctx.now());
  const mirrored = result.copied.map((c) => c.item.mapping);
  await writeV1RunResults(ctx, request, { workspace: resolve(ctx.cwd, V1_WORKSPACE), plan, mirrored, root });
  const summary = () => summarize(ctx, items.map((i) => i.mapping), result, ctx.now().getTime() - started);
  if (result.failures.length > 0 && !request.continueOnError) {
    log(
      ctx,
      "error",
      `${result.failures.length} images failed${errors ? ` (see ${errors})` : ""}: nothing was pruned and ` +
        `${where} stays at sequence ${current?.pastMirror.sequence ?? "none"}; publish this archive again`,
    );
    return { failed: summary() };
  }
  if (prune) {
    await pruneTarget({
      ctx,
      store: target,
      root,
      previous: published,
      current: incoming.pastAssociations,
      continueOnError: request.continueOnError,
      dryRun: false,
    });
  } else if (request.v1.skipPruning) {
    log(ctx, "info", "Not pruning (--skip-pruning)");
  }
  if (!incoming.singleUse) {
    await backend.write(incoming, { signal });
    log(
      ctx,
      "info",
      `${where} is at sequence ${seq} of imageset ${incoming.uid} (metadata ${backend.label})`,
    );
    await recordInStorage(ctx, loaded.config, stores, incoming);
  }
  checkUpgradePaths(ctx, plan, request.includeConditionalEdges);
  const failed = summary();
  if (errors) log(ctx, "warn", `${result.failures.length} images failed: see ${errors}`);
  return { failed };
}

/**
 * The configuration the archive was made from (its `isc_*` entry): v1 publishes an archive's image set,
 * as the original does; `-c` then only supplies `storageConfig`. Falls back to `-c` for archives
 * without one.
 */
async function archiveConfig(
  ctx: RunContext,
  reader: ArchiveReader,
  given: LoadedConfig<ImageSetConfig>,
): Promise<LoadedConfig<ImageSetConfig>> {
  const entry = reader.listFiles("isc_").at(-1);
  if (!entry) return given;
  const text = new TextDecoder().decode(
    await reader.readFile(entry.path, { maxBytes: 8 * 1024 * 1024, signal: ctx.signal }),
  );
  const loaded = loadConfig(text, { file: `${reader.dir}/${entry.path}`, kind: "ImageSetConfiguration" });
  const givenText = await Deno.readTextFile(resolve(ctx.cwd, given.file)).catch(() => undefined);
  if (givenText !== text) {
    log(
      ctx,
      "info",
      `Publishing the image set the archive was made from (${entry.path}); ${given.file} only supplies storageConfig`,
    );
  }
  return loaded;
}

/** Records the published metadata in `storageConfig` too, unless that holds a later sequence or another imageset. */
async function recordInStorage(
  ctx: RunContext,
  config: ImageSetConfig,
  stores: Parameters<typeof openStorageBackend>[2],
  incoming: V1Metadata,
): Promise<void> {
  const storage = openStorageBackend(ctx, config, stores, { quiet: true });
  if (!storage) return;
  const stored = await storage.read({ signal: ctx.signal });
  if (stored && (stored.uid !== incoming.uid || stored.pastMirror.sequence >= incoming.pastMirror.sequence)) {
    log(
      ctx,
      "debug",
      `Metadata ${storage.label} is left as is (imageset ${stored.uid} sequence ${stored.pastMirror.sequence})`,
    );
    return;
  }
  await storage.write(incoming, { signal: ctx.signal });
  log(ctx, "info", `Metadata ${storage.label} is at sequence ${incoming.pastMirror.sequence}`);
}
