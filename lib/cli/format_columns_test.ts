import assert from "node:assert/strict";
import { formatColumns } from "./format_columns.ts";

Deno.test("formatColumns() pads every column but the last to its widest cell plus two spaces", () => {
  const text = formatColumns([
    ["NAME", "CHANNEL", "DEFAULT"],
    ["a-long-name", "stable", "*"],
    ["b", "fast-and-furious", ""],
  ]);
  assert.equal(
    text,
    "NAME         CHANNEL           DEFAULT\n" +
      "a-long-name  stable            *\n" +
      "b            fast-and-furious\n",
  );
});

Deno.test("formatColumns() of no rows is empty", () => {
  assert.equal(formatColumns([]), "");
});
