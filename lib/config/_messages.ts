/**
 * Small helpers for configuration messages: how values are quoted and lists of choices are written.
 * @module
 */

/** Quotes a value for a message: strings in double quotes, anything else as JSON. */
export function quoteValue(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value) ?? String(value);
}

/** `a, b or c`. */
export function listOr(values: readonly string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}
