/**
 * Issue 11, "Security": the three workflows against a `docker-registry` that wants Basic auth over TLS,
 * with the credentials in each place the tool looks (`--authfile`, `REGISTRY_AUTH_FILE`,
 * `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, `~/.docker/config.json`),
 * the registry's CA given with `--ca-file` or TLS verification turned off; a wrong password and missing
 * credentials end with an error naming the registry. Then everything the runs printed (debug logs,
 * plain and JSON) and every file they wrote is searched for the password and for the base64
 * `user:password` of the Authorization header; and the state files have owner-only modes while
 * archives and cluster resources are readable.
 */
import assert from "node:assert/strict";
import { startUpstream } from "../fixtures/upstream/mod.ts";
import { type CliRun, runOcMirror, spawnOcMirror } from "./_support/cli.ts";
import { type DockerRegistry, startDockerRegistry } from "./_support/docker_registry.ts";

const USER = "mirror-bot";
/** Distinctive, so that a hit can only be a leak. */
const PASSWORD = "Zq7-pass-WORD-0c2f91e8";
const BASIC = btoa(`${USER}:${PASSWORD}`);
const WRONG_PASSWORD = "wrong-Pw-5b17c3aa";

/** The bearer token the token-auth front issues. */
const TOKEN = "tok-3f9a1c77e0d24b6b8c55-bearer";
/** The signature and access key id of the signed object-storage URLs blobs redirect to. */
const SIGNATURE = "9c1e2f0a7b3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccdd";
const ACCESS_KEY_ID = "AKIAQ7EXAMPLE3KZ2MIR";

/** The secrets that must never be printed or written, and how they might appear. */
const SECRETS = [
  PASSWORD,
  BASIC,
  WRONG_PASSWORD,
  btoa(`${USER}:${WRONG_PASSWORD}`),
  TOKEN,
  SIGNATURE,
  ACCESS_KEY_ID,
];

const IMAGES = ["example/app:1.0", "example/multi:latest"];

/** The runs share this process's Deno cache instead of compiling the tool again under each fresh HOME. */
const DENO_CACHE: Record<string, string> = denoCache();

function denoCache(): Record<string, string> {
  const dir = Deno.env.get("DENO_DIR") ??
    (Deno.env.get("HOME") === undefined ? undefined : `${Deno.env.get("HOME")}/.cache/deno`);
  return dir === undefined ? {} : { DENO_DIR: dir };
}

function isc(images: string[]): string {
  return [
    "apiVersion: mirror.openshift.io/v2alpha1",
    "kind: ImageSetConfiguration",
    "mirror:",
    "  additionalImages:",
    ...images.map((i) => `  - name: ${i}`),
    "",
  ].join("\n");
}

/** Where a run finds its credentials: the file to write and the environment that points at it. */
interface AuthPlace {
  name: string;
  /** Writes the auth file under `home` (a fresh HOME); returns extra arguments and environment. */
  setup(
    home: string,
    write: (path: string) => Promise<void>,
  ): Promise<{ args: string[]; env: Record<string, string> }>;
}

const PLACES: Record<string, AuthPlace> = {
  authfile: {
    name: "--authfile",
    async setup(home, write) {
      await write(`${home}/creds/auth.json`);
      return { args: ["--authfile", `${home}/creds/auth.json`], env: {} };
    },
  },
  registryAuthFile: {
    name: "REGISTRY_AUTH_FILE",
    async setup(home, write) {
      await write(`${home}/creds/registry-auth.json`);
      return { args: [], env: { REGISTRY_AUTH_FILE: `${home}/creds/registry-auth.json` } };
    },
  },
  xdgRuntime: {
    name: "$XDG_RUNTIME_DIR/containers/auth.json",
    async setup(home, write) {
      await write(`${home}/run/containers/auth.json`);
      return { args: [], env: { XDG_RUNTIME_DIR: `${home}/run` } };
    },
  },
  containersConfig: {
    name: "~/.config/containers/auth.json",
    async setup(home, write) {
      await write(`${home}/.config/containers/auth.json`);
      return { args: [], env: {} };
    },
  },
  dockerConfig: {
    name: "~/.docker/config.json",
    async setup(home, write) {
      await write(`${home}/.docker/config.json`);
      return { args: [], env: {} };
    },
  },
};

