/**
 * Aligned text columns for listings, like Go's tabwriter with two spaces of padding: every column but
 * the last is padded to its widest cell, and lines carry no trailing spaces.
 * @module
 */

/** Formats rows (the first is usually the header) as aligned columns, one line each, `\n`-terminated. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2))).join("")
      .trimEnd() + "\n"
  ).join("");
}
