/**
 * v1 mirror-to-disk (reference §3.5, §3.6): `-c isc.yaml file://DIR` with apiVersion v1alpha2 or `--v1`.
 * Reads the metadata `storageConfig` holds, plans the images and their associations (manifests only),
 * then writes `DIR/mirror_seq<N>_000000.tar`, ... (N the next sequence) whose first entry is
 * `publish/.metadata.json`, followed by the images (leaving out the blobs of the earlier mirror's
 * associations unless `--ignore-history`) and the working-dir files disk-to-mirror needs. When the
 * images are exactly those of the earlier mirror: "No new images detected, process stopping" and no
 * archive. The metadata is stored only once the archive set is complete.
 * @module
 */
import { resolve } from "node:path";
import { ArchiveWriter } from "../archive/mod.ts";
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import { type FileLocation, formatReference } from "../reference/mod.ts";
import {
  associationBlobs,
  encodeV1Metadata,
  lockWorkspace,
  nextSequence,
  sameAssociations,
  V1_METADATA_PATH,
} from "../state/mod.ts";
import { batchItems } from "./batch_items.ts";
import { RELATIVE_ROOT } from "./collector.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { formatBytes } from "./format_bytes.ts";
import { upstreamSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { addWorkingFiles } from "./mirror_to_disk.ts";
import { planAssociations, selectedAssociations } from "./plan_associations.ts";
import { openRegistryStores } from "./registry_access.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { measurePlan, summarize, writeDryRun, writeErrorsFile } from "./run_outputs.ts";
import { batchOptions, planRequest } from "./run_steps.ts";
import { openStorageBackend, readMirrorSection, runMetadata } from "./v1_state.ts";
import { workingDir } from "./working_dir.ts";

const GIB = 1024 * 1024 * 1024;

/** Runs v1 mirror-to-disk. */
export async function mirrorToDiskV1(
  ctx: RunContext,
  request: MirrorRequest,
  loaded: LoadedConfig<ImageSetConfig>,
): Promise<MirrorOutcome> {
  const started = ctx.now().getTime();
  const dir = resolve(ctx.cwd, (request.destination as FileLocation).path);
  const wd = workingDir(dir);
  await using _lock = await lockWorkspace(wd.lock);
  await using stores = await openRegistryStores(ctx, request.registry, "v1");
  const backend = openStorageBackend(ctx, loaded.config, stores);
  const previous = backend ? await backend.read({ signal: ctx.signal }) : undefined;
  const sequence = nextSequence(previous);
  if (previous) {
    log(
      ctx,
      "info",
      `Metadata ${backend?.label}: imageset ${previous.uid} is at sequence ${previous.pastMirror.sequence}; ` +
        `this archive is sequence ${sequence}`,
    );
  }
  const sources = upstreamSources((host) => stores.source(host));
  const plan = await planRequest(ctx, request, { loaded: loaded, engine: "v1", sources, wd });
  const differential = previous !== undefined && !request.v1.ignoreHistory;
  if (previous && request.v1.ignoreHistory) {
    log(ctx, "info", "Ignoring the earlier mirrors (--ignore-history): the archive holds every blob");
  }
  const skipBlobs = differential
    ? associationBlobs(previous.pastAssociations)
    : new Set<`sha256:${string}`>();
  const archiveSizeBytes = (loaded.config.archiveSize ?? 500) * GIB;

  if (request.dryRun) {
    const size = await measurePlan(plan.mappings, {
      ctx,
      parallelImages: request.parallelImages,
      locate: (m) => sources.locate(m),
      hasBlob: (_m, digest) => Promise.resolve(skipBlobs.has(digest)),
    });
    const files = await writeDryRun(wd.dryRun, plan.mappings, size.missing, {
      destinationPrefix: `file://${dir}/`,
    });
    log(
      ctx,
      "info",
      `Dry run: ${size.images} images, ${
        formatBytes(size.totalBytes)
      } in all; archive sequence ${sequence} ` +
        `would hold ${formatBytes(size.missingBytes)} of blobs`,
    );
    for (const f of files) log(ctx, "info", `Wrote ${f}`);
    return { failed: [] };
  }

  const plannedAssociations = await planAssociations(plan, {
    ctx,
    sources,
    build: true,
    parallelImages: request.parallelImages,
    parallelLayers: request.parallelLayers,
    imageTimeoutMs: request.imageTimeoutMs,
  });
  const associations = selectedAssociations(plan, plannedAssociations, previous?.pastAssociations ?? []);
  if (
    differential && plannedAssociations.failures.size === 0 &&
    sameAssociations(previous.pastAssociations, associations)
  ) {
    log(ctx, "info", "No new images detected, process stopping");
    return { failed: [] };
  }
  const metadata = runMetadata({
    previous,
    sequence,
    singleUse: backend === undefined,
    now: ctx.now(),
    mirror: await readMirrorSection(resolve(ctx.cwd, request.configFile)),
    plan,
    config: loaded.config,
    associations,
  });

  const writer = await ArchiveWriter.create(dir, {
    ctx,
    archiveSizeBytes,
    strict: request.strictArchive,
    naming: { kind: "v1", sequence },
    skipBlobs,
  });
  let closed = false;
  try {
    const bytes = encodeV1Metadata(metadata);
    await writer.addFile(V1_METADATA_PATH, bytes, bytes.byteLength, { signal: ctx.signal });
    const items = batchItems({ plan, sources, destination: writer, root: RELATIVE_ROOT, build: true });
    const result = await runCopyBatch(items, {
      ...batchOptions(ctx, request),
      phase: "mirror-to-disk",
    });
    const errors = await writeErrorsFile(wd.logs, result.failures, ctx.now());
    const elapsed = () => ctx.now().getTime() - started;
    if (result.failures.length > 0 && !request.continueOnError) {
      await writer.abort();
      closed = true;
      log(
        ctx,
        "error",
        `${result.failures.length} images failed, so no archive was written and the metadata is unchanged` +
          `${errors ? `: see ${errors}` : ""}`,
        { hint: "Fix the failures or rerun with --continue-on-error" },
      );
      return { failed: summarize(ctx, items.map((i) => i.mapping), result, elapsed()) };
    }
    const mappingOf = new Map(items.map((it, i) => [it, plan.mappings[i]]));
    for (const c of result.copied) {
      const mapping = mappingOf.get(c.item);
      const planned = mapping ? plannedAssociations.associations.get(mapping) : undefined;
      if (planned && planned.id !== c.result.root.digest) {
        log(
          ctx,
          "warn",
          `${formatReference(c.item.mapping.destination)}: the source changed while mirroring (planned ` +
            `${planned.id}, archived ${c.result.root.digest}); the metadata records the planned digest`,
        );
      }
    }
    const configText = await Deno.readTextFile(resolve(ctx.cwd, request.configFile));
    await addWorkingFiles(writer, wd, configText, ctx.now(), ctx.signal);
    const summary = await writer.close();
    closed = true;
    if (backend) await backend.write(metadata, { signal: ctx.signal });
    for (const p of summary.parts) {
      log(ctx, "info", `Wrote ${p.file} (${formatBytes(p.sizeBytes)})`, { file: p.file, bytes: p.sizeBytes });
    }
    log(
      ctx,
      "info",
      `Archive sequence ${sequence} of imageset ${metadata.uid}: ${summary.parts.length} part(s), ${
        formatBytes(summary.bytesWritten)
      }, ${associations.length} images${differential ? ` (blobs of sequence ${sequence - 1} left out)` : ""}${
        backend ? `; metadata ${backend.label}` : ""
      }`,
    );
    const failed = summarize(ctx, items.map((i) => i.mapping), result, elapsed());
    if (errors) log(ctx, "warn", `${result.failures.length} images failed: see ${errors}`);
    return { failed };
  } finally {
    if (!closed) await writer.abort().catch(() => {});
  }
}
