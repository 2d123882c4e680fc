import assert from "node:assert/strict";
import { ConfigError, formatConfigProblem } from "../errors.ts";
import type {
  AnyImageSetConfig,
  DeleteImageSetConfig,
  ImageSetConfig,
  ImageSetContent,
  MirrorContent,
  PlatformConfig,
  ReleaseChannel,
} from "./image_set_config.ts";
import { loadConfig, loadConfigFile } from "./load_config.ts";

const FIXTURES = new URL("../../fixtures/configs/", import.meta.url);

function fixture(kind: "valid" | "invalid", name: string): string {
  return Deno.readTextFileSync(new URL(`${kind}/${name}`, FIXTURES));
}

function loadValid(name: string) {
  return loadConfig(fixture("valid", name), { file: name });
}

/** The ConfigError that loading `text` throws. */
function configErrorOf(text: string, file: string, kind?: "ImageSetConfiguration"): ConfigError {
  try {
    loadConfig(text, kind === undefined ? { file } : { file, kind });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `${file}: want ConfigError, got ${e}`);
    assert.equal(e.code, "CONFIG_INVALID");
    return e;
  }
  throw new assert.AssertionError({ message: `${file} loaded, want a ConfigError` });
}

function channel(name: string, extra: Partial<ReleaseChannel> = {}): ReleaseChannel {
  return { name, type: "ocp", shortestPath: false, full: false, ...extra };
}

function platform(extra: Partial<PlatformConfig> = {}): PlatformConfig {
  return { channels: [], architectures: [], graph: false, kubeVirtContainer: false, ...extra };
}

function content(extra: Partial<ImageSetContent> = {}): ImageSetContent {
  return {
    platform: platform(),
    operators: [],
    additionalImages: [],
    helm: { repositories: [], local: [] },
    samples: [],
    ...extra,
  };
}

function mirror(extra: Partial<MirrorContent> = {}): MirrorContent {
  return { ...content(), blockedImages: [], ...extra };
}

function isc(m: MirrorContent, extra: Partial<ImageSetConfig> = {}): ImageSetConfig {
  return { apiVersion: "v2alpha1", kind: "ImageSetConfiguration", mirror: m, ...extra };
}

const REDHAT_418 = {
  kind: "docker" as const,
  reference: { registry: "registry.redhat.io", repository: "redhat/redhat-operator-index", tag: "v4.18" },
};

// ---------------------------------------------------------------------------------------------------
// Valid configurations: each scenario of the oc-mirror documentation, and every field of each version.

