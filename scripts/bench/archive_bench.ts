/**
 * Benchmark of the archive stores with one large blob (512 MiB by default, generated on the fly, never
 * held in memory): write it into an ArchiveWriter (verified as it streams) and close the set, open the
 * set with ArchiveReader, stream the blob back (hashing it, as a consumer does), and verify() the set.
 * Prints MB/s of each phase and the peak RSS, which must stay flat whatever the blob size.
 *
 *   npx deno run --allow-read --allow-write scripts/bench/archive_bench.ts [MiB] [dir]
 * @module
 */
// deno-lint-ignore-file no-console
import { createHash } from "node:crypto";
import { ArchiveReader, ArchiveWriter } from "../../lib/archive/mod.ts";
import { testContext } from "../../lib/context.ts";
import { type Descriptor, MediaType } from "../../lib/oci/mod.ts";

const MiB = 1024 * 1024;
const SIZE_MIB = Number(Deno.args[0] ?? 512);
const SIZE = SIZE_MIB * MiB;

/** 1 MiB chunks of seeded bytes, each made distinct by its index in the first 8 bytes. */
function blobStream(): ReadableStream<Uint8Array> {
  const base = new Uint8Array(MiB);
  let s = 42;
  for (let i = 0; i < base.byteLength; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    base[i] = s >>> 24;
  }
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i * MiB >= SIZE) return c.close();
      const chunk = base.slice();
      new DataView(chunk.buffer).setFloat64(0, i);
      c.enqueue(chunk);
      i++;
    },
  });
}

async function sha256(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

/** Runs `fn`, sampling RSS every 20 ms; returns seconds and peak RSS. */
async function measure(fn: () => Promise<void>): Promise<{ seconds: number; peakRss: number }> {
  let peakRss = Deno.memoryUsage().rss;
  const timer = setInterval(() => peakRss = Math.max(peakRss, Deno.memoryUsage().rss), 20);
  const start = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
  return { seconds: (performance.now() - start) / 1000, peakRss };
}

const dir = Deno.args[1] ?? await Deno.makeTempDir({ prefix: "archive-bench-" });
const ctx = testContext();
try {
  const digest = `sha256:${await sha256(blobStream())}` as const;
  const d: Descriptor = { mediaType: MediaType.ociLayerGzip, digest, size: SIZE };
  const baseline = Deno.memoryUsage().rss;
  const rows: [string, { seconds: number; peakRss: number }][] = [];

  rows.push([
    "write (putBlob + close)",
    await measure(async () => {
      const writer = await ArchiveWriter.create(dir, { ctx, archiveSizeBytes: 2 * SIZE });
      await writer.putBlob("bench/blob", d, blobStream());
      await writer.close();
    }),
  ]);
  let reader: ArchiveReader | undefined;
  rows.push(["open", await measure(async () => void (reader = await ArchiveReader.open(dir, { ctx })))]);
  rows.push([
    "read (getBlob + sha256)",
    await measure(async () => {
      const got = await sha256(await (reader as ArchiveReader).getBlob("bench/blob", d));
      if (`sha256:${got}` !== digest) throw new Error(`read back ${got}, want ${digest}`);
    }),
  ]);
  rows.push(["verify", await measure(async () => void await (reader as ArchiveReader).verify())]);

  console.log(
    `Archive bench: one ${SIZE_MIB} MiB blob in ${dir}; baseline RSS ${(baseline / MiB).toFixed(0)} MiB`,
  );
  for (const [name, r] of rows) {
    const mbps = name === "open" ? "" : `${(SIZE / 1e6 / r.seconds).toFixed(0).padStart(6)} MB/s`;
    console.log(
      `${name.padEnd(26)} ${r.seconds.toFixed(2).padStart(7)} s ${mbps.padEnd(12)} peak RSS ` +
        `${(r.peakRss / MiB).toFixed(0)} MiB (+${((r.peakRss - baseline) / MiB).toFixed(0)})`,
    );
  }
} finally {
  if (Deno.args[1] === undefined) await Deno.remove(dir, { recursive: true });
}
