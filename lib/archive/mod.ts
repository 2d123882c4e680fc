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
 *   size and sha256.
 * - **Set manifest**: the last part also ends with `oc-mirror/set.json` ({@link ArchiveSetManifest}): for
 *   every part its file name, the size and sha256 of its bytes before the index entry, the sha256 of its
 *   index and its entry count. A missing, renamed, reordered, truncated or other-run part is therefore
 *   refused by name. The original oc-mirror ignores both (it extracts only `docker/registry/v2/...` and
 *   `working-dir/...` entries); sets it wrote have no index and are read leniently (a warning says
 *   that only `verify()` then checks them).
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
 *   and the indexes against the set manifest. `verify()` hashes every entry and part; blobs are served as
 *   byte ranges.
 * @module
 */
export * from "./archive_writer.ts";
export * from "./archive_reader.ts";
export * from "./archive_index.ts";
export * from "./part_naming.ts";
