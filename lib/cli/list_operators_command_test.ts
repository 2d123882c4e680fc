import assert from "node:assert/strict";
import { testContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { Flags, parseFlags } from "./flags.ts";
import {
  catalogCacheDir,
  formatCatalogs,
  formatChannels,
  formatPackages,
  formatVersions,
  listOperatorsCommand,
  listOperatorsRequestFromFlags,
  parseCatalogLocation,
} from "./list_operators_command.ts";

function flags(argv: string[]): Flags {
  return new Flags(parseFlags(argv, listOperatorsCommand.flags, "list operators"));
}

Deno.test("list operators: the most specific listing wins, as in the original", () => {
  const c = "registry.redhat.io/redhat/redhat-operator-index:v4.14";
  assert.deepEqual(listOperatorsRequestFromFlags(flags(["--catalog", c])), {
    mode: "packages",
    catalog: c,
    output: "text",
  });
  assert.deepEqual(
    listOperatorsRequestFromFlags(flags(["--catalog", c, "--package", "p", "--version", "4.14"])),
    {
      mode: "channels",
      catalog: c,
      package: "p",
      output: "text",
    },
  );
  assert.deepEqual(
    listOperatorsRequestFromFlags(flags(["--catalog", c, "--package", "p", "--channel", "ch", "-o", "json"])),
    { mode: "versions", catalog: c, package: "p", channel: "ch", output: "json" },
  );
  assert.deepEqual(listOperatorsRequestFromFlags(flags(["--catalogs", "--version", "4.15"])), {
    mode: "catalogs",
    version: "4.15",
    output: "text",
  });
  assert.deepEqual(listOperatorsRequestFromFlags(flags(["--version", "4.15"])).mode, "catalogs");
});

Deno.test("list operators: incomplete flag sets are usage errors", () => {
  const cases: [string[], string][] = [
    [[], "List operators needs --catalog REF, or --catalogs --version X.Y"],
    [["--catalogs"], "Flag --catalogs needs --version X.Y, e.g. --catalogs --version 4.14"],
    [["--package", "p"], "Flag --package needs --catalog"],
    [["--catalog", "c", "--channel", "x"], "Flag --channel needs --catalog and --package"],
    [["--catalogs", "--version", "v4.14"], 'Version "v4.14" is not a minor version: want X.Y, e.g. 4.14'],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => listOperatorsRequestFromFlags(flags(argv)),
      (e: unknown) => e instanceof UsageError && e.message === message,
      argv.join(" "),
    );
  }
});

Deno.test("list operators: the catalog cache lives under --cache-dir, OC_MIRROR_CACHE or home", () => {
  const ctx = testContext({ homeDir: "/home/u", cwd: "/work" });
  assert.equal(catalogCacheDir(flags([]), ctx), "/home/u/.oc-mirror/catalogs");
  assert.equal(catalogCacheDir(flags(["--cache-dir", "c"]), ctx), "/work/c/.oc-mirror/catalogs");
  const env = testContext({ homeDir: "/home/u", envVars: { OC_MIRROR_CACHE: "/srv/cache" } });
  assert.equal(catalogCacheDir(flags([]), env), "/srv/cache/.oc-mirror/catalogs");
  assert.throws(
    () => catalogCacheDir(flags(["--cache-dir", "/x"]), env),
    (e: unknown) =>
      e instanceof UsageError &&
      e.message === "Both OC_MIRROR_CACHE and --cache-dir are set: use one of them",
  );
});

Deno.test("list operators: --catalog takes a plain reference, docker:// or oci://", () => {
  assert.deepEqual(parseCatalogLocation("registry.redhat.io/redhat/redhat-operator-index:v4.14"), {
    kind: "docker",
    reference: { registry: "registry.redhat.io", repository: "redhat/redhat-operator-index", tag: "v4.14" },
  });
  assert.deepEqual(parseCatalogLocation("docker://quay.io/x/y:1").kind, "docker");
  assert.deepEqual(parseCatalogLocation("oci:///srv/cat:v1"), {
    kind: "oci",
    path: "/srv/cat",
    reference: "v1",
  });
});

Deno.test("list operators: listings print as the original's columns, or one JSON object", () => {
  const pkgs = [
    { name: "a-operator", defaultChannel: "stable", displayName: "A Operator" },
    { name: "bb", defaultChannel: "fast" },
  ];
  assert.equal(
    formatPackages("c", pkgs, "text"),
    "NAME        DISPLAY NAME  DEFAULT CHANNEL\na-operator  A Operator    stable\nbb                        fast\n",
  );
  assert.deepEqual(JSON.parse(formatPackages("c", pkgs, "json")), { catalog: "c", packages: pkgs });
  const channels = [
    { package: "bb", name: "fast", head: "bb.v2.0.0", headVersion: "2.0.0", isDefault: true, entries: 2 },
    { package: "bb", name: "stable", head: "bb.v1.0.0", headVersion: "1.0.0", isDefault: false, entries: 1 },
  ];
  assert.equal(
    formatChannels("c", "bb", channels, "text"),
    "PACKAGE  CHANNEL  HEAD       DEFAULT\nbb       fast     bb.v2.0.0  *\nbb       stable   bb.v1.0.0\n",
  );
  assert.deepEqual(JSON.parse(formatChannels("c", "bb", channels, "json")), {
    catalog: "c",
    package: "bb",
    defaultChannel: "fast",
    channels: channels.map(({ package: _, ...c }) => c),
  });
  const versions = [{ bundle: "bb.v1.0.0", version: "1.0.0", isHead: false }, {
    bundle: "bb-odd",
    isHead: true,
  }];
  assert.equal(formatVersions("c", "bb", "fast", versions, "text"), "VERSIONS\n1.0.0\nbb-odd\n");
  assert.deepEqual(JSON.parse(formatVersions("c", "bb", "fast", versions, "json")).versions, versions);
  assert.equal(
    formatCatalogs("4.16", "text"),
    [
      "Available OpenShift OperatorHub catalogs:",
      "OpenShift 4.16:",
      "registry.redhat.io/redhat/redhat-operator-index:v4.16",
      "registry.redhat.io/redhat/certified-operator-index:v4.16",
      "registry.redhat.io/redhat/community-operator-index:v4.16",
      "registry.redhat.io/redhat/redhat-marketplace-index:v4.16",
      "",
    ].join("\n"),
  );
});
