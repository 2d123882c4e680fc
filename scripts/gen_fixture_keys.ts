/**
 * Generates the OpenPGP key pair the synthetic upstream signs release payloads with, ONCE, and writes it
 * to `fixtures/keys/release-private.asc` and `fixtures/keys/release-public.asc` (armored, no passphrase).
 * The committed keys are what every test and the demo use; rerun this only to rotate them, with
 * `--force` to overwrite.
 *
 *     deno run --allow-read=fixtures/keys --allow-write=fixtures/keys scripts/gen_fixture_keys.ts [--force]
 * @module
 */
// deno-lint-ignore-file no-console
import * as openpgp from "openpgp";

const dir = new URL("../fixtures/keys/", import.meta.url);
const privateFile = new URL("release-private.asc", dir);
const publicFile = new URL("release-public.asc", dir);

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

if (!Deno.args.includes("--force") && (await exists(privateFile) || await exists(publicFile))) {
  console.error("fixtures/keys already holds a key pair: pass --force to replace it");
  Deno.exit(1);
}

const { privateKey, publicKey } = await openpgp.generateKey({
  type: "rsa",
  rsaBits: 2048,
  userIDs: [{
    name: "oc-mirror synthetic release signing key (test only)",
    email: "release-signing@fixtures.invalid",
  }],
  date: new Date("2023-11-14T22:13:20Z"),
  format: "armored",
});
await Deno.mkdir(dir, { recursive: true });
await Deno.writeTextFile(privateFile, privateKey);
await Deno.writeTextFile(publicFile, publicKey);
const key = await openpgp.readKey({ armoredKey: publicKey });
console.log(`Wrote fixtures/keys/release-{private,public}.asc (key ${key.getKeyID().toHex()})`);
