/**
 * The error for a catalog file that cannot be parsed or holds an invalid blob, located by file, line and
 * object index so the user can open the file at the right place.
 * @module
 */
import { CatalogError, type OcMirrorErrorOptions } from "../errors.ts";

/** Where a blob sits in a catalog: file, 1-based line of its first character, 1-based object index. */
export interface CatalogLocation {
  file: string;
  line: number;
  object: number;
  /** The catalog image the file comes from, when it comes from one. */
  image?: string;
}

/** Formats a location as `[image ]file:line (object N)` (parts omitted when unknown). */
export function formatCatalogLocation(at: CatalogLocation): string {
  const line = at.line > 0 ? `:${at.line}` : "";
  const object = at.object > 0 ? ` (object ${at.object})` : "";
  return `${at.image ? `${at.image} ` : ""}${at.file}${line}${object}`;
}

/** A catalog file that is not valid FBC; the message starts with the location. */
export class CatalogFileError extends CatalogError {
  readonly file: string;
  readonly line: number;
  readonly object: number;
  readonly image?: string;
  /** The message without the location. */
  readonly detail: string;
  constructor(at: CatalogLocation, message: string, options: OcMirrorErrorOptions = {}) {
    super(`${formatCatalogLocation(at)}: ${message}`, options);
    this.file = at.file;
    this.line = at.line;
    this.object = at.object;
    if (at.image !== undefined) this.image = at.image;
    this.detail = message;
  }

  /** The same error located in a catalog image. */
  inImage(image: string): CatalogFileError {
    return new CatalogFileError(
      { file: this.file, line: this.line, object: this.object, image },
      this.detail,
      this.cause === undefined ? {} : { cause: this.cause },
    );
  }
}
