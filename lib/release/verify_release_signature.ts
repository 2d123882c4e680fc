/**
 * Verifying a release signature: an OpenPGP signed message (binary or armored) whose content is the
 * "atomic container signature" JSON naming the payload digest and its tag identity. The identity's tag
 * (`4.14.1-x86_64`) names the payload in the mirror.
 * @see https://github.com/containers/image/blob/main/docs/containers-signature.5.md
 * @module
 */
import { isAbsolute, join } from "node:path";
import type * as OpenPgp from "openpgp";

/**
 * openpgp is large (about 30 MB of memory once loaded): it is loaded on the first signature check, so
 * runs that mirror no release never pay for it.
 */
function openpgpModule(): Promise<typeof OpenPgp> {
  return import("openpgp");
}
import type { RunContext } from "../context.ts";
import { SignatureError } from "../errors.ts";
import { type Digest, isDigest } from "../oci/mod.ts";
import { parseImageReference } from "../reference/mod.ts";
import { RED_HAT_RELEASE_KEY_2 } from "./red_hat_release_key.ts";

/** Environment variable naming an armored public key file that replaces the Red Hat release key. */
export const OCP_SIGNATURE_VERIFICATION_PK_ENV = "OCP_SIGNATURE_VERIFICATION_PK";

/** The `critical.type` of container signatures. */
export const ATOMIC_SIGNATURE_TYPE = "atomic container signature";

/** A public key to verify with (parse once with {@link readArmoredKeys}). */
export type VerificationKey = OpenPgp.Key;

/** What a verified signature says. */
export interface VerifiedReleaseSignature {
  /** `critical.identity.docker-reference`, e.g. `quay.io/openshift-release-dev/ocp-release:4.14.1-x86_64`. */
  identity: string;
  /** The identity's tag, e.g. `4.14.1-x86_64`; undefined when the identity has none. */
  tag: string | undefined;
  /** The payload digest (checked equal to the one asked for). */
  digest: Digest;
  /** `optional.creator`, when present. */
  creator?: string;
  /** The fingerprint of the key that made the signature, lower-case hex. */
  signedBy: string;
}

/** Options of {@link verifyReleaseSignature}. */
export interface VerifyReleaseSignatureOptions {
  /** The payload digest the signature must name. */
  digest: Digest;
  /** Trusted keys. */
  publicKeys: VerificationKey[];
  /** Names the signature in errors. @default `Signature of release <digest>` */
  name?: string;
  /** The time keys and signatures are checked at. @default openpgp's current time */
  now?: Date;
}

