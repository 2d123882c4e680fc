/**
 * {@link ArchiveReader}: a source store over a mirror archive set on disk (ours, or the original
 * oc-mirror's). `open()` finds the parts, scans their tar headers (seeking over data) and validates the
 * whole set before anything is used; `verify()` then hashes every entry once and checks every part
 * against the set manifest, in one streaming pass. Blobs are served as byte ranges of the part files, never loaded.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { log, type RunContext } from "../context.ts";
import { ArchiveError, DigestMismatchError, NotFoundError, throwIfAborted } from "../errors.ts";
import {
  type Descriptor,
  type Digest,
  digestHex,
  isDigest,
  MAX_MANIFEST_BYTES,
  parseManifest,
  verifyBytes,
} from "../oci/mod.ts";
import type { OpOptions, SourceStore } from "../store/mod.ts";
import type { ArchivePartSummary } from "./archive_writer.ts";
import {
  type ArchiveNaming,
  firstPartNumber,
  parsePartFileName,
  partFileName,
  PARTIAL_SUFFIX,
  V2_PART_PATTERN,
} from "./part_naming.ts";
import { rangeStream, readAt } from "./_file_io.ts";
import type { PartFile } from "./_part_scanner.ts";
import { verifyPart } from "./_part_verifier.ts";
import { type LocatedEntry, scanArchiveSet, type ScannedSet } from "./_set_scanner.ts";

/** Options of {@link ArchiveReader.open}. */
export interface ArchiveReaderOptions {
  ctx: RunContext;
  signal?: AbortSignal;
  /** The v1 sequence to read when `dir` holds `mirror_seq<N>_*.tar` parts of several sequences. */
  sequence?: number;
}

/** A working-dir file or ISC entry of a set. */
export interface ArchiveFileInfo {
  /** Entry name, e.g. `working-dir/hold-release/...`. */
  path: string;
  sizeBytes: number;
}

/** Options of {@link ArchiveReader.readFile}. */
export interface ReadFileOptions extends OpOptions {
  /** Refuse larger entries. @default 16 MiB */
  maxBytes?: number;
}

/** What {@link ArchiveReader.verify} checked. */
export interface VerifyResult {
  parts: number;
  /** Entries hashed (blobs, links and files). */
  entries: number;
  /** Bytes read. */
  bytes: number;
}

/** What {@link ArchiveReader.extractFiles} wrote. */
export interface ExtractResult {
  files: number;
  bytes: number;
}

interface RepoLinks {
  layers: Set<Digest>;
  manifests: Set<Digest>;
  tags: Map<string, Digest>;
}

const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024;

/** Reads an archive set: resolves tags, serves manifests and blobs, lists and extracts its files. */
export class ArchiveReader implements SourceStore {
  /** `file://<dir>`. */
  readonly label: string;
  /** The directory holding the parts. */
  readonly dir: string;
  /** The parts in order, with their sizes. */
  readonly parts: readonly ArchivePartSummary[];
  /** The set id from its indexes; undefined for sets without index (written by the original tool). */
  readonly setId: string | undefined;
  #ctx: RunContext;
  #set: ScannedSet;
  #blobs = new Map<Digest, LocatedEntry>();
  #repos = new Map<string, RepoLinks>();
  #descriptors = new Map<Digest, Descriptor>();

  private constructor(dir: string, ctx: RunContext, set: ScannedSet) {
    this.dir = dir;
    this.label = `file://${dir}`;
    this.#ctx = ctx;
    this.#set = set;
    this.parts = set.parts.map((p) => ({ file: p.name, sizeBytes: p.sizeBytes }));
    this.setId = set.manifest?.setId;
  }

