/**
 * Helm repository indexes (`<repo>/index.yaml`): fetching with a timeout and size cap, parsing into chart
 * versions with absolute download URLs (relative URLs resolve against the repository URL, as Helm's
 * `ResolveReferenceURL`), and choosing versions: an exact version, the same with or without a `v`, or a
 * semver range; no version means the newest stable one.
 * @see https://helm.sh/docs/topics/chart_repository/#the-index-file
 * @module
 */
import semver from "semver";
import { HelmError } from "../errors.ts";
import { type Digest, isDigest } from "../oci/mod.ts";
import { isGoMap } from "./_go_value.ts";
import { parseYaml } from "./_yaml_values.ts";

/** One version of a chart as the index lists it. */
export interface ChartVersion {
  name: string;
  version: string;
  appVersion: string;
  /** `application` or `library`. */
  type: string;
  /** Download URLs, absolute. */
  urls: string[];
  /** sha256 of the `.tgz`, when the index gives one. */
  digest?: Digest;
  /** The repository URL the index came from. */
  repositoryUrl: string;
}

/** A parsed repository index. */
export interface RepositoryIndex {
  /** The repository URL as configured. */
  url: string;
  apiVersion: string;
  /** Chart name → versions, newest first. */
  entries: Map<string, ChartVersion[]>;
  /** The index exactly as served (to be saved for disk-to-mirror). */
  bytes: Uint8Array;
}

