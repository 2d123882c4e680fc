/**
 * Keeping secrets out of messages: a {@link SecretRedactor} remembers every password, token and
 * Authorization value the registry client handles and masks them in any text before it reaches an
 * error, a log event or a file; {@link redactUrl} drops query strings (signed object-storage URLs) and
 * user info from URLs.
 * @module
 */

/** The text that replaces a secret. */
export const REDACTED = "***";

/** A URL's query string inside free text. */
const URL_QUERY_RE = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>)]+)\?[^\s"'<>)]*/gi;

/** Shortest secret we mask; shorter strings would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** Remembers secrets and masks them in text; one instance is shared by all stores of a run. */
export class SecretRedactor {
  #secrets = new Set<string>();

  /** Adds secrets to mask (empty and very short values are ignored). */
  add(...secrets: (string | undefined)[]): void {
    for (const s of secrets) {
      if (s !== undefined && s.length >= MIN_SECRET_LENGTH) this.#secrets.add(s);
    }
  }

  /**
   * Returns `text` with every known secret replaced by {@link REDACTED} and the query strings of URLs
   * (signed object-storage URLs carry credentials there) cut off.
   */
  redact(text: string): string {
    let out = text.replace(URL_QUERY_RE, "$1?…");
    for (const s of this.#secrets) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return out;
  }

  /**
   * Returns an error safe to keep as a `cause`: same name and (redacted) message, with its own cause
   * sanitised the same way. Non-errors become errors.
   */
  sanitizeError(e: unknown): Error {
    if (!(e instanceof Error)) return new Error(this.redact(String(e)));
    const cause = e.cause === undefined ? undefined : this.sanitizeError(e.cause);
    const safe = new Error(this.redact(e.message), cause === undefined ? undefined : { cause });
    safe.name = e.name;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") Object.assign(safe, { code });
    return safe;
  }
}

/** Formats a URL for messages without user info, query string or fragment. */
export function redactUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "<invalid URL>";
  }
  const query = u.search === "" ? "" : "?…";
  return `${u.protocol}//${u.host}${u.pathname}${query}`;
}
