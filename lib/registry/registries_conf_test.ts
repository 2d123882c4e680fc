import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { testContext } from "../context.ts";
import {
  findRegistryEntry,
  loadRegistriesConf,
  parseRegistriesConf,
  pullSources,
} from "./registries_conf.ts";

const CONF = `
unqualified-search-registries = ["docker.io"]
short-name-mode = "enforcing"

[[registry]]
prefix = "quay.io"
location = "quay.io"
[[registry.mirror]]
location = "mirror.corp:5000/quay"
[[registry.mirror]]
location = "digests.corp/quay"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "tags.corp/quay"
pull-from-mirror = "tag-only"
insecure = true

[[registry]]
prefix = "quay.io/openshift-release-dev"
location = "release.corp/ocp"
mirror-by-digest-only = true
[[registry.mirror]]
location = "disconnected.corp:8443/ocp"

[[registry]]
prefix = "*.redhat.io"
[[registry.mirror]]
location = "rh.corp"

[[registry]]
location = "blocked.io"
blocked = true
[[registry.mirror]]
location = "allowed.corp/blocked"

[[registry]]
location = "plain.corp:5000"
insecure = true
`;

Deno.test("parseRegistriesConf reads registries, mirrors and their flags", () => {
  const conf = parseRegistriesConf(CONF, "/etc/containers/registries.conf");
  assert.equal(conf.registries.length, 5);
  const [quay, release, wildcard, blocked, plain] = conf.registries;
  assert.deepEqual(quay?.mirrors.map((m) => [m.location, m.pullFromMirror, m.insecure]), [
    ["mirror.corp:5000/quay", "all", false],
    ["digests.corp/quay", "digest-only", false],
    ["tags.corp/quay", "tag-only", true],
  ]);
  assert.equal(release?.mirrorByDigestOnly, true);
  assert.equal(release?.mirrors[0]?.pullFromMirror, "digest-only");
  assert.equal(wildcard?.location, "");
  assert.equal(blocked?.blocked, true);
  assert.equal(blocked?.prefix, "blocked.io");
  assert.equal(plain?.insecure, true);
  assert.deepEqual(conf.warnings, []);
});

Deno.test("pullSources tries mirrors for the kind of reference, then the rewritten location", () => {
  const conf = parseRegistriesConf(CONF, "r.conf");
  const names = (registry: string, repo: string, byDigest: boolean) =>
    pullSources(conf, registry, repo, { byDigest }).map((s) =>
      `${s.registry}/${s.repository}${s.mirror ? " (mirror)" : ""}`
    );
  assert.deepEqual(names("quay.io", "ns/app", false), [
    "mirror.corp:5000/quay/ns/app (mirror)",
    "tags.corp/quay/ns/app (mirror)",
    "quay.io/ns/app",
  ]);
  assert.deepEqual(names("quay.io", "ns/app", true), [
    "mirror.corp:5000/quay/ns/app (mirror)",
    "digests.corp/quay/ns/app (mirror)",
    "quay.io/ns/app",
  ]);
  // The longest prefix wins and rewrites the rest of the path.
  assert.deepEqual(names("quay.io", "openshift-release-dev/ocp-release", true), [
    "disconnected.corp:8443/ocp/ocp-release (mirror)",
    "release.corp/ocp/ocp-release",
  ]);
  assert.deepEqual(names("quay.io", "openshift-release-dev/ocp-release", false), [
    "release.corp/ocp/ocp-release",
  ]);
  // A prefix matches whole path components only.
  assert.deepEqual(
    names("quay.io", "openshift-release-dev-x/a", false).at(-1),
    "quay.io/openshift-release-dev-x/a",
  );
  assert.deepEqual(names("registry.redhat.io", "ubi9/ubi", false), [
    "rh.corp/ubi9/ubi (mirror)",
    "registry.redhat.io/ubi9/ubi",
  ]);
  assert.deepEqual(names("docker.io", "library/x", false), ["docker.io/library/x"]);
  const plain = pullSources(conf, "plain.corp:5000", "a/b", { byDigest: false });
  assert.deepEqual(plain, [{
    registry: "plain.corp:5000",
    repository: "a/b",
    insecure: true,
    mirror: false,
  }]);
  const blocked = pullSources(conf, "blocked.io", "x/y", { byDigest: false });
  assert.equal(blocked[0]?.registry, "allowed.corp");
  assert.match(blocked[1]?.blockedBy ?? "", /r\.conf \(prefix "blocked\.io"\)/);
  assert.equal(findRegistryEntry(conf, "other.io", "x"), undefined);
});

