/**
 * Parsing `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="...",service="...",scope="..."` and
 * `Basic realm="..."`, several challenges possibly joined in one header value.
 * @see https://distribution.github.io/distribution/spec/auth/token/
 * @module
 */

/** One authentication challenge. */
export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameters with lower-case names: `realm`, `service`, `scope`, `error`. */
  params: Record<string, string>;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Parses a `WWW-Authenticate` header value into its challenges; malformed parts are skipped. */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let s = header;
  let current: Challenge | undefined;
  const skip = (re: RegExp) => {
    const m = re.exec(s);
    if (m) s = s.slice(m[0].length);
  };
  while (s.length > 0) {
    skip(/^[\s,]+/);
    const tok = TOKEN_RE.exec(s);
    if (!tok) {
      // Unparseable character: drop it and continue.
      s = s.slice(1);
      continue;
    }
    const name = tok[0];
    const rest = s.slice(name.length);
    const eq = /^\s*=\s*/.exec(rest);
    if (current && eq) {
      s = rest.slice(eq[0].length);
      let value: string;
      if (s.startsWith('"')) {
        let i = 1;
        value = "";
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        s = s.slice(i + 1);
      } else {
        const v = /^[^\s,]*/.exec(s);
        value = v ? v[0] : "";
        s = s.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      s = rest;
    }
  }
  return out;
}

/** Picks the challenge we answer: Bearer when offered, else Basic, else undefined. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
}
