/**
 * Bundle versions and version ranges. Ranges compare prereleases by semver order (so `>=4.14.0` matches
 * `4.14.1-202401010000`, the version style of most Red Hat operators); the original's Masterminds
 * constraints skip prereleases unless the bound has one, which silently drops such bundles.
 * @module
 */
import { parse, Range, type SemVer } from "semver";

/** Parses a version, or returns null when it is missing or not semver. */
export function parseVersion(v: string | undefined): SemVer | null {
  if (v === undefined || v === "") return null;
  return parse(v) ?? parse(v, { loose: true });
}

/** Parses a range expression (`>=1.0.0 <2.0.0`, `||` alternatives); null when invalid. */
export function parseRange(expr: string): Range | null {
  try {
    return new Range(expr, { includePrerelease: true, loose: true });
  } catch {
    return null;
  }
}

/** True when `v` satisfies `range` (prereleases included). */
export function inRange(range: Range, v: SemVer | null): boolean {
  return v !== null && range.test(v);
}

/** Builds the range the original builds from min/max: `>=min`, `<=max` or `>=min <=max`. */
export function rangeOf(min: SemVer | null, max: SemVer | null): Range | null {
  const parts: string[] = [];
  if (min) parts.push(`>=${min.version}`);
  if (max) parts.push(`<=${max.version}`);
  return parts.length === 0 ? null : new Range(parts.join(" "), { includePrerelease: true });
}

/** Orders versions ascending; null (unversioned) sorts last. */
export function compareVersions(a: SemVer | null, b: SemVer | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return a.compare(b);
}
