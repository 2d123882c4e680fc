/**
 * Choosing the image of an OCI image layout named on the command line (`oci://DIR[:ref]`): the named
 * ref, or the only image when no ref is given; a missing layout, a missing ref or an ambiguous layout is
 * a {@link NotFoundError} that lists the refs the layout has.
 * @module
 */
import { join } from "node:path";
import { NotFoundError } from "../errors.ts";
import { REF_NAME_ANNOTATION } from "../layout/mod.ts";
import { type Descriptor, isDigest } from "../oci/mod.ts";

/** The part of an OCI layout store this needs. */
export interface LayoutIndex {
  readonly label: string;
  /** The layout directory. */
  readonly dir: string;
  indexEntries(o?: { signal?: AbortSignal }): Promise<Descriptor[]>;
}

/**
 * Returns the reference to resolve in the layout: `reference` when the layout has it (or it is a
 * digest), else the only image's ref name or digest when `reference` is undefined.
 * `shown` is the path as the user wrote it, for messages.
 */
export async function resolveLayoutReference(
  layout: LayoutIndex,
  shown: string,
  reference: string | undefined,
  o: { signal?: AbortSignal } = {},
): Promise<string> {
  const where = `oci://${shown}${reference === undefined ? "" : `:${reference}`}`;
  try {
    await Deno.stat(join(layout.dir, "index.json"));
  } catch (cause) {
    throw new NotFoundError(
      layout.label,
      `${where} is not an OCI image layout: ${layout.dir} has no index.json`,
      { cause },
    );
  }
  const entries = await layout.indexEntries(o);
  const refOf = (d: Descriptor) => d.annotations?.[REF_NAME_ANNOTATION];
  const refs = [...new Set(entries.map(refOf).filter((r): r is string => r !== undefined))].sort();
  const listed = refs.length > 0
    ? `it has ${refs.map((r) => `"${r}"`).join(", ")}`
    : "it has no named images";
  if (reference === undefined) {
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only) return refOf(only) ?? only.digest;
    throw new NotFoundError(
      layout.label,
      entries.length === 0
        ? `OCI layout ${shown} holds no image: its index.json is empty`
        : `OCI layout ${shown} holds ${entries.length} images: name one as oci://${shown}:REF; ${listed}`,
    );
  }
  if (isDigest(reference) || refs.includes(reference)) return reference;
  throw new NotFoundError(layout.label, `Image "${reference}" not found in OCI layout ${shown}: ${listed}`, {
    ...(refs[0] !== undefined
      ? { hint: `Name an image the layout has, e.g. oci://${shown}:${refs[0]}` }
      : {}),
  });
}
