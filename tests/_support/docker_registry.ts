/**
 * Starts the CNCF distribution registry (`/usr/bin/docker-registry`, Debian package) on a free
 * 127.0.0.1 port over a given storage root, for interop tests. Deletes are enabled.
 * @module
 */

/** A running `docker-registry`; dispose of it to stop it. */
export interface DockerRegistry extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The filesystem storage root (holds `docker/registry/v2`). */
  root: string;
  /** What the registry wrote to stderr so far (for failure messages). */
  log(): string;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts `docker-registry serve` with a temp config over `root`; waits until `/v2/` answers. */
export async function startDockerRegistry(root: string): Promise<DockerRegistry> {
  const port = freePort();
  const configDir = await Deno.makeTempDir({ prefix: "docker-registry-config-" });
  const config = `${configDir}/config.yml`;
  await Deno.writeTextFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${root}`,
      "  delete:",
      "    enabled: true",
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const child = new Deno.Command("/usr/bin/docker-registry", {
    args: ["serve", config],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(s) {
        log = (log + s).slice(-20000);
      },
    }),
  ).catch(() => {});
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await child.status;
    await drained;
    await Deno.remove(configDir, { recursive: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/v2/`);
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not start on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    root,
    log: () => log,
    [Symbol.asyncDispose]: stop,
  };
}
