/**
 * What every cluster resource we write shares: the annotations the original adds, and YAML rendering
 * of one or several objects (multi-document with a leading `---`).
 * @module
 */
import { stringify } from "yaml";

/** Who made a resource and when. */
export interface ResourceStamp {
  now: Date;
  /** Our version, recorded as `oc-mirror_version`. */
  version: string;
}

/** The annotations the original puts on every v2 resource. */
export function stampAnnotations(stamp: ResourceStamp): Record<string, string> {
  return {
    createdBy: "oc-mirror v2",
    createdAt: stamp.now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    "oc-mirror_version": stamp.version,
  };
}

/** Renders objects as multi-document YAML, each starting with `---`. */
export function toYamlDocuments(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join("");
}
