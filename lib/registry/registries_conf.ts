/**
 * `containers-registries.conf(5)`: where pulls of an image name really go. Supports the v2 format's
 * `[[registry]]` tables (`prefix`, `location`, `insecure`, `blocked`, `mirror-by-digest-only`,
 * `[[registry.mirror]]` with `location`, `insecure`, `pull-from-mirror`) and the v1 format's
 * `[registries.insecure]`/`[registries.block]` lists; `unqualified-search-registries`, short-name
 * aliases and other keys are ignored (we only ever pull fully-qualified names). Drop-in directories
 * (`registries.conf.d`) are not read.
 *
 * File: `--registries-config`, else `$CONTAINERS_REGISTRIES_CONF`, else
 * `~/.config/containers/registries.conf` if it exists, else `/etc/containers/registries.conf`.
 * @see https://github.com/containers/image/blob/main/docs/containers-registries.conf.5.md
 * @module
 */
import { isAbsolute, join } from "node:path";
import { ConfigError, type ConfigProblem } from "../errors.ts";
import { log, type RunContext } from "../context.ts";
import { parseToml, type TomlDocument, type TomlTable, type TomlValue } from "./toml_subset.ts";

/** When a mirror is used. */
export type PullFromMirror = "all" | "digest-only" | "tag-only";

/** A `[[registry.mirror]]`. */
export interface RegistryMirror {
  /** `host[:port][/namespace]`. */
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

/** A `[[registry]]` entry. */
export interface RegistryEntry {
  /** `host[:port][/namespace...]` or `*.domain`. */
  prefix: string;
  /** Where the prefix really lives (empty for wildcard prefixes: the name's own host). */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: RegistryMirror[];
}

/** A parsed registries.conf. */
export interface RegistriesConf {
  /** The file it came from, if any. */
  file?: string;
  registries: RegistryEntry[];
}

/** Where to try pulling an image from, in order. */
export interface PullSource {
  /** Registry host of this location. */
  registry: string;
  /** Repository path at this location. */
  repository: string;
  /** Skip TLS verification (and allow plain http) for this location. */
  insecure: boolean;
  /** A mirror rather than the (possibly rewritten) primary location. */
  mirror: boolean;
  /** Set on a primary location that registries.conf blocks: pulling from it is an error. */
  blockedBy?: string;
}

/** An empty configuration: every name is pulled from where it says. */
export const EMPTY_REGISTRIES_CONF: RegistriesConf = { registries: [] };

const REGISTRY_KEYS = new Set([
  "prefix",
  "location",
  "insecure",
  "blocked",
  "mirror-by-digest-only",
  "mirror",
]);
const MIRROR_KEYS = new Set(["location", "insecure", "pull-from-mirror"]);

class ConfReader {
  problems: ConfigProblem[] = [];
  constructor(readonly file: string, readonly doc: TomlDocument) {}

  problem(path: string, message: string, severity: "error" | "warning" = "error"): void {
    const pos = this.doc.positions.get(path) ?? { line: 0, column: 0 };
    this.problems.push({ file: this.file, line: pos.line, column: pos.column, path, message, severity });
  }

  str(t: TomlTable, key: string, path: string): string | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") {
      this.problem(`${path}.${key}`, `${path}.${key} must be a string`);
      return undefined;
    }
    return v;
  }

  bool(t: TomlTable, key: string, path: string): boolean {
    const v = t[key];
    if (v === undefined) return false;
    if (typeof v !== "boolean") {
      this.problem(`${path}.${key}`, `${path}.${key} must be true or false`);
      return false;
    }
    return v;
  }

  location(value: string | undefined, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (/^[a-z]+:\/\//i.test(value)) {
      this.problem(path, `${path} "${value}" must not have a URL scheme: want host[:port][/namespace]`);
      return undefined;
    }
    return value.replace(/\/+$/, "");
  }
}

function tables(v: TomlValue | undefined): TomlTable[] {
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is TomlTable => typeof x === "object" && x !== null && !Array.isArray(x));
}

