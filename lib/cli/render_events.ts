/**
 * Renders run events for people or scripts: plain lines (`warning: ...`) or a progress line on a TTY
 * (images done/total, bytes, rate, ETA), or one JSON object per line with `--log-format json`.
 * Rendering is pure string building over an injected writer; the clock is injected too.
 * @module
 */
import type { LogLevel, RunEvent } from "../context.ts";
import { formatBytes } from "../workflow/mod.ts";

export { formatBytes };

const LEVELS: LogLevel[] = ["error", "warn", "info", "debug", "trace"];

/** Options of {@link createRenderer}. */
export interface RendererOptions {
  format: "text" | "json";
  level: LogLevel;
  quiet: boolean;
  isTty: boolean;
  columns: number;
  write(text: string): void;
  now(): Date;
}

/** Formats seconds as `1h02m`, `3m04s` or `12s`. */
export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** A renderer: feed it events, call `finish()` at the end. */
export interface Renderer {
  report(e: RunEvent): void;
  finish(): void;
}

/** Creates the renderer for the chosen format. */
export function createRenderer(o: RendererOptions): Renderer {
  const max = LEVELS.indexOf(o.quiet ? "warn" : o.level);
  const enabled = (l: LogLevel) => LEVELS.indexOf(l) <= max;
  if (o.format === "json") {
    return {
      report(e) {
        if (e.kind === "log" && !enabled(e.level)) return;
        if (e.kind === "bytes") return;
        o.write(JSON.stringify({ time: o.now().toISOString(), ...e }) + "\n");
      },
      finish() {},
    };
  }
  let phase: {
    name: string;
    total: number;
    done: number;
    failed: number;
    totalBytes: number;
    started: number;
  } | undefined;
  let bytes = 0;
  let barShown = false;
  let lastDraw = 0;
  const clearBar = () => {
    if (barShown) o.write("\r\x1b[2K");
    barShown = false;
  };
  const drawBar = (force = false) => {
    if (!o.isTty || !phase || o.quiet) return;
    const t = o.now().getTime();
    if (!force && t - lastDraw < 200) return;
    lastDraw = t;
    const elapsed = (t - phase.started) / 1000;
    const rate = elapsed > 0 ? bytes / elapsed : 0;
    const remainingBytes = phase.totalBytes > bytes ? phase.totalBytes - bytes : 0;
    const eta = rate > 0 && phase.totalBytes > 0 ? ` ETA ${formatSeconds(remainingBytes / rate)}` : "";
    const failed = phase.failed ? ` (${phase.failed} failed)` : "";
    const line = `${phase.name}: ${phase.done}/${phase.total} images${failed}, ${formatBytes(bytes)} at ${
      formatBytes(rate)
    }/s${eta}`;
    o.write(`\r\x1b[2K${line.slice(0, Math.max(20, o.columns - 1))}`);
    barShown = true;
  };
  const line = (text: string) => {
    clearBar();
    o.write(text + "\n");
    drawBar(true);
  };
  return {
    report(e) {
      switch (e.kind) {
        case "log":
          if (!enabled(e.level)) return;
          line(e.level === "info" ? e.message : `${e.level === "warn" ? "warning" : e.level}: ${e.message}`);
          return;
        case "phase":
          clearBar();
          phase = {
            name: e.name,
            total: e.total ?? 0,
            done: 0,
            failed: 0,
            totalBytes: e.totalBytes ?? 0,
            started: o.now().getTime(),
          };
          bytes = 0;
          drawBar(true);
          return;
        case "bytes":
          bytes += e.count;
          drawBar();
          return;
        case "image":
          if (e.state === "done" || e.state === "skipped") {
            if (phase) phase.done++;
            if (!o.isTty && enabled("debug")) {
              line(`${e.state === "done" ? "copied" : "skipped"} ${e.source} -> ${e.destination}`);
            }
          } else if (e.state === "failed") {
            if (phase) phase.failed++;
            line(`error: ${e.source} -> ${e.destination}: ${e.error ?? "failed"}`);
          } else if (enabled("trace")) {
            line(`copying ${e.source} -> ${e.destination}`);
          }
          drawBar();
          return;
      }
    },
    finish() {
      clearBar();
    },
  };
}
