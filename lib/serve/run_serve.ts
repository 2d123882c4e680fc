/**
 * The logic of `oc-mirror serve --root DIR`: serve a registry storage tree (the v2 cache, or the
 * unpacked content of mirror archives) over HTTP(S) until the run is cancelled, so a bastion with no
 * registry can serve its mirror to a cluster.
 * @module
 */
import { resolve } from "node:path";
import type { RunContext } from "../context.ts";
import { log } from "../context.ts";
import { UsageError } from "../errors.ts";
import { REGISTRY_TREE_ROOT, RegistryTreeStore } from "../layout/mod.ts";
import { serveRegistry, type TlsFiles } from "./serve_registry.ts";

/** Options of {@link runServe} (the flags of `oc-mirror serve`). */
export interface RunServeOptions {
  /** A folder holding `docker/registry/v2`, or a cache dir holding `.oc-mirror/.cache/docker/registry/v2`. */
  root: string;
  /** Address to listen on. @default "0.0.0.0" (all interfaces: a cluster must reach it) */
  hostname?: string;
  /** @default 5000 */
  port?: number;
  /** Serve HTTPS with these files (`--tls-cert`, `--tls-key`). */
  tls?: TlsFiles;
  /** htpasswd file with bcrypt entries (`--htpasswd`). */
  htpasswd?: string;
  /** Refuse pushes and deletes (`--read-only`). @default false */
  readOnly?: boolean;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function isEmptyOrMissing(path: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(path)) return false;
    return true;
  } catch (e) {
    return e instanceof Deno.errors.NotFound;
  }
}

/**
 * Finds the storage root under `dir`: `dir` itself when it holds `docker/registry/v2`, else
 * `dir/.oc-mirror/.cache` when that does. An empty or missing `dir` is a new, empty root unless
 * `readOnly`.
 */
export async function findRegistryRoot(dir: string, readOnly = false): Promise<string> {
  if (await isDir(`${dir}/${REGISTRY_TREE_ROOT}`)) return dir;
  const cache = `${dir}/.oc-mirror/.cache`;
  if (await isDir(`${cache}/${REGISTRY_TREE_ROOT}`)) return cache;
  if (!readOnly && (await isEmptyOrMissing(dir))) {
    await Deno.mkdir(`${dir}/${REGISTRY_TREE_ROOT}`, { recursive: true });
    return dir;
  }
  throw new UsageError(
    `Folder ${dir} holds no registry storage: want ${dir}/${REGISTRY_TREE_ROOT} or ${cache}/${REGISTRY_TREE_ROOT}`,
    { hint: "Point --root at an oc-mirror cache dir or at the folder archives were unpacked into" },
  );
}

/** Serves the storage tree under `options.root` until `ctx.signal` aborts. */
export async function runServe(ctx: RunContext, options: RunServeOptions): Promise<void> {
  const dir = resolve(ctx.cwd, options.root);
  const root = await findRegistryRoot(dir, options.readOnly ?? false);
  const store = new RegistryTreeStore(root);
  if (ctx.signal.aborted) return;
  const hostname = options.hostname ?? "0.0.0.0";
  const tls = options.tls
    ? { certFile: resolve(ctx.cwd, options.tls.certFile), keyFile: resolve(ctx.cwd, options.tls.keyFile) }
    : undefined;
  const port = options.port ?? 5000;
  const served = await serveRegistry(store, {
    hostname,
    port,
    readOnly: options.readOnly ?? false,
    ...(tls ? { tls } : {}),
    ...(options.htpasswd !== undefined ? { htpasswd: resolve(ctx.cwd, options.htpasswd) } : {}),
    onRequest: (req, res) => {
      log(ctx, "debug", `${req.method} ${new URL(req.url).pathname} ${res.status}`);
    },
  }).catch((cause) => {
    if (cause instanceof Deno.errors.AddrInUse) {
      throw new UsageError(`Cannot serve on ${hostname}:${port}: the port is already in use`, {
        cause,
        hint: "Pick another port with --port",
      });
    }
    throw cause;
  });
  try {
    const scheme = tls ? "https" : "http";
    const listen = hostname.includes(":") ? `[${hostname}]` : hostname;
    const modes = [
      options.readOnly ? "read-only" : "read-write",
      options.htpasswd ? "htpasswd auth" : "no auth",
    ];
    log(ctx, "info", `Serving ${root} at ${scheme}://${listen}:${served.port} (${modes.join(", ")})`, {
      url: served.url,
      root,
      port: served.port,
    });
    await new Promise<void>((resolveWait) => {
      if (ctx.signal.aborted) resolveWait();
      else ctx.signal.addEventListener("abort", () => resolveWait(), { once: true });
    });
  } finally {
    await served.close();
    log(ctx, "info", `Stopped serving ${root}`);
  }
}
