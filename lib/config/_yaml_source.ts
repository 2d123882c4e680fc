/**
 * Parses configuration text as YAML 1.2 with positions. Syntax errors (tabs as indentation, unclosed
 * quotes, bad indentation, several documents) become located problems; duplicate keys are left to the
 * schema-guided reader, which knows each key's path.
 * @module
 */
import { type Document, LineCounter, parseAllDocuments } from "yaml";
import type { ConfigProblem } from "../errors.ts";
import type { ConfigPosition } from "./config_path.ts";

/** A parsed YAML source: the document (when there is exactly one) and how to locate its offsets. */
export interface YamlSource {
  document?: Document;
  /** Position of a character offset. */
  positionAt(offset: number): ConfigPosition;
  /** Syntax problems; when any is an error the document must not be read. */
  problems: ConfigProblem[];
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Parses `text` (named `file` in messages). */
export function parseYamlSource(text: string, file: string): YamlSource {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lineCounter = new LineCounter();
  const positionAt = (offset: number): ConfigPosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const docs = parseAllDocuments(source, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const problems: ConfigProblem[] = [];
  const add = (offset: number, message: string, severity: ConfigProblem["severity"]) => {
    const { line, column } = positionAt(offset);
    if (problems.some((p) => p.line === line && p.severity === severity)) return;
    problems.push({ file, line, column, path: "", message, severity });
  };
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    for (const e of doc.errors) {
      if (e.code === "TAB_AS_INDENT") {
        add(e.pos[0], "Invalid YAML: tabs are not allowed as indentation (indent with spaces)", "error");
        continue;
      }
      // An unclosed quote is reported where the file ends; point at the quote that opened it.
      const quote = /^Missing closing (["'])quote/.exec(e.message)?.[1];
      const opened = quote === undefined ? -1 : source.lastIndexOf(quote, e.pos[0] - 1);
      if (quote !== undefined && opened >= 0) {
        add(opened, `Invalid YAML: the quote ${quote} opened here is never closed`, "error");
        continue;
      }
      add(e.pos[0], `Invalid YAML: ${lowerFirst(e.message)}`, "error");
    }
    for (const w of doc.warnings) add(w.pos[0], `YAML: ${lowerFirst(w.message)}`, "warning");
  }
  if (list.length > 1) {
    const second = list[1] as Document;
    add(
      second.range?.[0] ?? 0,
      `File holds ${list.length} YAML documents (want one configuration per file)`,
      "error",
    );
  }
  const document = list.length === 1 ? list[0] : undefined;
  return document === undefined ? { positionAt, problems } : { document, positionAt, problems };
}