Deno.test("parseRegistriesConf reads the v1 insecure and block lists", () => {
  const conf = parseRegistriesConf(
    `[registries.search]\nregistries = ["docker.io"]\n[registries.insecure]\nregistries = ["a.corp:5000"]\n[registries.block]\nregistries = ["b.io"]\n`,
    "v1.conf",
  );
  assert.deepEqual(conf.registries.map((r) => [r.prefix, r.insecure, r.blocked]), [[
    "a.corp:5000",
    true,
    false,
  ], ["b.io", false, true]]);
});

Deno.test("parseRegistriesConf reports bad values with their position", () => {
  const cases: [string, RegExp, number][] = [
    [
      '[[registry]]\nlocation = "https://q.io"',
      /registry\[0\]\.location "https:\/\/q\.io" must not have a URL scheme/,
      2,
    ],
    ['[[registry]]\nlocation = "q.io"\ninsecure = "yes"', /registry\[0\]\.insecure must be true or false/, 3],
    ["[[registry]]\ninsecure = true", /registry\[0\] needs a "prefix" or a "location"/, 1],
    [
      '[[registry]]\nlocation = "q.io"\n[[registry.mirror]]\nlocation = "m"\npull-from-mirror = "some"',
      /pull-from-mirror "some" is not allowed/,
      5,
    ],
    ['[registry]\nlocation = "q.io"', /"registry" must be an array of tables/, 1],
  ];
  for (const [text, re, line] of cases) {
    assert.throws(() => parseRegistriesConf(text, "r.conf"), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, re);
      assert.equal(e.line, line, e.message);
      return true;
    });
  }
  const warned = parseRegistriesConf('[[registry]]\nlocation = "q.io"\ncolour = "blue"', "r.conf");
  assert.match(warned.warnings[0]?.message ?? "", /Unknown key registry\[0\]\.colour is ignored/);
});

Deno.test("loadRegistriesConf prefers the option, then CONTAINERS_REGISTRIES_CONF, then ~/.config, then /etc", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registries-conf-" });
  try {
    const write = async (path: string, host: string) => {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, `[[registry]]\nlocation = "${host}"\n`);
    };
    await write(`${dir}/home/.config/containers/registries.conf`, "user.io");
    await write(`${dir}/etc/registries.conf`, "system.io");
    await write(`${dir}/env.conf`, "env.io");
    await write(`${dir}/flag.conf`, "flag.io");
    const systemPath = `${dir}/etc/registries.conf`;
    const ctx = (vars: Record<string, string>, home = `${dir}/home`) =>
      testContext({ homeDir: home, envVars: vars, cwd: dir });
    const first = async (c: ReturnType<typeof ctx>, path?: string) =>
      (await loadRegistriesConf(c, { systemPath, ...(path ? { path } : {}) })).registries[0]?.location;
    assert.equal(await first(ctx({ CONTAINERS_REGISTRIES_CONF: `${dir}/env.conf` }), "flag.conf"), "flag.io");
    assert.equal(await first(ctx({ CONTAINERS_REGISTRIES_CONF: `${dir}/env.conf` })), "env.io");
    assert.equal(await first(ctx({})), "user.io");
    assert.equal(await first(ctx({}, `${dir}/nohome`)), "system.io");
    const none = await loadRegistriesConf(ctx({}, `${dir}/nohome`), { systemPath: `${dir}/missing.conf` });
    assert.deepEqual(none.registries, []);
    await assert.rejects(
      loadRegistriesConf(ctx({}), { path: `${dir}/missing.conf`, systemPath }),
      ConfigError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
