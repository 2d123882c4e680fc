/**
 * `deno task demo`: oc-mirror end to end on the embedded synthetic upstream, loopback only. It starts a
 * synthetic quay.io / registry.redhat.io / update service / Helm repository on 127.0.0.1, mirrors a real
 * ImageSetConfiguration to disk (split archives), stops the upstream (the air gap), publishes the archive
 * into a second, empty registry (our embedded one, standing in for the disconnected registry) and shows
 * what landed there and the cluster resources written for it. Everything it starts, it stops.
 * @module
 */
// deno-lint-ignore-file no-console
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { COMMANDS, runCli } from "../lib/cli/mod.ts";
import type { RunContext } from "../lib/context.ts";
import { RegistryTreeStore } from "../lib/layout/mod.ts";
import { serveRegistry } from "../lib/serve/mod.ts";

const encoder = new TextEncoder();
const print = (t: string) => void Deno.stdout.writeSync(encoder.encode(t));
const io = {
  stdout: print,
  stderr: (t: string) => void Deno.stderr.writeSync(encoder.encode(t)),
  isTty: Deno.stderr.isTerminal(),
  columns: Deno.stderr.isTerminal() ? Deno.consoleSize().columns : 100,
};

function context(cwd: string, env: Record<string, string>): RunContext {
  return {
    env: (n) => env[n] ?? (n === "HOME" ? cwd : undefined),
    homeDir: cwd,
    cwd,
    now: () => new Date(),
    report: () => {},
    signal: new AbortController().signal,
  };
}

async function ocMirror(ctx: RunContext, args: string[]): Promise<void> {
  console.log(`\n$ oc-mirror ${args.join(" ")}`);
  const r = await runCli(args, ctx, io, COMMANDS);
  if (r.error !== undefined || (r.failed?.length ?? 0) > 0) throw new Error(`oc-mirror ${args[0]} failed`);
}

const dir = await Deno.makeTempDir({ prefix: "oc-mirror-demo-" });
try {
  console.log(
    "Starting the synthetic upstream (quay.io, registry.redhat.io, update service, Helm repo) on 127.0.0.1 ...",
  );
  const upstream = await startUpstream({ profile: "demo" });
  const env = upstream.env();
  const isc = `apiVersion: mirror.openshift.io/v2alpha1
kind: ImageSetConfiguration
mirror:
  platform:
    channels:
    - name: stable-4.14
      minVersion: 4.14.1
      maxVersion: 4.14.6
      shortestPath: true
    graph: true
  operators:
  - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.14
    packages:
    - name: web-terminal
    - name: compliance-operator
      channels:
      - name: stable
  additionalImages:
  - name: quay.io/example/app:1.0
  - name: quay.io/example/multi:latest
  helm:
    repositories:
    - name: example
      url: ${upstream.helmRepoUrl}
      charts:
      - name: example-app
        version: 1.0.0
`;
  await Deno.writeTextFile(`${dir}/isc.yaml`, isc);
  console.log(`\nImageSetConfiguration (${dir}/isc.yaml):\n${isc}`);
  try {
    await ocMirror(context(dir, env), ["--v2", "-c", "isc.yaml", "file://archive"]);
  } finally {
    await upstream.close();
  }
  console.log("\nThe upstream is stopped: from here on, nothing can reach it (the air gap).");

  const mirror = new RegistryTreeStore(`${dir}/disconnected-registry`);
  await using registry = await serveRegistry(mirror, { hostname: "127.0.0.1", port: 0 });
  console.log(`Disconnected registry (embedded) at ${registry.url}`);
  await ocMirror(context(dir, { OCP_SIGNATURE_VERIFICATION_PK: env.OCP_SIGNATURE_VERIFICATION_PK ?? "" }), [
    "--v2",
    "-c",
    "isc.yaml",
    "--from",
    "file://archive",
    `docker://${registry.host}/mirror`,
  ]);

  console.log(`\nRepositories now in ${registry.host}:`);
  for await (const repo of mirror.listRepositories()) {
    const tags: string[] = [];
    for await (const t of mirror.listTags(repo)) tags.push(t);
    console.log(
      `  ${repo}  (${tags.length} tags: ${tags.slice(0, 3).join(", ")}${tags.length > 3 ? ", ..." : ""})`,
    );
  }
  const resources = `${dir}/archive/working-dir/cluster-resources`;
  console.log(`\nCluster resources in ${resources}:`);
  for await (const e of Deno.readDir(resources)) console.log(`  ${e.name}`);
  console.log(
    `\n--- ${resources}/idms-oc-mirror.yaml ---\n${await Deno.readTextFile(
      `${resources}/idms-oc-mirror.yaml`,
    )}`,
  );
  console.log("Demo complete.");
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
