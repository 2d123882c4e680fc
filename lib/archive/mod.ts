/**
 * Mirror archive sets: the split tar files mirror-to-disk writes and disk-to-mirror reads.
 * {@link ArchiveWriter} is a destination store that streams images into the set; {@link ArchiveReader} is
 * a source store over a set (ours or the original oc-mirror's) that validates it before use. Owns the
 * archive format; does not decide what goes into an archive (the workflow does), and does not extract
 * the registry tree to disk (a copy into a layout store does that).
 *
 * ## Format
 *
 * - **Parts** `mirror_000001.tar`, `mirror_000002.tar`, ... (v1 naming: `mirror_seq<N>_000000.tar`, ...):
 *   uncompressed POSIX tar (ustar headers, a pax `x` header for names or sizes ustar cannot hold), regular
 *   files only (mode 0644, uid/gid 0, no directory entries), as the original writes them.
 * - **Entries**: the distribution registry's storage tree (`lib/layout` paths), so the original tool reads
 *   our sets and a plain `docker-registry` serves an extracted one:
 *   `docker/registry/v2/blobs/sha256/<xx>/<hex>/data` for blobs and manifests;
 *   `docker/registry/v2/repositories/<repo>/_layers/sha256/<hex>/link` for every blob of the repository
 *   (also those an earlier archive shipped), `_manifests/revisions/sha256/<hex>/link`,
 *   `_manifests/tags/<tag>/current/link` and `_manifests/tags/<tag>/index/sha256/<hex>/link`;
 *   working-dir files `working-dir/...`; the ISC as `isc_<timestamp>.yaml`; in v1 sets, the metadata
 *   `publish/.metadata.json` (written first by the workflow). Repository links are written at
 *   `close()`, after every blob, so a re-tagged image is never stored twice.
 * - **Part index**: each part ends with `oc-mirror/part-<NNNNNN>.json` ({@link ArchivePartIndex}): the set
 *   id, the part's number and the set's part count, its file name, and every entry's name, data offset,
 *   size and sha256, in file order.
 * - **Void entries** `oc-mirror/void-<NNNNNN>` (format version 2): blobs stream into a part side by side,
 *   each into a place (header, data, padding) reserved when it starts. A blob that fails gives its place
 *   back when nothing was placed after it; otherwise its place becomes a regular file of zeros spanning
 *   exactly that place, listed in the index (and so verified) like any entry, never served or extracted
 *   by the reader. Readers that only extract `docker/registry/v2/...` and `working-dir/...` skip them.
 * - **Set manifest**: the last part also ends with `oc-mirror/set.json` ({@link ArchiveSetManifest},
 *   format version 2): for every part its file name, `dataSizeBytes` (the bytes before its index entry),
 *   its `partDigest` (below), the sha256 of its index (`indexSha256`) and its entry count. A missing,
 *   renamed, reordered, truncated or other-run part is therefore refused by name. The original oc-mirror
 *   ignores both (it extracts only `docker/registry/v2/...` and `working-dir/...` entries); sets it wrote
 *   have no index and are read leniently (a warning says that only `verify()` then checks them).
 * - **Part digest** (`partDigest`, 64 hex digits): the sha256 of the part's bytes from offset 0 to the end
 *   of its index entry (the index's padding included), in which the data of every entry, each content
 *   entry the index lists and the index itself, is replaced by the 32 raw bytes of that data's sha256.
 *   Every other byte goes in as it is, in file order: each entry's header blocks (a pax `x` header block,
 *   its records and their padding, the ustar block) and the zero padding after each entry's data. So, with
 *   the data positions fixed by the part index (pinned by `indexSha256`), changing any byte in that span
 *   changes an entry's sha256 (checked against the blob's digest or the index) or the part digest. The
 *   writer builds it from the entry hashes it computes anyway (a blob's digest is verified as it streams
 *   in) plus the headers and padding, and `verify()` the same way: one sha256 per data byte on each
 *   side. Not covered: the set manifest entry itself (it holds the digests) and the end-of-archive
 *   marker, which reading requires to be two zero blocks; bytes after the marker are never read.
 * - **Format version 1** (earlier writers): part indexes and set manifest with `version: 1`, and in
 *   the set manifest `sha256` (the sha256 of the part's first `dataSizeBytes` bytes as they are)
 *   instead of `partDigest`. Such sets are still read, and `verify()` checks them that way (a second
 *   hash of every byte). A set manifest and its part indexes must have the same version.
 * - **Splitting** at `archiveSizeBytes` (counting headers, data and padding; the trailing index entries
 *   come on top): an entry that would overflow the current part starts a new one; a single entry larger
 *   than the limit gets a part of its own and a warning, or an {@link ArchiveError} with `strict`.
 * - **Atomicity**: parts are written as `mirror_000001.tar.partial`, ... and renamed only once every
 *   index and the set manifest are written and the whole set has been re-scanned; then the older
 *   `mirror_*.tar` files in the directory (same sequence for v1 naming) are removed. An interrupted run
 *   leaves only `.partial` files (removed by the next `ArchiveWriter.create`) and the previous set.
 * - **Reading** validates every part before anything is used: numbering without gaps, no empty part,
 *   headers and checksums, names (no `..`, no absolute paths, only the tree above plus `working-dir/`,
 *   `isc_*` and `publish/.metadata.json`; `_uploads` leftovers are ignored), no links or devices, no size
 *   past the end of the file, the end-of-archive marker, duplicate entries only with identical content,
 *   and the indexes against the set manifest. `verify()` hashes every entry once and checks each part's
 *   digest; blobs are served as byte ranges.
 * @module
 */
export * from "./archive_writer.ts";
export * from "./archive_reader.ts";
export * from "./archive_index.ts";
export * from "./part_naming.ts";