  /** Finds and validates the set in `dir`; throws {@link ArchiveError} naming the bad part and entry. */
  static async open(dir: string, options: ArchiveReaderOptions): Promise<ArchiveReader> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, options.ctx.signal])
      : options.ctx.signal;
    const files = await findParts(dir, options);
    const set = await scanArchiveSet(files, { where: dir, signal });
    const reader = new ArchiveReader(dir, options.ctx, set);
    reader.#index();
    if (!set.manifest) {
      log(
        options.ctx,
        "warn",
        `Archive set in ${dir} has no index (written by the original oc-mirror?): a missing last part cannot ` +
          `be detected, and only verify() checks its content`,
      );
    }
    if (set.ignoredUploads > 0) {
      log(options.ctx, "debug", `Ignored ${set.ignoredUploads} leftover upload file(s) in ${dir}`);
    }
    return reader;
  }

  #where(e: LocatedEntry): string {
    return `Archive part ${this.#set.parts[e.part]?.path} entry "${e.name}"`;
  }

  #path(e: LocatedEntry): string {
    return this.#set.parts[e.part]?.path ?? this.dir;
  }

  /** Builds the blob and repository maps from the validated entries. */
  #index(): void {
    for (const e of this.#set.byName.values()) {
      if (e.kind.kind !== "tree") continue;
      const tree = e.kind.tree;
      if (tree.kind === "blob") {
        this.#blobs.set(tree.digest, e);
        continue;
      }
      const text = new TextDecoder().decode(e.data).trim();
      if (!isDigest(text)) {
        throw new ArchiveError(
          this.#path(e),
          `${this.#where(e)} is not a valid link: it holds ${
            JSON.stringify(text.slice(0, 80))
          }, want sha256:<64 hex>`,
        );
      }
      if ((tree.kind === "layerLink" || tree.kind === "manifestLink") && text !== tree.digest) {
        throw new ArchiveError(
          this.#path(e),
          `${this.#where(e)} links ${text}, but its path names ${tree.digest}`,
        );
      }
      let repo = this.#repos.get(tree.repo);
      if (!repo) {
        repo = { layers: new Set(), manifests: new Set(), tags: new Map() };
        this.#repos.set(tree.repo, repo);
      }
      if (tree.kind === "layerLink") repo.layers.add(tree.digest);
      else if (tree.kind === "manifestLink") repo.manifests.add(tree.digest);
      else if (tree.kind === "tagCurrent") repo.tags.set(tree.tag, text);
    }
  }

  async #readManifest(repo: string, digest: Digest, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal);
    const e = this.#blobs.get(digest);
    if (!e) {
      throw new NotFoundError(
        this.label,
        `Manifest ${repo}@${digest} is linked in ${this.label}, but its data is not in this archive set ` +
          `(an earlier archive shipped it)`,
      );
    }
    if (e.size > MAX_MANIFEST_BYTES) {
      throw new ArchiveError(
        this.#path(e),
        `${this.#where(e)} is a manifest of ${e.size} bytes: the limit is ${MAX_MANIFEST_BYTES}`,
      );
    }
    using file = await Deno.open(this.#path(e), { read: true });
    const bytes = new Uint8Array(e.size);
    await readAt(file, e.dataOffset, bytes);
    verifyBytes(bytes, { digest, size: e.size }, `${this.label} manifest ${repo}@${digest}`);
    return bytes;
  }

  /** Resolves a tag (from `_manifests/tags/<tag>/current/link`) or a linked digest. */
  async resolve(repo: string, reference: string, o?: OpOptions): Promise<Descriptor> {
    const links = this.#repos.get(repo);
    const byDigest = isDigest(reference);
    const digest = byDigest ? reference : links?.tags.get(reference);
    const shown = byDigest ? `${repo}@${reference}` : `${repo}:${reference}`;
    if (!digest || (byDigest && !links?.manifests.has(digest))) {
      throw new NotFoundError(this.label, `Manifest ${shown} not found in ${this.label}`);
    }
    if (!links?.manifests.has(digest)) {
      throw new NotFoundError(
        this.label,
        `Tag ${shown} in ${this.label} points at ${digest}, which the repository does not link`,
      );
    }
    const cached = this.#descriptors.get(digest);
    if (cached) return { ...cached };
    const bytes = await this.#readManifest(repo, digest, o?.signal);
    const m = parseManifest(bytes, { where: `${this.label}/${repo}@${digest}` });
    const d: Descriptor = { mediaType: m.mediaType, digest, size: bytes.byteLength };
    this.#descriptors.set(digest, d);
    return { ...d };
  }

  /** Returns a linked manifest's exact bytes, verified against `d`. */
  async getManifest(repo: string, d: Descriptor, o?: OpOptions): Promise<Uint8Array> {
    if (!this.#repos.get(repo)?.manifests.has(d.digest)) {
      throw new NotFoundError(this.label, `Manifest ${repo}@${d.digest} not found in ${this.label}`);
    }
    const bytes = await this.#readManifest(repo, d.digest, o?.signal);
    verifyBytes(bytes, d, `${this.label} manifest ${repo}@${d.digest}`);
    return bytes;
  }

  /**
   * Streams a blob's bytes from its part in 1 MiB reads (not verified here: pipe through `verifyStream`).
   * Blobs are content-addressed, so one is served whether or not `repo` links it.
   */
  async getBlob(repo: string, d: Descriptor, o?: OpOptions): Promise<ReadableStream<Uint8Array>> {
    throwIfAborted(o?.signal);
    const e = this.#blobs.get(d.digest);
    if (!e) {
      throw new NotFoundError(this.label, `Blob ${repo}@${d.digest} not found in ${this.label}`);
    }
    const where = `${this.label} blob ${d.digest} (${repo})`;
    if (e.size !== d.size) throw new DigestMismatchError(d.digest, `${e.size} of ${d.size} bytes`, where);
    return await rangeStream(
      this.#path(e),
      e.dataOffset,
      e.size,
      o?.signal ? { where, signal: o.signal } : { where },
    );
  }

  /** True when the set holds the blob's data. */
  containsBlob(digest: Digest): boolean {
    return this.#blobs.has(digest);
  }

  /** Lists the tags of a repository, sorted. */
  async *listTags(repo: string, _o?: OpOptions): AsyncIterable<string> {
    yield* [...(this.#repos.get(repo)?.tags.keys() ?? [])].sort();
  }

  /** Lists the repositories the set links anything into, sorted. */
  async *listRepositories(_o?: OpOptions): AsyncIterable<string> {
    yield* [...this.#repos.keys()].sort();
  }

  #fileEntries(prefix: string): LocatedEntry[] {
    return [...this.#set.byName.values()]
      .filter((e) => (e.kind.kind === "file" || e.kind.kind === "isc") && e.name.startsWith(prefix))
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  /** Lists the working-dir and ISC entries whose names start with `prefix`, sorted by name. */
  listFiles(prefix = ""): ArchiveFileInfo[] {
    return this.#fileEntries(prefix).map((e) => ({ path: e.name, sizeBytes: e.size }));
  }

  /** Reads a small working-dir or ISC entry (checked against its index sha256 when there is one). */
  async readFile(path: string, o: ReadFileOptions = {}): Promise<Uint8Array> {
    throwIfAborted(o.signal);
    const e = this.#set.byName.get(path);
    if (!e || (e.kind.kind !== "file" && e.kind.kind !== "isc")) {
      throw new NotFoundError(this.label, `File "${path}" not found in ${this.label}`);
    }
    const max = o.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (e.size > max) {
      throw new ArchiveError(
        this.#path(e),
        `${this.#where(e)} is ${e.size} bytes: the limit for reading it is ${max}`,
      );
    }
    using file = await Deno.open(this.#path(e), { read: true });
    const bytes = new Uint8Array(e.size);
    await readAt(file, e.dataOffset, bytes);
    if (e.sha256 !== undefined) {
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== e.sha256) {
        throw new DigestMismatchError(
          `sha256:${e.sha256}`,
          `sha256:${actual}`,
          `${this.label} file "${path}"`,
        );
      }
    }
    return bytes;
  }

  /**
   * Extracts the working-dir and ISC entries whose names start with `prefix` into `destDir`, keeping
   * their full names (`destDir/working-dir/...`). Never writes outside `destDir` or through a symbolic
   * link; files are written under a temporary name, checked, created 0644 (directories 0755) and renamed.
   */
  async extractFiles(prefix: string, destDir: string, o: OpOptions = {}): Promise<ExtractResult> {
    const checkedDirs = new Set<string>();
    let files = 0;
    let bytes = 0;
    await Deno.mkdir(destDir, { recursive: true });
    for (const e of this.#fileEntries(prefix)) {
      throwIfAborted(o.signal);
      const components = e.name.split("/");
      let dir = destDir;
      for (const c of components.slice(0, -1)) {
        dir = join(dir, c);
        if (checkedDirs.has(dir)) continue;
        await ensureDirectory(dir, e.name);
        checkedDirs.add(dir);
      }
      const target = join(destDir, ...components);
      await this.#extractOne(e, target, o.signal);
      files++;
      bytes += e.size;
    }
    return { files, bytes };
  }

  async #extractOne(e: LocatedEntry, target: string, signal?: AbortSignal): Promise<void> {
    const existing = await Deno.lstat(target).catch(() => undefined);
    if (existing?.isDirectory) {
      throw new ArchiveError(this.#path(e), `Cannot extract ${this.#where(e)}: ${target} is a directory`);
    }
    const temp = `${target}${PARTIAL_SUFFIX}`;
    await Deno.remove(temp).catch(() => {});
    const hash = createHash("sha256");
    try {
      const where = `${this.#where(e)}`;
      const stream = await rangeStream(
        this.#path(e),
        e.dataOffset,
        e.size,
        signal ? { where, signal } : { where },
      );
      {
        using out = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
        for await (const chunk of stream) {
          hash.update(chunk);
          let written = 0;
          while (written < chunk.byteLength) written += await out.write(chunk.subarray(written));
        }
        await out.syncData();
      }
      const actual = hash.digest("hex");
      if (e.sha256 !== undefined && actual !== e.sha256) {
        throw new ArchiveError(
          this.#path(e),
          `${this.#where(e)} does not match its index: expected sha256 ${e.sha256}, got ${actual}`,
        );
      }
      await Deno.chmod(temp, 0o644);
      await Deno.rename(temp, target);
    } catch (err) {
      await Deno.remove(temp).catch(() => {});
      throw err;
    }
  }

  /**
   * Hashes every entry against its digest or index sha256 and checks every part against the set
   * manifest (its part digest, built from those entry hashes and the tar headers and padding), in one
   * sequential read per part and one hash per byte; reports a `phase` event then `bytes` events as it
   * goes. Call it before using anything from the set.
   */
  async verify(o: OpOptions = {}): Promise<VerifyResult> {
    const signal = o.signal ? AbortSignal.any([o.signal, this.#ctx.signal]) : this.#ctx.signal;
    const parts = this.#set.parts;
    const totalBytes = parts.reduce((n, p) => n + p.sizeBytes, 0);
    this.#ctx.report({ kind: "phase", name: "verify-archive", total: parts.length, totalBytes });
    let entries = 0;
    let bytes = 0;
    let unreported = 0;
    const onBytes = (n: number) => {
      unreported += n;
      if (unreported >= PROGRESS_EVERY_BYTES) {
        this.#ctx.report({ kind: "bytes", count: unreported });
        unreported = 0;
      }
    };
    for (const [i, part] of parts.entries()) {
      const result = await verifyPart(part, {
        entries: this.#set.entries.filter((e) => e.part === i),
        expectedSha256: (e) =>
          e.kind.kind === "tree" && e.kind.tree.kind === "blob" ? digestHex(e.kind.tree.digest) : e.sha256,
        mismatch: (e, expected, actual) => this.#mismatch(e, expected, actual),
        onBytes,
        signal,
      });
      entries += result.entries;
      bytes += result.bytes;
    }
    if (unreported > 0) this.#ctx.report({ kind: "bytes", count: unreported });
    log(
      this.#ctx,
      "info",
      `Verified archive set in ${this.dir}: ${parts.length} part(s), ${entries} entries`,
    );
    return { parts: parts.length, entries, bytes };
  }

  #mismatch(e: LocatedEntry, expected: string, actual: string): Error {
    const cause = new DigestMismatchError(`sha256:${expected}`, `sha256:${actual}`, this.#where(e));
    return new ArchiveError(
      this.#path(e),
      `${this.#where(e)} does not match its ${
        e.sha256 !== undefined && e.kind.kind !== "tree" ? "index" : "digest"
      }: ` +
        `expected sha256:${expected}, got sha256:${actual}`,
      { cause },
    );
  }
}

/** Creates a directory (0755) or checks an existing one is a real directory, not a symbolic link. */
async function ensureDirectory(dir: string, entry: string): Promise<void> {
  const info = await Deno.lstat(dir).catch(() => undefined);
  if (!info) {
    await Deno.mkdir(dir, { mode: 0o755 });
    await Deno.chmod(dir, 0o755);
    return;
  }
  if (info.isSymlink) {
    throw new ArchiveError(dir, `Refusing to extract "${entry}" through ${dir}: it is a symbolic link`);
  }
  if (!info.isDirectory) {
    throw new ArchiveError(dir, `Cannot extract "${entry}": ${dir} exists and is not a directory`);
  }
}

/** Finds the parts of the set in `dir` and checks their numbering has no gap. */
async function findParts(dir: string, options: ArchiveReaderOptions): Promise<PartFile[]> {
  const v2: { number: number; name: string }[] = [];
  const v1 = new Map<number, { number: number; name: string }[]>();
  let partials = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile && !e.isSymlink) continue;
      const parsed = parsePartFileName(e.name);
      if (!parsed) {
        if (e.name.endsWith(PARTIAL_SUFFIX) && parsePartFileName(e.name.slice(0, -PARTIAL_SUFFIX.length))) {
          partials++;
        }
        continue;
      }
      if (parsed.kind === "v2") v2.push({ number: parsed.number, name: e.name });
      else {
        const list = v1.get(parsed.sequence) ?? [];
        list.push({ number: parsed.number, name: e.name });
        v1.set(parsed.sequence, list);
      }
    }
  } catch (cause) {
    throw new ArchiveError(dir, `Cannot read archive directory ${dir}`, { cause });
  }
  let naming: ArchiveNaming;
  let found: { number: number; name: string }[];
  if (options.sequence !== undefined) {
    naming = { kind: "v1", sequence: options.sequence };
    found = v1.get(options.sequence) ?? [];
    if (found.length === 0) {
      throw new ArchiveError(
        dir,
        `No archive parts mirror_seq${options.sequence}_NNNNNN.tar found in ${dir}`,
      );
    }
  } else if (v2.length > 0) {
    naming = { kind: "v2" };
    found = v2;
    if (v1.size > 0) {
      log(options.ctx, "warn", `Ignoring mirror_seq*.tar parts in ${dir}: reading the mirror_NNNNNN.tar set`);
    }
  } else if (v1.size === 1) {
    const [sequence, list] = [...v1.entries()][0] as [number, { number: number; name: string }[]];
    naming = { kind: "v1", sequence };
    found = list;
  } else if (v1.size > 1) {
    throw new ArchiveError(
      dir,
      `Archive directory ${dir} holds parts of several sequences (${
        [...v1.keys()].sort((a, b) => a - b).join(", ")
      })`,
      { hint: "Choose the sequence to read" },
    );
  } else {
    const extra = partials > 0 ? `: only ${partials} .partial file(s) of an interrupted run` : "";
    throw new ArchiveError(dir, `No archive parts matching ${V2_PART_PATTERN} found in ${dir}${extra}`);
  }
  found.sort((a, b) => a.number - b.number);
  const first = firstPartNumber(naming.kind);
  for (const [i, f] of found.entries()) {
    if (f.number !== first + i) {
      const missing = join(dir, partFileName(naming, i));
      throw new ArchiveError(
        missing,
        `Archive part ${missing} is missing from ${dir}: found ${found.map((x) => x.name).join(", ")}`,
      );
    }
  }
  return found.map((f) => ({ path: join(dir, f.name), name: f.name }));
}
