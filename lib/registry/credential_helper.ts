/**
 * Asking a Docker credential helper (`docker-credential-<name> get`, server URL on stdin, JSON
 * `{ServerURL, Username, Secret}` on stdout) for a registry's credentials. The helper is found on the
 * run context's `PATH`; a missing helper is a clear error, "credentials not found" is not an error.
 * @see https://github.com/docker/docker-credential-helpers#development
 * @module
 */
import { join } from "node:path";
import { abortReason, OcMirrorError } from "../errors.ts";
import type { Credential } from "./auth_file.ts";
import type { EnvReader } from "./proxy_config.ts";

/** Options of {@link runCredentialHelper}. */
export interface CredentialHelperOptions {
  /** The run context's environment (`PATH`, `HOME` are passed to the helper). */
  env: EnvReader;
  /** The file that named the helper, for messages. */
  file: string;
  /** How long the helper may run. @default 30000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The server URL helpers are asked about: Docker Hub keeps its historical URL, others the host. */
export function helperServerUrl(registry: string): string {
  return registry === "docker.io" ? "https://index.docker.io/v1/" : registry;
}

async function findOnPath(program: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = join(dir, program);
    try {
      const st = await Deno.stat(candidate);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Runs `docker-credential-<helper> get` for a registry; undefined when the helper has no credentials
 * for it. Throws {@link OcMirrorError} when the helper is missing or fails otherwise.
 */
export async function runCredentialHelper(
  helper: string,
  registry: string,
  options: CredentialHelperOptions,
): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  const path = options.env("PATH");
  const executable = await findOnPath(program, path);
  if (executable === undefined) {
    throw new OcMirrorError(
      `Credential helper "${program}" named in ${options.file} is not installed: not found on PATH`,
      { hint: `Install ${program}, or remove "${helper}" from ${options.file}` },
    );
  }
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"]) {
    const v = options.env(name);
    if (v !== undefined) env[name] = v;
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let out: Deno.CommandOutput;
  try {
    const child = new Deno.Command(executable, {
      args: ["get"],
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(helperServerUrl(registry)));
    await writer.close();
    out = await child.output();
  } catch (cause) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    throw new OcMirrorError(`Credential helper "${program}" failed for registry "${registry}"`, { cause });
  }
  const stdout = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    if (/credentials not found/i.test(stdout)) return undefined;
    if (timeout.aborted) {
      throw new OcMirrorError(`Credential helper "${program}" timed out for registry "${registry}"`);
    }
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ?? "";
    // The helper's own message, never its stdout (which could hold a secret on odd helpers).
    throw new OcMirrorError(
      `Credential helper "${program}" failed for registry "${registry}": exit code ${out.code}${
        stderr === "" ? "" : `: ${stderr.slice(0, 200)}`
      }`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new OcMirrorError(
      `Credential helper "${program}" returned malformed output for registry "${registry}": want JSON`,
    );
  }
  const r = json as { Username?: unknown; Secret?: unknown };
  const username = typeof r.Username === "string" ? r.Username : "";
  const secret = typeof r.Secret === "string" ? r.Secret : "";
  if (secret === "") return undefined;
  return username === "<token>" ? { identityToken: secret } : { username, password: secret };
}
