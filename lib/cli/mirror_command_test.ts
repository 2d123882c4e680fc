import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { ImageReferenceError, UsageError } from "../errors.ts";
import { GLOBAL_FLAGS, MIRROR_FLAGS, REGISTRY_FLAGS } from "./common_flags.ts";
import { Flags, parseFlags } from "./flags.ts";
import { mirrorRequestFromFlags, parseSince } from "./mirror_command.ts";

const ALL = [...GLOBAL_FLAGS, ...MIRROR_FLAGS, ...REGISTRY_FLAGS];
function request(argv: string[], env: Record<string, string> = {}) {
  const logs: string[] = [];
  const ctx = testContext({ envVars: env, report: (e) => e.kind === "log" && logs.push(e.message) });
  return { request: mirrorRequestFromFlags(new Flags(parseFlags(argv, ALL, "oc-mirror")), ctx), logs };
}
function usage(argv: string[], message: string | RegExp, env: Record<string, string> = {}) {
  assert.throws(
    () => request(argv, env),
    (e: unknown) =>
      e instanceof UsageError &&
      (typeof message === "string" ? e.message === message : message.test(e.message)),
  );
}

Deno.test("mirror flags: file:// destination is mirror-to-disk with the original's defaults", () => {
  const { request: r } = request(["--v2", "-c", "isc.yaml", "file://out"]);
  assert.equal(r.mode, "mirrorToDisk");
  assert.equal(r.engine, "v2");
  assert.deepEqual(r.destination, { kind: "file", path: "out" });
  assert.equal(r.parallelImages, 4);
  assert.equal(r.parallelLayers, 5);
  assert.equal(r.imageTimeoutMs, 600_000);
  assert.equal(r.port, 55000);
  assert.equal(r.registry.retryTimes, 5);
  assert.equal(r.registry.srcTlsVerify, true);
});

Deno.test("mirror flags: --from with docker:// is disk-to-mirror, --workspace is mirror-to-mirror", () => {
  const d2m =
    request(["-c", "i.yaml", "--from", "file:///srv/a", "docker://reg.example.com:5000/ns"]).request;
  assert.equal(d2m.mode, "diskToMirror");
  assert.equal(d2m.from, "/srv/a");
  assert.deepEqual(d2m.destination, { kind: "docker", registry: "reg.example.com:5000", namespace: "ns" });
  assert.equal(d2m.engine, undefined);
  const m2m = request([
    "-c",
    "i.yaml",
    "--workspace",
    "file://ws",
    "docker://localhost:5000",
    "--dest-tls-verify=false",
  ]).request;
  assert.equal(m2m.mode, "mirrorToMirror");
  assert.equal(m2m.workspace, "ws");
  assert.equal(m2m.registry.destTlsVerify, false);
  assert.equal(m2m.registry.srcTlsVerify, true);
});

Deno.test("mirror flags: the original's invalid combinations are refused with clear messages", () => {
  usage(["file://out"], "The configuration file is missing: use -c FILE");
  usage(["-c", "i.yaml"], /The destination is missing/);
  usage(
    ["-c", "i.yaml", "--from", "file://a", "file://out"],
    /file:\/\/ destination cannot be combined with --from/,
  );
  usage(["-c", "i.yaml", "--workspace", "file://a", "file://out"], /cannot be combined with --workspace/);
  usage(["-c", "i.yaml", "--v2", "docker://r.example.com"], /needs --from file:\/\/DIR .* or --workspace/);
  usage(
    ["-c", "i.yaml", "--from", "file://a", "--workspace", "file://b", "docker://r.example.com"],
    /not both/,
  );
  usage(
    ["-c", "i.yaml", "--from", "/srv/a", "docker://r.example.com"],
    'Flag --from is "/srv/a": want file://DIR',
  );
  usage(["-c", "i.yaml", "--dry-run", "--dry-run-manifest-lists", "file://o"], /cannot be used together/);
  usage(
    ["-c", "i.yaml", "--since", "2024-13-01", "file://o"],
    'Flag --since is "2024-13-01": want a date as yyyy-MM-dd, e.g. 2026-01-31',
  );
  usage(["-c", "i.yaml", "file://out/working-dir/logs"], /contains "logs", a folder name oc-mirror uses/);
  usage(
    ["-c", "i.yaml", "--cache-dir", "/c", "file://o"],
    "Both OC_MIRROR_CACHE and --cache-dir are set: use one of them",
    {
      OC_MIRROR_CACHE: "/x",
    },
  );
  usage(["--v1", "--v2", "-c", "i.yaml", "file://o"], "Flags --v1 and --v2 cannot be used together");
  usage(["-c", "i.yaml", "file://a", "file://b"], 'Expected one destination, got 2: "file://a" "file://b"');
  assert.throws(
    () => request(["-c", "i.yaml", "http://x"]),
    (e: unknown) =>
      e instanceof ImageReferenceError &&
      e.message === 'Location "http://x" uses scheme "http://": want one of file://, docker://',
  );
});

Deno.test("mirror flags: --since is parsed for mirror-to-disk and ignored with a warning otherwise", () => {
  assert.equal(
    request(["-c", "i.yaml", "--since", "2026-02-03", "file://o"]).request.since?.toISOString(),
    "2026-02-03T00:00:00.000Z",
  );
  const { request: r, logs } = request([
    "-c",
    "i.yaml",
    "--since",
    "2026-02-03",
    "--from",
    "file://a",
    "docker://r.example.com",
  ]);
  assert.equal(r.since, undefined);
  assert.deepEqual(logs, ["Flag --since only applies to mirror-to-disk and is ignored"]);
  assert.throws(() => parseSince("2026-2-3"), UsageError);
});

Deno.test("mirror flags: v1 switches, skip-tls aliases and REGISTRY_AUTH_FILE", () => {
  const { request: r } = request([
    "--v1",
    "-c",
    "i.yaml",
    "docker://r.example.com/ns",
    "--skip-pruning",
    "--dest-skip-tls",
  ], {
    REGISTRY_AUTH_FILE: "/auth.json",
  });
  assert.equal(r.mode, "mirrorToMirror");
  assert.equal(r.v1.skipPruning, true);
  assert.equal(r.registry.destTlsVerify, false);
  assert.equal(r.registry.authFile, "/auth.json");
  assert.equal(
    request(["-c", "i.yaml", "--authfile", "/a.json", "file://o"], { REGISTRY_AUTH_FILE: "/b" }).request
      .registry.authFile,
    "/a.json",
  );
});
