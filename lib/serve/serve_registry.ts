/**
 * Starts the embedded registry on a TCP port with `Deno.serve` (plain HTTP, or TLS from cert/key
 * files). Used by `oc-mirror serve`, by the synthetic upstream fixtures and by tests.
 * @module
 */
import { UsageError } from "../errors.ts";
import { Htpasswd } from "./htpasswd.ts";
import { registryHandler } from "./registry_handler.ts";
import type { ServableStore } from "./servable_store.ts";

/** TLS certificate and key files (PEM). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** Options of {@link serveRegistry}. */
export interface ServeRegistryOptions {
  /** Address to listen on. @default "127.0.0.1" */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Serve HTTPS with these files. @default undefined (plain HTTP) */
  tls?: TlsFiles;
  /** An htpasswd file (bcrypt entries, as docker-registry uses); every request then needs Basic auth. */
  htpasswd?: string;
  /** Refuse every write with 405. @default false */
  readOnly?: boolean;
  /** Where chunked uploads are staged. @default a temp folder removed on close */
  uploadDir?: string;
  /** Closes the registry when aborted. */
  signal?: AbortSignal;
  /** Called with each request and its response (before the body is sent): an access-log hook. */
  onRequest?: (req: Request, res: Response) => void;
}

/** A running registry. */
export interface ServedRegistry {
  /** `127.0.0.1:PORT` (a loopback address when listening on all interfaces). */
  host: string;
  /** `http://HOST` or `https://HOST`. */
  url: string;
  port: number;
  /** Stops listening, waits for open requests, and removes staged uploads. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function readFileText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (cause) {
    throw new UsageError(`Cannot read TLS ${what} file ${path}`, { cause });
  }
}

function connectHost(hostname: string, port: number): string {
  if (hostname === "0.0.0.0" || hostname === "") return `127.0.0.1:${port}`;
  if (hostname === "::" || hostname === "[::]") return `[::1]:${port}`;
  return hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
}

/** Serves `store` as an OCI distribution registry and resolves once it listens. */
export async function serveRegistry(
  store: ServableStore,
  options: ServeRegistryOptions = {},
): Promise<ServedRegistry> {
  const htpasswd = options.htpasswd === undefined ? undefined : await Htpasswd.load(options.htpasswd);
  const tls = options.tls
    ? {
      cert: await readFileText(options.tls.certFile, "certificate"),
      key: await readFileText(options.tls.keyFile, "key"),
    }
    : undefined;
  const handler = registryHandler(store, {
    readOnly: options.readOnly ?? false,
    ...(htpasswd ? { htpasswd } : {}),
    ...(options.uploadDir !== undefined ? { uploadDir: options.uploadDir } : {}),
  });
  const onRequest = options.onRequest;
  const serve = async (req: Request): Promise<Response> => {
    const res = await handler(req);
    onRequest?.(req, res);
    return res;
  };
  const hostname = options.hostname ?? "127.0.0.1";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port: options.port ?? 0, onListen: () => {}, ...(tls ?? {}) }, serve);
  } catch (e) {
    await handler.close();
    throw e;
  }
  const port = server.addr.port;
  const host = connectHost(hostname, port);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      options.signal?.removeEventListener("abort", onAbort);
      await server.shutdown();
      await handler.close();
    })();
    return closing;
  };
  const onAbort = () => void close();
  if (options.signal?.aborted) await close();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    host,
    url: `${tls ? "https" : "http"}://${host}`,
    port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