/** A registry front with token auth that sends blob downloads to signed object-storage URLs. */
interface TokenFront extends AsyncDisposable {
  host: string;
  url: string;
  /** Tokens issued and signed blob downloads served (so a test knows the flows were used). */
  stats: { tokens: number; signedDownloads: number };
  /** Answer signed downloads of repositories containing this text with S3's 403 (it echoes the signature). */
  denyDownloads?: string;
}

/**
 * Starts a front on 127.0.0.1 for a plain `docker-registry`: `/v2/` wants `Bearer TOKEN`, obtained
 * from `/token` with Basic `USER:PASSWORD` (docker token auth); blob GETs are redirected to
 * `/s3/...?X-Amz-Credential=...&X-Amz-Signature=...` as registries backed by object storage do.
 */
async function startTokenFront(backend: DockerRegistry): Promise<TokenFront> {
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const front: Partial<TokenFront> & { stats: TokenFront["stats"] } = {
    stats: { tokens: 0, signedDownloads: 0 },
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (a) => listening.resolve(a) },
    async (req) => {
      const url = new URL(req.url);
      const self = `http://${url.host}`;
      if (url.pathname === "/token") {
        if (req.headers.get("authorization") !== `Basic ${BASIC}`) {
          return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }, {
            status: 401,
          });
        }
        front.stats.tokens++;
        return Response.json({ token: TOKEN, access_token: TOKEN, expires_in: 300 });
      }
      const s3 = /^\/s3\/(.+)\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
      if (s3) {
        if (url.searchParams.get("X-Amz-Signature") !== SIGNATURE) {
          return new Response("bad signature", {
            status: 403,
          });
        }
        if (front.denyDownloads !== undefined && (s3[1] as string).includes(front.denyDownloads)) {
          const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>` +
            `<Message>The request signature we calculated does not match the signature you provided.</Message>` +
            `<AWSAccessKeyId>${ACCESS_KEY_ID}</AWSAccessKeyId><SignatureProvided>${SIGNATURE}</SignatureProvided>` +
            `<CanonicalRequest>GET ${url.pathname}${url.search}</CanonicalRequest></Error>`;
          return new Response(xml, {
            status: 403,
            statusText: "Forbidden",
            headers: { "content-type": "application/xml" },
          });
        }
        front.stats.signedDownloads++;
        const res = await fetch(`${backend.url}/v2/${s3[1]}/blobs/${s3[2]}`);
        return new Response(res.body, { status: res.status, headers: res.headers });
      }
      if (req.headers.get("authorization") !== `Bearer ${TOKEN}`) {
        await req.body?.cancel();
        return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }, {
          status: 401,
          headers: { "www-authenticate": `Bearer realm="${self}/token",service="token-front"` },
        });
      }
      const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
      if (blob && req.method === "GET") {
        const query =
          `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ACCESS_KEY_ID}%2F20240101%2Fus-east-1%2Fs3` +
          `&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIGNATURE}`;
        return new Response(null, {
          status: 307,
          headers: { location: `${self}/s3/${blob[1]}/${blob[2]}?${query}` },
        });
      }
      const headers = new Headers(req.headers);
      headers.delete("authorization");
      headers.delete("host");
      const res = await fetch(`${backend.url}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        body: req.body,
        redirect: "manual",
      });
      const out = new Headers(res.headers);
      const location = out.get("location");
      if (location?.startsWith(backend.url)) out.set("location", self + location.slice(backend.url.length));
      return new Response(res.body, { status: res.status, headers: out });
    },
  );
  const addr = await listening.promise;
  front.host = `127.0.0.1:${addr.port}`;
  front.url = `http://${front.host}`;
  front[Symbol.asyncDispose] = () => server.shutdown();
  return front as TokenFront;
}

