/**
 * Starts the CNCF distribution registry (`/usr/bin/docker-registry`, Debian package) on a free
 * 127.0.0.1 port over a given storage root, for interop tests. Deletes are enabled unless
 * `deleteEnabled: false`.
 *
 * ```ts
 * await using reg = await startDockerRegistry(`${dir}/storage`);                 // plain http
 * await using sec = await startDockerRegistry(`${dir}/storage2`, {
 *   tls: true,                                                                    // CA made with openssl
 *   htpasswd: { username: "alice", password: "s3cret" },                          // Basic auth
 * });
 * sec.url;          // https://127.0.0.1:PORT
 * sec.caFile;       // PEM of the CA that signed the server certificate (also sec.caPem)
 * await sec.writeAuthFile(`${dir}/auth.json`);                                    // containers auth.json
 * ```
 * @module
 */
import bcrypt from "bcryptjs";
import { makeTestCertificates } from "./test_certs.ts";

/** Options of {@link startDockerRegistry}. */
export interface DockerRegistryOptions {
  /**
   * Serve https with a server certificate for `127.0.0.1`/`localhost` signed by a CA generated for
   * this registry with `openssl` (see `caFile`). @default false
   */
  tls?: boolean;
  /** Require Basic auth with this user (htpasswd file, bcrypt hash made with bcryptjs). */
  htpasswd?: { username: string; password: string };
  /** `storage.delete.enabled`: false makes manifest deletes answer HTTP 405. @default true */
  deleteEnabled?: boolean;
  /** How long to wait for `/v2/` to answer. @default 15000 */
  startTimeoutMs?: number;
}

/** A running `docker-registry`; dispose of it to stop it. */
export interface DockerRegistry extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT` (or `https://` with `tls`). */
  url: string;
  /** The filesystem storage root (holds `docker/registry/v2`). */
  root: string;
  /** The CA certificate file (PEM) that signed the server certificate; only with `tls`. */
  caFile?: string;
  /** The CA certificate (PEM text); only with `tls`. */
  caPem?: string;
  /** The htpasswd user; only with `htpasswd`. */
  credentials?: { username: string; password: string };
  /** Writes a containers `auth.json` holding `credentials` for `host` to `path`; returns `path`. */
  writeAuthFile(path: string): Promise<string>;
  /** What the registry wrote to stderr so far (for failure messages). */
  log(): string;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts `docker-registry serve` with a temp config over `root`; waits until `/v2/` answers (200, or
 * 401 with `htpasswd`).
 */
export async function startDockerRegistry(
  root: string,
  options: DockerRegistryOptions = {},
): Promise<DockerRegistry> {
  const port = freePort();
  const configDir = await Deno.makeTempDir({ prefix: "docker-registry-config-" });
  const config = `${configDir}/config.yml`;
  const lines = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${root}`,
    "  delete:",
    `    enabled: ${options.deleteEnabled ?? true}`,
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${port}`,
  ];
  let caPem: string | undefined;
  if (options.tls) {
    await makeTestCertificates(configDir);
    caPem = await Deno.readTextFile(`${configDir}/ca.pem`);
    lines.push("  tls:", `    certificate: ${configDir}/server.pem`, `    key: ${configDir}/server.key`);
  }
  if (options.htpasswd) {
    const { username, password } = options.htpasswd;
    await Deno.writeTextFile(`${configDir}/htpasswd`, `${username}:${bcrypt.hashSync(password, 5)}\n`);
    lines.push("auth:", "  htpasswd:", "    realm: test-registry", `    path: ${configDir}/htpasswd`);
  }
  await Deno.writeTextFile(config, [...lines, ""].join("\n"));
  const child = new Deno.Command("/usr/bin/docker-registry", {
    args: ["serve", config],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(s) {
        log = (log + s).slice(-20000);
      },
    }),
  ).catch(() => {});
  let client = caPem !== undefined ? Deno.createHttpClient({ caCerts: [caPem] }) : undefined;
  const stop = async () => {
    client?.close();
    client = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
    await drained;
    await Deno.remove(configDir, { recursive: true });
  };
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const deadline = performance.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`, client ? { client } : {});
      await res.body?.cancel();
      if (res.status === 200 || (options.htpasswd && res.status === 401)) break;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  client?.close();
  client = undefined;
  const host = `127.0.0.1:${port}`;
  return {
    host,
    url,
    root,
    ...(caPem !== undefined ? { caFile: `${configDir}/ca.pem`, caPem } : {}),
    ...(options.htpasswd ? { credentials: { ...options.htpasswd } } : {}),
    writeAuthFile: async (path: string) => {
      const auths: Record<string, { auth: string }> = {};
      if (options.htpasswd) {
        const { username, password } = options.htpasswd;
        auths[host] = { auth: btoa(`${username}:${password}`) };
      }
      await Deno.writeTextFile(path, JSON.stringify({ auths }, null, 2));
      return path;
    },
    log: () => log,
    [Symbol.asyncDispose]: stop,
  };
}
