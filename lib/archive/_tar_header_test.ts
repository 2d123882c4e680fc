import assert from "node:assert/strict";
import { createTarDecoder } from "modern-tar";
import {
  BLOCK_SIZE,
  decodeHeader,
  entrySize,
  fileHeader,
  paddingSize,
  parseNumeric,
  parsePaxRecords,
  paxRecord,
  TarHeaderError,
} from "./_tar_header.ts";
import { tempDir } from "./_test_support.ts";

const BLOB_NAME = `docker/registry/v2/blobs/sha256/ab/${"ab".repeat(32)}/data`;

function tarOf(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(
      fileHeader(e.name, e.data.byteLength, 1_700_000_000),
      e.data,
      new Uint8Array(paddingSize(e.data.byteLength)),
    );
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

Deno.test("fileHeader writes a single ustar block, splitting a 104-byte blob path into prefix and name", () => {
  const h = fileHeader(BLOB_NAME, 1234, 0);
  assert.equal(h.byteLength, BLOCK_SIZE);
  const d = decodeHeader(h);
  assert.equal(d.name, BLOB_NAME);
  assert.equal(d.size, 1234);
  assert.equal(d.typeflag, "0");
});

Deno.test("fileHeader adds a pax path record for names ustar cannot hold", () => {
  const long = `working-dir/${"x".repeat(120)}/${"y".repeat(120)}`;
  const nonAscii = "working-dir/chärts/ü.tgz";
  for (const name of [long, nonAscii]) {
    const h = fileHeader(name, 5, 0);
    assert.ok(h.byteLength > BLOCK_SIZE);
    const pax = decodeHeader(h.subarray(0, BLOCK_SIZE));
    assert.equal(pax.typeflag, "x");
    const records = parsePaxRecords(h.subarray(BLOCK_SIZE, BLOCK_SIZE + pax.size));
    assert.equal(records.get("path"), name);
    assert.equal(entrySize(name, 5), h.byteLength + BLOCK_SIZE);
  }
});

Deno.test("fileHeader records sizes of 8 GiB and more in a pax size record", () => {
  const size = 9 * 2 ** 30;
  const h = fileHeader("working-dir/big", size, 0);
  const pax = decodeHeader(h.subarray(0, BLOCK_SIZE));
  const records = parsePaxRecords(h.subarray(BLOCK_SIZE, BLOCK_SIZE + pax.size));
  assert.equal(records.get("size"), String(size));
  assert.equal(decodeHeader(h.subarray(h.byteLength - BLOCK_SIZE)).size, 0);
});

Deno.test("paxRecord lengths count themselves, also across a digit boundary", () => {
  for (const n of [1, 2, 90, 91, 92, 93, 994, 995, 996]) {
    const r = paxRecord("path", "a".repeat(n));
    const text = new TextDecoder().decode(r);
    assert.equal(Number(text.slice(0, text.indexOf(" "))), r.byteLength, `value length ${n}`);
    assert.equal(parsePaxRecords(r).get("path"), "a".repeat(n));
  }
});

Deno.test("decodeHeader refuses a corrupted checksum", () => {
  const h = fileHeader("working-dir/a", 1, 0);
  h[0] = "W".charCodeAt(0);
  assert.throws(
    () => decodeHeader(h),
    (e: unknown) => e instanceof TarHeaderError && /checksum/.test(e.message),
  );
});

Deno.test("parseNumeric reads octal and GNU base-256, and refuses negative or non-octal fields", () => {
  assert.equal(parseNumeric(new TextEncoder().encode("00000001750\0"), "size"), 1000);
  assert.equal(parseNumeric(new TextEncoder().encode("   1750 \0"), "size"), 1000);
  const b256 = new Uint8Array(12);
  b256[0] = 0x80;
  b256[10] = 0x01;
  b256[11] = 0x02;
  assert.equal(parseNumeric(b256, "size"), 258);
  const neg = new Uint8Array(12).fill(0xff);
  assert.throws(() => parseNumeric(neg, "size"), /negative/);
  assert.throws(() => parseNumeric(new TextEncoder().encode("0000009\0"), "size"), /not octal/);
});

Deno.test("parsePaxRecords refuses a record whose length runs past the data", () => {
  assert.throws(() => parsePaxRecords(new TextEncoder().encode("99 path=x\n")), TarHeaderError);
  assert.throws(() => parsePaxRecords(new TextEncoder().encode("path=x\n")), TarHeaderError);
});

Deno.test("GNU tar and modern-tar read our headers back with the same names and contents", async () => {
  await using dir = await tempDir();
  const entries = [
    { name: BLOB_NAME, data: new TextEncoder().encode("blob bytes") },
    { name: `working-dir/${"n".repeat(150)}/file.json`, data: new TextEncoder().encode("{}") },
    { name: "working-dir/ünï.txt", data: new Uint8Array(513).fill(7) },
    { name: "isc_2026-01-02T03:04:05Z.yaml", data: new Uint8Array(0) },
  ];
  const tar = tarOf(entries);
  await Deno.writeFile(`${dir.path}/t.tar`, tar);
  const out = await new Deno.Command("tar", {
    args: ["-tf", `${dir.path}/t.tar`],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split("\n"), entries.map((e) => e.name));

  const decoded: { name: string; data: Uint8Array }[] = [];
  const stream = new Blob([tar as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    createTarDecoder({ strict: true }),
  );
  for await (const e of stream) {
    decoded.push({ name: e.header.name, data: new Uint8Array(await new Response(e.body).arrayBuffer()) });
  }
  assert.deepEqual(decoded, entries);
});
