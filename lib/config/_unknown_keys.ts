/**
 * Explains a key the schema of a file does not know when another API version or kind has it: a
 * `storageConfig` in a v2alpha1 file, a `targetRepo` in a v1alpha2 file, a `delete:` section in an
 * ImageSetConfiguration, and the `bundles` of oc-mirror 4.17.
 * @module
 */
import { objectKeys, schemaAt } from "./_config_reader.ts";
import type { ConfigPath } from "./config_path.ts";
import { configSchema } from "./config_schema.ts";
import { API_GROUP, type ApiVersion, type ConfigKind } from "./image_set_config.ts";

/** Hints for fields of the other API version, by the version that has them and the key. */
const VERSION_HINTS: Record<ApiVersion, Record<string, string>> = {
  v1alpha2: {
    storageConfig: "oc-mirror v2 keeps no metadata, remove it",
    targetName: "use targetCatalog",
    minBundle: "use minVersion",
    originalRef: "remove it",
  },
  v2alpha1: {},
};

/** Hints for fields of the other kind, by key. */
const KIND_HINTS: Record<string, string> = {
  delete: "to delete images, write kind: DeleteImageSetConfiguration",
  mirror: "list the images to delete under delete:",
  archiveSize: "it applies to mirroring only",
  blockedImages: "it applies to mirroring only",
};

const ISC: ConfigKind = "ImageSetConfiguration";
const DISC: ConfigKind = "DeleteImageSetConfiguration";

/**
 * Returns the explainer for a document checked with the schema of `schemaVersion` and `schemaKind`;
 * `fileVersion` is the API version the file declares, when valid. The explainer returns a message tail
 * (after the key's path), or `undefined` when no other version or kind knows the key.
 */
export function unknownKeyExplainer(
  schemaVersion: ApiVersion,
  schemaKind: ConfigKind,
  fileVersion: ApiVersion | undefined,
): (key: string, objectPath: ConfigPath) => string | undefined {
  // Which schemas to ask, in order: the same kind in the other API version first, except for a delete
  // configuration, whose keys are best explained by the ImageSetConfiguration of the same version.
  const others = schemaKind === DISC
    ? [{ apiVersion: "v2alpha1" as const, kind: ISC }, { apiVersion: "v1alpha2" as const, kind: ISC }]
    : [
      { apiVersion: schemaVersion === "v1alpha2" ? "v2alpha1" as const : "v1alpha2" as const, kind: ISC },
      { apiVersion: "v2alpha1" as const, kind: DISC },
    ];
  const alternatives = others.map((o) => ({ ...o, schema: configSchema(o.apiVersion, o.kind) }));
  return (key, objectPath) => {
    const lower = key.toLowerCase();
    const inPackage = objectPath.length === 5 && objectPath[1] === "operators" &&
      objectPath[3] === "packages";
    if (lower === "bundles" && inPackage) {
      return "was removed in oc-mirror 4.18: select bundles with minVersion and maxVersion";
    }
    const [first, ...rest] = objectPath;
    for (const alt of alternatives) {
      const content = alt.kind === ISC ? "mirror" : "delete";
      const path = first === "mirror" || first === "delete" ? [content, ...rest] : objectPath;
      const at = schemaAt(alt.schema, path);
      const known = at === undefined ? undefined : objectKeys(at)?.find((k) => k.toLowerCase() === lower);
      if (known === undefined) continue;
      if (alt.kind !== schemaKind) {
        const hint = KIND_HINTS[known];
        const article = schemaKind === DISC ? "a" : "an";
        return `is not allowed in ${article} ${schemaKind}${hint === undefined ? "" : `: ${hint}`}`;
      }
      const thisFile = fileVersion === undefined ? "" : ` (this file is ${API_GROUP}/${fileVersion})`;
      const hint = VERSION_HINTS[alt.apiVersion][known] ??
        (alt.apiVersion === "v2alpha1" ? `set apiVersion: ${API_GROUP}/v2alpha1 to use it` : undefined);
      return `exists only in ${API_GROUP}/${alt.apiVersion}${thisFile}${
        hint === undefined ? "" : `: ${hint}`
      }`;
    }
    return undefined;
  };
}
