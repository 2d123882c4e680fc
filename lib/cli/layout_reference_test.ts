import assert from "node:assert/strict";
import { NotFoundError } from "../errors.ts";
import { OciLayoutStore } from "../layout/mod.ts";
import { MediaType } from "../oci/mod.ts";
import { writeImage } from "../store/mod.ts";
import { resolveLayoutReference } from "./layout_reference.ts";

async function layoutWith(tags: (string | undefined)[]): Promise<{ store: OciLayoutStore; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "layout-ref-" });
  const store = new OciLayoutStore(dir);
  for (const [i, tag] of tags.entries()) {
    await writeImage(store, "x", {
      config: { architecture: "amd64", os: "linux", seed: i },
      layers: [{ bytes: new TextEncoder().encode(`layer ${i}`) }],
      mediaType: MediaType.ociManifest,
      ...(tag !== undefined ? { tag } : {}),
    });
  }
  return { store, dir };
}

Deno.test("resolveLayoutReference() returns a ref the layout has, and the only image when none is named", async () => {
  const { store, dir } = await layoutWith(["v1"]);
  try {
    assert.equal(await resolveLayoutReference(store, dir, "v1"), "v1");
    assert.equal(await resolveLayoutReference(store, dir, undefined), "v1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveLayoutReference() names the refs a layout has when the wanted one is missing", async () => {
  const { store, dir } = await layoutWith(["v2", "v1"]);
  try {
    await assert.rejects(
      () => resolveLayoutReference(store, dir, "v3"),
      (e: unknown) =>
        e instanceof NotFoundError && e.code === "NOT_FOUND" &&
        e.message === `Image "v3" not found in OCI layout ${dir}: it has "v1", "v2"` &&
        e.hint === `Name an image the layout has, e.g. oci://${dir}:v1`,
    );
    await assert.rejects(
      () => resolveLayoutReference(store, dir, undefined),
      (e: unknown) =>
        e instanceof NotFoundError &&
        e.message === `OCI layout ${dir} holds 2 images: name one as oci://${dir}:REF; it has "v1", "v2"`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveLayoutReference() refuses a folder that is not an OCI layout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layout-ref-" });
  try {
    await assert.rejects(
      () => resolveLayoutReference(new OciLayoutStore(dir), "shown/path", "v1"),
      (e: unknown) =>
        e instanceof NotFoundError &&
        e.message === `oci://shown/path:v1 is not an OCI image layout: ${dir} has no index.json`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
