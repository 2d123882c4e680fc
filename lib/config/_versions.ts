/**
 * Version strings of a configuration. Release versions are full semantic versions (`4.18.1`; a leading
 * `v` is dropped). Operator bundle versions get the leniency of the Masterminds library the original's
 * catalog filter uses: a leading `v` and missing minor or patch parts are accepted (`v5.8` means
 * `5.8.0`).
 * @module
 */
import semver from "semver";

const LENIENT =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** A release version normalised to `X.Y.Z[-pre][+build]`, or `undefined` when it is not one. */
export function normalizeReleaseVersion(input: string): string | undefined {
  const s = input.startsWith("v") ? input.slice(1) : input;
  if (!/^\d+\.\d+\.\d+(?:[-+].*)?$/.test(s)) return undefined;
  return semver.valid(s) === null ? undefined : s;
}

/** An operator version normalised to `X.Y.Z[-pre][+build]`, or `undefined` when it is not one. */
export function normalizeOperatorVersion(input: string): string | undefined {
  const m = LENIENT.exec(input);
  if (!m) return undefined;
  const s = `${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}${m[4] ?? ""}${m[5] ?? ""}`;
  return semver.valid(s) === null ? undefined : s;
}

/** Compares two normalised versions by semantic-version precedence. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}
