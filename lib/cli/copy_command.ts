/**
 * `oc-mirror copy SRC DST`: copies one image (and everything it references) between registries and
 * OCI image layouts, for scripts. SRC and DST are `docker://REF` or `oci://DIR[:ref]`; a registry source
 * goes through registries.conf, a registry destination does not. `--platform` keeps only some platforms
 * of a multi-arch image and writes a filtered index. Prints what was copied; fails with a message that
 * says which side failed.
 * @module
 */
import { resolve } from "node:path";
import { log, type RunContext } from "../context.ts";
import { CopyError, NotFoundError, UsageError } from "../errors.ts";
import { OciLayoutStore } from "../layout/mod.ts";
import { formatPlatform, isIndexMediaType, type Platform } from "../oci/mod.ts";
import {
  formatReference,
  type ImageLocation,
  parseImageLocation,
  referenceTarget,
} from "../reference/mod.ts";
import type { RegistryStores } from "../registry/mod.ts";
import type { DestinationStore, ImageAt, SourceStore } from "../store/mod.ts";
import { copy, type CopyResult } from "../transfer/mod.ts";
import type { Command } from "./command.ts";
import { GLOBAL_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import { resolveLayoutReference } from "./layout_reference.ts";
import { openRegistryStores } from "../workflow/mod.ts";
import { registryAccessFromFlags } from "./registry_access.ts";
import { formatBytes } from "./render_events.ts";

/** The tag a destination without one gets (as container tools do). */
export const DEFAULT_COPY_TAG = "latest";

/** Parses one `--platform` value: `os/arch[/variant]`, e.g. `linux/arm64` or `linux/arm/v7`. */
export function parsePlatformFlag(value: string): Platform {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-zA-Z0-9_.-]+$/.test(p))) {
    throw new UsageError(`Flag --platform is "${value}": want os/arch[/variant], e.g. linux/amd64`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** Formats an image location for messages: `docker://quay.io/ns/app:1.0`, `oci:///srv/layout:v1`. */
export function formatImageLocation(l: ImageLocation): string {
  if (l.kind === "docker") return `docker://${formatReference(l.reference)}`;
  return `oci://${l.path}${l.reference !== undefined ? `:${l.reference}` : ""}`;
}

/** Parses and checks the two positional arguments of `copy`. */
export function parseCopyArguments(
  positionals: readonly string[],
): { source: ImageLocation; destination: ImageLocation } {
  if (positionals.length !== 2) {
    throw new UsageError(
      positionals.length < 2
        ? `Copy needs a source and a destination, got ${positionals.length} argument${
          positionals.length === 1 ? "" : "s"
        }: want oc-mirror copy SRC DST (docker://REF or oci://DIR[:ref])`
        : `Copy takes one source and one destination, got ${positionals.length} arguments: ${
          positionals.map((p) => `"${p}"`).join(" ")
        }`,
    );
  }
  const source = parseImageLocation(positionals[0] as string);
  const destination = parseImageLocation(positionals[1] as string);
  if (destination.kind === "docker" && destination.reference.digest !== undefined) {
    throw new UsageError(
      `Destination "${positionals[1]}" names a digest: give a tag (or none for "${DEFAULT_COPY_TAG}"); ` +
        "the digest follows from the content",
    );
  }
  return { source, destination };
}

function ociLabel(path: string, ref: string | undefined): string {
  return `oci://${path}${ref === undefined ? "" : `:${ref}`}`;
}

/** Where one side of the copy is, and how to name it in messages. */
interface Side<S> {
  at: ImageAt<S>;
  label: string;
}

async function sourceSide(
  ctx: RunContext,
  l: ImageLocation,
  stores: () => Promise<RegistryStores>,
): Promise<Side<SourceStore>> {
  if (l.kind === "docker") {
    const store = (await stores()).source(l.reference.registry);
    const at = { store, repository: l.reference.repository, reference: referenceTarget(l.reference) };
    return { at, label: formatImageLocation(l) };
  }
  const store = new OciLayoutStore(resolve(ctx.cwd, l.path));
  let reference: string;
  try {
    reference = await resolveLayoutReference(store, l.path, l.reference, { signal: ctx.signal });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    throw new CopyError(
      ociLabel(l.path, l.reference),
      "source",
      e.message,
      e.hint === undefined ? { cause: e } : { cause: e, hint: e.hint },
    );
  }
  return { at: { store, repository: "", reference }, label: ociLabel(l.path, reference) };
}

async function destinationSide(
  ctx: RunContext,
  l: ImageLocation,
  stores: () => Promise<RegistryStores>,
): Promise<Side<DestinationStore>> {
  if (l.kind === "docker") {
    const store = (await stores()).destination(l.reference.registry);
    const reference = l.reference.tag ?? DEFAULT_COPY_TAG;
    return {
      at: { store, repository: l.reference.repository, reference },
      label: `docker://${formatReference({ ...l.reference, tag: reference })}`,
    };
  }
  const store = new OciLayoutStore(resolve(ctx.cwd, l.path));
  const reference = l.reference ?? DEFAULT_COPY_TAG;
  return { at: { store, repository: "", reference }, label: ociLabel(l.path, reference) };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** One line saying what a copy did. */
export function describeCopy(source: string, destination: string, r: CopyResult): string {
  const root = r.filteredIndex
    ? `${r.root.digest} (filtered index; source ${r.sourceRoot.digest})`
    : r.root.digest;
  const mounted = r.blobsMounted > 0 ? `, ${r.blobsMounted} mounted` : "";
  return `Copied ${source} to ${destination}: ${root}, ${count(r.blobsCopied, "blob")} copied (${
    formatBytes(r.bytesCopied)
  }), ${r.blobsSkipped} skipped${mounted}, ${count(r.manifestsWritten, "manifest")} written`;
}

/** The copy command. */
export const copyCommand: Command = {
  name: "copy",
  description: "Copy one image between registries and OCI image layouts",
  usage: ["oc-mirror copy SRC DST   (SRC, DST: docker://REF or oci://DIR[:ref]; no tag means latest)"],
  flags: [
    ...GLOBAL_FLAGS,
    ...REGISTRY_FLAGS,
    {
      name: "platform",
      type: "list",
      valueName: "OS/ARCH[,..]",
      description: "Keep only these platforms of a multi-arch image (writes a filtered index)",
    },
    {
      name: "parallel-layers",
      type: "int",
      default: 5,
      min: 1,
      max: 10,
      description: "Blobs copied at once",
    },
  ],
  examples: [
    "oc-mirror copy docker://quay.io/example/app:1.0 oci:///srv/layout:app-1.0",
    "oc-mirror copy oci:///srv/layout:app-1.0 docker://registry.example.com:5000/example/app:1.0",
    "oc-mirror copy --platform linux/amd64,linux/arm64 docker://quay.io/example/multi:latest docker://localhost:5000/multi",
  ],
  async run({ ctx, flags }) {
    const { source, destination } = parseCopyArguments(flags.positionals);
    const platforms = flags.list("platform").map(parsePlatformFlag);
    const access = registryAccessFromFlags(flags, ctx);
    let opened: Promise<RegistryStores> | undefined;
    const stores = () => opened ??= openRegistryStores(ctx, access, "v2");
    try {
      const src = await sourceSide(ctx, source, stores);
      const dst = await destinationSide(ctx, destination, stores);
      ctx.report({ kind: "phase", name: "copy", total: 1 });
      ctx.report({ kind: "image", state: "start", source: src.label, destination: dst.label });
      let result: CopyResult;
      try {
        result = await copy(src.at, dst.at, {
          onEvent: ctx.report,
          signal: ctx.signal,
          parallelLayers: flags.int("parallel-layers") ?? 5,
          ...(platforms.length > 0 ? { platforms } : {}),
        });
      } catch (e) {
        if (!(e instanceof CopyError)) throw e;
        const where = e.side === "source" ? src.label : dst.label;
        throw new CopyError(
          where,
          e.side,
          `Copy of ${src.label} to ${dst.label} failed at the ${e.side}: ${e.message}`,
          e.hint === undefined ? { cause: e } : { cause: e, hint: e.hint },
        );
      }
      ctx.report({
        kind: "image",
        state: "done",
        source: src.label,
        destination: dst.label,
        bytes: result.bytesCopied,
      });
      if (platforms.length > 0 && !isIndexMediaType(result.sourceRoot.mediaType)) {
        log(
          ctx,
          "warn",
          `Image ${src.label} is a single-platform image: --platform ${
            platforms.map(formatPlatform).join(",")
          } had no effect`,
        );
      }
      log(ctx, "info", describeCopy(src.label, dst.label, result), {
        source: src.label,
        destination: dst.label,
        digest: result.root.digest,
        sourceDigest: result.sourceRoot.digest,
        filteredIndex: result.filteredIndex,
        blobsCopied: result.blobsCopied,
        blobsSkipped: result.blobsSkipped,
        blobsMounted: result.blobsMounted,
        bytesCopied: result.bytesCopied,
        manifestsWritten: result.manifestsWritten,
      });
      return {};
    } finally {
      if (opened) (await opened.catch(() => undefined))?.close();
    }
  },
};
