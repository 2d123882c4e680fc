/**
 * HTTP building blocks of the embedded registry: distribution-spec error bodies, mapping our typed
 * errors to them, pagination, and the context every route receives.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
 * @module
 */
import {
  DigestMismatchError,
  ImageReferenceError,
  ManifestError,
  NotFoundError,
  OcMirrorError,
} from "../errors.ts";
import type { ServableStore } from "./servable_store.ts";
import type { UploadSessions } from "./_upload_sessions.ts";

/**
 * Error codes of the distribution spec, plus distribution's UNSUPPORTED and PAGINATION_NUMBER_INVALID
 * and our RANGE_INVALID (a blob Range outside the blob; the spec names no code for it).
 */
export type RegistryErrorCode =
  | "BLOB_UNKNOWN"
  | "BLOB_UPLOAD_INVALID"
  | "BLOB_UPLOAD_UNKNOWN"
  | "DIGEST_INVALID"
  | "MANIFEST_BLOB_UNKNOWN"
  | "MANIFEST_INVALID"
  | "MANIFEST_UNKNOWN"
  | "NAME_INVALID"
  | "NAME_UNKNOWN"
  | "SIZE_INVALID"
  | "TAG_INVALID"
  | "UNAUTHORIZED"
  | "DENIED"
  | "UNSUPPORTED"
  | "PAGINATION_NUMBER_INVALID"
  | "RANGE_INVALID"
  | "UNKNOWN";

/** A request that ends with a distribution-spec error response. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: RegistryErrorCode;
  readonly detail: unknown;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: RegistryErrorCode,
    message: string,
    options: { detail?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

/** The JSON error response `{"errors":[{code,message,detail}]}`. */
export function errorResponse(e: HttpError, method: string): Response {
  const body = JSON.stringify({
    errors: [{ code: e.code, message: e.message, ...(e.detail === undefined ? {} : { detail: e.detail }) }],
  });
  const headers = new Headers(e.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Docker-Distribution-API-Version", "registry/2.0");
  headers.set("Content-Length", String(new TextEncoder().encode(body).byteLength));
  return new Response(method === "HEAD" ? null : body, { status: e.status, headers });
}

/** What a store error means on the wire; `missing` is the code for a NotFoundError on this route. */
export function toHttpError(e: unknown, missing: RegistryErrorCode = "NAME_UNKNOWN"): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof NotFoundError) return new HttpError(404, missing, e.message);
  if (e instanceof DigestMismatchError) {
    return new HttpError(400, "DIGEST_INVALID", e.message, { detail: { expected: e.expected } });
  }
  if (e instanceof ManifestError) return new HttpError(400, "MANIFEST_INVALID", e.message);
  if (e instanceof ImageReferenceError) return new HttpError(400, "NAME_INVALID", e.message);
  if (e instanceof OcMirrorError) return new HttpError(500, "UNKNOWN", e.message);
  const why = e instanceof Error ? e.message : String(e);
  return new HttpError(500, "UNKNOWN", `Internal error in the embedded registry: ${why}`);
}

/** Everything a route handler needs. */
export interface RouteContext {
  store: ServableStore;
  uploads: UploadSessions;
  req: Request;
  url: URL;
  /** Aborted when the handler closes. */
  signal: AbortSignal;
}

/** A response with common registry headers; `body` null for HEAD. */
export function reply(
  status: number,
  headers: Record<string, string>,
  body: BodyInit | null = null,
): Response {
  const h = new Headers(headers);
  h.set("Docker-Distribution-API-Version", "registry/2.0");
  if (body === null && !h.has("Content-Length")) h.set("Content-Length", "0");
  return new Response(body, { status, headers: h });
}

/** A JSON response. */
export function jsonReply(value: unknown, headers: Record<string, string> = {}): Response {
  const body = new TextEncoder().encode(JSON.stringify(value));
  return reply(200, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(body.byteLength),
  }, body);
}

/** One page of a sorted list after `last`, at most `n` long, and whether more follow. */
export function paginate(items: string[], url: URL): { page: string[]; next?: string; n?: number } {
  const nParam = url.searchParams.get("n");
  const last = url.searchParams.get("last");
  let n: number | undefined;
  if (nParam !== null && nParam !== "") {
    if (!/^\d+$/.test(nParam)) {
      throw new HttpError(
        400,
        "PAGINATION_NUMBER_INVALID",
        `Page size n=${JSON.stringify(nParam)} is invalid`,
      );
    }
    n = Number(nParam);
  }
  const sorted = [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const after = last === null || last === "" ? sorted : sorted.filter((x) => x > last);
  if (n === undefined) return { page: after };
  const page = after.slice(0, n);
  const lastOfPage = page.at(-1);
  return after.length > n && lastOfPage !== undefined ? { page, next: lastOfPage, n } : { page, n };
}

/** The `Link` header of the next page. */
export function nextLink(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}
