import assert from "node:assert/strict";
import { join } from "node:path";
import * as openpgp from "openpgp";
import { parse as parseYaml } from "yaml";
import { testContext } from "../context.ts";
import { SignatureError } from "../errors.ts";
import { type Digest, digestOf } from "../oci/mod.ts";
import { fetchReleaseSignatures, signatureUrl } from "./fetch_release_signatures.ts";
import { RED_HAT_RELEASE_KEY_2, RED_HAT_RELEASE_KEY_2_FINGERPRINT } from "./red_hat_release_key.ts";
import { signatureConfigMap, signatureConfigMapFiles, signatureFileName } from "./signature_config_map.ts";
import {
  readArmoredKeys,
  releaseVerificationKeys,
  verifyReleaseSignature,
} from "./verify_release_signature.ts";

// Keys are generated once for the whole file (ECC keys: fast enough, and deterministic use below).
const releaseKey = await openpgp.generateKey({
  type: "ecc",
  curve: "curve25519Legacy",
  userIDs: [{ name: "Test release key", email: "release@example.com" }],
  date: new Date("2020-01-01T00:00:00Z"),
  format: "object",
});
const otherKey = await openpgp.generateKey({
  type: "ecc",
  curve: "curve25519Legacy",
  userIDs: [{ name: "Someone else", email: "other@example.com" }],
  date: new Date("2020-01-01T00:00:00Z"),
  format: "object",
});
const trusted = [releaseKey.publicKey];
const payloadDigest = digestOf("payload 4.14.1-x86_64");
const otherDigest = digestOf("payload 4.14.2-x86_64");

function document(
  digest: Digest,
  identity = "quay.io/openshift-release-dev/ocp-release:4.14.1-x86_64",
): string {
  return JSON.stringify({
    critical: {
      image: { "docker-manifest-digest": digest },
      type: "atomic container signature",
      identity: { "docker-reference": identity },
    },
    optional: { creator: "Red Hat OpenShift Signing Authority 0.0.1" },
  });
}

async function sign(text: string, key = releaseKey.privateKey, armored = false): Promise<Uint8Array> {
  const date = new Date("2025-06-01T00:00:00Z");
  const message = await openpgp.createMessage({ binary: new TextEncoder().encode(text), date });
  if (armored) {
    return new TextEncoder().encode(
      await openpgp.sign({ message, signingKeys: key, format: "armored", date }),
    );
  }
  return await openpgp.sign({ message, signingKeys: key, format: "binary", date });
}

const now = new Date("2026-01-02T03:04:05Z");