/** Collects every run's output and the auth files it was given (the only files allowed to hold secrets). */
class Runs {
  readonly outputs: { label: string; run: CliRun }[] = [];
  readonly authFiles = new Set<string>();
  readonly homes: string[] = [];
  #root: string;
  #n = 0;

  constructor(root: string) {
    this.#root = root;
  }

  /** Runs oc-mirror in `root` with a fresh HOME and the credentials at `place`. */
  async run(
    label: string,
    args: string[],
    o: {
      reg: { host: string };
      place?: AuthPlace;
      password?: string;
      env?: Record<string, string>;
      json?: boolean;
    },
  ): Promise<CliRun> {
    const home = `${this.#root}/home${++this.#n}`;
    await Deno.mkdir(home, { recursive: true });
    this.homes.push(home);
    const write = async (path: string) => {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      const auth = btoa(`${USER}:${o.password ?? PASSWORD}`);
      await Deno.writeTextFile(path, JSON.stringify({ auths: { [o.reg.host]: { auth } } }, null, 2), {
        mode: 0o600,
      });
      this.authFiles.add(path);
    };
    const place = o.place ? await o.place.setup(home, write) : { args: [], env: {} };
    const log = o.json ? ["--log-format", "json", "--log-level", "debug"] : ["--log-level", "debug"];
    const run = await runOcMirror([...args, ...place.args, ...log], {
      cwd: this.#root,
      env: { HOME: home, ...DENO_CACHE, ...o.env, ...place.env },
    });
    this.outputs.push({ label, run });
    return run;
  }
}

/** Every regular file under `dir`, recursively (symbolic links are reported, not followed). */
async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(path);
    else yield path;
  }
}

/** Searches bytes for each secret (as text, so a tar's raw bytes are searched too). */
function secretsIn(bytes: Uint8Array): string[] {
  const text = new TextDecoder("latin1").decode(bytes);
  return SECRETS.filter((s) => text.includes(s));
}

async function umask(): Promise<number> {
  const out = await new Deno.Command("sh", { args: ["-c", "umask"], stdout: "piped" }).output();
  return Number.parseInt(new TextDecoder().decode(out.stdout).trim(), 8);
}

async function modeOf(path: string): Promise<number> {
  return ((await Deno.stat(path)).mode ?? 0) & 0o777;
}

const octal = (n: number) => `0${n.toString(8)}`;

function assertAuthError(run: CliRun, reg: { host: string }, what: string): void {
  assert.notEqual(run.code, 0, `${what}: fails\n${run.stderr}`);
  const errors = run.stderr.split("\n").filter((l) => /error/i.test(l) && l.includes(reg.host));
  assert.ok(
    errors.some((l) => /401|unauthori[sz]ed|credential|authenticat|denied/i.test(l)),
    `${what}: an error names ${reg.host} and says the credentials were refused or missing:\n${run.stderr}`,
  );
}

