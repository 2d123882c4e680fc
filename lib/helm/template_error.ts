/**
 * The error of a Helm template that cannot be parsed or executed, located at `file:line`.
 * @module
 */
import { HelmError, type OcMirrorErrorOptions } from "../errors.ts";

/** A template that cannot be parsed or rendered; names the file, line and (for a `define`) the definition. */
export class TemplateError extends HelmError {
  /** The template file, e.g. `mychart/templates/deployment.yaml`. */
  readonly file: string;
  /** 1-based line in `file`. */
  readonly line: number;
  /** The named template (`define`) that failed, when not the file itself. */
  readonly definition?: string;
  /** The problem without the location. */
  readonly detail: string;

  constructor(
    file: string,
    line: number,
    detail: string,
    options: OcMirrorErrorOptions & { definition?: string } = {},
  ) {
    const where = options.definition === undefined || options.definition === file
      ? `"${file}:${line}"`
      : `"${file}:${line}" (in "${options.definition}")`;
    super(`Template ${where} failed: ${detail}`, options);
    this.file = file;
    this.line = line;
    this.detail = detail;
    if (options.definition !== undefined) this.definition = options.definition;
  }
}
