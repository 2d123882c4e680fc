/**
 * Blocked images (`mirror.blockedImages`): regular expressions matched, as the original does, against
 * both the origin and the destination of every mapping (without transport), for every source kind.
 * @module
 */
import { formatReference } from "../reference/mod.ts";
import type { ImageMapping } from "./image_mapping.ts";

/** A compiled blocked-image rule. */
export interface BlockRule {
  /** The expression as written. */
  pattern: string;
  regex: RegExp;
}

/** Compiles the configuration's patterns (already validated by the config loader). */
export function compileBlockRules(patterns: readonly string[]): BlockRule[] {
  return patterns.map((pattern) => ({ pattern, regex: new RegExp(pattern) }));
}

/** Splits mappings into kept and blocked (with the rule that blocked each). */
export function applyBlockRules(
  mappings: readonly ImageMapping[],
  rules: readonly BlockRule[],
): { kept: ImageMapping[]; blocked: { mapping: ImageMapping; rule: string }[] } {
  const kept: ImageMapping[] = [];
  const blocked: { mapping: ImageMapping; rule: string }[] = [];
  for (const m of mappings) {
    const origin = formatReference(m.origin);
    const source = formatReference(m.source);
    const destination = formatReference(m.destination);
    const rule = rules.find((r) => r.regex.test(origin) || r.regex.test(source) || r.regex.test(destination));
    if (rule) blocked.push({ mapping: m, rule: rule.pattern });
    else kept.push(m);
  }
  return { kept, blocked };
}