const VALID: Record<string, AnyImageSetConfig> = {
  "v2-single-channel.yaml": isc(mirror({
    platform: platform({ channels: [channel("stable-4.18")], architectures: ["amd64"] }),
  })),
  "v2-pinned-version.yaml": isc(mirror({
    platform: platform({
      channels: [channel("stable-4.18", { minVersion: "4.18.5", maxVersion: "4.18.5" })],
      architectures: ["amd64"],
    }),
  })),
  "v2-channel-range.yaml": isc(mirror({
    platform: platform({
      channels: [channel("stable-4.17", { minVersion: "4.17.3", maxVersion: "4.17.12" })],
      architectures: ["amd64"],
    }),
  })),
  "v2-several-channels.yaml": isc(mirror({
    platform: platform({
      channels: [
        channel("eus-4.16", { minVersion: "4.16.20", maxVersion: "4.16.20" }),
        channel("stable-4.17", { minVersion: "4.17.10", maxVersion: "4.17.10" }),
        channel("eus-4.18", { minVersion: "4.18.2" }),
      ],
      architectures: ["multi"],
    }),
  })),
  "v2-platform-and-operators.yaml": isc(mirror({
    platform: platform({
      channels: [channel("stable-4.18", { minVersion: "4.18.1", maxVersion: "4.18.4" })],
      architectures: ["amd64"],
      graph: true,
    }),
    operators: [
      {
        catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.18",
        catalogLocation: REDHAT_418,
        full: false,
        skipDependencies: false,
        packages: [
          { name: "aws-load-balancer-operator", channels: [{ name: "stable-v1", minVersion: "1.1.0" }] },
          {
            name: "elasticsearch-operator",
            defaultChannel: "stable-5.8",
            channels: [{ name: "stable-5.8" }],
          },
        ],
      },
      {
        catalog: "registry.redhat.io/redhat/certified-operator-index:v4.18",
        catalogLocation: {
          kind: "docker",
          reference: {
            registry: "registry.redhat.io",
            repository: "redhat/certified-operator-index",
            tag: "v4.18",
          },
        },
        full: false,
        skipDependencies: false,
        packages: [{ name: "nutanixcsioperator", channels: [] }],
      },
    ],
  })),
  "v2-shortest-path.yaml": isc(mirror({
    platform: platform({
      channels: [channel("stable-4.18", { minVersion: "4.18.1", maxVersion: "4.18.14", shortestPath: true })],
      architectures: ["amd64"],
    }),
  })),
  "v2-additional-images.yaml": isc(mirror({
    additionalImages: [
      {
        name: "registry.redhat.io/ubi9/ubi:latest",
        reference: { registry: "registry.redhat.io", repository: "ubi9/ubi", tag: "latest" },
      },
      {
        name:
          "quay.io/prometheus/node-exporter@sha256:29b220d49cd6a1ed8396172f46fce4211ca0fa0d9926dee6710a289b6bd7a08e",
        reference: {
          registry: "quay.io",
          repository: "prometheus/node-exporter",
          digest: "sha256:29b220d49cd6a1ed8396172f46fce4211ca0fa0d9926dee6710a289b6bd7a08e",
        },
      },
      {
        name: "docker.io/library/nginx",
        reference: { registry: "docker.io", repository: "library/nginx" },
        targetRepo: "web/nginx",
        targetTag: "stable",
      },
    ],
  })),
  "v2-helm.yaml": isc(mirror({
    helm: {
      repositories: [
        {
          name: "sbo",
          url: "https://redhat-developer.github.io/service-binding-operator-helm-chart/",
          charts: [{ name: "service-binding-operator", version: "1.0.0", imagePaths: [], valuesFiles: [] }],
        },
        { name: "podinfo", url: "https://stefanprodan.github.io/podinfo", charts: [] },
      ],
      local: [{ name: "my-chart", path: "./charts/my-chart-0.1.0.tgz", imagePaths: [], valuesFiles: [] }],
    },
  })),
  "v2-delete.yaml": {
    apiVersion: "v2alpha1",
    kind: "DeleteImageSetConfiguration",
    delete: content({
      platform: platform({
        channels: [channel("stable-4.17", { minVersion: "4.17.3", maxVersion: "4.17.3" })],
        architectures: ["amd64"],
      }),
      operators: [{
        catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.17",
        catalogLocation: {
          kind: "docker",
          reference: {
            registry: "registry.redhat.io",
            repository: "redhat/redhat-operator-index",
            tag: "v4.17",
          },
        },
        full: false,
        skipDependencies: false,
        packages: [{
          name: "aws-load-balancer-operator",
          minVersion: "1.1.0",
          maxVersion: "1.1.0",
          channels: [],
        }],
      }],
      additionalImages: [{
        name:
          "registry.redhat.io/ubi8/ubi@sha256:b7b4fe78377ca0959f88a01e2d2cc73d9f9fa9e3cf37b419edafabcb65d7120f",
        reference: {
          registry: "registry.redhat.io",
          repository: "ubi8/ubi",
          digest: "sha256:b7b4fe78377ca0959f88a01e2d2cc73d9f9fa9e3cf37b419edafabcb65d7120f",
        },
      }],
    }),
  },
  "v1-storage-config-local.yaml": isc(
    mirror({
      platform: platform({ channels: [channel("stable-4.14")], architectures: ["amd64"], graph: true }),
      operators: [{
        catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.14",
        catalogLocation: {
          kind: "docker",
          reference: {
            registry: "registry.redhat.io",
            repository: "redhat/redhat-operator-index",
            tag: "v4.14",
          },
        },
        full: false,
        skipDependencies: false,
        packages: [{ name: "serverless-operator", channels: [{ name: "stable" }] }],
      }],
      additionalImages: [{
        name: "registry.redhat.io/ubi8/ubi:latest",
        reference: { registry: "registry.redhat.io", repository: "ubi8/ubi", tag: "latest" },
      }],
    }),
    { apiVersion: "v1alpha2", storageConfig: { local: { path: "./metadata" } } },
  ),
  "v1-storage-config-registry.yaml": isc(
    mirror({
      platform: platform({
        channels: [channel("stable-4.14", { minVersion: "4.14.2", maxVersion: "4.14.8" })],
        architectures: ["amd64"],
      }),
    }),
    {
      apiVersion: "v1alpha2",
      storageConfig: {
        registry: {
          imageURL: "registry.example.com/mirror/oc-mirror-metadata",
          reference: { registry: "registry.example.com", repository: "mirror/oc-mirror-metadata" },
          skipTLS: false,
        },
      },
    },
  ),
  "v2-oci-catalog.yaml": isc(mirror({
    operators: [
      {
        catalog: "oci:///srv/catalogs/redhat-operator-index",
        catalogLocation: { kind: "oci", path: "/srv/catalogs/redhat-operator-index" },
        targetCatalog: "redhat/redhat-operator-index",
        targetTag: "v4.18",
        full: false,
        skipDependencies: false,
        packages: [{ name: "devworkspace-operator", channels: [] }],
      },
      {
        catalog:
          "registry.redhat.io/redhat/community-operator-index@sha256:a4d451ec23463726f72c43d64c710968f6b602cd653b4de8adee1b556240a829",
        catalogLocation: {
          kind: "docker",
          reference: {
            registry: "registry.redhat.io",
            repository: "redhat/community-operator-index",
            digest: "sha256:a4d451ec23463726f72c43d64c710968f6b602cd653b4de8adee1b556240a829",
          },
        },
        full: true,
        skipDependencies: false,
        packages: [],
      },
    ],
  })),
  "v2-every-field.yaml": isc(
    mirror({
      platform: {
        channels: [
          channel("stable-4.18", { minVersion: "4.18.1", maxVersion: "4.18.10", shortestPath: true }),
          channel("stable-scos-4", { type: "okd", full: true }),
        ],
        architectures: [],
        platforms: [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }],
        graph: true,
        release:
          "quay.io/openshift-release-dev/ocp-release@sha256:a4d451ec23463726f72c43d64c710968f6b602cd653b4de8adee1b556240a829",
        releaseReference: {
          registry: "quay.io",
          repository: "openshift-release-dev/ocp-release",
          digest: "sha256:a4d451ec23463726f72c43d64c710968f6b602cd653b4de8adee1b556240a829",
        },
        kubeVirtContainer: true,
      },
      operators: [
        {
          catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.18",
          catalogLocation: REDHAT_418,
          targetCatalog: "my-org/redhat-operator-index",
          targetTag: "v4.18-filtered",
          full: false,
          skipDependencies: true,
          targetCatalogSourceTemplate: "./catalog-source-template.yaml",
          platforms: [{ os: "linux", architecture: "amd64" }],
          packages: [
            {
              name: "elasticsearch-operator",
              defaultChannel: "stable-5.8",
              minVersion: "5.8.1",
              maxVersion: "5.8.5",
              channels: [],
            },
            {
              name: "cluster-logging",
              channels: [
                // "v6.0" is read with Masterminds leniency and normalised.
                { name: "stable-6.0", minVersion: "6.0.0", maxVersion: "6.0.3" },
                { name: "stable-5.9" },
              ],
            },
          ],
        },
        {
          catalog: "oci:///srv/catalogs/community-index",
          catalogLocation: { kind: "oci", path: "/srv/catalogs/community-index" },
          full: true,
          skipDependencies: false,
          packages: [{ name: "etcd", channels: [] }],
        },
      ],
      additionalImages: [{
        name: "registry.redhat.io/ubi9/ubi:latest",
        reference: { registry: "registry.redhat.io", repository: "ubi9/ubi", tag: "latest" },
        targetRepo: "base/ubi",
        targetTag: "v9",
        platforms: [{ os: "linux", architecture: "arm64" }],
      }],
      blockedImages: [
        {
          name: "^registry.example.com/unwanted/.*",
          pattern: new RegExp("^registry.example.com/unwanted/.*"),
        },
        { name: "(?i)alpine", pattern: /alpine/i },
      ],
      helm: {
        repositories: [{
          name: "podinfo",
          url: "https://stefanprodan.github.io/podinfo",
          charts: [{
            name: "podinfo",
            version: "5.0.0",
            imagePaths: ["{.spec.template.spec.containers[*].env[*].value}"],
            platforms: [{ os: "linux", architecture: "amd64" }],
            valuesFiles: ["./values/podinfo.yaml"],
          }],
        }],
        local: [{
          name: "my-chart",
          path: "/srv/charts/my-chart-1.0.0.tgz",
          imagePaths: ["{.spec.jobTemplate.spec.template.spec.containers[*].image}"],
          valuesFiles: ["./values/my-chart.yaml"],
        }],
      },
      samples: [{ name: "ruby" }],
    }),
    { archiveSize: 4 },
  ),
  "v1-every-field.yaml": isc(
    mirror({
      platform: platform({
        channels: [
          channel("stable-4.14", { minVersion: "4.14.1", maxVersion: "4.14.10", shortestPath: true }),
          channel("fast-4.15", { full: true }),
        ],
        architectures: ["amd64", "arm64"],
        graph: true,
      }),
      operators: [{
        catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.14",
        catalogLocation: {
          kind: "docker",
          reference: {
            registry: "registry.redhat.io",
            repository: "redhat/redhat-operator-index",
            tag: "v4.14",
          },
        },
        targetName: "my-index",
        targetCatalog: "my-org/redhat-operator-index",
        targetTag: "v4.14",
        full: false,
        skipDependencies: true,
        originalRef: "registry.redhat.io/redhat/redhat-operator-index:v4.14",
        packages: [
          {
            name: "serverless-operator",
            defaultChannel: "stable",
            minVersion: "1.30.0",
            maxVersion: "1.33.0",
            channels: [],
          },
          { name: "kiali-ossm", minBundle: "kiali-operator.v1.65.0", channels: [] },
          {
            name: "jaeger-product",
            channels: [
              { name: "stable", minVersion: "1.47.0", maxVersion: "1.51.0" },
              { name: "stable-1.42", minBundle: "jaeger-operator.v1.42.0" },
            ],
          },
        ],
      }],
      additionalImages: [{
        name: "registry.redhat.io/ubi8/ubi:latest",
        reference: { registry: "registry.redhat.io", repository: "ubi8/ubi", tag: "latest" },
      }],
      blockedImages: [{ name: "alpine", pattern: /alpine/ }],
      helm: {
        repositories: [{
          name: "sbo",
          url: "https://redhat-developer.github.io/service-binding-operator-helm-chart/",
          charts: [{
            name: "service-binding-operator",
            version: "1.0.0",
            imagePaths: ["{.spec.template.spec.containers[*].image}"],
            valuesFiles: ["./values/sbo.yaml"],
          }],
        }],
        local: [{
          name: "podinfo",
          path: "/srv/charts/podinfo-5.0.0.tgz",
          imagePaths: ["{.spec.template.spec.initContainers[*].image}"],
          valuesFiles: ["./values/podinfo.yaml"],
        }],
      },
      samples: [{ name: "ruby" }],
    }),
    {
      apiVersion: "v1alpha2",
      archiveSize: 2,
      storageConfig: {
        registry: {
          imageURL: "registry.example.com:5000/oc-mirror/metadata:latest",
          reference: {
            registry: "registry.example.com:5000",
            repository: "oc-mirror/metadata",
            tag: "latest",
          },
          skipTLS: true,
        },
      },
    },
  ),
  "v2-delete-every-field.yaml": {
    apiVersion: "v2alpha1",
    kind: "DeleteImageSetConfiguration",
    delete: content({
      platform: {
        channels: [channel("stable-4.17", { minVersion: "4.17.3", maxVersion: "4.17.3" })],
        architectures: [],
        platforms: [{ os: "linux", architecture: "amd64" }],
        graph: true,
        release: "quay.io/openshift-release-dev/ocp-release:4.17.3-x86_64",
        releaseReference: {
          registry: "quay.io",
          repository: "openshift-release-dev/ocp-release",
          tag: "4.17.3-x86_64",
        },
        kubeVirtContainer: true,
      },
      operators: [{
        catalog: "registry.redhat.io/redhat/redhat-operator-index:v4.17",
        catalogLocation: {
          kind: "docker",
          reference: {
            registry: "registry.redhat.io",
            repository: "redhat/redhat-operator-index",
            tag: "v4.17",
          },
        },
        targetCatalog: "my-org/redhat-operator-index",
        targetTag: "v4.17",
        full: false,
        skipDependencies: false,
        targetCatalogSourceTemplate: "./cs-template.yaml",
        platforms: [{ os: "linux", architecture: "amd64" }],
        packages: [{
          name: "aws-load-balancer-operator",
          defaultChannel: "stable-v1",
          channels: [{ name: "stable-v1", minVersion: "1.1.0", maxVersion: "1.1.0" }],
        }],
      }],
      additionalImages: [{
        name:
          "registry.redhat.io/ubi8/ubi@sha256:b7b4fe78377ca0959f88a01e2d2cc73d9f9fa9e3cf37b419edafabcb65d7120f",
        reference: {
          registry: "registry.redhat.io",
          repository: "ubi8/ubi",
          digest: "sha256:b7b4fe78377ca0959f88a01e2d2cc73d9f9fa9e3cf37b419edafabcb65d7120f",
        },
        targetRepo: "base/ubi",
        targetTag: "8",
        platforms: [{ os: "linux", architecture: "amd64" }],
      }],
      helm: {
        repositories: [{
          name: "podinfo",
          url: "https://stefanprodan.github.io/podinfo",
          charts: [{ name: "podinfo", version: "5.0.0", imagePaths: [], valuesFiles: [] }],
        }],
        local: [{ name: "my-chart", path: "./charts/my-chart", imagePaths: [], valuesFiles: [] }],
      },
      samples: [{ name: "ruby" }],
    }),
  } satisfies DeleteImageSetConfig,
};

