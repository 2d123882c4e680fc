import assert from "node:assert/strict";
import { taskPermissionFlags } from "./_support/cli.ts";
import { runTaskScript } from "./_support/task_script.ts";
import { compileArgs, compileFailure, outputFor, TARGETS } from "../scripts/compile.ts";

const STACK_TRACE = /Stack backtrace|\n\s+at .*:\d+/;

/** A proxy that accepts connections and closes them at once: downloads fail fast, on any machine. */
function refusingProxy(): Deno.Listener & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) conn.close();
  })().catch(() => {});
  return Object.assign(listener, { [Symbol.asyncDispose]: () => Promise.resolve(listener.close()) });
}

Deno.test("deno task compile without DENORT_BIN and network fails with the documented message", async () => {
  await using proxy = refusingProxy();
  const denoDir = await Deno.makeTempDir({ prefix: "oc-mirror-deno-dir-" }); // no cached denort
  try {
    const started = performance.now();
    const r = await runTaskScript("compile", "scripts/compile.ts", [], {
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: denoDir,
        DENO_DIR: denoDir,
        HTTPS_PROXY: `http://127.0.0.1:${(proxy.addr as Deno.NetAddr).port}`,
      },
    });
    const target = Deno.build.target;
    const version = Deno.version.deno;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.ok(
      r.stderr.startsWith(
        `error: deno compile needs the denort runtime of Deno ${version} for ${target} and cannot download ` +
          `it from https://dl.deno.land/release/v${version}/denort-${target}.zip: `,
      ),
      r.stderr,
    );
    assert.match(
      r.stderr,
      new RegExp(
        `\\nhint: Set DENORT_BIN to a denort binary of Deno ${version.replaceAll(".", "\\.")} for ${target}`,
      ),
    );
    assert.match(r.stderr, /or run "deno task compile" on a machine that can reach dl\.deno\.land\n$/);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
    assert.ok(performance.now() - started < 8_000, "fails fast");
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test("deno task compile names a DENORT_BIN that does not exist, and unknown targets", async () => {
  const missing = await runTaskScript("compile", "scripts/compile.ts", [], {
    env: { DENORT_BIN: "/nonexistent/denort" },
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: DENORT_BIN "\/nonexistent\/denort" cannot be read: /);
  assert.match(
    missing.stderr,
    /\nhint: Point DENORT_BIN at a denort binary of Deno \d+\.\d+\.\d+ for the target\n$/,
  );
  assert.doesNotMatch(missing.stderr, STACK_TRACE);

  const target = await runTaskScript("compile", "scripts/compile.ts", ["--target", "riscv64-linux"]);
  assert.equal(target.code, 1);
  assert.equal(
    target.stderr,
    `error: Unknown --target "riscv64-linux": use one of ${TARGETS.join(", ")}\n`,
  );
});

Deno.test("deno task compile builds on DENORT_BIN with the oc-mirror task's permissions", async () => {
  // /bin/true stands in for denort: deno compile only appends the bundle and its metadata to the base binary,
  // so the output shows what was embedded (it cannot run oc-mirror; a real denort can).
  const dir = await Deno.makeTempDir({ prefix: "oc-mirror-compile-" });
  try {
    const r = await runTaskScript("compile", "scripts/compile.ts", ["--output", `${dir}/oc-mirror`], {
      env: { DENORT_BIN: "/bin/true" },
    });
    assert.equal(r.code, 0, r.stderr);
    const commit = /commit ([0-9a-z]+)\)\n$/.exec(r.stdout)?.[1];
    assert.ok(commit, r.stdout);
    assert.match(r.stdout, new RegExp(`^Wrote ${dir}/oc-mirror \\(.* MiB, ${Deno.build.target}, commit`));
    const info = await Deno.stat(`${dir}/oc-mirror`);
    assert.ok(info.isFile && ((info.mode ?? 0o755) & 0o111) !== 0, "executable");
    const text = new TextDecoder("latin1").decode(await Deno.readFile(`${dir}/oc-mirror`));
    assert.ok(text.includes(`var COMMIT = "${commit}"`), "the embedded bundle carries the commit");
    assert.ok(!text.includes("__OC_MIRROR_COMMIT__"));
    for (const flag of await taskPermissionFlags("oc-mirror")) {
      if (flag.startsWith("--v8-flags=")) {
        const v8 = /"v8_flags":(\[[^\]]*\])/.exec(text)?.[1];
        const embedded: string[] = v8 ? JSON.parse(v8) : [];
        for (const f of flag.slice("--v8-flags=".length).split(",")) {
          assert.ok(embedded.includes(f), `${f} in ${v8}`);
        }
        continue;
      }
      const [name = "", list] = flag.slice(2).split("=", 2);
      const values = list === undefined ? [] : list.split(",");
      const key = `"${name.replaceAll("-", "_")}":${JSON.stringify(values)}`;
      assert.ok(text.includes(key), `binary metadata grants ${flag} (${key})`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compileFailure() turns a failed denort download into the documented message", () => {
  const stderr = "error: Writing deno compile executable to temporary file 'dist/oc-mirror.tmp-1'\n\n" +
    "Caused by:\n    0: Setting up base binary.\n" +
    "    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x.zip): " +
    "client error (Connect): dns error\n\nStack backtrace:\n   0: <unknown>\n";
  const e = compileFailure(stderr, { target: "aarch64-apple-darwin", hasDenortBin: false });
  assert.match(e.message, /^deno compile needs the denort runtime of Deno .* for aarch64-apple-darwin/);
  assert.match(e.message, /: client error \(Connect\): dns error$/);
  assert.match(e.hint ?? "", /^Set DENORT_BIN to a denort binary/);
  const other = compileFailure('error: Module not found "x.js"\n', {
    target: "x86_64-unknown-linux-gnu",
    hasDenortBin: true,
  });
  assert.equal(
    other.message,
    'deno compile of dist/oc-mirror.js for x86_64-unknown-linux-gnu failed:\nerror: Module not found "x.js"',
  );
});

Deno.test("compile arguments bake in the run flags and name the output per target", () => {
  assert.equal(outputFor(undefined), "dist/oc-mirror");
  assert.equal(outputFor("aarch64-unknown-linux-gnu"), "dist/aarch64-unknown-linux-gnu/oc-mirror");
  assert.equal(outputFor("x86_64-pc-windows-msvc"), "dist/x86_64-pc-windows-msvc/oc-mirror.exe");
  assert.deepEqual(
    compileArgs(["--allow-net", "--allow-sys=uid"], {
      output: "dist/x/oc-mirror",
      target: "x86_64-apple-darwin",
    }),
    [
      "compile",
      "--no-config",
      "--no-check",
      "--no-prompt",
      "--allow-net",
      "--allow-sys=uid",
      "--target",
      "x86_64-apple-darwin",
      "--output",
      "dist/x/oc-mirror",
      "dist/oc-mirror.js",
    ],
  );
});