/** Parses one or more armored public keys; `where` names their origin in errors. */
export async function readArmoredKeys(armored: string, where: string): Promise<VerificationKey[]> {
  try {
    const openpgp = await openpgpModule();
    const keys = await openpgp.readKeys({ armoredKeys: armored });
    if (keys.length === 0) throw new Error("no key found");
    return keys;
  } catch (cause) {
    throw new SignatureError(
      `Release verification key ${where} is not an armored OpenPGP public key: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * The keys release signatures are checked against: the file `OCP_SIGNATURE_VERIFICATION_PK` names
 * (relative to the working directory), else the embedded Red Hat release key 2.
 */
export async function releaseVerificationKeys(
  ctx: Pick<RunContext, "env" | "cwd">,
  o: { signal?: AbortSignal } = {},
): Promise<VerificationKey[]> {
  const file = ctx.env(OCP_SIGNATURE_VERIFICATION_PK_ENV);
  if (file === undefined || file === "") return await readArmoredKeys(RED_HAT_RELEASE_KEY_2, "(embedded)");
  const path = isAbsolute(file) ? file : join(ctx.cwd, file);
  let text: string;
  try {
    text = await Deno.readTextFile(path, o.signal ? { signal: o.signal } : {});
  } catch (cause) {
    throw new SignatureError(
      `Cannot read the release verification key "${path}" named by ${OCP_SIGNATURE_VERIFICATION_PK_ENV}`,
      { cause },
    );
  }
  return await readArmoredKeys(text, `"${path}" (${OCP_SIGNATURE_VERIFICATION_PK_ENV})`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function readSignedMessage(bytes: Uint8Array, name: string): Promise<OpenPgp.Message<Uint8Array>> {
  const openpgp = await openpgpModule();
  try {
    const head = new TextDecoder().decode(bytes.subarray(0, 64));
    if (head.includes("-----BEGIN PGP")) {
      const armored = await openpgp.readMessage({ armoredMessage: new TextDecoder().decode(bytes) });
      return armored as unknown as OpenPgp.Message<Uint8Array>;
    }
    return await openpgp.readMessage({ binaryMessage: bytes });
  } catch (cause) {
    throw new SignatureError(`${name} is not an OpenPGP signed message: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Verifies a release signature against trusted keys and checks it names `digest`. Throws
 * {@link SignatureError} with distinct messages for: not a signed message, made by an untrusted key,
 * altered content (bad signature), a document that is not a container signature, another payload.
 */
export async function verifyReleaseSignature(
  bytes: Uint8Array,
  options: VerifyReleaseSignatureOptions,
): Promise<VerifiedReleaseSignature> {
  const { digest, publicKeys } = options;
  const name = options.name ?? `Signature of release ${digest}`;
  const message = await readSignedMessage(bytes, name);
  const signers = message.getSigningKeyIDs();
  const trusted = publicKeys.flatMap((k) => k.getKeys().map((sub) => ({ key: k, id: sub.getKeyID() })));
  const signer = trusted.find((t) => signers.some((s) => s.equals(t.id)));
  if (!signer) {
    const ids = signers.map((s) => s.toHex().toUpperCase()).join(", ") || "no key";
    const fps = publicKeys.map((k) => k.getFingerprint().toUpperCase()).join(", ");
    throw new SignatureError(
      `${name} was made by key ${ids}, which is not a trusted release key (trusted: ${fps})`,
      {
        hint:
          `If the release is signed by another key, name its armored public key file in ${OCP_SIGNATURE_VERIFICATION_PK_ENV}`,
      },
    );
  }
  let content: Uint8Array;
  try {
    const openpgp = await openpgpModule();
    const verified = await openpgp.verify({
      message,
      verificationKeys: publicKeys,
      expectSigned: true,
      format: "binary",
      ...(options.now ? { date: options.now } : {}),
    });
    content = verified.data;
  } catch (cause) {
    const inner = (cause as Error)?.cause;
    const reason = inner instanceof Error ? inner.message : (cause as Error)?.message ?? String(cause);
    throw new SignatureError(
      `${name} does not verify with release key ${signer.key.getFingerprint().toUpperCase()}: the signed content ` +
        `was altered or the signature is corrupt (${reason})`,
      { cause },
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
  } catch (cause) {
    throw new SignatureError(`${name} verifies but does not contain a JSON signature document`, { cause });
  }
  const critical = isObject(doc) ? doc.critical : undefined;
  const image = isObject(critical) ? critical.image : undefined;
  const identity = isObject(critical) ? critical.identity : undefined;
  const signedDigest = isObject(image) ? image["docker-manifest-digest"] : undefined;
  const reference = isObject(identity) ? identity["docker-reference"] : undefined;
  if (!isObject(critical) || critical.type !== ATOMIC_SIGNATURE_TYPE) {
    throw new SignatureError(
      `${name} verifies but is not a container signature: critical.type is ${
        JSON.stringify(isObject(critical) ? critical.type : undefined)
      }, want "${ATOMIC_SIGNATURE_TYPE}"`,
    );
  }
  if (typeof signedDigest !== "string" || !isDigest(signedDigest)) {
    throw new SignatureError(
      `${name} verifies but names no payload digest (critical.image.docker-manifest-digest)`,
    );
  }
  if (signedDigest !== digest) {
    throw new SignatureError(
      `${name} is a valid signature of another payload: it signs ${signedDigest}, not ${digest}`,
    );
  }
  if (typeof reference !== "string" || reference === "") {
    throw new SignatureError(`${name} verifies but names no identity (critical.identity.docker-reference)`);
  }
  let tag: string | undefined;
  try {
    tag = parseImageReference(reference).tag;
  } catch (cause) {
    throw new SignatureError(`${name} names identity "${reference}", which is not an image reference`, {
      cause,
    });
  }
  const out: VerifiedReleaseSignature = {
    identity: reference,
    tag,
    digest,
    signedBy: signer.key.getFingerprint(),
  };
  const optional = isObject(doc) ? doc.optional : undefined;
  if (isObject(optional) && typeof optional.creator === "string") out.creator = optional.creator;
  return out;
}