Deno.test("credentials from every auth-file location work over TLS, wrong or missing ones are named, and no secret is ever printed or written", async () => {
  const root = await Deno.makeTempDir({ prefix: "security-" });
  try {
    await using up = await startUpstream();
    await using reg = await startDockerRegistry(`${root}/registry`, {
      tls: true,
      htpasswd: { username: USER, password: PASSWORD },
    });
    const ca = ["--ca-file", reg.caFile as string];
    const runs = new Runs(root);
    await Deno.writeTextFile(`${root}/upstream.yaml`, isc(IMAGES.map((i) => `quay.io/${i}`)));
    await Deno.writeTextFile(`${root}/secured.yaml`, isc(IMAGES.map((i) => `${reg.host}/src/${i}`)));

    // mirror-to-mirror into the secured registry (this also fills it for mirror-to-disk).
    const m2m = await runs.run("m2m --authfile", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-m2m",
      `docker://${reg.host}/src`,
      ...ca,
    ], { reg, place: PLACES.authfile, env: up.env(), json: true });
    assert.equal(m2m.code, 0, m2m.stderr);
    for (
      const [name, place, tls] of [
        ["m2m ~/.config/containers/auth.json", PLACES.containersConfig, ca],
        ["m2m ~/.docker/config.json, --dest-tls-verify=false", PLACES.dockerConfig, [
          "--dest-tls-verify=false",
        ]],
      ] as const
    ) {
      const r = await runs.run(name, [
        "--v2",
        "-c",
        "upstream.yaml",
        "--workspace",
        "file://ws-m2m",
        `docker://${reg.host}/m2m`,
        ...tls,
      ], { reg, place, env: up.env(), json: name.includes("docker") });
      assert.equal(r.code, 0, `${name}\n${r.stderr}`);
    }

    // mirror-to-disk from the secured registry.
    const m2d = await runs.run("m2d REGISTRY_AUTH_FILE", [
      "--v2",
      "-c",
      "secured.yaml",
      "file://archive",
      ...ca,
    ], {
      reg,
      place: PLACES.registryAuthFile,
    });
    assert.equal(m2d.code, 0, m2d.stderr);
    const m2dXdg = await runs.run("m2d XDG_RUNTIME_DIR, --src-tls-verify=false", [
      "--v2",
      "-c",
      "secured.yaml",
      "file://archive2",
      "--src-tls-verify=false",
    ], { reg, place: PLACES.xdgRuntime, json: true });
    assert.equal(m2dXdg.code, 0, m2dXdg.stderr);

    // disk-to-mirror into the secured registry.
    const d2m = await runs.run("d2m XDG_RUNTIME_DIR", [
      "--v2",
      "-c",
      "secured.yaml",
      "--from",
      "file://archive",
      `docker://${reg.host}/d2m`,
      ...ca,
    ], { reg, place: PLACES.xdgRuntime, json: true });
    assert.equal(d2m.code, 0, d2m.stderr);
    const d2mDocker = await runs.run("d2m ~/.docker/config.json, --dest-tls-verify=false", [
      "--v2",
      "-c",
      "secured.yaml",
      "--from",
      "file://archive",
      `docker://${reg.host}/d2m2`,
      "--dest-tls-verify=false",
    ], { reg, place: PLACES.dockerConfig });
    assert.equal(d2mDocker.code, 0, d2mDocker.stderr);

    // A dry run (mapping files; it asks the registry which blobs it has) and the v1 engine.
    const dry = await runs.run("m2m --dry-run ~/.config/containers/auth.json", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-dry",
      `docker://${reg.host}/dry`,
      "--dry-run",
      ...ca,
    ], { reg, place: PLACES.containersConfig, env: up.env(), json: true });
    assert.equal(dry.code, 0, dry.stderr);
    await Deno.writeTextFile(
      `${root}/v1.yaml`,
      isc(IMAGES.map((i) => `${reg.host}/src/${i}`)).replace(
        "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\n",
        "apiVersion: mirror.openshift.io/v1alpha2\nkind: ImageSetConfiguration\nstorageConfig:\n  local:\n    path: ./meta-v1\n",
      ),
    );
    const v1 = await runs.run("v1 m2d ~/.docker/config.json", ["-c", "v1.yaml", "file://archive-v1", ...ca], {
      reg,
      place: PLACES.dockerConfig,
      json: true,
    });
    assert.equal(v1.code, 0, v1.stderr);

    // Everything arrived: read back with the credentials.
    const auth = { authorization: `Basic ${BASIC}` };
    const client = Deno.createHttpClient({ caCerts: [reg.caPem as string] });
    try {
      const catalog = await (await fetch(`${reg.url}/v2/_catalog`, { headers: auth, client })).json() as {
        repositories: string[];
      };
      for (const ns of ["src", "m2m", "d2m", "d2m2"]) {
        assert.ok(catalog.repositories.some((r) => r.startsWith(`${ns}/`)), `${ns}: ${catalog.repositories}`);
      }
    } finally {
      client.close();
    }

    // Wrong password, missing credentials: each workflow fails and names the registry.
    const wrong = await runs.run("m2m wrong password", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-bad",
      `docker://${reg.host}/bad`,
      ...ca,
    ], { reg, place: PLACES.authfile, password: WRONG_PASSWORD, env: up.env(), json: true });
    assertAuthError(wrong, reg, "mirror-to-mirror with a wrong password");
    const missing = await runs.run("m2m no credentials", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-bad",
      `docker://${reg.host}/bad`,
      ...ca,
    ], { reg, env: up.env() });
    assertAuthError(missing, reg, "mirror-to-mirror without credentials");
    const m2dWrong = await runs.run("m2d wrong password", [
      "--v2",
      "-c",
      "secured.yaml",
      "file://archive-bad",
      ...ca,
    ], { reg, place: PLACES.dockerConfig, password: WRONG_PASSWORD });
    assertAuthError(m2dWrong, reg, "mirror-to-disk with a wrong password");
    const m2dMissing = await runs.run("m2d no credentials", [
      "--v2",
      "-c",
      "secured.yaml",
      "file://archive-bad",
      ...ca,
    ], { reg, json: true });
    assertAuthError(m2dMissing, reg, "mirror-to-disk without credentials");
    const d2mWrong = await runs.run("d2m wrong password", [
      "--v2",
      "-c",
      "secured.yaml",
      "--from",
      "file://archive2",
      `docker://${reg.host}/bad`,
      ...ca,
    ], { reg, place: PLACES.containersConfig, password: WRONG_PASSWORD, json: true });
    assertAuthError(d2mWrong, reg, "disk-to-mirror with a wrong password");
    const d2mMissing = await runs.run("d2m no credentials", [
      "--v2",
      "-c",
      "secured.yaml",
      "--from",
      "file://archive2",
      `docker://${reg.host}/bad`,
      ...ca,
    ], { reg });
    assertAuthError(d2mMissing, reg, "disk-to-mirror without credentials");

    // Token auth (a bearer token from a token endpoint) and blobs served from signed object-storage URLs.
    await using plain = await startDockerRegistry(`${root}/registry-behind-front`);
    await using front = await startTokenFront(plain);
    await Deno.writeTextFile(`${root}/front.yaml`, isc(IMAGES.map((i) => `${front.host}/src/${i}`)));
    const toFront = await runs.run("m2m to token auth, --authfile", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-token",
      `docker://${front.host}/src`,
    ], { reg: front, place: PLACES.authfile, env: up.env(), json: true });
    assert.equal(toFront.code, 0, toFront.stderr);
    const fromFront = await runs.run("m2d from token auth, REGISTRY_AUTH_FILE", [
      "--v2",
      "-c",
      "front.yaml",
      "file://archive-token",
    ], { reg: front, place: PLACES.registryAuthFile });
    assert.equal(fromFront.code, 0, fromFront.stderr);
    assert.ok(front.stats.tokens > 0 && front.stats.signedDownloads > 0, JSON.stringify(front.stats));
    const frontD2m = await runs.run("d2m to token auth, ~/.docker/config.json", [
      "--v2",
      "-c",
      "front.yaml",
      "--from",
      "file://archive-token",
      `docker://${front.host}/d2m`,
    ], { reg: front, place: PLACES.dockerConfig, json: true });
    assert.equal(frontD2m.code, 0, frontD2m.stderr);
    const frontWrong = await runs.run("m2m to token auth, wrong password", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-token-bad",
      `docker://${front.host}/bad`,
    ], { reg: front, place: PLACES.xdgRuntime, password: WRONG_PASSWORD, env: up.env(), json: true });
    assertAuthError(frontWrong, front, "token auth with a wrong password");
    // Object storage refuses a download and echoes the signature and key id (as S3 does).
    front.denyDownloads = "multi";
    const denied = await runs.run("m2d from token auth, a signed download refused", [
      "--v2",
      "-c",
      "front.yaml",
      "file://archive-token-denied",
    ], { reg: front, place: PLACES.containersConfig, json: true });
    assert.equal(denied.code, 8, denied.stderr);
    assert.match(
      denied.stderr,
      new RegExp(`"state":"failed","source":"${front.host}/src/example/multi:latest".*403`),
    );

    // TLS without the CA: refused, naming the registry and the certificate problem.
    const noCa = await runs.run("m2m no --ca-file", [
      "--v2",
      "-c",
      "upstream.yaml",
      "--workspace",
      "file://ws-bad",
      `docker://${reg.host}/bad`,
    ], { reg, place: PLACES.authfile, env: up.env() });
    assert.notEqual(noCa.code, 0);
    assert.match(noCa.stderr, new RegExp(`^error: .*${reg.host}.*certificate`, "m"));

    // The search below finds what it looks for: the auth files given to the runs hold the secrets.
    for (const f of runs.authFiles) assert.notDeepEqual(secretsIn(await Deno.readFile(f)), [], f);

    // No secret in anything printed...
    for (const { label, run } of runs.outputs) {
      for (const [stream, text] of [["stdout", run.stdout], ["stderr", run.stderr]]) {
        const found = SECRETS.filter((s) => text.includes(s));
        assert.deepEqual(found, [], `${label}: ${stream} holds a secret`);
      }
    }
    const debugLines = runs.outputs.reduce((n, o) => n + o.run.stderr.split("\n").length, 0);
    assert.ok(debugLines > 200, `the runs printed debug output (${debugLines} lines)`);

    // ...nor in any file written (workspaces, archives, mapping and errors files, cluster resources, homes).
    const scanned: string[] = [];
    for await (const path of walk(root)) {
      if (path.startsWith(`${root}/registry/`) || runs.authFiles.has(path)) continue;
      const found = secretsIn(await Deno.readFile(path));
      assert.deepEqual(found, [], `${path} holds a secret`);
      scanned.push(path.slice(root.length + 1));
    }
    for (
      const want of [
        /^archive\/mirror_000001\.tar$/,
        /^ws-m2m\/working-dir\/cluster-resources\/itms-oc-mirror\.yaml$/,
        /^ws-dry\/working-dir\/dry-run\/mapping\.txt$/,
        /^archive-v1\/mirror_seq1_000000\.tar$/,
        /^meta-v1\/publish\/\.metadata\.json$/,
        /^archive\/working-dir\/cluster-resources\//,
        /^ws-bad\/working-dir\/logs\/mirroring_errors_/,
        /^archive\/working-dir\/\.history\/\.history-/,
      ]
    ) {
      assert.ok(scanned.some((p) => want.test(p)), `scanned a file matching ${want}: ${scanned.join(", ")}`);
    }

    // File modes: state owner-only, archives and resources readable.
    const readable = 0o644 & ~(await umask());
    for (const f of ["archive", "archive2"]) {
      for await (const e of Deno.readDir(`${root}/${f}/working-dir/.history`)) {
        assert.equal(octal(await modeOf(`${root}/${f}/working-dir/.history/${e.name}`)), "0600", e.name);
      }
      assert.equal(octal(await modeOf(`${root}/${f}/mirror_000001.tar`)), octal(readable), `${f} part`);
    }
    assert.equal(octal(await modeOf(`${root}/meta-v1/publish/.metadata.json`)), "0600", "v1 metadata");
    assert.equal(
      octal(await modeOf(`${root}/archive-v1/mirror_seq1_000000.tar`)),
      octal(readable),
      "v1 part",
    );
    for (const dir of ["ws-m2m/working-dir/cluster-resources", "archive/working-dir/cluster-resources"]) {
      for await (const e of Deno.readDir(`${root}/${dir}`)) {
        assert.equal(octal(await modeOf(`${root}/${dir}/${e.name}`)), octal(readable), `${dir}/${e.name}`);
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the workspace lock of a running mirror is owner-only (0600) and gone when the run ends", async () => {
  const root = await Deno.makeTempDir({ prefix: "security-lock-" });
  try {
    await using up = await startUpstream();
    await Deno.writeTextFile(`${root}/isc.yaml`, isc(IMAGES.map((i) => `quay.io/${i}`)));
    const gate = Promise.withResolvers<void>();
    const getBlob = up.store.getBlob.bind(up.store);
    up.store.getBlob = async (...args) => {
      await gate.promise;
      return await getBlob(...args);
    };
    await Deno.mkdir(`${root}/home`);
    await using cli = await spawnOcMirror(["--v2", "-c", "isc.yaml", "file://out"], {
      cwd: root,
      env: { ...up.env(), HOME: `${root}/home`, ...DENO_CACHE },
    });
    const lock = `${root}/out/working-dir/.lock`;
    let ended = false;
    cli.child.status.then(() => ended = true);
    for (;;) {
      try {
        await Deno.stat(lock);
        break;
      } catch {
        assert.ok(!ended, `the run ended before taking the lock:\n${cli.stderr()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    assert.equal(octal(await modeOf(lock)), "0600");
    assert.match(await Deno.readTextFile(lock), /^\d+\n$/, "the lock holds only the PID");
    gate.resolve();
    assert.equal((await cli.child.status).code, 0, cli.stderr());
    await assert.rejects(Deno.stat(lock), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("proxy credentials from HTTPS_PROXY reach the proxy but never the output or the files written", async () => {
  const root = await Deno.makeTempDir({ prefix: "security-proxy-" });
  const proxyPassword = "PrOxY-pw-41d8cd98";
  const proxyBasic = btoa(`proxy-user:${proxyPassword}`);
  // A proxy that wants other credentials: it records the CONNECT and answers 407.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connects: string[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(8192);
      const n = await conn.read(buf).catch(() => null);
      connects.push(new TextDecoder().decode(buf.subarray(0, n ?? 0)));
      const answer = "HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n";
      await conn.write(new TextEncoder().encode(answer)).catch(() => 0);
      conn.close();
    }
  })();
  try {
    const proxy = `http://proxy-user:${proxyPassword}@127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    // `.invalid` never resolves: the only way to it is through the proxy, so nothing leaves the machine.
    await Deno.writeTextFile(`${root}/isc.yaml`, isc(["registry.invalid/example/app:1.0"]));
    const outputs: string[] = [];
    for (const format of ["text", "json"]) {
      await Deno.mkdir(`${root}/home-${format}`);
      const r = await runOcMirror([
        "--v2",
        "-c",
        "isc.yaml",
        `file://out-${format}`,
        "--retry-times",
        "0",
        "--log-level",
        "debug",
        "--log-format",
        format,
      ], {
        cwd: root,
        env: { HOME: `${root}/home-${format}`, ...DENO_CACHE, HTTPS_PROXY: proxy, HTTP_PROXY: proxy },
      });
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /registry\.invalid.*proxy authentication required/i);
      outputs.push(r.stdout, r.stderr);
    }
    assert.ok(
      connects.some((c) => c.includes(`Proxy-Authorization: Basic ${proxyBasic}`)),
      "the credentials were sent to the proxy",
    );
    for (const text of outputs) {
      assert.ok(!text.includes(proxyPassword) && !text.includes(proxyBasic), text);
    }
    let files = 0;
    for await (const path of walk(root)) {
      const text = new TextDecoder("latin1").decode(await Deno.readFile(path));
      assert.ok(
        !text.includes(proxyPassword) && !text.includes(proxyBasic),
        `${path} holds the proxy password`,
      );
      files++;
    }
    // The configuration and both runs' errors files: no archive, since no image could be mirrored.
    assert.ok(files >= 3, `files searched: ${files}`);
    for (const format of ["text", "json"]) {
      const names = [...Deno.readDirSync(`${root}/out-${format}`)].map((e) => e.name);
      assert.ok(!names.some((n) => n.startsWith("mirror_")), `no archive in out-${format}: ${names}`);
    }
  } finally {
    listener.close();
    await serving;
    await Deno.remove(root, { recursive: true });
  }
});
