/**
 * The run context: everything lib/ may know about the process it runs in. `main.ts` builds it once from
 * the real environment; tests build it from fixed values. lib/ never reads `Deno.env`, the home directory
 * or the clock directly, and never writes to the console: it reports events here.
 * @module
 */

/** Log severities, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug" | "trace";

/** What a run reports; the CLI renders events as a TTY bar, plain lines or JSON. */
export type RunEvent =
  | {
    kind: "log";
    level: LogLevel;
    message: string;
    /** Structured details for `--log-format json` and debug output. */
    detail?: Record<string, unknown>;
  }
  | {
    /** A stage of the run starts, e.g. `plan`, `copy`, `archive`; `total` counts its items. */
    kind: "phase";
    name: string;
    total?: number;
    /** Total bytes expected in this phase, when known. */
    totalBytes?: number;
  }
  | {
    /** One image's copy changed state. */
    kind: "image";
    state: "start" | "done" | "failed" | "skipped";
    source: string;
    destination: string;
    error?: string;
    /** Bytes moved for this image (only on `done`). */
    bytes?: number;
  }
  | {
    /** Bytes moved since the last such event (blob data only). */
    kind: "bytes";
    count: number;
  };

/** The process-wide facts and sinks a run uses. */
export interface RunContext {
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** The user's home directory. */
  homeDir: string;
  /** The working directory relative paths resolve against. */
  cwd: string;
  /** The current time (faked in tests). */
  now(): Date;
  /** Receives every event of the run. */
  report(event: RunEvent): void;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Builds a context for tests and scripts: fixed env, no output unless `report` is given. */
export function testContext(
  options: Partial<RunContext> & { envVars?: Record<string, string> } = {},
): RunContext {
  const vars = options.envVars ?? {};
  return {
    env: options.env ?? ((name) => vars[name]),
    homeDir: options.homeDir ?? "/nonexistent-home",
    cwd: options.cwd ?? "/",
    now: options.now ?? (() => new Date("2026-01-02T03:04:05Z")),
    report: options.report ?? (() => {}),
    signal: options.signal ?? new AbortController().signal,
  };
}

/** Reports a log event. */
export function log(
  ctx: Pick<RunContext, "report">,
  level: LogLevel,
  message: string,
  detail?: Record<string, unknown>,
): void {
  ctx.report(
    detail === undefined ? { kind: "log", level, message } : { kind: "log", level, message, detail },
  );
}
