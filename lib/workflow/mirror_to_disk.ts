/**
 * Mirror-to-disk: `-c isc.yaml file://DIR`. Collects from upstream and streams every blob the earlier
 * archives did not ship straight into `DIR/mirror_000001.tar`, ... (no intermediate copy; with
 * `--cache-dir`, through that cache, so an interrupted run resumes without downloading again), with
 * the parts of working-dir that disk-to-mirror needs (saved graphs, signatures, catalog pins, Helm
 * charts). The set only gets its final names once complete; then the history records what it shipped.
 * @module
 */
import { batchOptions, manifestLists, planRequest } from "./run_steps.ts";
import { join, relative as relativePath, resolve } from "node:path";
import type { ImageSetConfig, LoadedConfig } from "../config/mod.ts";
import { log, type RunContext } from "../context.ts";
import { ArchiveWriter } from "../archive/mod.ts";
import { RegistryTreeStore } from "../layout/mod.ts";
import { categoryOf } from "../plan/mod.ts";
import type { FileLocation } from "../reference/mod.ts";
import { lockWorkspace, readHistory, writeHistory } from "../state/mod.ts";
import { batchItems } from "./batch_items.ts";
import { RELATIVE_ROOT } from "./collector.ts";
import { runCopyBatch } from "./copy_batch.ts";
import { formatBytes } from "./format_bytes.ts";
import { relativeSources, upstreamSources } from "./image_sources.ts";
import type { MirrorRequest } from "./mirror_request.ts";
import { openRegistryStores } from "./registry_access.ts";
import type { MirrorOutcome } from "./run_mirror.ts";
import { measurePlan, summarize, writeDryRun, writeErrorsFile } from "./run_outputs.ts";
import { VERSION } from "./version.ts";
import { ARCHIVED_FOLDERS, type WorkingDir, workingDir } from "./working_dir.ts";

const GIB = 1024 * 1024 * 1024;

/** Every file under `dir`, as paths relative to `base`. */
async function* filesUnder(dir: string, base: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* filesUnder(p, base);
    else if (e.isFile) yield relativePath(base, p);
  }
}

/** Adds the working-dir folders disk-to-mirror needs, the version file and the configuration. */
export async function addWorkingFiles(
  writer: ArchiveWriter,
  wd: WorkingDir,
  configText: string,
  now: Date,
  signal: AbortSignal,
): Promise<number> {
  await Deno.mkdir(wd.internal, { recursive: true });
  await Deno.writeTextFile(
    join(wd.internal, "oc-mirror-version.json"),
    JSON.stringify({ gitVersion: VERSION, gitCommit: "" }) + "\n",
  );
  let count = 0;
  for (const folder of ARCHIVED_FOLDERS) {
    for await (const rel of filesUnder(join(wd.root, folder), wd.root)) {
      const path = join(wd.root, rel);
      const { size } = await Deno.stat(path);
      const file = await Deno.open(path);
      await writer.addFile(`working-dir/${rel}`, file.readable, size, { signal });
      count++;
    }
  }
  const isc = new TextEncoder().encode(configText);
  await writer.addFile(`isc_${now.toISOString().replace(/\.\d{3}Z$/, "Z")}.yaml`, isc, isc.byteLength, {
    signal,
  });
  return count + 1;
}

