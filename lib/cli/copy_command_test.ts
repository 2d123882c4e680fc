import assert from "node:assert/strict";
import { ImageReferenceError, UsageError } from "../errors.ts";
import { parseDigest } from "../oci/mod.ts";
import type { CopyResult } from "../transfer/mod.ts";
import { describeCopy, formatImageLocation, parseCopyArguments, parsePlatformFlag } from "./copy_command.ts";

Deno.test("copy: --platform takes os/arch and os/arch/variant", () => {
  assert.deepEqual(parsePlatformFlag("linux/amd64"), { os: "linux", architecture: "amd64" });
  assert.deepEqual(parsePlatformFlag("linux/arm/v7"), { os: "linux", architecture: "arm", variant: "v7" });
  for (const bad of ["amd64", "linux/", "linux/arm/v7/x", "linux amd64/x"]) {
    assert.throws(
      () => parsePlatformFlag(bad),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === `Flag --platform is "${bad}": want os/arch[/variant], e.g. linux/amd64`,
    );
  }
});

Deno.test("copy: SRC and DST parse as docker:// references or oci:// layouts", () => {
  const { source, destination } = parseCopyArguments([
    "docker://quay.io/example/app:1.0",
    "oci:///srv/layout:app",
  ]);
  assert.deepEqual(source, {
    kind: "docker",
    reference: { registry: "quay.io", repository: "example/app", tag: "1.0" },
  });
  assert.deepEqual(destination, { kind: "oci", path: "/srv/layout", reference: "app" });
  assert.equal(formatImageLocation(source), "docker://quay.io/example/app:1.0");
  assert.equal(formatImageLocation(destination), "oci:///srv/layout:app");
  assert.equal(formatImageLocation({ kind: "oci", path: "rel/dir" }), "oci://rel/dir");
});

Deno.test("copy: wrong argument counts, schemes and digest destinations are usage errors", () => {
  assert.throws(() => parseCopyArguments(["docker://a.io/x:1"]), (e: unknown) =>
    e instanceof UsageError &&
    e.message ===
      "Copy needs a source and a destination, got 1 argument: want oc-mirror copy SRC DST (docker://REF or oci://DIR[:ref])");
  assert.throws(
    () => parseCopyArguments(["docker://a.io/x:1", "oci://d", "oci://e"]),
    (e: unknown) =>
      e instanceof UsageError &&
      /got 3 arguments: "docker:\/\/a.io\/x:1" "oci:\/\/d" "oci:\/\/e"/.test(e.message),
  );
  assert.throws(
    () => parseCopyArguments(["file:///x", "oci://d"]),
    (e: unknown) =>
      e instanceof ImageReferenceError &&
      e.message === 'Image location "file:///x" must start with docker:// or oci://',
  );
  const digest = `sha256:${"a".repeat(64)}`;
  assert.throws(
    () => parseCopyArguments(["oci://d", `docker://a.io/x@${digest}`]),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message.startsWith(`Destination "docker://a.io/x@${digest}" names a digest`),
  );
});

Deno.test("copy: the summary names the digest, the filtered index and the counts", () => {
  const d = (c: string) => ({
    mediaType: "application/vnd.oci.image.index.v1+json",
    digest: parseDigest(`sha256:${c.repeat(64)}`),
    size: 10,
  });
  const r: CopyResult = {
    sourceRoot: d("a"),
    root: d("b"),
    filteredIndex: true,
    blobsCopied: 1,
    blobsSkipped: 3,
    blobsMounted: 2,
    bytesCopied: 2500,
    manifestsWritten: 2,
  };
  assert.equal(
    describeCopy("docker://q.io/x:1", "oci://l:1", r),
    `Copied docker://q.io/x:1 to oci://l:1: sha256:${"b".repeat(64)} (filtered index; source sha256:${
      "a".repeat(64)
    }), 1 blob copied (2.5 kB), 3 skipped, 2 mounted, 2 manifests written`,
  );
});