/** Options of {@link fetchRepositoryIndex}. */
export interface FetchIndexOptions {
  signal?: AbortSignal;
  /**
   * Time allowed for the whole download. The original allows 5 s, which cuts off large indexes (tens of
   * MB) on slow links; 30 s leaves room for those while still failing fast on a dead server.
   * @default 30000
   */
  timeoutMs?: number;
  /** Largest index accepted. @default 128 MiB */
  maxBytes?: number;
  /** The fetch to use (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Default of {@link FetchIndexOptions.timeoutMs}. */
export const DEFAULT_INDEX_TIMEOUT_MS = 30_000;
/** Default of {@link FetchIndexOptions.maxBytes}. */
export const DEFAULT_INDEX_MAX_BYTES = 128 * 1024 * 1024;

/** A URL safe to print: no user information, no query (which may hold a signature). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.href;
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//").replace(/\?.*$/, "");
  }
}

/** Resolves a chart URL from an index against the repository URL, keeping the repository's query. */
export function resolveChartUrl(repositoryUrl: string, ref: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(ref)) return ref;
  const base = new URL(repositoryUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/`;
  const resolved = new URL(ref, base);
  resolved.search = base.search;
  return resolved.href;
}

/** The URL of a repository's `index.yaml`. */
export function indexUrl(repositoryUrl: string): string {
  const u = new URL(repositoryUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/index.yaml`;
  return u.href;
}

/** Where an index is saved below the indexes directory: `<host[:port]>/<path>/index.yaml`. */
export function indexRelativePath(repositoryUrl: string): string {
  const u = new URL(repositoryUrl);
  const parts = [u.host, ...u.pathname.split("/")].filter((p) => p !== "" && p !== "." && p !== "..");
  return [...parts.map((p) => decodeURIComponent(p).replaceAll("/", "_")), "index.yaml"].join("/");
}

function compareVersionsDesc(a: string, b: string): number {
  const va = semver.valid(a, { loose: true });
  const vb = semver.valid(b, { loose: true });
  if (va !== null && vb !== null) return semver.rcompare(va, vb, { loose: true });
  if (va !== null) return -1;
  if (vb !== null) return 1;
  return a < b ? 1 : a > b ? -1 : 0;
}

/** Parses index bytes; throws {@link HelmError} naming the repository when it is not an index. */
export function parseRepositoryIndex(bytes: Uint8Array, repositoryUrl: string): RepositoryIndex {
  const where = redactUrl(repositoryUrl);
  let doc: unknown;
  try {
    doc = parseYaml(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new HelmError(`Index of repository "${where}" is not valid YAML: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (!isGoMap(doc)) {
    throw new HelmError(`Index of repository "${where}" is not a Helm index: want a mapping`);
  }
  if (typeof doc.apiVersion !== "string" || doc.apiVersion === "") {
    throw new HelmError(`Index of repository "${where}" is not a Helm index: it has no apiVersion`);
  }
  const entries = new Map<string, ChartVersion[]>();
  const raw = isGoMap(doc.entries) ? doc.entries : {};
  for (const name of Object.keys(raw).sort()) {
    const list = raw[name];
    if (!Array.isArray(list)) continue;
    const versions: ChartVersion[] = [];
    for (const e of list) {
      // Helm skips invalid entries instead of failing the whole index.
      if (!isGoMap(e) || e.version === undefined || e.version === null) continue;
      const urls = Array.isArray(e.urls)
        ? e.urls.filter((u): u is string => typeof u === "string" && u !== "")
        : [];
      const v: ChartVersion = {
        name: typeof e.name === "string" && e.name !== "" ? e.name : name,
        version: String(e.version),
        appVersion: e.appVersion === undefined || e.appVersion === null ? "" : String(e.appVersion),
        type: typeof e.type === "string" && e.type !== "" ? e.type : "application",
        urls: [],
        repositoryUrl,
      };
      try {
        v.urls = urls.map((u) => resolveChartUrl(repositoryUrl, u));
      } catch {
        continue;
      }
      if (typeof e.digest === "string") {
        const d = e.digest.startsWith("sha256:") ? e.digest : `sha256:${e.digest}`;
        if (isDigest(d.toLowerCase())) v.digest = d.toLowerCase() as Digest;
      }
      versions.push(v);
    }
    versions.sort((a, b) => compareVersionsDesc(a.version, b.version));
    if (versions.length > 0) entries.set(name, versions);
  }
  return { url: repositoryUrl, apiVersion: doc.apiVersion, entries, bytes };
}

async function readCapped(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  where: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await body.cancel().catch(() => {});
      throw new HelmError(`Index of repository "${where}" is larger than the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * Fetches and parses `<url>/index.yaml`; throws {@link HelmError} naming the repository for HTTP errors,
 * timeouts, unreachable servers and invalid indexes.
 */
export async function fetchRepositoryIndex(
  url: string,
  options: FetchIndexOptions = {},
): Promise<RepositoryIndex> {
  const where = redactUrl(url);
  let target: string;
  try {
    target = indexUrl(url);
  } catch (e) {
    throw new HelmError(`Repository URL "${where}" is not a valid URL`, { cause: e });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_INDEX_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(target, { signal, headers: { accept: "application/x-yaml, text/yaml, */*" } });
    if (!res.ok || res.body === null) {
      await res.body?.cancel().catch(() => {});
      throw new HelmError(
        `Index of repository "${where}" cannot be fetched: HTTP ${res.status}${
          res.statusText ? ` ${res.statusText}` : ""
        }`,
        { hint: res.status === 404 ? "Check the repository URL: it must contain index.yaml" : undefined },
      );
    }
    const bytes = await readCapped(res.body, options.maxBytes ?? DEFAULT_INDEX_MAX_BYTES, where);
    return parseRepositoryIndex(bytes, url);
  } catch (e) {
    if (e instanceof HelmError) throw e;
    if (options.signal?.aborted) throw e;
    if (timeout.aborted) {
      throw new HelmError(
        `Index of repository "${where}" cannot be fetched: no complete answer within ${timeoutMs} ms`,
        {
          cause: e,
        },
      );
    }
    throw new HelmError(`Index of repository "${where}" cannot be fetched: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function listVersions(versions: ChartVersion[]): string {
  const shown = versions.slice(0, 20).map((v) => v.version).join(", ");
  return versions.length > 20 ? `${shown} and ${versions.length - 20} more` : shown;
}

/**
 * The chart version to use: `version` exactly, else with/without a leading `v`, else as a semver range;
 * no version selects the newest stable version. Throws {@link HelmError} listing what the index has.
 */
export function findChartVersion(index: RepositoryIndex, name: string, version?: string): ChartVersion {
  const where = redactUrl(index.url);
  const versions = index.entries.get(name);
  if (versions === undefined) {
    const names = [...index.entries.keys()];
    const shown = names.slice(0, 20).join(", ") + (names.length > 20 ? ` and ${names.length - 20} more` : "");
    throw new HelmError(
      `Chart "${name}" is not in the index of repository "${where}": ${
        names.length === 0 ? "the index lists no charts" : `it has ${shown}`
      }`,
    );
  }
  const wanted = version?.trim() ?? "";
  if (wanted === "") {
    const stable = versions.find((v) => {
      const p = semver.parse(v.version, { loose: true });
      return p !== null && p.prerelease.length === 0;
    });
    return stable ?? (versions[0] as ChartVersion);
  }
  const exact = versions.find((v) => v.version === wanted) ??
    versions.find((v) => v.version === `v${wanted}` || `v${v.version}` === wanted);
  if (exact !== undefined) return exact;
  const range = semver.validRange(wanted, { loose: true });
  if (range !== null && semver.valid(wanted, { loose: true }) === null) {
    const match = versions.find((v) => semver.satisfies(v.version, range, { loose: true }));
    if (match !== undefined) return match;
  }
  throw new HelmError(
    `Chart "${name}" version "${wanted}" is not in the index of repository "${where}": available versions are ${
      listVersions(versions)
    }`,
  );
}

/** Every version of every non-library chart, by name then newest first (what an empty `charts` list means). */
export function allChartVersions(index: RepositoryIndex): ChartVersion[] {
  return [...index.entries.values()].flat().filter((v) => v.type !== "library");
}
