/**
 * The function map Helm gives templates: Go's predefined functions, sprig, and Helm's own (`include`,
 * `tpl`, `toYaml`, `required`, ...). Built per render so that the seeded random functions and the clock are
 * private to it.
 * @module
 */
import { builtinFunctions } from "./_builtin_functions.ts";
import { helmFunctions } from "./_helm_functions.ts";
import { sprigFunctions } from "./_sprig_functions.ts";
import type { TemplateFunction } from "./_template_executor.ts";

/** Options of {@link templateFunctions}. */
export interface TemplateFunctionOptions {
  /** What `now` returns. @default 1970-01-01T00:00:00Z */
  now?: Date;
  /** Seed of `randAlphaNum` and friends. @default 1 */
  seed?: number;
}

/** A fresh function map with Go's built-ins, sprig and Helm's functions (later ones win, as in Helm). */
export function templateFunctions(options: TemplateFunctionOptions = {}): Map<string, TemplateFunction> {
  const all = new Map<string, TemplateFunction>(builtinFunctions());
  const sprig = sprigFunctions({ now: options.now ?? new Date(0), seed: options.seed ?? 1 });
  for (const [k, v] of sprig) all.set(k, v);
  for (const [k, v] of helmFunctions()) all.set(k, v);
  return all;
}
