/**
 * Runs `skopeo` (the Debian package) from tests: copies and raw inspections against our stores, the
 * embedded registry and `docker-registry`. Always runs with `--insecure-policy` so the host's
 * `policy.json` does not matter.
 * @module
 */
import { digestOf } from "../../lib/oci/mod.ts";

/** Options of {@link skopeo}. */
export interface SkopeoOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/** Runs `skopeo --insecure-policy ARGS...`, returns stdout, throws with stderr on a non-zero exit. */
export async function skopeo(args: string[], options: SkopeoOptions = {}): Promise<Uint8Array> {
  const cmd = new Deno.Command("skopeo", {
    args: ["--insecure-policy", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const out = await cmd.output();
  if (!out.success) {
    throw new Error(
      `skopeo ${args.join(" ")} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return out.stdout;
}

/** `skopeo copy` with TLS verification off on both sides (plain http to 127.0.0.1). */
export async function skopeoCopy(src: string, dest: string, extra: string[] = []): Promise<void> {
  await skopeo(["copy", "--src-tls-verify=false", "--dest-tls-verify=false", ...extra, src, dest]);
}

/** The exact manifest bytes of an image (`skopeo inspect --raw`). */
export async function skopeoInspectRaw(ref: string, extra: string[] = []): Promise<Uint8Array> {
  const tls = ref.startsWith("docker://") ? ["--tls-verify=false"] : [];
  return await skopeo(["inspect", "--raw", ...tls, ...extra, ref]);
}

/** The digest of an image's manifest bytes as skopeo reads them. */
export async function skopeoManifestDigest(ref: string, extra: string[] = []): Promise<string> {
  return digestOf(await skopeoInspectRaw(ref, extra));
}
