/**
 * The embedded registry as a bare request handler: an OCI distribution-spec registry over any
 * {@link ServableStore}. `serveRegistry` puts it behind `Deno.serve`; tests can wrap it (fault
 * injection) and serve it themselves.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 * @module
 */
import { isPathComponent } from "../reference/mod.ts";
import { deleteBlob, getBlob } from "./_blob_routes.ts";
import { errorResponse, HttpError, jsonReply, type RouteContext, toHttpError } from "./_http.ts";
import { listCatalog, listTags } from "./_listing_routes.ts";
import { deleteManifest, getManifest, putManifest } from "./_manifest_routes.ts";
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from "./_upload_routes.ts";
import { UploadSessions } from "./_upload_sessions.ts";
import { Htpasswd } from "./htpasswd.ts";
import type { ServableStore } from "./servable_store.ts";

/** Options of {@link registryHandler}. */
export interface RegistryHandlerOptions {
  /** An htpasswd file (bcrypt entries) or its parsed form; every request then needs Basic auth. */
  htpasswd?: string | Htpasswd;
  /** The realm named in `WWW-Authenticate`. @default "oc-mirror" */
  realm?: string;
  /** Refuse every write with 405 UNSUPPORTED. @default false */
  readOnly?: boolean;
  /** Where chunked uploads are staged. @default a temp folder, removed by `close()` */
  uploadDir?: string;
}

/** A request handler that also owns staged uploads; `close()` cancels store operations and removes them. */
export type RegistryHandler = ((req: Request) => Promise<Response>) & {
  /** Removes staged uploads (and the default upload folder). */
  close(): Promise<void>;
};

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type Route =
  | { kind: "ping" }
  | { kind: "catalog" }
  | { kind: "tags"; repo: string }
  | { kind: "manifest"; repo: string; reference: string }
  | { kind: "uploads"; repo: string }
  | { kind: "upload"; repo: string; uuid: string }
  | { kind: "blob"; repo: string; digest: string };

function route(path: string): Route | undefined {
  if (path === "/v2" || path === "/v2/") return { kind: "ping" };
  if (path === "/v2/_catalog") return { kind: "catalog" };
  let m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
  if (m?.[1]) return { kind: "tags", repo: m[1] };
  m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  if (m?.[1] && m[2]) return { kind: "manifest", repo: m[1], reference: m[2] };
  m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path);
  if (m?.[1]) return { kind: "uploads", repo: m[1] };
  m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(path);
  if (m?.[1] && m[2]) return { kind: "upload", repo: m[1], uuid: m[2] };
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
  if (m?.[1] && m[2]) return { kind: "blob", repo: m[1], digest: m[2] };
  return undefined;
}

function notAllowed(method: string, allowed: string[]): HttpError {
  return new HttpError(405, "UNSUPPORTED", `Method ${method} is not allowed here`, {
    headers: { Allow: allowed.join(", ") },
  });
}

async function dispatch(c: RouteContext, r: Route): Promise<Response> {
  const method = c.req.method;
  const read = method === "GET" || method === "HEAD";
  switch (r.kind) {
    case "ping":
      if (!read) throw notAllowed(method, ["GET", "HEAD"]);
      return jsonReply({});
    case "catalog":
      if (!read) throw notAllowed(method, ["GET"]);
      return await listCatalog(c);
    case "tags":
      if (!read) throw notAllowed(method, ["GET"]);
      return await listTags(c, r.repo);
    case "manifest":
      if (read) return await getManifest(c, r.repo, r.reference);
      if (method === "PUT") return await putManifest(c, r.repo, r.reference);
      if (method === "DELETE") return await deleteManifest(c, r.repo, r.reference);
      throw notAllowed(method, ["GET", "HEAD", "PUT", "DELETE"]);
    case "blob":
      if (read) return await getBlob(c, r.repo, r.digest);
      if (method === "DELETE") return await deleteBlob(c, r.repo, r.digest);
      throw notAllowed(method, ["GET", "HEAD", "DELETE"]);
    case "uploads":
      if (method === "POST") return await startUpload(c, r.repo);
      throw notAllowed(method, ["POST"]);
    case "upload":
      if (method === "GET") return uploadStatus(c, r.repo, r.uuid);
      if (method === "PATCH") return await patchUpload(c, r.repo, r.uuid);
      if (method === "PUT") return await finishUpload(c, r.repo, r.uuid);
      if (method === "DELETE") return await cancelUpload(c, r.repo, r.uuid);
      throw notAllowed(method, ["GET", "PATCH", "PUT", "DELETE"]);
  }
}

/** Returns the registry's request handler over `store`. */
export function registryHandler(store: ServableStore, options: RegistryHandlerOptions = {}): RegistryHandler {
  const uploads = new UploadSessions(options.uploadDir);
  // Not req.signal: Deno aborts it after every successful response (and warns when it is read); a
  // client that goes away errors the request body instead, which every write path handles.
  const closing = new AbortController();
  const realm = options.realm ?? "oc-mirror";
  let auth: Promise<Htpasswd> | undefined;
  if (options.htpasswd !== undefined) {
    auth = typeof options.htpasswd === "string"
      ? Htpasswd.load(options.htpasswd)
      : Promise.resolve(options.htpasswd);
    auth.catch(() => {}); // Reported on the first request.
  }
  const handler = async (req: Request): Promise<Response> => {
    try {
      if (auth && !(await (await auth).verifyHeader(req.headers.get("Authorization")))) {
        throw new HttpError(401, "UNAUTHORIZED", "Authentication required", {
          headers: { "WWW-Authenticate": `Basic realm="${realm}"` },
        });
      }
      const url = new URL(req.url);
      const r = route(url.pathname);
      if (!r) {
        throw new HttpError(404, "NAME_UNKNOWN", `No registry endpoint at ${url.pathname}`);
      }
      if ("repo" in r && (r.repo.length > 255 || !r.repo.split("/").every(isPathComponent))) {
        throw new HttpError(400, "NAME_INVALID", `Repository name "${r.repo}" is invalid`);
      }
      if (options.readOnly && WRITE_METHODS.has(req.method)) {
        throw new HttpError(405, "UNSUPPORTED", "The registry is read-only");
      }
      return await dispatch({ store, uploads, req, url, signal: closing.signal }, r);
    } catch (e) {
      // Drop an unread request body so the connection can be reused.
      if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      return errorResponse(toHttpError(e), req.method);
    }
  };
  const close = async () => {
    closing.abort();
    await uploads.close();
  };
  return Object.assign(handler, { close });
}