/** Parses registries.conf text (v2, or the v1 insecure/block lists); `file` names it in errors. */
export function parseRegistriesConf(
  text: string,
  file: string,
): RegistriesConf & { warnings: ConfigProblem[] } {
  const doc = parseToml(text, file);
  const r = new ConfReader(file, doc);
  const registries: RegistryEntry[] = [];
  const root = doc.value;
  const regs = root.registry;
  if (regs !== undefined && (!Array.isArray(regs) || tables(regs).length !== regs.length)) {
    r.problem("registry", `"registry" must be an array of tables: write [[registry]]`);
  }
  tables(regs).forEach((t, i) => {
    const path = `registry[${i}]`;
    for (const k of Object.keys(t)) {
      if (!REGISTRY_KEYS.has(k)) r.problem(`${path}.${k}`, `Unknown key ${path}.${k} is ignored`, "warning");
    }
    const location = r.location(r.str(t, "location", path), `${path}.location`);
    const prefix = r.location(r.str(t, "prefix", path), `${path}.prefix`) ?? location;
    if (prefix === undefined || prefix === "") {
      r.problem(path, `${path} needs a "prefix" or a "location"`);
      return;
    }
    if (prefix.startsWith("*.") && location !== undefined && location !== "") {
      r.problem(
        `${path}.location`,
        `${path} has a wildcard prefix "${prefix}": it cannot also set a location`,
      );
    }
    const mirrorByDigestOnly = r.bool(t, "mirror-by-digest-only", path);
    const mirrors: RegistryMirror[] = [];
    const rawMirrors = t.mirror;
    if (
      rawMirrors !== undefined &&
      (!Array.isArray(rawMirrors) || tables(rawMirrors).length !== rawMirrors.length)
    ) {
      r.problem(`${path}.mirror`, `${path}.mirror must be an array of tables: write [[registry.mirror]]`);
    }
    tables(rawMirrors).forEach((m, j) => {
      const mpath = `${path}.mirror[${j}]`;
      for (const k of Object.keys(m)) {
        if (!MIRROR_KEYS.has(k)) {
          r.problem(`${mpath}.${k}`, `Unknown key ${mpath}.${k} is ignored`, "warning");
        }
      }
      const mloc = r.location(r.str(m, "location", mpath), `${mpath}.location`);
      if (mloc === undefined || mloc === "") {
        r.problem(mpath, `${mpath} needs a "location"`);
        return;
      }
      const pfm = r.str(m, "pull-from-mirror", mpath) ?? "all";
      if (pfm !== "all" && pfm !== "digest-only" && pfm !== "tag-only") {
        r.problem(
          `${mpath}.pull-from-mirror`,
          `${mpath}.pull-from-mirror "${pfm}" is not allowed: want "all", "digest-only" or "tag-only"`,
        );
        return;
      }
      if (mirrorByDigestOnly && pfm !== "all") {
        r.problem(
          `${mpath}.pull-from-mirror`,
          `${mpath}.pull-from-mirror cannot be combined with ${path}.mirror-by-digest-only = true`,
        );
      }
      mirrors.push({
        location: mloc,
        insecure: r.bool(m, "insecure", mpath),
        pullFromMirror: mirrorByDigestOnly ? "digest-only" : pfm,
      });
    });
    registries.push({
      prefix,
      location: prefix.startsWith("*.") ? "" : location ?? prefix,
      insecure: r.bool(t, "insecure", path),
      blocked: r.bool(t, "blocked", path),
      mirrorByDigestOnly,
      mirrors,
    });
  });
  // v1 format: [registries.insecure] registries = [...], [registries.block] registries = [...]
  const v1 = root.registries;
  if (typeof v1 === "object" && v1 !== null && !Array.isArray(v1)) {
    for (const [kind, flag] of [["insecure", "insecure"], ["block", "blocked"]] as const) {
      const section = v1[kind];
      if (typeof section !== "object" || section === null || Array.isArray(section)) continue;
      const list = section.registries;
      if (!Array.isArray(list)) continue;
      for (const host of list) {
        if (typeof host !== "string" || host === "") continue;
        let e = registries.find((x) => x.prefix === host);
        if (!e) {
          e = {
            prefix: host,
            location: host,
            insecure: false,
            blocked: false,
            mirrorByDigestOnly: false,
            mirrors: [],
          };
          registries.push(e);
        }
        e[flag] = true;
      }
    }
  }
  const errors = r.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) throw new ConfigError(r.problems);
  return { file, registries, warnings: r.problems };
}

/** Options of {@link loadRegistriesConf}. */
export interface LoadRegistriesConfOptions {
  /** `--registries-config`: this file only (must exist). */
  path?: string;
  /** The system-wide file. @default "/etc/containers/registries.conf" */
  systemPath?: string;
  signal?: AbortSignal;
}