/** Warnings each valid fixture loads with; every other fixture loads without any. */
const VALID_WARNINGS: Record<string, string[]> = {
  "v1-storage-config-registry.yaml": [
    'v1-storage-config-registry.yaml:12:9: mirror.platform.channels[0].minversion is accepted as "minVersion": ' +
    'write "minVersion", the documented spelling',
    'v1-storage-config-registry.yaml:13:9: mirror.platform.channels[0].maxversion is accepted as "maxVersion": ' +
    'write "maxVersion", the documented spelling',
  ],
  "v2-every-field.yaml": [
    "v2-every-field.yaml:83:5: mirror.samples is not implemented (nor by the original) and is ignored",
  ],
  "v1-every-field.yaml": [
    "v1-every-field.yaml:69:5: mirror.samples is not implemented (nor by the original) and is ignored",
  ],
  "v2-delete-every-field.yaml": [
    "v2-delete-every-field.yaml:54:5: delete.samples is not implemented (nor by the original) and is ignored",
  ],
};

Deno.test("every valid fixture has an expected model", () => {
  const files = [...Deno.readDirSync(new URL("valid/", FIXTURES))].map((e) => e.name).sort();
  assert.deepEqual(files, Object.keys(VALID).sort());
});

for (const [name, expected] of Object.entries(VALID)) {
  Deno.test(`loadConfig() reads ${name} into the expected model`, () => {
    const loaded = loadValid(name);
    assert.deepStrictEqual(loaded.config, expected);
    assert.equal(loaded.apiVersion, expected.apiVersion);
    assert.equal(loaded.kind, expected.kind);
    assert.equal(loaded.file, name);
    assert.deepEqual(loaded.warnings.map(formatConfigProblem), VALID_WARNINGS[name] ?? []);
  });
}

