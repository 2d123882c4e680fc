/**
 * Turning a failed registry exchange into a typed error: the distribution-spec error code and message
 * from the JSON body, `NotFoundError` for 404, and for 401/403 which credentials were used (file and
 * key) or that none were found. Every message passes through the {@link SecretRedactor}.
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
 * @module
 */
import { NotFoundError, RegistryError } from "../errors.ts";
import type { HttpResponse } from "./http_transport.ts";
import type { SecretRedactor } from "./redact.ts";

/** Largest error body we read. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The first error of a distribution-spec error body. */
export interface RegistryErrorBody {
  code?: string;
  message?: string;
}

/** Reads up to `max` bytes of a body and cancels the rest. */
export async function readAtMost(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(Math.min(size, max));
  let off = 0;
  for (const c of chunks) {
    const part = c.subarray(0, Math.min(c.byteLength, out.byteLength - off));
    out.set(part, off);
    off += part.byteLength;
    if (off >= out.byteLength) break;
  }
  return out;
}

/** Parses the `{"errors":[{code,message}]}` body; undefined fields when it is not that shape. */
export function parseErrorBody(bytes: Uint8Array): RegistryErrorBody {
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    const first = Array.isArray(json.errors) ? json.errors[0] : undefined;
    const out: RegistryErrorBody = {};
    if (typeof first?.code === "string") out.code = first.code;
    if (typeof first?.message === "string") out.message = first.message;
    return out;
  } catch {
    return {};
  }
}

/** What failed, for messages. */
export interface FailureContext {
  /** Registry host as in references, e.g. `quay.io`. */
  registry: string;
  /** Store label, e.g. `docker://quay.io`. */
  label: string;
  /** What we were doing, a verb and a noun: `push blob`, `pull manifest`, `list tags`. */
  operation: string;
  /** What it was done to, e.g. `"ns/repo@sha256:..."`, `sha256:... in "ns/repo"`. */
  subject: string;
  /** For 401/403: where the credentials came from (or that there were none). */
  credentials?: string;
  redactor: SecretRedactor;
}

/** Reads the error body of `res` and returns the error to throw (404 → {@link NotFoundError}). */
export async function errorFromResponse(
  res: HttpResponse,
  f: FailureContext,
): Promise<RegistryError | NotFoundError> {
  const body = parseErrorBody(await readAtMost(res.body, MAX_ERROR_BODY_BYTES));
  const why = body.code !== undefined
    ? ` (${body.code}${body.message ? `: ${body.message.slice(0, 300)}` : ""})`
    : res.statusText !== ""
    ? ` ${res.statusText}`
    : "";
  if (res.status === 404) {
    const noun = f.operation.split(" ").slice(1).join(" ");
    return new NotFoundError(
      f.label,
      f.redactor.redact(`${capitalize(noun)} ${f.subject} not found in ${f.label}: HTTP 404${why}`),
    );
  }
  const auth = res.status === 401 || res.status === 403;
  const creds = auth && f.credentials !== undefined ? `; ${f.credentials}` : "";
  const message = auth
    ? `Registry ${f.label} denied access to ${f.operation} ${f.subject}: HTTP ${res.status}${why}${creds}`
    : `Registry ${f.label} failed to ${f.operation} ${f.subject}: HTTP ${res.status}${why}`;
  const details = { registry: f.registry, status: res.status, operation: f.operation };
  return new RegistryError(
    f.redactor.redact(message),
    body.code === undefined ? details : { ...details, registryCode: body.code },
    auth
      ? {
        hint:
          `Check the credentials for ${f.registry} (log in with "podman login ${f.registry}" or pass --authfile)`,
      }
      : {},
  );
}

/** The error for a request that got no HTTP response (connection refused, reset, TLS failure). */
export function connectionError(cause: unknown, f: FailureContext): RegistryError {
  const safe = f.redactor.sanitizeError(cause);
  const detail = safe.cause instanceof Error ? `${safe.message}: ${safe.cause.message}` : safe.message;
  return new RegistryError(
    f.redactor.redact(`Cannot reach registry ${f.label} to ${f.operation} ${f.subject}: ${detail}`),
    { registry: f.registry, status: 0, operation: f.operation },
    { cause: safe },
  );
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]?.toUpperCase() + s.slice(1);
}
