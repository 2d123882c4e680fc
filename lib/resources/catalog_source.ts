/**
 * CatalogSource and ClusterCatalog objects for mirrored catalogs, named as the original names them
 * (§4.4 of the reference): `cs-<last path component>-<suffix>` where the suffix is the first 12
 * characters of the tag mapped to `[a-z0-9-]`, or the first 12 hex digits of the digest.
 * @module
 */
import { OcMirrorError } from "../errors.ts";
import { digestHex } from "../oci/mod.ts";
import { formatReference, type ImageReference } from "../reference/mod.ts";
import { type ResourceStamp, stampAnnotations } from "./resource_meta.ts";

/** The name shared by a catalog's CatalogSource (`cs-`) and ClusterCatalog (`cc-`), without prefix. */
export function catalogResourceName(destination: ImageReference): string {
  const last = destination.repository.split("/").pop() ?? destination.repository;
  let suffix = "0";
  if (destination.tag) suffix = destination.tag.slice(0, 12).toLowerCase().replace(/[^a-z0-9-]/g, "-");
  else if (destination.digest) suffix = digestHex(destination.digest).slice(0, 12);
  return `${last}-${suffix}`.replace(/\./g, "-").toLowerCase();
}

/** A CatalogSource, optionally from the user's template (name, namespace, sourceType and image overwritten). */
export function catalogSource(
  destination: ImageReference,
  stamp: ResourceStamp,
  template?: unknown,
): { name: string; object: unknown } {
  const name = `cs-${catalogResourceName(destination)}`;
  const image = formatReference(destination);
  const base = {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "CatalogSource",
    metadata: { name, namespace: "openshift-marketplace", annotations: stampAnnotations(stamp) },
    spec: { image, sourceType: "grpc" },
  };
  if (template === undefined) return { name, object: base };
  const t = template as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: Record<string, unknown>;
    spec?: Record<string, unknown>;
  };
  const metadata = t.metadata ?? {};
  const spec = t.spec ?? {};
  const annotations = {
    ...(metadata.annotations as Record<string, string> | undefined ?? {}),
    ...stampAnnotations(stamp),
  };
  return {
    name,
    object: {
      ...t,
      apiVersion: base.apiVersion,
      kind: base.kind,
      metadata: {
        ...metadata,
        name,
        namespace: (metadata.namespace as string | undefined) ?? "openshift-marketplace",
        annotations,
      },
      spec: { ...spec, image, sourceType: "grpc" },
    },
  };
}

/** Checks a `targetCatalogSourceTemplate` document; throws naming the file when it cannot be used. */
export function checkCatalogSourceTemplate(value: unknown, file: string): unknown {
  const t = value as { apiVersion?: unknown; kind?: unknown; spec?: Record<string, unknown> } | null;
  const fail = (why: string) => {
    throw new OcMirrorError(`CatalogSource template ${file} cannot be used: ${why}`);
  };
  if (typeof t !== "object" || t === null) return fail("it is not a YAML object");
  if (t.apiVersion !== "operators.coreos.com/v1alpha1" || t.kind !== "CatalogSource") {
    return fail(
      `want apiVersion operators.coreos.com/v1alpha1 and kind CatalogSource, got ${String(t.apiVersion)} ${
        String(t.kind)
      }`,
    );
  }
  const st = t.spec?.sourceType;
  if (st !== undefined && st !== "" && st !== "grpc") {
    return fail(`spec.sourceType is "${String(st)}": want grpc`);
  }
  if (t.spec?.configMap !== undefined) {
    return fail("spec.configMap is set: a mirrored catalog is served from its image");
  }
  return t;
}

/** A ClusterCatalog (OLM v1) for a mirrored catalog. */
export function clusterCatalog(
  destination: ImageReference,
  stamp: ResourceStamp,
): { name: string; object: unknown } {
  const name = `cc-${catalogResourceName(destination)}`;
  return {
    name,
    object: {
      apiVersion: "olm.operatorframework.io/v1",
      kind: "ClusterCatalog",
      metadata: { name, annotations: stampAnnotations(stamp) },
      spec: { source: { type: "Image", image: { ref: formatReference(destination) } } },
    },
  };
}
