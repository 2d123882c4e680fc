/**
 * Finding registry credentials the way the original tool does (reference §8):
 *
 * - `authFile` option (`--authfile`) or, for v2, `REGISTRY_AUTH_FILE`: only that file (it must exist).
 * - v2 otherwise, first match wins: `$XDG_RUNTIME_DIR/containers/auth.json`,
 *   `$XDG_CONFIG_HOME/containers/auth.json` (default `~/.config/...`), `$DOCKER_CONFIG/config.json`
 *   (default `~/.docker/config.json`), `~/.dockercfg` (legacy format).
 * - v1: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`) if it exists, otherwise
 *   `$XDG_RUNTIME_DIR/containers/auth.json`; never both, `REGISTRY_AUTH_FILE` ignored.
 *
 * Within a file: `credHelpers[host]`, then the most specific `auths` key, then `credsStore`.
 * Environment and home directory come only from the run context. With `--log-level debug` the lookup
 * says which file and key supplied a registry's credentials, never the secret itself.
 * @module
 */
import { isAbsolute, join } from "node:path";
import { ConfigError } from "../errors.ts";
import { log, type RunContext } from "../context.ts";
import type { OpOptions } from "../store/mod.ts";
import {
  type AuthFile,
  type Credential,
  matchAuthEntry,
  normalizeRegistryHost,
  parseAuthFile,
} from "./auth_file.ts";
import { runCredentialHelper } from "./credential_helper.ts";
import type { SecretRedactor } from "./redact.ts";

/** Where a credential came from (never the secret). */
export interface CredentialSource {
  /** The file that held the entry or named the helper. */
  file: string;
  /** The key that matched, e.g. `quay.io/ns`; for helpers the registry host. */
  key: string;
  /** The helper suffix when a credential helper supplied it (`credHelpers`/`credsStore`). */
  helper?: string;
}

/** A credential and its source. */
export interface CredentialMatch {
  credential: Credential;
  source: CredentialSource;
}

/** Finds credentials for a repository. */
export interface CredentialLookup {
  /** Credentials for `registry/repository` (repository may be empty for registry-wide requests). */
  lookup(registry: string, repository: string, o?: OpOptions): Promise<CredentialMatch | undefined>;
  /** Every file path considered, in lookup order (existing or not). */
  readonly searched: readonly string[];
}

/** Options of {@link loadCredentials}. */
export interface LoadCredentialsOptions {
  /** `--authfile`: only this file is read; it must exist. */
  authFile?: string;
  /** Which tool generation's lookup rules apply. */
  engine: "v1" | "v2";
  /** Every secret found is registered here so messages can mask it. */
  redactor?: SecretRedactor;
  signal?: AbortSignal;
}

/** A file in the lookup chain. */
interface Candidate {
  path: string;
  legacy: boolean;
  required: boolean;
}

/** The credential files the rules consider, in order. */
export function credentialFileCandidates(
  ctx: Pick<RunContext, "env" | "homeDir" | "cwd">,
  options: Pick<LoadCredentialsOptions, "authFile" | "engine">,
): { path: string; legacy: boolean; required: boolean }[] {
  const env = (n: string) => {
    const v = ctx.env(n);
    return v === undefined || v === "" ? undefined : v;
  };
  const abs = (p: string) => isAbsolute(p) ? p : join(ctx.cwd, p);
  const explicit = options.authFile ?? (options.engine === "v2" ? env("REGISTRY_AUTH_FILE") : undefined);
  if (explicit !== undefined && explicit !== "") {
    return [{ path: abs(explicit), legacy: false, required: true }];
  }
  const runtime = env("XDG_RUNTIME_DIR");
  const runtimeFile = runtime === undefined ? undefined : join(runtime, "containers", "auth.json");
  const dockerConfig = join(env("DOCKER_CONFIG") ?? join(ctx.homeDir, ".docker"), "config.json");
  if (options.engine === "v1") {
    const out: Candidate[] = [{ path: dockerConfig, legacy: false, required: false }];
    if (runtimeFile) out.push({ path: runtimeFile, legacy: false, required: false });
    return out;
  }
  const out: Candidate[] = [];
  if (runtimeFile) out.push({ path: runtimeFile, legacy: false, required: false });
  out.push({
    path: join(env("XDG_CONFIG_HOME") ?? join(ctx.homeDir, ".config"), "containers", "auth.json"),
    legacy: false,
    required: false,
  });
  out.push({ path: dockerConfig, legacy: false, required: false });
  out.push({ path: join(ctx.homeDir, ".dockercfg"), legacy: true, required: false });
  return out;
}

