import assert from "node:assert/strict";
import { ConfigError, OcMirrorError } from "../errors.ts";
import { type RunEvent, testContext } from "../context.ts";
import { candidateKeys, normalizeAuthKey, parseAuthFile } from "./auth_file.ts";
import { credentialFileCandidates, describeCredentialSource, loadCredentials } from "./credentials.ts";
import { SecretRedactor } from "./redact.ts";

const b64 = (s: string) => btoa(s);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "credentials-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeJson(path: string, value: unknown): Promise<string> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(value));
  return path;
}

function authsFor(user: string, key = "quay.io"): unknown {
  return { auths: { [key]: { auth: b64(`${user}:pw-${user}`) } } };
}

async function userFor(
  dir: string,
  vars: Record<string, string>,
  engine: "v1" | "v2" = "v2",
  authFile?: string,
): Promise<string | undefined> {
  const ctx = testContext({ homeDir: `${dir}/home`, envVars: vars, cwd: dir });
  const lookup = await loadCredentials(ctx, { engine, ...(authFile ? { authFile } : {}) });
  const m = await lookup.lookup("quay.io", "ns/app");
  return m && "username" in m.credential ? m.credential.username : undefined;
}

Deno.test("v2 credential files are searched runtime, config, docker, dockercfg; first match wins", async () => {
  await withDir(async (dir) => {
    const home = `${dir}/home`;
    const vars = { XDG_RUNTIME_DIR: `${dir}/run` };
    await writeJson(`${home}/.dockercfg`, {
      "https://quay.io/v1/": { auth: b64("legacy:pw-legacy"), email: "x" },
    });
    assert.equal(await userFor(dir, vars), "legacy");
    await writeJson(`${home}/.docker/config.json`, authsFor("docker"));
    assert.equal(await userFor(dir, vars), "docker");
    await writeJson(`${dir}/dockerconfig/config.json`, authsFor("dockerenv"));
    assert.equal(await userFor(dir, { ...vars, DOCKER_CONFIG: `${dir}/dockerconfig` }), "dockerenv");
    await writeJson(`${home}/.config/containers/auth.json`, authsFor("config"));
    assert.equal(await userFor(dir, vars), "config");
    await writeJson(`${dir}/xdg/containers/auth.json`, authsFor("xdgconfig"));
    assert.equal(await userFor(dir, { ...vars, XDG_CONFIG_HOME: `${dir}/xdg` }), "xdgconfig");
    await writeJson(`${dir}/run/containers/auth.json`, authsFor("runtime"));
    assert.equal(await userFor(dir, vars), "runtime");
    // A file without an entry for the registry does not stop the search.
    await writeJson(`${dir}/run/containers/auth.json`, authsFor("other", "other.io"));
    assert.equal(await userFor(dir, vars), "config");
  });
});

Deno.test("--authfile and REGISTRY_AUTH_FILE read only that file; v1 ignores REGISTRY_AUTH_FILE", async () => {
  await withDir(async (dir) => {
    await writeJson(`${dir}/home/.docker/config.json`, authsFor("docker"));
    const only = await writeJson(`${dir}/only.json`, authsFor("only", "other.io"));
    const env = await writeJson(`${dir}/env.json`, authsFor("env"));
    assert.equal(await userFor(dir, {}, "v2", "only.json"), undefined);
    assert.equal(await userFor(dir, { REGISTRY_AUTH_FILE: env }), "env");
    assert.equal(await userFor(dir, { REGISTRY_AUTH_FILE: env }, "v2", only), undefined);
    assert.equal(await userFor(dir, { REGISTRY_AUTH_FILE: env }, "v1"), "docker");
    await assert.rejects(userFor(dir, {}, "v2", `${dir}/missing.json`), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /missing\.json: Credentials file cannot be read/);
      return true;
    });
  });
});

Deno.test("v1 reads the Docker config if it exists, otherwise the runtime file, never both", async () => {
  await withDir(async (dir) => {
    const vars = { XDG_RUNTIME_DIR: `${dir}/run`, DOCKER_CONFIG: `${dir}/dc` };
    await writeJson(`${dir}/run/containers/auth.json`, authsFor("runtime"));
    assert.equal(await userFor(dir, vars, "v1"), "runtime");
    await writeJson(`${dir}/dc/config.json`, authsFor("docker", "other.io"));
    assert.equal(await userFor(dir, vars, "v1"), undefined);
    assert.deepEqual(
      credentialFileCandidates(testContext({ homeDir: "/h", envVars: {} }), { engine: "v1" }).map((c) =>
        c.path
      ),
      ["/h/.docker/config.json"],
    );
  });
});

Deno.test("the most specific key wins, URL-style and Docker Hub keys are normalised", () => {
  const file = parseAuthFile(
    "/a.json",
    JSON.stringify({
      auths: {
        "quay.io": { auth: b64("host:p1") },
        "quay.io/ns": { auth: b64("ns:p2") },
        "quay.io/ns/app": { auth: b64("repo:p3") },
        "https://index.docker.io/v1/": { auth: b64("hub:p4") },
        "http://reg.corp:5000/v2/": { auth: b64("corp:p5") },
        "placeholder.io": {},
        "token.io": { auth: "", identitytoken: "refresh-123" },
      },
    }),
  );
  const user = (registry: string, repo: string) => {
    for (const key of candidateKeys(registry, repo)) {
      const e = file.entries.find((x) => x.normalizedKey === key);
      if (e) return "username" in e.credential ? e.credential.username : "token";
    }
    return undefined;
  };
  assert.equal(user("quay.io", "ns/app"), "repo");
  assert.equal(user("quay.io", "ns/app/sub"), "repo");
  assert.equal(user("quay.io", "ns/other"), "ns");
  assert.equal(user("quay.io", "else/x"), "host");
  assert.equal(user("docker.io", "library/ubuntu"), "hub");
  assert.equal(user("reg.corp:5000", "a"), "corp");
  assert.equal(user("placeholder.io", "a"), undefined);
  assert.equal(user("token.io", "a"), "token");
  assert.deepEqual(candidateKeys("quay.io", "a/b/c"), [
    "quay.io/a/b/c",
    "quay.io/a/b",
    "quay.io/a",
    "quay.io",
  ]);
  assert.equal(normalizeAuthKey("registry-1.docker.io"), "docker.io");
  assert.equal(normalizeAuthKey("https://quay.io/v1/"), "quay.io");
  assert.equal(normalizeAuthKey("quay.io/ns/"), "quay.io/ns");
});

