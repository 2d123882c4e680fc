/**
 * "Did you mean": the names closest to a typo, and short quoted lists for error messages.
 * @module
 */
import type { SemVer } from "semver";

function distance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The names closest to `wanted` (edit distance, or one containing the other), best first. */
export function nearestNames(wanted: string, names: Iterable<string>, max = 5): string[] {
  const w = wanted.toLowerCase();
  const limit = Math.max(2, Math.floor(w.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of names) {
    const n = name.toLowerCase();
    const d = distance(w, n);
    const prefix = n.startsWith(w) || w.startsWith(n) ? 0.5 : 0;
    if (d <= limit) scored.push({ name, score: d - prefix });
    else if (w.length >= 3 && (n.includes(w) || w.includes(n))) {
      scored.push({ name, score: limit + 1 - prefix });
    }
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, max).map((s) => s.name);
}

/** Formats names as `"a", "b", "c"` and `N more` past `limit`. */
export function quoteList(names: readonly string[], limit = 10): string {
  const shown = names.slice(0, limit).map((n) => JSON.stringify(n));
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}

/** The versions nearest to `wanted`: up to `each` below and `each` above, ascending. */
export function nearestVersions(wanted: SemVer, versions: readonly SemVer[], each = 3): SemVer[] {
  const sorted = [...versions].sort((a, b) => a.compare(b));
  let i = sorted.findIndex((v) => v.compare(wanted) >= 0);
  if (i < 0) i = sorted.length;
  return sorted.slice(Math.max(0, i - each), i + each);
}
