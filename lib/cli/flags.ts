/**
 * Declarative command-line flags: each command lists its flags once, and the same list parses argv
 * (`--flag value`, `--flag=value`, `-c value`, `--bool`, `--bool=false`), validates types with messages
 * that name the flag, suggests the closest flag for a typo, and renders `--help`.
 * @module
 */
import { didYouMean } from "../config/mod.ts";
import { UsageError } from "../errors.ts";

/** Value types a flag can take. */
export type FlagType = "string" | "boolean" | "int" | "duration" | "list";

/** One flag of a command. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `parallel-images`. */
  name: string;
  /** One-letter alias, e.g. `c`. */
  short?: string;
  type: FlagType;
  /** Default shown in help and used when the flag is absent. */
  default?: string | boolean | number;
  description: string;
  /** Accepted for compatibility but not listed in help. */
  hidden?: boolean;
  /** Placeholder in help, e.g. `FILE`. */
  valueName?: string;
  /** Allowed values for string flags. */
  choices?: string[];
  /** Inclusive range for int flags. */
  min?: number;
  max?: number;
  /** Which engine(s) the flag belongs to, shown in help. */
  engine?: "v1" | "v2" | "ours";
}

/** Parsed command line of one command. */
export interface ParsedFlags {
  /** Flag values by long name (defaults filled in). */
  values: Map<string, string | boolean | number | string[]>;
  /** Long names of the flags the user gave explicitly. */
  given: Set<string>;
  positionals: string[];
}

/** Parses a Go-style duration (`90s`, `10m`, `1h30m`, `500ms`, `0`) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || !m[1] || !m[2]) return undefined;
    total += Number(m[1]) * (unit[m[2]] ?? 0);
    pos = re.lastIndex;
  }
  return pos === 0 ? undefined : Math.round(total);
}

function convert(spec: FlagSpec, raw: string): string | boolean | number | string[] {
  const flag = `--${spec.name}`;
  switch (spec.type) {
    case "boolean": {
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw new UsageError(`Flag ${flag} takes true or false, not "${raw}"`);
    }
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw new UsageError(`Flag ${flag} takes a whole number, not "${raw}"`);
      const n = Number(raw);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw new UsageError(`Flag ${flag} is ${n}: want ${spec.min ?? "-inf"}..${spec.max ?? "inf"}`);
      }
      return n;
    }
    case "duration": {
      const ms = parseDuration(raw);
      if (ms === undefined) {
        throw new UsageError(`Flag ${flag} takes a duration like 30s, 10m or 1h, not "${raw}"`);
      }
      return ms;
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`Flag ${flag} is "${raw}": want one of ${spec.choices.join(", ")}`);
      }
      return raw;
  }
}

/** Parses argv against the specs; unknown flags are a {@link UsageError} with a suggestion. */
export function parseFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  command: string,
): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const values = new Map<string, string | boolean | number | string[]>();
  const given = new Set<string>();
  const positionals: string[] = [];
  for (const s of specs) {
    if (s.default !== undefined) {
      values.set(s.name, typeof s.default === "string" ? convert(s, s.default) : s.default);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let spec: FlagSpec | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      spec = byName.get(name);
    } else {
      name = arg.slice(1, 2);
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, "") : undefined;
      spec = byShort.get(name);
    }
    if (!spec) {
      const dashes = arg.startsWith("--") ? "--" : "-";
      const suggestion = didYouMean(name, specs.filter((s) => !s.hidden).map((s) => s.name));
      throw new UsageError(
        `Unknown flag ${dashes}${name} for "${command}"${
          suggestion ? `: did you mean --${suggestion}?` : ""
        }`,
        { hint: `Run "oc-mirror ${command === "oc-mirror" ? "" : `${command} `}--help" to list the flags` },
      );
    }
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.type === "boolean") raw = "true";
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`Flag --${spec.name} needs a value`);
      raw = next;
      i++;
    }
    const value = convert(spec, raw);
    const prev = values.get(spec.name);
    values.set(
      spec.name,
      spec.type === "list" && given.has(spec.name) && Array.isArray(prev)
        ? [...prev, ...(value as string[])]
        : value,
    );
    given.add(spec.name);
  }
  return { values, given, positionals };
}

/** Typed accessors over {@link ParsedFlags}. */
export class Flags {
  readonly parsed: ParsedFlags;
  constructor(parsed: ParsedFlags) {
    this.parsed = parsed;
  }
  /** True when the user wrote the flag. */
  has(name: string): boolean {
    return this.parsed.given.has(name);
  }
  string(name: string): string | undefined {
    const v = this.parsed.values.get(name);
    return typeof v === "string" ? v : undefined;
  }
  bool(name: string): boolean {
    return this.parsed.values.get(name) === true;
  }
  int(name: string): number | undefined {
    const v = this.parsed.values.get(name);
    return typeof v === "number" ? v : undefined;
  }
  list(name: string): string[] {
    const v = this.parsed.values.get(name);
    return Array.isArray(v) ? v : [];
  }
  get positionals(): string[] {
    return this.parsed.positionals;
  }
}

/** Renders the help text of a command. */
export function renderHelp(options: {
  usage: string[];
  description: string;
  flags: readonly FlagSpec[];
  commands?: { name: string; description: string }[];
  examples?: string[];
}): string {
  const lines: string[] = [options.description, "", "Usage:"];
  for (const u of options.usage) lines.push(`  ${u}`);
  if (options.commands?.length) {
    lines.push("", "Commands:");
    const w = Math.max(...options.commands.map((c) => c.name.length));
    for (const c of options.commands) lines.push(`  ${c.name.padEnd(w)}  ${c.description}`);
  }
  const visible = options.flags.filter((f) => !f.hidden);
  if (visible.length) {
    lines.push("", "Flags:");
    const label = (f: FlagSpec) =>
      `${f.short ? `-${f.short}, ` : "    "}--${f.name}${
        f.type === "boolean" ? "" : ` ${f.valueName ?? f.type.toUpperCase()}`
      }`;
    const w = Math.min(38, Math.max(...visible.map((f) => label(f).length)));
    for (const f of visible) {
      const extra: string[] = [];
      if (f.default !== undefined && f.default !== false && f.default !== "") {
        extra.push(`default ${JSON.stringify(f.default)}`);
      }
      if (f.engine === "v1") extra.push("v1 only");
      if (f.engine === "ours") extra.push("not in the original");
      const l = label(f);
      const desc = `${f.description}${extra.length ? ` (${extra.join("; ")})` : ""}`;
      lines.push(l.length > w ? `  ${l}\n  ${"".padEnd(w)}  ${desc}` : `  ${l.padEnd(w)}  ${desc}`);
    }
  }
  if (options.examples?.length) {
    lines.push("", "Examples:");
    for (const e of options.examples) lines.push(`  ${e}`);
  }
  return lines.join("\n") + "\n";
}