// ---------------------------------------------------------------------------------------------------
// Invalid configurations: one problem each (and one with several), each with its exact position.

const INVALID: Record<string, string> = {
  "yaml-tab-indent.yaml": "yaml-tab-indent.yaml:6:1: Invalid YAML: tabs are not allowed as indentation " +
    "(indent with spaces)",
  "yaml-unclosed-quote.yaml":
    'yaml-unclosed-quote.yaml:7:13: Invalid YAML: the quote " opened here is never closed',
  "yaml-duplicate-key.yaml":
    "yaml-duplicate-key.yaml:9:9: mirror.platform.channels[0].minVersion is given twice (first at line 8)",
  "yaml-several-documents.yaml":
    "yaml-several-documents.yaml:7:1: File holds 2 YAML documents (want one configuration per file)",
  "empty.yaml": "empty.yaml:1:1: The file is empty (want an ImageSetConfiguration)",
  "kind-missing.yaml":
    "kind-missing.yaml:2:1: kind is required (want ImageSetConfiguration or DeleteImageSetConfiguration)",
  "kind-unknown.yaml": 'kind-unknown.yaml:3:7: kind "ImageSetConfig" is not supported: did you mean ' +
    '"ImageSetConfiguration"? (want ImageSetConfiguration or DeleteImageSetConfiguration)',
  "api-version-unknown.yaml": 'api-version-unknown.yaml:2:13: apiVersion "mirror.openshift.io/v2alpha2" is ' +
    'not supported: did you mean "mirror.openshift.io/v2alpha1"? ' +
    "(want mirror.openshift.io/v2alpha1 or mirror.openshift.io/v1alpha2)",
  "isc-without-mirror.yaml": "isc-without-mirror.yaml:2:1: mirror is required: an ImageSetConfiguration " +
    "lists what to mirror under mirror:",
  "isc-with-delete.yaml": "isc-with-delete.yaml:7:1: delete is not allowed in an ImageSetConfiguration: " +
    "to delete images, write kind: DeleteImageSetConfiguration",
  "disc-with-mirror.yaml": "disc-with-mirror.yaml:4:1: mirror is not allowed in a " +
    "DeleteImageSetConfiguration: list the images to delete under delete:",
  "disc-v1alpha2.yaml": 'disc-v1alpha2.yaml:3:7: kind "DeleteImageSetConfiguration" needs apiVersion ' +
    "mirror.openshift.io/v2alpha1 (v1alpha2 has no delete configuration)",
  "disc-blocked-images.yaml": "disc-blocked-images.yaml:7:3: delete.blockedImages is not allowed in a " +
    "DeleteImageSetConfiguration: it applies to mirroring only",
  "unknown-field.yaml":
    "unknown-field.yaml:6:5: mirror.platform.chanels is not a known field: did you mean " +
    '"channels"? (allowed: graph, channels, architectures, platforms, release, kubeVirtContainer)',
  "v2-storage-config.yaml": "v2-storage-config.yaml:4:1: storageConfig exists only in " +
    "mirror.openshift.io/v1alpha2 (this file is mirror.openshift.io/v2alpha1): oc-mirror v2 keeps no " +
    "metadata, remove it",
  "v1-target-repo.yaml": "v1-target-repo.yaml:7:7: mirror.additionalImages[0].targetRepo exists only in " +
    "mirror.openshift.io/v2alpha1 (this file is mirror.openshift.io/v1alpha2): set apiVersion: " +
    "mirror.openshift.io/v2alpha1 to use it",
  "v1-platform-release.yaml": "v1-platform-release.yaml:6:5: mirror.platform.release exists only in " +
    "mirror.openshift.io/v2alpha1 (this file is mirror.openshift.io/v1alpha2): set apiVersion: " +
    "mirror.openshift.io/v2alpha1 to use it",
  "v2-min-bundle.yaml": "v2-min-bundle.yaml:9:11: mirror.operators[0].packages[0].minBundle exists only in " +
    "mirror.openshift.io/v1alpha2 (this file is mirror.openshift.io/v2alpha1): use minVersion",
  "bundles-removed.yaml":
    "bundles-removed.yaml:9:11: mirror.operators[0].packages[0].bundles was removed in " +
    "oc-mirror 4.18: select bundles with minVersion and maxVersion",
  "release-version-not-semver.yaml":
    "release-version-not-semver.yaml:8:21: mirror.platform.channels[0].minVersion " +
    '"4.14" is not a version (want X.Y.Z)',
  "release-min-above-max.yaml": "release-min-above-max.yaml:8:21: mirror.platform.channels[0].minVersion " +
    '"4.18.10" is greater than maxVersion "4.18.2": no version can match',
  "release-channel-twice.yaml":
    'release-channel-twice.yaml:9:15: mirror.platform.channels[1].name "stable-4.18" ' +
    "is listed twice (first at line 7)",
  "release-channel-type.yaml":
    'release-channel-type.yaml:8:15: mirror.platform.channels[0].type "ocd" is not a ' +
    'release type: did you mean "ocp"? (want ocp or okd)',
  "release-channel-no-name.yaml":
    "release-channel-no-name.yaml:7:9: mirror.platform.channels[0].name is required",
  "release-invalid-reference.yaml": "release-invalid-reference.yaml:6:14: mirror.platform.release " +
    '"quay.io/openshift-release-dev/ocp-release:4.18.1:x86_64" has an invalid path component ' +
    '"ocp-release:4.18.1": want lower-case letters, digits and single separators (. _ __ -)',
  "architecture-unknown.yaml":
    'architecture-unknown.yaml:7:9: mirror.platform.architectures[0] "x86_64" is not ' +
    'an architecture: did you mean "amd64"? (want amd64, arm64, ppc64le, s390x or multi)',
  "architectures-not-a-list.yaml":
    'architectures-not-a-list.yaml:6:20: mirror.platform.architectures "amd64" is not a list',
  "platforms-with-architectures.yaml":
    "platforms-with-architectures.yaml:9:7: mirror.platform.platforms cannot " +
    "be combined with mirror.platform.architectures: keep platforms (architectures is deprecated)",
  "platform-empty-os.yaml":
    "platform-empty-os.yaml:8:15: mirror.additionalImages[0].platforms[0].os is empty",
  "graph-not-boolean.yaml": 'graph-not-boolean.yaml:6:12: mirror.platform.graph "yes" is not true or false',
  "archive-size-invalid.yaml":
    "archive-size-invalid.yaml:4:14: archiveSize 1.5 is not a positive whole number " +
    "of GiB (want e.g. 4)",
  "catalog-twice.yaml": 'catalog-twice.yaml:9:16: mirror.operators[1].catalog "registry.redhat.io/redhat/' +
    'redhat-operator-index:v4.18" is listed twice (first at line 6): set targetCatalog or targetTag to tell ' +
    "them apart",
  "catalog-same-unique-name.yaml":
    'catalog-same-unique-name.yaml:8:16: mirror.operators[1].catalog "registry.' +
    'redhat.io/redhat/redhat-operator-index:v4.18" would be mirrored as "registry.redhat.io/redhat/' +
    'redhat-operator-index:filtered" like mirror.operators[0] (line 6): set targetCatalog or targetTag to tell ' +
    "them apart",
  "catalog-invalid-reference.yaml": "catalog-invalid-reference.yaml:6:16: mirror.operators[0].catalog " +
    '"registry.redhat.io/redhat/Redhat-Operator-Index:v4.18" has an invalid path component ' +
    '"Redhat-Operator-Index": repository names must be lower case',
  "catalog-missing.yaml": "catalog-missing.yaml:6:7: mirror.operators[0].catalog is required",
  "target-catalog-with-tag.yaml": "target-catalog-with-tag.yaml:7:22: mirror.operators[0].targetCatalog " +
    '"my-org/redhat-operator-index:v4.18" is not a repository path: remove the tag or digest',
  "target-repo-invalid.yaml":
    'target-repo-invalid.yaml:7:19: mirror.additionalImages[0].targetRepo "Base/UBI" ' +
    "is not a repository path (want lower-case letters and digits with . _ __ - separators, in components " +
    "separated by /, without registry, tag or digest)",
  "package-twice.yaml":
    'package-twice.yaml:10:17: mirror.operators[0].packages[2].name "serverless-operator" ' +
    "is listed twice in this catalog (first at line 8)",
  "operator-channel-twice.yaml": "operator-channel-twice.yaml:11:21: " +
    'mirror.operators[0].packages[0].channels[1].name "stable" is listed twice in this package (first at line 10)',
  "operator-version-invalid.yaml": "operator-version-invalid.yaml:9:23: " +
    'mirror.operators[0].packages[0].minVersion "latest" is not a version (want X.Y.Z)',
  "operator-min-above-max.yaml": "operator-min-above-max.yaml:11:27: " +
    'mirror.operators[0].packages[0].channels[0].minVersion "1.35.0" is greater than maxVersion "1.33.2": ' +
    "no version can match",
  "package-and-channel-ranges.yaml": "package-and-channel-ranges.yaml:9:23: " +
    "mirror.operators[0].packages[0].maxVersion cannot be combined with channel versions " +
    "(mirror.operators[0].packages[0].channels[0] sets minVersion): set versions on the package or on its " +
    "channels",
  "full-with-range.yaml":
    "full-with-range.yaml:10:23: mirror.operators[0].packages[0].minVersion cannot be " +
    "used with full: true (mirror.operators[0].full): full selects every version, remove one of them",
  "default-channel-not-listed.yaml": "default-channel-not-listed.yaml:9:27: " +
    'mirror.operators[0].packages[0].defaultChannel "stable" is not one of the package\'s channels ' +
    "(stable-5.8): add it to channels, else it is filtered out",
  "v1-min-version-and-min-bundle.yaml": "v1-min-version-and-min-bundle.yaml:10:22: " +
    "mirror.operators[0].packages[0].minBundle cannot be combined with minVersion: use one of them",
  "v1-storage-config-both.yaml":
    "v1-storage-config-both.yaml:8:5: storageConfig.registry cannot be combined " +
    "with storageConfig.local: keep the metadata in one place",
  "additional-image-invalid.yaml": "additional-image-invalid.yaml:6:13: mirror.additionalImages[0].name " +
    '"registry.redhat.io/ubi9/ubi:-latest" has an invalid tag "-latest": want up to 128 letters, digits, ' +
    "_ . -, not starting with . or -",
  "blocked-image-bad-regexp.yaml": "blocked-image-bad-regexp.yaml:8:13: mirror.blockedImages[0].name " +
    '"registry.example.com/(unwanted" is not a valid regular expression: unterminated group',
  "blocked-image-lookahead.yaml": "blocked-image-lookahead.yaml:8:13: mirror.blockedImages[0].name " +
    '"^quay.io/(?!openshift)" is not a valid regular expression: lookaround (?! is not supported by Go ' +
    "regular expressions",
  "helm-url-invalid.yaml": "helm-url-invalid.yaml:8:14: mirror.helm.repositories[0].url " +
    '"stefanprodan.github.io/podinfo" is not an http:// or https:// URL',
  "helm-local-without-path.yaml": "helm-local-without-path.yaml:8:14: mirror.helm.local[0].path is empty",
  "several-problems.yaml": [
    'several-problems.yaml:4:14: archiveSize "big" is not a whole number of GiB (want e.g. 4)',
    'several-problems.yaml:7:21: mirror.platform.architectures[0] "x86_64" is not an architecture: did you ' +
    'mean "amd64"? (want amd64, arm64, ppc64le, s390x or multi)',
    'several-problems.yaml:10:21: mirror.platform.channels[0].minVersion "4.14" is not a version (want X.Y.Z)',
    'several-problems.yaml:12:15: mirror.platform.channels[1].name "stable-4.14" is listed twice ' +
    "(first at line 9)",
    "several-problems.yaml:17:23: mirror.operators[0].packages[0].minVersion cannot be combined with channel " +
    "versions (mirror.operators[0].packages[0].channels[0] sets maxVersion): set versions on the package or " +
    "on its channels",
    'several-problems.yaml:21:17: mirror.operators[0].packages[1].name "foo" is listed twice in this catalog ' +
    "(first at line 16)",
    "several-problems.yaml:24:7: mirror.additionalImages[0].targetrepository is not a known field: did you " +
    'mean "targetRepo"? (allowed: name, targetRepo, targetTag, platforms)',
    'several-problems.yaml:26:13: mirror.blockedImages[0].name "(abc" is not a valid regular expression: ' +
    "unterminated group",
    "several-problems.yaml:27:1: storageConfig exists only in mirror.openshift.io/v1alpha2 (this file is " +
    "mirror.openshift.io/v2alpha1): oc-mirror v2 keeps no metadata, remove it",
  ].join("\n"),
};

