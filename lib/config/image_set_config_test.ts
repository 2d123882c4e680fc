import assert from "node:assert/strict";
import { deleteToImageSetConfig } from "./image_set_config.ts";
import { loadConfig } from "./load_config.ts";

Deno.test("deleteToImageSetConfig() turns the delete content into mirror content without blocked images", () => {
  const loaded = loadConfig(
    "apiVersion: mirror.openshift.io/v2alpha1\nkind: DeleteImageSetConfiguration\ndelete:\n" +
      "  additionalImages:\n    - name: quay.io/a/b:v1\n",
    { file: "disc.yaml", kind: "DeleteImageSetConfiguration" },
  );
  const isc = deleteToImageSetConfig(loaded.config);
  assert.deepEqual(isc, {
    apiVersion: "v2alpha1",
    kind: "ImageSetConfiguration",
    mirror: { ...loaded.config.delete, blockedImages: [] },
  });
  assert.equal(isc.mirror.additionalImages[0]?.name, "quay.io/a/b:v1");
});
