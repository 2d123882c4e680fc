/**
 * Reading one credentials file (`auth.json`, Docker's `config.json`, the legacy `~/.dockercfg`) and
 * finding the entry for a repository: keys may be `host`, `host/namespace`, `host/namespace/repo` or
 * URL-style `https://host/v1/`; the most specific matching key wins.
 * @see https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md
 * @module
 */
import { Buffer } from "node:buffer";
import { ConfigError } from "../errors.ts";

/** A username and password, or an identity (refresh) token. */
export type Credential = { username: string; password: string } | { identityToken: string };

/** One usable entry of an auth file. */
export interface AuthFileEntry {
  /** The key as written in the file. */
  key: string;
  /** The key as matched: scheme and (for URL keys) path removed, Docker Hub aliases → `docker.io`. */
  normalizedKey: string;
  credential: Credential;
}

/** A parsed credentials file. */
export interface AuthFile {
  path: string;
  /** Entries with usable credentials (placeholders left by `credsStore` logins are dropped). */
  entries: AuthFileEntry[];
  /** `credHelpers`: registry host → helper suffix (`docker-credential-<suffix>`). */
  credHelpers: Record<string, string>;
  /** `credsStore`: the default helper suffix. */
  credsStore?: string;
}

/** Normalises a registry host name the way credential keys are compared (Docker Hub aliases). */
export function normalizeRegistryHost(host: string): string {
  const h = host.toLowerCase();
  return h === "index.docker.io" || h === "registry-1.docker.io" ? "docker.io" : h;
}

/**
 * Normalises an auth-file key: `https://host/v1/` and `http://host` become `host`; in the legacy
 * format only the host part counts; Docker Hub aliases become `docker.io`.
 */
export function normalizeAuthKey(key: string, legacy = false): string {
  let k = key.replace(/^https?:\/\//, "");
  if (legacy || k !== key) k = k.split("/")[0] ?? "";
  const slash = k.indexOf("/");
  const host = slash < 0 ? k : k.slice(0, slash);
  const rest = slash < 0 ? "" : k.slice(slash);
  return normalizeRegistryHost(host) + rest.replace(/\/+$/, "");
}

function decodeAuth(path: string, key: string, auth: string): Credential {
  const text = Buffer.from(auth, "base64").toString("utf-8");
  const colon = text.indexOf(":");
  if (colon < 0) {
    throw new ConfigError([{
      file: path,
      line: 0,
      column: 0,
      path: `auths.${key}.auth`,
      message: `Credentials for "${key}" are malformed: "auth" must be base64 of "username:password"`,
      severity: "error",
    }]);
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function problem(path: string, message: string): ConfigError {
  return new ConfigError([{ file: path, line: 0, column: 0, path: "", message, severity: "error" }]);
}

/** Parses the text of a credentials file; `legacy` is the `~/.dockercfg` format (keys at the top). */
export function parseAuthFile(path: string, text: string, legacy = false): AuthFile {
  let json: unknown;
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch (cause) {
    throw new ConfigError([{
      file: path,
      line: 0,
      column: 0,
      path: "",
      message: `Credentials file is not valid JSON: ${(cause as Error).message}`,
      severity: "error",
    }], { cause });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw problem(path, "Credentials file is not a JSON object");
  }
  const root = json as Record<string, unknown>;
  const auths = legacy ? root : root.auths ?? {};
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) {
    throw problem(path, `Credentials file has an "auths" that is not an object`);
  }
  const entries: AuthFileEntry[] = [];
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof value !== "object" || value === null) continue;
    const v = value as Record<string, unknown>;
    const identityToken = typeof v.identitytoken === "string" ? v.identitytoken : "";
    const auth = typeof v.auth === "string" ? v.auth : "";
    let credential: Credential | undefined;
    if (identityToken !== "") credential = { identityToken };
    else if (auth !== "") credential = decodeAuth(path, key, auth);
    if (credential) entries.push({ key, normalizedKey: normalizeAuthKey(key, legacy), credential });
  }
  const credHelpers: Record<string, string> = {};
  if (!legacy && typeof root.credHelpers === "object" && root.credHelpers !== null) {
    for (const [host, helper] of Object.entries(root.credHelpers as Record<string, unknown>)) {
      if (typeof helper === "string" && helper !== "") credHelpers[normalizeAuthKey(host)] = helper;
    }
  }
  const file: AuthFile = { path, entries, credHelpers };
  if (!legacy && typeof root.credsStore === "string" && root.credsStore !== "") {
    file.credsStore = root.credsStore;
  }
  return file;
}

/** The keys that can match a repository, most specific first: `host/a/b`, `host/a`, `host`. */
export function candidateKeys(registry: string, repository: string): string[] {
  const host = normalizeRegistryHost(registry);
  const keys: string[] = [];
  const parts = repository === "" ? [] : repository.split("/");
  for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join("/")}`);
  keys.push(host);
  return keys;
}

/** Returns the most specific entry of `file` matching the repository, if any. */
export function matchAuthEntry(
  file: AuthFile,
  registry: string,
  repository: string,
): AuthFileEntry | undefined {
  for (const key of candidateKeys(registry, repository)) {
    const hit = file.entries.find((e) => e.normalizedKey === key);
    if (hit) return hit;
  }
  return undefined;
}
