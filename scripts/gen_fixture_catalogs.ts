/**
 * Writes the file-based catalogs of the synthetic upstream (default seed, `test` profile) as plain files
 * under `fixtures/catalogs/<catalog>-<tag>/<package>/catalog.{json,yaml}`, for unit tests that want FBC
 * without a registry. The image digests in them are those `publishUpstream()` publishes;
 * `fixtures/upstream/catalogs_test.ts` fails when the committed files drift from the generators.
 *
 *     deno run --allow-read --allow-write=fixtures/catalogs --allow-env scripts/gen_fixture_catalogs.ts
 * @module
 */
// deno-lint-ignore-file no-console
import { MemoryStore } from "../lib/store/mod.ts";
import { fixtureCatalogDir, publishCatalogs } from "../fixtures/upstream/catalogs.ts";
import { DEFAULT_SEED } from "../fixtures/upstream/random.ts";

const root = new URL("../fixtures/catalogs/", import.meta.url);
const catalogs = await publishCatalogs(new MemoryStore(), { seed: DEFAULT_SEED, profile: "test" });
let count = 0;
for (const catalog of catalogs) {
  const dir = new URL(`${fixtureCatalogDir(catalog)}/`, root);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  for (const [path, text] of Object.entries(catalog.files)) {
    const file = new URL(path, dir);
    await Deno.mkdir(new URL(".", file), { recursive: true });
    await Deno.writeTextFile(file, text);
    count++;
  }
}
console.log(`Wrote ${count} FBC files under fixtures/catalogs/`);
