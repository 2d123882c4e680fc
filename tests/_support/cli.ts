/**
 * Runs the oc-mirror CLI as a subprocess with exactly the permission flags of the `oc-mirror` task in
 * deno.json (so a test fails when the task's permissions are too narrow), or through the bundle.
 * @module
 */

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runOcMirror}. */
export interface RunOptions {
  /** Extra environment; HOME defaults to a fresh temp dir so the user's credentials never leak in. */
  env?: Record<string, string>;
  cwd?: string;
  /** Run `dist/oc-mirror.js` instead of main.ts. */
  bundle?: boolean;
  signal?: AbortSignal;
  stdin?: string;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The test process's Deno cache, passed on so each CLI run (with its own fresh HOME) reuses the compiled
 * modules instead of type-stripping the whole tool again.
 */
function denoDir(): Record<string, string> {
  const dir = Deno.env.get("DENO_DIR") ??
    (Deno.env.get("HOME") ? `${Deno.env.get("HOME")}/.cache/deno` : undefined);
  return dir ? { DENO_DIR: dir } : {};
}

/** The permission flags of a deno.json task, e.g. `oc-mirror`. */
export async function taskPermissionFlags(task: string): Promise<string[]> {
  const json = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as { tasks: Record<string, string> };
  const line = json.tasks[task];
  if (!line) throw new Error(`deno.json has no task ${task}`);
  return line.split(/\s+/).filter((w) =>
    w.startsWith("--allow-") || w.startsWith("--deny-") || w.startsWith("--v8-flags=")
  );
}

/** Runs `oc-mirror ARGS`. */
export async function runOcMirror(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const flags = await taskPermissionFlags("oc-mirror");
  const entry = options.bundle ? `${ROOT}dist/oc-mirror.js` : `${ROOT}main.ts`;
  const home = options.env?.HOME ?? await Deno.makeTempDir({ prefix: "oc-mirror-home-" });
  const env: Record<string, string> = {
    HOME: home,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    ...denoDir(),
    ...options.env,
  };
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, entry, ...args],
    cwd: options.cwd ?? ROOT,
    env,
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const child = cmd.spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  if (options.env?.HOME === undefined) await Deno.remove(home, { recursive: true }).catch(() => {});
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** A CLI process left running (e.g. `serve`), with its stderr readable line by line. */
export interface RunningCli extends AsyncDisposable {
  child: Deno.ChildProcess;
  /** Resolves with the first stderr line matching `re` (rejects when the process ends first). */
  waitForLine(re: RegExp): Promise<RegExpExecArray>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Starts `oc-mirror ARGS` in the background. */
export async function spawnOcMirror(args: string[], options: RunOptions = {}): Promise<RunningCli> {
  const flags = await taskPermissionFlags("oc-mirror");
  const home = options.env?.HOME ?? await Deno.makeTempDir({ prefix: "oc-mirror-home-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `${ROOT}main.ts`, ...args],
    cwd: options.cwd ?? ROOT,
    env: {
      HOME: home,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      NO_COLOR: "1",
      ...denoDir(),
      ...options.env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  let waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    waiters = waiters.filter((w) => {
      const m = w.re.exec(text);
      if (m) w.resolve(m);
      return !m;
    });
  };
  const pump = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      check();
    }
    for (const w of waiters) w.reject(new Error(`oc-mirror ended before printing ${w.re}; stderr:\n${text}`));
    waiters = [];
  })();
  let exited: Promise<number> | undefined;
  const stop = async (signal: Deno.Signal = "SIGINT") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      exited = child.status.then((s) => s.code);
    }
    const code = await exited;
    await pump;
    if (options.env?.HOME === undefined) await Deno.remove(home, { recursive: true }).catch(() => {});
    return code;
  };
  return {
    child,
    waitForLine: (re) =>
      new Promise((resolve, reject) => {
        const m = re.exec(text);
        if (m) resolve(m);
        else waiters.push({ re, resolve, reject });
      }),
    stderr: () => text,
    stop,
    [Symbol.asyncDispose]: async () => void await stop("SIGKILL"),
  };
}
