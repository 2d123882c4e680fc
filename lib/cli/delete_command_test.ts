import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { ImageReferenceError, NotImplementedError, UsageError } from "../errors.ts";
import { DELETE_FLAGS, deleteRequestFromFlags } from "./delete_command.ts";
import { Flags, parseFlags } from "./flags.ts";

function request(argv: string[]) {
  return deleteRequestFromFlags(new Flags(parseFlags(argv, DELETE_FLAGS, "delete")), testContext());
}

function usage(argv: string[], message: RegExp) {
  assert.throws(() => request(argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
}

Deno.test("delete flags: --generate needs -c and --workspace and builds the phase 1 request", () => {
  const r = request([
    "--v2",
    "-c",
    "disc.yaml",
    "--workspace",
    "file:///srv/ws",
    "--generate",
    "--delete-id",
    "q3",
    "docker://reg.example.com:5000/mirror",
  ]);
  assert.equal(r.phase, "generate");
  if (r.phase !== "generate") return;
  assert.equal(r.request.configFile, "disc.yaml");
  assert.equal(r.request.workspace, "/srv/ws");
  assert.equal(r.request.deleteId, "q3");
  assert.deepEqual(r.request.destination, {
    kind: "docker",
    registry: "reg.example.com:5000",
    namespace: "mirror",
  });
  assert.equal(r.request.maxNestedPaths, 0);
  assert.equal(r.request.registry.destTlsVerify, true);
  usage(["--generate", "--workspace", "file://ws", "docker://reg.example.com"], /needs -c FILE/);
  usage(["--generate", "-c", "d.yaml", "docker://reg.example.com"], /needs --workspace file:\/\/DIR/);
  usage(["--generate", "-c", "d.yaml", "--workspace", "ws", "docker://reg.example.com"], /want file:\/\/DIR/);
  usage(
    ["--generate", "-c", "d.yaml", "--workspace", "file://ws", "--dry-run", "docker://reg.example.com"],
    /--generate never deletes anything/,
  );
});

Deno.test("delete flags: --delete-yaml-file builds the phase 2 request", () => {
  const r = request([
    "--delete-yaml-file",
    "delete-images.yaml",
    "--delete-signatures",
    "--dest-tls-verify=false",
    "--parallel-images",
    "8",
    "docker://reg.example.com:5000",
  ]);
  assert.equal(r.phase, "execute");
  if (r.phase !== "execute") return;
  assert.equal(r.request.listFile, "delete-images.yaml");
  assert.equal(r.request.deleteSignatures, true);
  assert.equal(r.request.forceCacheDelete, false);
  assert.equal(r.request.dryRun, false);
  assert.equal(r.request.parallel, 8);
  assert.equal(r.request.registry.destTlsVerify, false);
  assert.deepEqual(r.request.destination, {
    kind: "docker",
    registry: "reg.example.com:5000",
    namespace: "",
  });
});

Deno.test("delete flags: wrong combinations are usage errors that say what to do", () => {
  usage(["docker://reg.example.com"], /two phases: --generate .* then --delete-yaml-file FILE deletes it/);
  usage(
    ["--generate", "--delete-yaml-file", "f.yaml", "-c", "d.yaml", "docker://reg.example.com"],
    /either --generate .* or --delete-yaml-file .*, not both/,
  );
  usage(["--delete-yaml-file", "f.yaml"], /registry is missing/);
  usage(
    ["--delete-yaml-file", "f.yaml", "docker://a.example.com", "docker://b.example.com"],
    /Expected one registry/,
  );
  usage(["--v1", "--delete-yaml-file", "f.yaml", "docker://reg.example.com"], /only in the v2 engine/);
  assert.throws(() => request(["--delete-yaml-file", "f.yaml", "file://x"]), ImageReferenceError);
  assert.throws(
    () => request(["--delete-v1-images", "--delete-yaml-file", "f.yaml", "docker://reg.example.com"]),
    NotImplementedError,
  );
});