Deno.test("identity tokens are returned as such and every secret is registered with the redactor", async () => {
  await withDir(async (dir) => {
    const path = await writeJson(`${dir}/auth.json`, {
      auths: { "quay.io": { identitytoken: "id-token-xyz" }, "b.io": { auth: b64("bob:hunter2-pw") } },
    });
    const redactor = new SecretRedactor();
    const lookup = await loadCredentials(testContext(), { engine: "v2", authFile: path, redactor });
    const m = await lookup.lookup("quay.io", "ns/app");
    assert.deepEqual(m?.credential, { identityToken: "id-token-xyz" });
    assert.deepEqual(m?.source, { file: path, key: "quay.io" });
    assert.equal(redactor.redact("a id-token-xyz b hunter2-pw"), "a *** b ***");
  });
});

Deno.test("malformed credential files are ConfigErrors naming the file", () => {
  assert.throws(() => parseAuthFile("/x.json", "{not json"), /x\.json: Credentials file is not valid JSON/);
  assert.throws(
    () => parseAuthFile("/x.json", JSON.stringify({ auths: { "q.io": { auth: b64("nocolon") } } })),
    /Credentials for "q\.io" are malformed/,
  );
});

async function writeHelper(dir: string, name: string): Promise<string> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  const path = `${dir}/bin/docker-credential-${name}`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
[ "$1" = "get" ] || exit 2
read -r server
case "$server" in
  quay.io) printf '{"ServerURL":"quay.io","Username":"helper-user","Secret":"helper-secret-1"}' ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-identity"}' "$server" ;;
  broken.io) echo "backend exploded" >&2; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  await Deno.chmod(path, 0o755);
  return `${dir}/bin`;
}

Deno.test("credHelpers and credsStore run docker-credential-<name> from the context's PATH", async () => {
  await withDir(async (dir) => {
    const bin = await writeHelper(dir, "test");
    const events: RunEvent[] = [];
    const ctx = testContext({ envVars: { PATH: `${bin}:/usr/bin:/bin` }, report: (e) => events.push(e) });
    const path = await writeJson(`${dir}/config.json`, {
      auths: { "static.io": { auth: b64("static:static-pw") } },
      credHelpers: { "quay.io": "test", "broken.io": "test" },
      credsStore: "test",
    });
    const redactor = new SecretRedactor();
    const lookup = await loadCredentials(ctx, { engine: "v2", authFile: path, redactor });
    const quay = await lookup.lookup("quay.io", "ns/app");
    assert.deepEqual(quay?.credential, { username: "helper-user", password: "helper-secret-1" });
    assert.deepEqual(quay?.source, { file: path, key: "quay.io", helper: "test" });
    assert.deepEqual((await lookup.lookup("docker.io", "library/x"))?.credential, {
      identityToken: "hub-identity",
    });
    assert.equal((await lookup.lookup("static.io", "a"))?.source.key, "static.io");
    assert.equal(await lookup.lookup("nothing.io", "a"), undefined);
    await assert.rejects(
      lookup.lookup("broken.io", "a"),
      /docker-credential-test" failed for registry "broken\.io": exit code 3: backend exploded/,
    );
    assert.equal(redactor.redact("helper-secret-1"), "***");
    const logs = events.map((e) => (e.kind === "log" ? e.message : "")).join("\n");
    assert.match(
      logs,
      /Using credentials for quay\.io\/ns\/app from .*config\.json \(helper "docker-credential-test"\)/,
    );
    assert.match(logs, /Using credentials for static\.io\/a from .*config\.json \(key "static\.io"\)/);
    assert.match(logs, /No credentials for nothing\.io\/a/);
    assert.doesNotMatch(logs, /helper-secret-1|static-pw|hub-identity/);
  });
});

Deno.test("a credential helper that is not installed is a clear error", async () => {
  await withDir(async (dir) => {
    const path = await writeJson(`${dir}/config.json`, { credsStore: "desktop" });
    const lookup = await loadCredentials(testContext({ envVars: { PATH: `${dir}/empty` } }), {
      engine: "v2",
      authFile: path,
    });
    await assert.rejects(lookup.lookup("quay.io", "a"), (e: unknown) => {
      assert.ok(e instanceof OcMirrorError);
      assert.equal(
        e.message,
        `Credential helper "docker-credential-desktop" named in ${path} is not installed: not found on PATH`,
      );
      assert.match(e.hint ?? "", /Install docker-credential-desktop/);
      return true;
    });
  });
});

Deno.test("describeCredentialSource names the file and key, or where it looked", () => {
  assert.equal(
    describeCredentialSource({
      credential: { username: "u", password: "p" },
      source: { file: "/a.json", key: "q.io" },
    }, undefined),
    'credentials from /a.json (key "q.io")',
  );
  assert.equal(
    describeCredentialSource(undefined, { searched: ["/x", "/y"] }),
    "no credentials found (looked in /x, /y)",
  );
});