Deno.test("every invalid fixture has an expected message, and there are at least 25", () => {
  const files = [...Deno.readDirSync(new URL("invalid/", FIXTURES))].map((e) => e.name).sort();
  assert.deepEqual(files, Object.keys(INVALID).sort());
  assert.ok(files.length >= 25);
});

for (const [name, expected] of Object.entries(INVALID)) {
  Deno.test(`loadConfig() rejects ${name} at the exact position`, () => {
    const e = configErrorOf(fixture("invalid", name), name);
    assert.equal(e.message, expected);
    const errors = e.problems.filter((p) => p.severity === "error");
    assert.deepEqual(errors.map(formatConfigProblem), expected.split("\n"));
    const first = errors[0];
    assert.ok(first !== undefined);
    assert.deepEqual([e.file, e.line, e.column, e.path], [first.file, first.line, first.column, first.path]);
  });
}

Deno.test("loadConfig() reports all problems of a file at once, warnings included", () => {
  const e = configErrorOf(fixture("invalid", "several-problems.yaml"), "several-problems.yaml");
  assert.equal(e.problems.filter((p) => p.severity === "error").length, 9);
  const warnings = e.problems.filter((p) => p.severity === "warning");
  assert.deepEqual(warnings, [{
    file: "several-problems.yaml",
    line: 11,
    column: 9,
    path: "mirror.platform.channels[0].maxVersion",
    message: 'mirror.platform.channels[0].maxversion is accepted as "maxVersion": write "maxVersion", the ' +
      "documented spelling",
    severity: "warning",
  }]);
  // The problems come in file order.
  const lines = e.problems.map((p) => p.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
});

Deno.test("loadConfig() names the path of every problem", () => {
  const e = configErrorOf(fixture("invalid", "release-version-not-semver.yaml"), "isc.yaml");
  assert.deepEqual(e.problems, [{
    file: "isc.yaml",
    line: 8,
    column: 21,
    path: "mirror.platform.channels[0].minVersion",
    message: 'mirror.platform.channels[0].minVersion "4.14" is not a version (want X.Y.Z)',
    severity: "error",
  }]);
});

// ---------------------------------------------------------------------------------------------------
// Keys, kinds and API versions.

const HEAD = "apiVersion: mirror.openshift.io/v2alpha1\nkind: ImageSetConfiguration\n";

Deno.test("loadConfig() accepts keys spelt in another case with a warning naming the canonical spelling", () => {
  const loaded = loadConfig(
    "APIVersion: mirror.openshift.io/v2alpha1\nKind: ImageSetConfiguration\nMirror:\n  additionalimages:\n" +
      "    - Name: registry.redhat.io/ubi9/ubi:latest\n      TARGETTAG: v9\n",
    { file: "isc.yaml" },
  );
  assert.deepEqual(loaded.config.kind === "ImageSetConfiguration" && loaded.config.mirror.additionalImages, [{
    name: "registry.redhat.io/ubi9/ubi:latest",
    reference: { registry: "registry.redhat.io", repository: "ubi9/ubi", tag: "latest" },
    targetTag: "v9",
  }]);
  assert.deepEqual(loaded.warnings.map(formatConfigProblem), [
    'isc.yaml:1:1: APIVersion is accepted as "apiVersion": write "apiVersion", the documented spelling',
    'isc.yaml:2:1: Kind is accepted as "kind": write "kind", the documented spelling',
    'isc.yaml:3:1: Mirror is accepted as "mirror": write "mirror", the documented spelling',
    'isc.yaml:4:3: mirror.additionalimages is accepted as "additionalImages": write "additionalImages", the ' +
    "documented spelling",
    'isc.yaml:5:7: mirror.additionalImages[0].Name is accepted as "name": write "name", the documented spelling',
    'isc.yaml:6:7: mirror.additionalImages[0].TARGETTAG is accepted as "targetTag": write "targetTag", the ' +
    "documented spelling",
  ]);
});

Deno.test("loadConfig() rejects a key given twice in different cases", () => {
  const e = configErrorOf(
    `${HEAD}mirror:\n  platform:\n    channels:\n      - name: stable-4.18\n        maxVersion: 4.18.2\n` +
      "        maxversion: 4.18.3\n",
    "isc.yaml",
  );
  assert.equal(
    e.message,
    "isc.yaml:8:9: mirror.platform.channels[0].maxVersion is given twice (first at line 7)",
  );
});

Deno.test("loadConfig() suggests the closest field for an unknown key and lists the allowed ones", () => {
  const e = configErrorOf(
    `${HEAD}mirror:\n  operators:\n    - catalog: registry.redhat.io/redhat/redhat-operator-index:v4.18\n` +
      "      packages:\n        - name: foo\n          minversoin: 1.0.0\n        - name: bar\n          nmae: x\n",
    "isc.yaml",
  );
  assert.equal(
    e.message,
    [
      'isc.yaml:8:11: mirror.operators[0].packages[0].minversoin is not a known field: did you mean "minVersion"? ' +
      "(allowed: name, defaultChannel, minVersion, maxVersion, channels)",
      'isc.yaml:10:11: mirror.operators[0].packages[1].nmae is not a known field: did you mean "name"? ' +
      "(allowed: name, defaultChannel, minVersion, maxVersion, channels)",
    ].join("\n"),
  );
});

Deno.test("loadConfig() without a suggestion still lists the allowed keys", () => {
  const e = configErrorOf(`${HEAD}metadata:\n  name: my-mirror\nmirror:\n  helm: {}\n`, "isc.yaml");
  assert.equal(
    e.message,
    "isc.yaml:3:1: metadata is not a known field (allowed: apiVersion, kind, archiveSize, mirror)",
  );
});

Deno.test("loadConfig() with a kind option rejects a file of the other kind", () => {
  const e = configErrorOf(fixture("valid", "v2-delete.yaml"), "disc.yaml", "ImageSetConfiguration");
  assert.equal(
    e.message,
    'disc.yaml:3:7: kind "DeleteImageSetConfiguration" cannot be used here (want ImageSetConfiguration)',
  );
  const loaded = loadConfig(fixture("valid", "v2-delete.yaml"), {
    file: "disc.yaml",
    kind: "DeleteImageSetConfiguration",
  });
  assert.equal(loaded.config.delete.platform.channels[0]?.name, "stable-4.17");
});

Deno.test("loadConfig() reads numbers written where text is wanted as their source text", () => {
  const loaded = loadConfig(
    `${HEAD}mirror:\n  additionalImages:\n    - name: quay.io/ns/app:1.10\n      targetTag: 1.10\n` +
      "  helm:\n    repositories:\n      - name: x\n        url: https://example.com/charts\n        charts:\n" +
      "          - name: c\n            version: 1.10\n",
    { file: "isc.yaml", kind: "ImageSetConfiguration" },
  );
  assert.equal(loaded.config.mirror.additionalImages[0]?.targetTag, "1.10");
  assert.equal(loaded.config.mirror.helm.repositories[0]?.charts[0]?.version, "1.10");
});

Deno.test("loadConfig() reports a mapping or list where the schema wants another shape", () => {
  const e = configErrorOf(
    `${HEAD}mirror:\n  platform:\n    - channels: []\n  additionalImages:\n    name: quay.io/a/b\n` +
      "  operators:\n    - catalog:\n        name: quay.io/a/b\n",
    "isc.yaml",
  );
  assert.equal(
    e.message,
    [
      "isc.yaml:5:5: mirror.platform is a list (want a mapping)",
      "isc.yaml:7:5: mirror.additionalImages is a mapping (want a list)",
      "isc.yaml:10:9: mirror.operators[0].catalog is a mapping (want text)",
    ].join("\n"),
  );
});

Deno.test("loadConfig() takes catalogs from registries and OCI layouts only", () => {
  const e = configErrorOf(
    `${HEAD}mirror:\n  operators:\n    - catalog: file:///srv/index\n    - catalog: oci://\n`,
    "isc.yaml",
  );
  assert.equal(
    e.message,
    [
      'isc.yaml:5:16: mirror.operators[0].catalog "file:///srv/index" must start with docker:// or oci://',
      'isc.yaml:6:16: mirror.operators[1].catalog "oci://" has no path',
    ].join("\n"),
  );
  const loaded = loadConfig(
    `${HEAD}mirror:\n  operators:\n    - catalog: docker://quay.io/a/index:v1\n    - catalog: oci://./index\n`,
    { file: "isc.yaml", kind: "ImageSetConfiguration" },
  );
  assert.deepEqual(loaded.config.mirror.operators.map((o) => o.catalogLocation), [
    { kind: "docker", reference: { registry: "quay.io", repository: "a/index", tag: "v1" } },
    { kind: "oci", path: "./index" },
  ]);
});

Deno.test("loadConfig() reports an unresolved alias and an empty list item", () => {
  const e = configErrorOf(`${HEAD}mirror:\n  additionalImages:\n    - name: *image\n    -\n`, "isc.yaml");
  assert.equal(
    e.message,
    [
      "isc.yaml:5:13: mirror.additionalImages[0].name uses alias *image that has no anchor",
      "isc.yaml:6:6: mirror.additionalImages[1] is empty",
    ].join("\n"),
  );
});

Deno.test("loadConfig() follows anchors and aliases", () => {
  const loaded = loadConfig(
    `${HEAD}mirror:\n  platform:\n    channels:\n      - &c418\n        name: stable-4.18\n` +
      "  additionalImages:\n    - name: &ubi registry.redhat.io/ubi9/ubi:latest\n  blockedImages:\n" +
      "    - name: *ubi\n",
    { file: "isc.yaml", kind: "ImageSetConfiguration" },
  );
  assert.equal(loaded.config.mirror.blockedImages[0]?.name, "registry.redhat.io/ubi9/ubi:latest");
});

Deno.test("loadConfig() warns when an ImageSetConfiguration lists nothing to mirror", () => {
  const loaded = loadConfig(`${HEAD}mirror:\n  platform:\n    architectures: [amd64]\n`, {
    file: "isc.yaml",
  });
  assert.deepEqual(loaded.warnings.map(formatConfigProblem), [
    "isc.yaml:4:3: mirror lists nothing to mirror (want platform, operators, additionalImages or helm)",
  ]);
  const empty = loadConfig(`${HEAD}mirror:\n`, { file: "isc.yaml" });
  assert.deepEqual(empty.warnings.map(formatConfigProblem), [
    "isc.yaml:3:8: mirror is empty: there is nothing to mirror",
  ]);
});

Deno.test("loadConfig() rejects a document that is not a mapping", () => {
  const e = configErrorOf("- apiVersion: mirror.openshift.io/v2alpha1\n", "isc.yaml");
  assert.equal(
    e.message,
    "isc.yaml:1:1: The document is not a mapping (want apiVersion, kind and mirror keys)",
  );
});

Deno.test("loadConfig() rejects a missing apiVersion and still checks the rest", () => {
  const e = configErrorOf(
    "kind: ImageSetConfiguration\nmirror:\n  additionalImages:\n    - name: UBI\n",
    "isc.yaml",
  );
  assert.equal(
    e.message,
    [
      "isc.yaml:1:1: apiVersion is required (want mirror.openshift.io/v2alpha1 or mirror.openshift.io/v1alpha2)",
      'isc.yaml:4:13: mirror.additionalImages[0].name "UBI" has an invalid path component "UBI": repository ' +
      "names must be lower case",
    ].join("\n"),
  );
});

Deno.test("loadConfig() reads apiVersion and kind written as other scalars or shapes", () => {
  const e = configErrorOf("apiVersion: 2\nkind: [ImageSetConfiguration]\nmirror: {}\n", "isc.yaml");
  assert.equal(
    e.message,
    [
      'isc.yaml:1:13: apiVersion "2" is not supported (want mirror.openshift.io/v2alpha1 or ' +
      "mirror.openshift.io/v1alpha2)",
      "isc.yaml:2:7: kind is a list (want text)",
    ].join("\n"),
  );
});

// ---------------------------------------------------------------------------------------------------
// Defaults.

Deno.test("loadConfig() defaults architectures to amd64 only when channels are set without platforms", () => {
  const arch = (platformYaml: string) => {
    const loaded = loadConfig(
      `${HEAD}mirror:\n  platform:\n${platformYaml}  additionalImages:\n    - name: a/b\n`,
      {
        file: "isc.yaml",
        kind: "ImageSetConfiguration",
      },
    );
    return loaded.config.mirror.platform.architectures;
  };
  assert.deepEqual(arch("    channels:\n      - name: stable-4.18\n"), ["amd64"]);
  assert.deepEqual(arch("    architectures: []\n    channels:\n      - name: stable-4.18\n"), ["amd64"]);
  assert.deepEqual(arch("    architectures: [arm64, s390x]\n    channels:\n      - name: stable-4.18\n"), [
    "arm64",
    "s390x",
  ]);
  assert.deepEqual(
    arch("    platforms:\n      - os: linux\n        architecture: arm64\n    channels:\n      - name: s\n"),
    [],
  );
  assert.deepEqual(arch("    graph: true\n"), []);
});

Deno.test("loadConfig() keeps archiveSize undefined when not written (consumers default it to 500)", () => {
  const loaded = loadConfig(fixture("valid", "v2-single-channel.yaml"), {
    file: "isc.yaml",
    kind: "ImageSetConfiguration",
  });
  assert.equal("archiveSize" in loaded.config, false);
});

// ---------------------------------------------------------------------------------------------------
// Positions for later stages.

Deno.test("LoadedConfig.positionOf() and problemAt() point at values by their canonical path", () => {
  const loaded = loadValid("v1-storage-config-registry.yaml");
  assert.deepEqual(loaded.positionOf(["mirror", "platform", "channels", 0, "name"]), {
    line: 11,
    column: 15,
  });
  // written as "maxversion", found by its canonical spelling
  assert.deepEqual(loaded.positionOf(["mirror", "platform", "channels", 0, "maxVersion"]), {
    line: 13,
    column: 21,
  });
  assert.deepEqual(loaded.positionOf(["mirror", "platform", "channels", 0]), { line: 11, column: 9 });
  assert.equal(loaded.positionOf(["mirror", "platform", "channels", 0, "type"]), undefined);
  assert.equal(loaded.positionOf(["mirror", "operators"]), undefined);
  const problem = loaded.problemAt(
    ["mirror", "platform", "channels", 0, "name"],
    '"stable-4.14" has no releases',
  );
  assert.equal(
    formatConfigProblem(problem),
    'v1-storage-config-registry.yaml:11:15: mirror.platform.channels[0].name "stable-4.14" has no releases',
  );
  assert.equal(problem.severity, "error");
  // an unwritten value is reported at its closest written ancestor
  const fallback = loaded.problemAt(["mirror", "platform", "channels", 0, "type"], "is wrong", "warning");
  assert.deepEqual([fallback.line, fallback.column, fallback.severity], [11, 9, "warning"]);
});

// ---------------------------------------------------------------------------------------------------
// Files.

Deno.test("loadConfigFile() reads a file and names it as given", async () => {
  const path = new URL("valid/v2-helm.yaml", FIXTURES).pathname;
  const loaded = await loadConfigFile(path, { kind: "ImageSetConfiguration" });
  assert.equal(loaded.file, path);
  assert.equal(loaded.config.mirror.helm.repositories.length, 2);
  const named = await loadConfigFile(path, { file: "helm.yaml" });
  assert.equal(named.file, "helm.yaml");
});

Deno.test("loadConfigFile() reports a missing file as a ConfigError naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(loadConfigFile(`${dir}/missing.yaml`, { file: "missing.yaml" }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, "missing.yaml: Cannot read the configuration file: it does not exist");
      return true;
    });
    await assert.rejects(loadConfigFile(dir, { file: "dir" }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, "dir: Cannot read the configuration file: it is not a regular file");
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfigFile() reports the file's problems with its name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/isc.yaml`, `${HEAD}mirror:\n  platform:\n    graph: 1\n`);
    await assert.rejects(loadConfigFile(`${dir}/isc.yaml`, { file: "isc.yaml" }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, "isc.yaml:5:12: mirror.platform.graph 1 is not true or false");
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
