/**
 * Fetching release signatures from a signature store laid out as
 * `<base>/sha256=<hex>/signature-<n>` (n from 1), the layout mirror.openshift.com serves and
 * `OCP_SIGNATURE_URL` may replace.
 * @see https://github.com/containers/image/blob/main/docs/signature-protocols.md
 * @module
 */
import type { RunContext } from "../context.ts";
import { abortReason, SignatureError } from "../errors.ts";
import { type Digest, digestHex } from "../oci/mod.ts";
import { readCapped } from "./_read_capped.ts";

/** Where Red Hat publishes OpenShift release signatures. */
export const DEFAULT_SIGNATURE_URL =
  "https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release";

/** Environment variable replacing {@link DEFAULT_SIGNATURE_URL}. */
export const OCP_SIGNATURE_URL_ENV = "OCP_SIGNATURE_URL";

/** Largest signature accepted (real ones are under 2 KiB). */
export const MAX_SIGNATURE_BYTES = 64 * 1024;

/** The URL of signature `n` (from 1) of a payload digest under `base`. */
export function signatureUrl(base: string, digest: Digest, n: number): string {
  return `${base.replace(/\/+$/, "")}/sha256=${digestHex(digest)}/signature-${n}`;
}

/** Options of {@link fetchReleaseSignatures}. */
export interface FetchReleaseSignaturesOptions {
  /** Gives `OCP_SIGNATURE_URL` and the run's abort signal. */
  ctx: Pick<RunContext, "env" | "signal">;
  /** The store's base URL. @default OCP_SIGNATURE_URL, else DEFAULT_SIGNATURE_URL */
  baseUrl?: string;
  signal?: AbortSignal;
  /** Stop after this many signatures. @default 16 */
  maxSignatures?: number;
  /** Time allowed per request. @default 60000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Fetches `signature-1`, `signature-2`, … of a payload until the first 404, returning their raw bytes
 * (empty when the payload has none; the caller decides whether that is fatal). Any other failure is a
 * {@link SignatureError} naming the URL.
 */
export async function fetchReleaseSignatures(
  digest: Digest,
  options: FetchReleaseSignaturesOptions,
): Promise<Uint8Array[]> {
  const { ctx } = options;
  const env = ctx.env(OCP_SIGNATURE_URL_ENV);
  const base = options.baseUrl ?? (env !== undefined && env !== "" ? env : DEFAULT_SIGNATURE_URL);
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const out: Uint8Array[] = [];
  for (let n = 1; n <= (options.maxSignatures ?? 16); n++) {
    const url = signatureUrl(base, digest, n);
    const signals = [ctx.signal, AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    const signal = AbortSignal.any(signals);
    const fail = (detail: string, cause?: unknown): never => {
      throw new SignatureError(
        `Cannot get signature ${n} of release ${digest} from ${url}: ${detail}`,
        {
          ...(cause === undefined ? {} : { cause }),
          hint: `Check ${OCP_SIGNATURE_URL_ENV} and the network path to it`,
        },
      );
    };
    let bytes: Uint8Array | undefined;
    try {
      const res = await doFetch(url, { signal });
      if (res.status === 404) {
        await res.body?.cancel();
        break;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        fail(`HTTP ${res.status} ${res.statusText}`);
      }
      if (!res.body) return fail("the response has no body");
      bytes = await readCapped(
        res.body,
        MAX_SIGNATURE_BYTES,
        () => fail(`larger than ${MAX_SIGNATURE_BYTES} bytes`),
      );
    } catch (cause) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      if (cause instanceof SignatureError) throw cause;
      fail(
        signal.aborted ? `no answer within ${timeoutMs} ms` : String((cause as Error)?.message ?? cause),
        cause,
      );
    }
    if (bytes) out.push(bytes);
  }
  return out;
}