async function readCandidate(c: Candidate): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(c.path);
  } catch (cause) {
    if (
      !c.required && (cause instanceof Deno.errors.NotFound || cause instanceof Deno.errors.NotADirectory)
    ) {
      return undefined;
    }
    throw new ConfigError([{
      file: c.path,
      line: 0,
      column: 0,
      path: "",
      message: `Credentials file cannot be read: ${(cause as Error).message}`,
      severity: "error",
    }], { cause });
  }
  return parseAuthFile(c.path, text, c.legacy);
}

/** Reads the credential files that apply and returns a lookup over them. */
export async function loadCredentials(
  ctx: RunContext,
  options: LoadCredentialsOptions,
): Promise<CredentialLookup> {
  const candidates = credentialFileCandidates(ctx, options);
  const files: AuthFile[] = [];
  for (const c of candidates) {
    const f = await readCandidate(c);
    if (!f) continue;
    files.push(f);
    // v1 reads the Docker config if it exists, otherwise the runtime file: never both.
    if (options.engine === "v1" && options.authFile === undefined) break;
  }
  for (const f of files) {
    for (const e of f.entries) {
      if ("identityToken" in e.credential) options.redactor?.add(e.credential.identityToken);
      else options.redactor?.add(e.credential.password);
    }
  }
  return new FileCredentialLookup(ctx, files, candidates.map((c) => c.path), options.redactor);
}

class FileCredentialLookup implements CredentialLookup {
  readonly searched: readonly string[];
  #ctx: RunContext;
  #files: AuthFile[];
  #redactor: SecretRedactor | undefined;
  #cache = new Map<string, Promise<CredentialMatch | undefined>>();

  constructor(ctx: RunContext, files: AuthFile[], searched: string[], redactor?: SecretRedactor) {
    this.#ctx = ctx;
    this.#files = files;
    this.searched = searched;
    this.#redactor = redactor;
  }

  lookup(registry: string, repository: string, o: OpOptions = {}): Promise<CredentialMatch | undefined> {
    const key = `${normalizeRegistryHost(registry)}/${repository}`;
    let p = this.#cache.get(key);
    if (!p) {
      p = this.#find(registry, repository, o);
      this.#cache.set(key, p);
      p.catch(() => this.#cache.delete(key));
    }
    return p;
  }

  async #find(registry: string, repository: string, o: OpOptions): Promise<CredentialMatch | undefined> {
    const host = normalizeRegistryHost(registry);
    const name = repository === "" ? host : `${host}/${repository}`;
    for (const f of this.#files) {
      const helper = f.credHelpers[host];
      const fromHelper = helper !== undefined ? await this.#helper(helper, host, f, o) : undefined;
      if (fromHelper) return this.#found(name, fromHelper);
      if (helper !== undefined) continue; // a host's credHelper is authoritative for that file
      const entry = matchAuthEntry(f, host, repository);
      if (entry) {
        return this.#found(name, { credential: entry.credential, source: { file: f.path, key: entry.key } });
      }
      if (f.credsStore !== undefined) {
        const fromStore = await this.#helper(f.credsStore, host, f, o);
        if (fromStore) return this.#found(name, fromStore);
      }
    }
    log(this.#ctx, "debug", `No credentials for ${name}: none in ${this.searched.join(", ")}`);
    return undefined;
  }

  async #helper(
    helper: string,
    host: string,
    f: AuthFile,
    o: OpOptions,
  ): Promise<CredentialMatch | undefined> {
    const credential = await runCredentialHelper(helper, host, {
      env: this.#ctx.env,
      file: f.path,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (!credential) return undefined;
    if ("identityToken" in credential) this.#redactor?.add(credential.identityToken);
    else this.#redactor?.add(credential.password);
    return { credential, source: { file: f.path, key: host, helper } };
  }

  #found(name: string, m: CredentialMatch): CredentialMatch {
    const via = m.source.helper === undefined
      ? `key "${m.source.key}"`
      : `helper "docker-credential-${m.source.helper}"`;
    log(this.#ctx, "debug", `Using credentials for ${name} from ${m.source.file} (${via})`);
    return m;
  }
}

/** Describes where a request's credentials came from, for messages (never the secret). */
export function describeCredentialSource(
  match: CredentialMatch | undefined,
  lookup: Pick<CredentialLookup, "searched"> | undefined,
): string {
  if (match) {
    const s = match.source;
    return s.helper === undefined
      ? `credentials from ${s.file} (key "${s.key}")`
      : `credentials from helper "docker-credential-${s.helper}" named in ${s.file}`;
  }
  const where = lookup && lookup.searched.length > 0 ? ` (looked in ${lookup.searched.join(", ")})` : "";
  return `no credentials found${where}`;
}