/** Where an ASCII string occurs in bytes, -1 when it does not. */
function indexOfText(bytes: Uint8Array, text: string): number {
  const needle = new TextEncoder().encode(text);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("verifyReleaseSignature() accepts a good binary or armored signature and returns the identity", async () => {
  for (const armored of [false, true]) {
    const sig = await sign(document(payloadDigest), releaseKey.privateKey, armored);
    const v = await verifyReleaseSignature(sig, { digest: payloadDigest, publicKeys: trusted, now });
    assert.deepEqual(v, {
      identity: "quay.io/openshift-release-dev/ocp-release:4.14.1-x86_64",
      tag: "4.14.1-x86_64",
      digest: payloadDigest,
      creator: "Red Hat OpenShift Signing Authority 0.0.1",
      signedBy: releaseKey.publicKey.getFingerprint(),
    });
  }
});

async function refusal(bytes: Uint8Array, digest = payloadDigest, keys = trusted): Promise<string> {
  try {
    await verifyReleaseSignature(bytes, { digest, publicKeys: keys, name: "Signature 1 of release X", now });
  } catch (e) {
    assert.ok(e instanceof SignatureError, String(e));
    assert.equal(e.code, "SIGNATURE");
    return e.message;
  }
  return assert.fail("the signature was accepted");
}

Deno.test("verifyReleaseSignature() refuses a tampered signature", async () => {
  const sig = await sign(document(payloadDigest));
  const at = indexOfText(sig, "4.14.1-x86_64");
  assert.ok(at > 0);
  const tampered = sig.slice();
  tampered[at + 5] = "9".charCodeAt(0); // 4.14.1 → 4.14.9
  assert.equal(
    await refusal(tampered),
    `Signature 1 of release X does not verify with release key ${releaseKey.publicKey.getFingerprint().toUpperCase()}: ` +
      "the signed content was altered or the signature is corrupt (Signed digest did not match)",
  );
});

Deno.test("verifyReleaseSignature() refuses a valid signature for another digest", async () => {
  const sig = await sign(document(otherDigest));
  assert.equal(
    await refusal(sig),
    `Signature 1 of release X is a valid signature of another payload: it signs ${otherDigest}, not ${payloadDigest}`,
  );
});

Deno.test("verifyReleaseSignature() refuses a signature made by an untrusted key", async () => {
  const sig = await sign(document(payloadDigest), otherKey.privateKey);
  const message = await refusal(sig);
  assert.equal(
    message,
    `Signature 1 of release X was made by key ${otherKey.privateKey.getKeyID().toHex().toUpperCase()}, which is not ` +
      `a trusted release key (trusted: ${releaseKey.publicKey.getFingerprint().toUpperCase()})`,
  );
});

Deno.test("verifyReleaseSignature() refuses garbage and non-signature documents", async () => {
  assert.match(
    await refusal(new TextEncoder().encode("not a signature")),
    /^Signature 1 of release X is not an OpenPGP signed message: /,
  );
  assert.equal(
    await refusal(await sign(JSON.stringify({ critical: { type: "cosign" } }))),
    'Signature 1 of release X verifies but is not a container signature: critical.type is "cosign", want ' +
      '"atomic container signature"',
  );
  assert.equal(
    await refusal(await sign("plain text")),
    "Signature 1 of release X verifies but does not contain a JSON signature document",
  );
});

Deno.test("the embedded Red Hat release key 2 parses and has its published fingerprint", async () => {
  const keys = await releaseVerificationKeys(testContext());
  assert.equal(keys.length, 1);
  assert.equal(keys[0]?.getFingerprint(), RED_HAT_RELEASE_KEY_2_FINGERPRINT);
  assert.deepEqual(keys[0]?.getUserIDs(), ["Red Hat, Inc. (release key 2) <security@redhat.com>"]);
  assert.match(RED_HAT_RELEASE_KEY_2, /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
});

Deno.test("releaseVerificationKeys() reads OCP_SIGNATURE_VERIFICATION_PK relative to the working directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "release-pk.asc"), releaseKey.publicKey.armor());
    const ctx = testContext({ cwd: dir, envVars: { OCP_SIGNATURE_VERIFICATION_PK: "release-pk.asc" } });
    const keys = await releaseVerificationKeys(ctx);
    assert.equal(keys[0]?.getFingerprint(), releaseKey.publicKey.getFingerprint());
    await Deno.writeTextFile(join(dir, "bad.asc"), "hello");
    await assert.rejects(
      releaseVerificationKeys(
        testContext({ cwd: dir, envVars: { OCP_SIGNATURE_VERIFICATION_PK: "bad.asc" } }),
      ),
      (e: unknown) => {
        assert.ok(e instanceof SignatureError);
        assert.match(
          e.message,
          new RegExp(
            `^Release verification key "${
              join(dir, "bad.asc")
            }" \\(OCP_SIGNATURE_VERIFICATION_PK\\) is not an`,
          ),
        );
        return true;
      },
    );
    await assert.rejects(
      releaseVerificationKeys(
        testContext({ cwd: dir, envVars: { OCP_SIGNATURE_VERIFICATION_PK: "/nope.asc" } }),
      ),
      new SignatureError(
        'Cannot read the release verification key "/nope.asc" named by OCP_SIGNATURE_VERIFICATION_PK',
      ),
    );
    await assert.rejects(readArmoredKeys("", "x"), SignatureError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fetchReleaseSignatures() fetches signature-1..N until the first 404", async () => {
  const one = await sign(document(payloadDigest));
  const two = await sign(document(payloadDigest), releaseKey.privateKey, true);
  const asked: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    asked.push(path);
    const hex = payloadDigest.slice(7);
    if (path === `/sigs/sha256=${hex}/signature-1`) return new Response(one as Uint8Array<ArrayBuffer>);
    if (path === `/sigs/sha256=${hex}/signature-2`) return new Response(two as Uint8Array<ArrayBuffer>);
    if (path.includes("broken")) return new Response("no", { status: 500 });
    return new Response("not found", { status: 404 });
  });
  try {
    const base = `http://127.0.0.1:${server.addr.port}/sigs/`;
    const ctx = testContext({ envVars: { OCP_SIGNATURE_URL: base } });
    const got = await fetchReleaseSignatures(payloadDigest, { ctx });
    assert.deepEqual(got, [one, two]);
    assert.equal(asked.length, 3);
    assert.deepEqual(await fetchReleaseSignatures(otherDigest, { ctx }), []);
    const brokenBase = `http://127.0.0.1:${server.addr.port}/broken`;
    await assert.rejects(
      fetchReleaseSignatures(payloadDigest, { ctx: testContext(), baseUrl: brokenBase }),
      (e: unknown) => {
        assert.ok(e instanceof SignatureError);
        assert.equal(
          e.message,
          `Cannot get signature 1 of release ${payloadDigest} from ${
            signatureUrl(brokenBase, payloadDigest, 1)
          }: ` +
            "HTTP 500 Internal Server Error",
        );
        return true;
      },
    );
    // The raw bytes verify.
    for (const s of got) await verifyReleaseSignature(s, { digest: payloadDigest, publicKeys: trusted, now });
  } finally {
    await server.shutdown();
  }
});

Deno.test("signatureUrl() uses the sha256=<hex>/signature-<n> layout of the default store", () => {
  assert.equal(
    signatureUrl(
      "https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release/",
      payloadDigest,
      2,
    ),
    `https://mirror.openshift.com/pub/openshift-v4/signatures/openshift/release/sha256=${
      payloadDigest.slice(7)
    }/signature-2`,
  );
});

Deno.test("signatureConfigMap() numbers binaryData across payloads and renders JSON and YAML", () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([250, 251]);
  const cm = signatureConfigMap([{ digest: payloadDigest, bytes: a }, { digest: otherDigest, bytes: b }], {
    now,
    version: "v0.1.0",
  });
  assert.deepEqual(cm, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "mirrored-release-signatures",
      namespace: "openshift-config-managed",
      labels: { "release.openshift.io/verification-signatures": "" },
      annotations: {
        createdBy: "oc-mirror v2",
        createdAt: "2026-01-02T03:04:05Z",
        "oc-mirror_version": "v0.1.0",
      },
    },
    binaryData: {
      [`sha256-${payloadDigest.slice(7)}-1`]: "AQID",
      [`sha256-${otherDigest.slice(7)}-2`]: "+vs=",
    },
  });
  const files = signatureConfigMapFiles(cm);
  assert.deepEqual(Object.keys(files), ["signature-configmap.json", "signature-configmap.yaml"]);
  assert.deepEqual(JSON.parse(files["signature-configmap.json"] ?? ""), cm);
  assert.deepEqual(parseYaml(files["signature-configmap.yaml"] ?? ""), cm);
  assert.equal(
    signatureFileName("4.14.1-x86_64", payloadDigest),
    `4.14.1-x86_64-sha256-${payloadDigest.slice(7)}`,
  );
});