/** Runs mirror-to-disk. */
export async function mirrorToDisk(
  ctx: RunContext,
  request: MirrorRequest,
  loaded: LoadedConfig<ImageSetConfig>,
  engine: "v1" | "v2",
): Promise<MirrorOutcome> {
  const started = ctx.now().getTime();
  const dir = resolve(ctx.cwd, (request.destination as FileLocation).path);
  const wd = workingDir(dir);
  await using _lock = await lockWorkspace(wd.lock);
  await using stores = await openRegistryStores(ctx, request.registry, engine);
  const sources = upstreamSources((host) => stores.source(host));
  const plan = await planRequest(ctx, request, { loaded, engine, sources, wd });
  const history = await readHistory(wd.history, request.since ? { before: request.since } : {});
  if (history.file) {
    log(ctx, "info", `Leaving out ${history.blobs.size} blobs shipped by earlier archives (${history.file})`);
  } else if (request.since) {
    log(
      ctx,
      "info",
      `No archive history before ${request.since.toISOString().slice(0, 10)}: archiving everything`,
    );
  }
  const archiveSizeBytes = (loaded.config.archiveSize ?? 500) * GIB;

  if (request.dryRun) {
    const size = await measurePlan(plan.mappings, {
      ctx,
      parallelImages: request.parallelImages,
      locate: (m) => sources.locate(m),
      hasBlob: (_m, digest) => Promise.resolve(history.blobs.has(digest)),
    });
    const lists = manifestLists(request, plan, size);
    const files = await writeDryRun(wd.dryRun, plan.mappings, size.missing, {
      destinationPrefix: `file://${dir}/`,
    }, lists);
    const parts = Math.max(1, Math.ceil(size.missingBytes / archiveSizeBytes));
    log(
      ctx,
      "info",
      `Dry run: ${size.images} images, ${formatBytes(size.totalBytes)} in all; the archive would hold ${
        formatBytes(size.missingBytes)
      } of blobs in about ${parts} part(s) of at most ${loaded.config.archiveSize ?? 500} GiB`,
    );
    for (const u of size.unreadable) {
      log(ctx, "warn", `Cannot read ${u.mapping.source.repository}: ${u.error}`);
    }
    for (const f of files) log(ctx, "info", `Wrote ${f}`);
    return { failed: [] };
  }

  const writer = await ArchiveWriter.create(dir, {
    ctx,
    archiveSizeBytes,
    strict: request.strictArchive,
    skipBlobs: history.blobs,
    parallelBlobs: request.parallelLayers,
  });
  let closed = false;
  try {
    const batch = batchOptions(ctx, request);
    let items = batchItems({ plan, sources, destination: writer, root: RELATIVE_ROOT, build: true });
    let result;
    if (request.cacheDir) {
      // With a cache, images land there first (an interrupted run resumes from it), then go into the archive.
      const cache = new RegistryTreeStore(join(resolve(ctx.cwd, request.cacheDir), ".oc-mirror", ".cache"), {
        label: "oci-cache://",
      });
      const swept = await cache.sweepTemporaryFiles({ signal: ctx.signal });
      if (swept > 0) {
        log(ctx, "info", `Removed ${swept} half-written files an interrupted run left in the cache`);
      }
      const toCache = batchItems({ plan, sources, destination: cache, root: RELATIVE_ROOT, build: true });
      const cached = await runCopyBatch(toCache, { ...batch, phase: "mirror-to-cache" });
      const ok = new Set(cached.copied.map((c) => c.item.mapping));
      items = batchItems({
        plan,
        sources: relativeSources(cache),
        destination: writer,
        root: RELATIVE_ROOT,
        build: false,
      })
        .filter((_, i) => ok.has(toCache[i]?.mapping as never));
      result = await runCopyBatch(items, { ...batch, phase: "mirror-to-disk" });
      result.failures.unshift(...cached.failures);
      items = toCache;
    } else {
      result = await runCopyBatch(items, { ...batch, phase: "mirror-to-disk" });
    }
    const errors = await writeErrorsFile(wd.logs, result.failures, ctx.now());
    const releaseFailed = result.failures.some((f) => categoryOf(f.item.mapping.kind) === "release");
    const nothingCopied = result.copied.length === 0 && items.length > 0;
    if (nothingCopied || (releaseFailed && !request.continueOnError)) {
      await writer.abort();
      closed = true;
      const why = nothingCopied ? "No image could be mirrored" : "Release images failed";
      log(ctx, "error", `${why}, so no archive was written${errors ? `: see ${errors}` : ""}`);
      return { failed: summarize(ctx, items.map((i) => i.mapping), result, ctx.now().getTime() - started) };
    }
    const configText = await Deno.readTextFile(resolve(ctx.cwd, request.configFile));
    await addWorkingFiles(writer, wd, configText, ctx.now(), ctx.signal);
    const summary = await writer.close();
    closed = true;
    const historyFile = await writeHistory(
      wd.history,
      [...history.blobs, ...summary.blobsWritten],
      ctx.now(),
    );
    for (const p of summary.parts) {
      log(ctx, "info", `Wrote ${p.file} (${formatBytes(p.sizeBytes)})`, { file: p.file, bytes: p.sizeBytes });
    }
    log(
      ctx,
      "info",
      `Archive set ${summary.setId}: ${summary.parts.length} part(s), ${
        formatBytes(summary.bytesWritten)
      }; history ${historyFile}`,
    );
    const failed = summarize(ctx, items.map((i) => i.mapping), result, ctx.now().getTime() - started);
    if (errors) log(ctx, "warn", `${result.failures.length} images failed: see ${errors}`);
    return { failed };
  } finally {
    if (!closed) await writer.abort().catch(() => {});
  }
}