async function readIfExists(path: string, required: boolean): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (cause) {
    if (!required && cause instanceof Deno.errors.NotFound) return undefined;
    throw new ConfigError([{
      file: path,
      line: 0,
      column: 0,
      path: "",
      message: `Registries configuration cannot be read: ${(cause as Error).message}`,
      severity: "error",
    }], { cause });
  }
}

/** Finds and parses the registries.conf that applies (empty configuration when there is none). */
export async function loadRegistriesConf(
  ctx: Pick<RunContext, "env" | "homeDir" | "cwd" | "report">,
  options: LoadRegistriesConfOptions = {},
): Promise<RegistriesConf> {
  const abs = (p: string) => isAbsolute(p) ? p : join(ctx.cwd, p);
  const fromEnv = ctx.env("CONTAINERS_REGISTRIES_CONF");
  const explicit = options.path ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined);
  const candidates = explicit !== undefined ? [{ path: abs(explicit), required: true }] : [
    { path: join(ctx.homeDir, ".config", "containers", "registries.conf"), required: false },
    { path: options.systemPath ?? "/etc/containers/registries.conf", required: false },
  ];
  for (const c of candidates) {
    const text = await readIfExists(c.path, c.required);
    if (text === undefined) continue;
    const conf = parseRegistriesConf(text, c.path);
    for (const w of conf.warnings) log(ctx, "warn", `${w.file}:${w.line}:${w.column}: ${w.message}`);
    log(ctx, "debug", `Using registries configuration ${c.path} (${conf.registries.length} registries)`);
    return { file: c.path, registries: conf.registries };
  }
  return EMPTY_REGISTRIES_CONF;
}

/** How much of `name` (`host/repo`) a prefix matches; -1 when it does not match. */
function matchLength(prefix: string, name: string): number {
  if (prefix.startsWith("*.")) {
    const slash = name.indexOf("/");
    const host = slash < 0 ? name : name.slice(0, slash);
    return host.endsWith(prefix.slice(1)) ? host.length : -1;
  }
  if (name === prefix || name.startsWith(`${prefix}/`)) return prefix.length;
  return -1;
}

/** The entry whose prefix matches `host/repository` longest, if any. */
export function findRegistryEntry(
  conf: RegistriesConf,
  registry: string,
  repository: string,
): { entry: RegistryEntry; matched: number } | undefined {
  const name = `${registry}/${repository}`;
  let best: { entry: RegistryEntry; matched: number; prefixLength: number } | undefined;
  for (const entry of conf.registries) {
    const matched = matchLength(entry.prefix, name);
    if (matched < 0) continue;
    // Longest prefix wins; a literal prefix beats a wildcard matching the same host.
    const prefixLength = entry.prefix.startsWith("*.") ? matched - 0.5 : matched;
    if (!best || prefixLength > best.prefixLength) best = { entry, matched, prefixLength };
  }
  return best ? { entry: best.entry, matched: best.matched } : undefined;
}

function split(name: string): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  return { registry: name.slice(0, slash), repository: name.slice(slash + 1) };
}

/**
 * The locations to try for `registry/repository`, mirrors first then the primary location; digest-only
 * mirrors only when `byDigest`, tag-only mirrors only when not. A blocked primary location is returned
 * with `blockedBy` set (mirrors of a blocked registry are still used, as containers/image does).
 */
export function pullSources(
  conf: RegistriesConf,
  registry: string,
  repository: string,
  options: { byDigest: boolean },
): PullSource[] {
  const found = findRegistryEntry(conf, registry, repository);
  if (!found) return [{ registry, repository, insecure: false, mirror: false }];
  const { entry, matched } = found;
  const name = `${registry}/${repository}`;
  const rest = name.slice(matched);
  const out: PullSource[] = [];
  for (const m of entry.mirrors) {
    if (m.pullFromMirror === "digest-only" && !options.byDigest) continue;
    if (m.pullFromMirror === "tag-only" && options.byDigest) continue;
    out.push({ ...split(`${m.location}${rest}`), insecure: m.insecure, mirror: true });
  }
  const primary = entry.location === "" ? name : `${entry.location}${rest}`;
  out.push({
    ...split(primary),
    insecure: entry.insecure,
    mirror: false,
    ...(entry.blocked ? { blockedBy: `${conf.file ?? "registries.conf"} (prefix "${entry.prefix}")` } : {}),
  });
  return out;
}
