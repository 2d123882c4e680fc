/**
 * The part digest a version 2 set manifest records for each part (`partDigest`): the sha256 of the
 * part's bytes from offset 0 to the end of its index entry (its padding included), in which the data of
 * every entry (content entries and the index) is replaced by the 32 raw bytes of that data's sha256.
 * Everything else (ustar header blocks, pax headers and records, the padding after each entry's data)
 * goes in as it is, in file order.
 *
 * The writer computes it from what it hashes anyway (each entry's sha256 while the data streams in, a
 * few hundred bytes of headers and padding), and `verify()` from what it checks anyway (each entry's
 * data against its digest or index sha256): one hash per data byte on both sides, instead of a second
 * sha256 over the whole part. With the entries' positions fixed by the part index (itself pinned by
 * `indexSha256`), a change to any byte the digest spans changes either the digest or an entry's sha256.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { Buffer } from "node:buffer";

/** Builds a part digest, fed in file order. */
export class PartDigest {
  #hash: Hash;

  constructor(hash: Hash = createHash("sha256")) {
    this.#hash = hash;
  }

  /** Feeds tar structure (headers, pax records, padding) as it is. */
  structure(bytes: Uint8Array): void {
    if (bytes.byteLength > 0) this.#hash.update(bytes);
  }

  /** Feeds an entry's data as its sha256 (64 hex digits), in place of the data itself. */
  entry(sha256Hex: string): void {
    this.#hash.update(Buffer.from(sha256Hex, "hex"));
  }

  /** An independent copy of the state so far. */
  copy(): PartDigest {
    return new PartDigest(this.#hash.copy());
  }

  /** The digest (64 hex digits); the builder cannot be fed afterwards. */
  hex(): string {
    return this.#hash.digest("hex");
  }
}
