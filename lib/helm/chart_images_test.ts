import assert from "node:assert/strict";
import { appChart, chartTgz, chartYaml, helpersTpl, writeChartDir } from "./_test_charts.ts";
import { collectChartImages } from "./chart_images.ts";
import { loadChart } from "./chart_loader.ts";
import { renderChart } from "./chart_renderer.ts";

const DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Deno.test("collectChartImages() renders a chart with a sub-chart tgz and finds both images", async () => {
  const sub = await chartTgz(
    "cache",
    appChart("cache", "1.0.0", 'image:\n  repository: docker.io/library/redis\n  tag: "7.2"\n'),
  );
  const bytes = await chartTgz("web", {
    ...appChart(
      "web",
      "2.0.0",
      "image:\n  repository: quay.io/example/web\n  tag: v2\ninitImage: quay.io/example/init:1.0\n",
      "dependencies:\n- name: cache\n  version: 1.x\n",
    ),
    "charts/cache-1.0.0.tgz": sub,
  });
  const chart = await loadChart(bytes, { source: "web-2.0.0.tgz" });
  const { images, warnings } = await collectChartImages(chart);
  assert.deepEqual(images, [
    "docker.io/library/redis:7.2",
    "quay.io/example/init:1.0",
    "quay.io/example/web:v2",
  ]);
  assert.deepEqual(warnings, []);
});

Deno.test("collectChartImages() finds images of aliased sub-charts under the alias' values", async () => {
  const worker = await chartTgz(
    "worker",
    appChart("worker", "0.3.0", "image:\n  repository: quay.io/example/worker\n  tag: default\n"),
  );
  const bytes = await chartTgz("suite", {
    "Chart.yaml": chartYaml(
      "suite",
      "1.0.0",
      "dependencies:\n- name: worker\n  version: 0.3.0\n  alias: backend\n- name: worker\n  version: 0.3.0\n  alias: frontend\n",
    ),
    "values.yaml":
      "backend:\n  image:\n    tag: be-1\nfrontend:\n  image:\n    repository: quay.io/example/ui\n    tag: fe-1\n",
    "charts/worker-0.3.0.tgz": worker,
  });
  const chart = await loadChart(bytes);
  const result = renderChart(chart);
  assert.deepEqual(result.manifests.map((m) => m.name).sort(), [
    "suite/charts/backend/templates/deployment.yaml",
    "suite/charts/frontend/templates/deployment.yaml",
  ]);
  const backend = result.manifests.find((m) => m.name.includes("backend"))?.content ?? "";
  assert.match(backend, /name: release-name-backend\n/);
  const { images } = await collectChartImages(chart);
  assert.deepEqual(images, ["quay.io/example/ui:fe-1", "quay.io/example/worker:be-1"]);
});

Deno.test("collectChartImages() leaves out dependencies disabled by condition or tags", async () => {
  const db = await chartTgz(
    "db",
    appChart("db", "1.0.0", 'image:\n  repository: quay.io/example/db\n  tag: "1"\n'),
  );
  const metrics = await chartTgz(
    "metrics",
    appChart("metrics", "1.0.0", 'image:\n  repository: quay.io/example/metrics\n  tag: "1"\n'),
  );
  const files = {
    ...appChart(
      "app",
      "1.0.0",
      'image:\n  repository: quay.io/example/app\n  tag: "1"\ndb:\n  enabled: false\ntags:\n  monitoring: false\n',
      "dependencies:\n- name: db\n  version: 1.0.0\n  condition: db.enabled,global.db.enabled\n- name: metrics\n  version: 1.0.0\n  tags: [monitoring]\n",
    ),
    "charts/db-1.0.0.tgz": db,
    "charts/metrics-1.0.0.tgz": metrics,
  };
  const chart = await loadChart(await chartTgz("app", files));
  assert.deepEqual((await collectChartImages(chart)).images, ["quay.io/example/app:1"]);

  // The same dependencies enabled through a values file.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/on.yaml`, "db:\n  enabled: true\ntags:\n  monitoring: true\n");
    const { images } = await collectChartImages(chart, { valuesFiles: [`${dir}/on.yaml`] });
    assert.deepEqual(images, ["quay.io/example/app:1", "quay.io/example/db:1", "quay.io/example/metrics:1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectChartImages() reads images from env values only through imagePaths", async () => {
  const files = appChart(
    "operator",
    "0.3.0",
    "image:\n  repository: quay.io/example/operator\n  tag: v0.3.0\nenv:\n  OPERAND_IMAGE: quay.io/example/operand@" +
      DIGEST +
      '\n  LOG_LEVEL: info\n  ENABLED: "true"\n  DB_ADDRESS: redis:6379\n',
  );
  const chart = await loadChart(await chartTgz("operator", files));
  assert.deepEqual((await collectChartImages(chart)).images, ["quay.io/example/operator:v0.3.0"]);
  const { images } = await collectChartImages(chart, {
    imagePaths: ["{.spec.template.spec.containers[*].env[*].value}"],
  });
  assert.deepEqual(images, [`quay.io/example/operand@${DIGEST}`, "quay.io/example/operator:v0.3.0"]);
});

Deno.test("collectChartImages() keeps digest-pinned images and CronJob and Pod images", async () => {
  const files = {
    ...appChart("pinned", "1.0.0", `image:\n  repository: quay.io/example/pinned\n  digest: "${DIGEST}"\n`),
    "templates/cronjob.yaml": `apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: cleanup
            image: quay.io/example/cleanup:1.0@${DIGEST}
---
apiVersion: v1
kind: Pod
metadata:
  name: test
spec:
  containers:
  - name: t
    image: {{ printf "%s:%s" "busybox" "1.36" }}
`,
  };
  const chart = await loadChart(await chartTgz("pinned", files));
  const { images } = await collectChartImages(chart);
  assert.deepEqual(images, [
    "busybox:1.36",
    `quay.io/example/cleanup:1.0@${DIGEST}`,
    `quay.io/example/pinned@${DIGEST}`,
  ]);
});

Deno.test("collectChartImages() falls back to scanning values and templates when `required` fails", async () => {
  const files = {
    "Chart.yaml": chartYaml("strict", "1.4.0"),
    "values.yaml":
      'image:\n  repository: quay.io/example/strict\n  tag: ""\nsidecar:\n  image: quay.io/example/sidecar:2.0\n',
    "templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: strict
spec:
  template:
    spec:
      containers:
      - name: main
        image: {{ .Values.image.repository }}:{{ required "image.tag is required" .Values.image.tag }}
      - name: helper
        image: quay.io/example/helper:3.1
`,
    "templates/service.yaml":
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: quay.io/example/pod:1\n",
  };
  const chart = await loadChart(await chartTgz("strict", files));
  const { images, warnings } = await collectChartImages(chart);
  assert.deepEqual(images, [
    "quay.io/example/helper:3.1",
    "quay.io/example/pod:1",
    "quay.io/example/sidecar:2.0",
    "quay.io/example/strict:1.4.0",
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /^Chart "strict" version "1\.4\.0": 1 template could not be rendered/);
  assert.match(
    warnings[0] ?? "",
    /"strict\/templates\/deployment\.yaml:10" failed: error calling required: image\.tag is required/,
  );
  assert.match(warnings[0] ?? "", /values and template text instead/);

  // With the value supplied by a values file, the chart renders and the scan is not needed.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/tag.yaml`, 'image:\n  tag: "9.9"\n');
    const fixed = await collectChartImages(chart, { valuesFiles: [`${dir}/tag.yaml`] });
    assert.deepEqual(fixed.images, [
      "quay.io/example/helper:3.1",
      "quay.io/example/pod:1",
      "quay.io/example/strict:9.9",
    ]);
    assert.deepEqual(fixed.warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectChartImages() uses a library chart's definitions but never renders its templates", async () => {
  const lib = await chartTgz("common", {
    "Chart.yaml": chartYaml("common", "2.0.0", "type: library\n"),
    "values.yaml": 'image:\n  repository: quay.io/example/never\n  tag: "1"\n',
    "templates/_images.tpl": '{{- define "common.image" -}}{{ .repository }}:{{ .tag }}{{- end }}',
    "templates/pod.yaml":
      "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: quay.io/example/library-pod:1\n",
  });
  const files = {
    "Chart.yaml": chartYaml("user", "1.0.0", "dependencies:\n- name: common\n  version: ^2\n"),
    "values.yaml": 'image:\n  repository: quay.io/example/user\n  tag: "5"\n',
    "templates/pod.yaml":
      'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: {{ include "common.image" .Values.image }}\n',
    "charts/common-2.0.0.tgz": lib,
  };
  const chart = await loadChart(await chartTgz("user", files));
  assert.deepEqual((await collectChartImages(chart)).images, ["quay.io/example/user:5"]);

  const library = await loadChart(lib);
  const own = await collectChartImages(library);
  assert.deepEqual(own.images, []);
  assert.match(own.warnings[0] ?? "", /library chart/);
});

Deno.test("collectChartImages() lets later values files override an image", async () => {
  const chart = await loadChart(
    await chartTgz(
      "web",
      appChart("web", "1.0.0", 'image:\n  repository: quay.io/example/web\n  tag: "1"\n'),
    ),
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      'image:\n  repository: registry.example.com/mirror/web\n  tag: "2"\n',
    );
    await Deno.writeTextFile(`${dir}/b.yaml`, 'image:\n  tag: "3"\nglobal:\n  imageRegistry: null\n');
    const { images } = await collectChartImages(chart, { valuesFiles: [`${dir}/a.yaml`, `${dir}/b.yaml`] });
    assert.deepEqual(images, ["registry.example.com/mirror/web:3"]);
    await assert.rejects(
      collectChartImages(chart, { valuesFiles: [`${dir}/missing.yaml`] }),
      (e: Error) => /^Values file ".*missing\.yaml" for chart "web" cannot be read/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectChartImages() loads directory charts with sub-chart directories and global values", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeChartDir(`${dir}/platform`, {
      ...appChart(
        "platform",
        "3.0.0",
        'global:\n  imageRegistry: mirror.example.com\nimage:\n  repository: team/platform\n  tag: "3"\n',
      ),
      "charts/agent/Chart.yaml": chartYaml("agent", "0.1.0"),
      "charts/agent/values.yaml":
        'global: {}\nimage:\n  repository: team/agent\n  tag: "0.1"\nresources: {}\n',
      "charts/agent/templates/_helpers.tpl": helpersTpl("agent"),
      "charts/agent/templates/ds.yaml":
        'apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n      - image: {{ include "agent.image" . }}\n',
      "files/config.txt": "quay.io/example/from-file:1",
      "templates/pod.yaml":
        'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: {{ .Files.Get "files/config.txt" }}\n{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}\n  - image: quay.io/example/monitor:1\n{{- end }}\n',
    });
    const chart = await loadChart(`${dir}/platform`);
    const { images, warnings } = await collectChartImages(chart);
    assert.deepEqual(images, [
      "mirror.example.com/team/agent:0.1",
      "mirror.example.com/team/platform:3",
      "quay.io/example/from-file:1",
    ]);
    assert.deepEqual(warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectChartImages() rejects an invalid image path", async () => {
  const chart = await loadChart(
    await chartTgz("web", appChart("web", "1.0.0", "image:\n  repository: a/b\n  tag: c\n")),
  );
  await assert.rejects(
    collectChartImages(chart, { imagePaths: ["spec.containers"] }),
    (e: Error) =>
      e.message === 'Image path "spec.containers" is not a valid JSONPath: want an expression in braces',
  );
});

Deno.test("renderChart() renders like helm template: exact output of a scaffolded deployment", async () => {
  const chart = await loadChart(
    await chartTgz(
      "demo",
      appChart("demo", "0.1.0", 'image:\n  repository: nginx\n  tag: "1.25"\nenv:\n  B: "2"\n  A: x\n'),
    ),
  );
  const result = renderChart(chart);
  assert.deepEqual(result.failures, []);
  assert.equal(result.manifests.length, 1);
  assert.equal(
    result.manifests[0]?.content,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name-demo
  labels:
    helm.sh/chart: demo-0.1.0
    app.kubernetes.io/name: demo
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: demo
  template:
    metadata:
      labels:
        helm.sh/chart: demo-0.1.0
        app.kubernetes.io/name: demo
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      containers:
        - name: demo
          image: "nginx:1.25"
          imagePullPolicy: IfNotPresent
          env:
            - name: A
              value: "x"
            - name: B
              value: "2"
          resources:
            {}
`,
  );
});

Deno.test("renderChart() gives templates Helm's built-in objects", async () => {
  const chart = await loadChart(
    await chartTgz("objects", {
      "Chart.yaml": chartYaml("objects", "1.2.3", "description: demo\nannotations:\n  team: core\n"),
      "values.yaml": "greeting: hello {{ .Release.Name }}\n",
      "files/a.conf": "a=1\n",
      "files/b.conf": "b=2\n",
      "templates/cm.yaml": `name: {{ .Template.Name }}
base: {{ .Template.BasePath }}
release: {{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Service }}/{{ .Release.IsInstall }}/{{ .Release.Revision }}
chart: {{ .Chart.Name }}-{{ .Chart.Version }} {{ .Chart.Description }} {{ .Chart.Annotations.team }}
kube: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Minor }} {{ semverCompare ">=1.21-0" .Capabilities.KubeVersion.GitVersion }}
apps: {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}
tpl: {{ tpl .Values.greeting . }}
lookup: {{ lookup "v1" "ConfigMap" "ns" "x" | len }}
data:
{{ (.Files.Glob "files/*.conf").AsConfig | indent 2 }}
`,
    }),
  );
  const result = renderChart(chart, { releaseName: "rel", namespace: "ns1" });
  assert.deepEqual(result.failures, []);
  assert.equal(
    result.manifests[0]?.content,
    `name: objects/templates/cm.yaml
base: objects/templates
release: rel/ns1/Helm/true/1
chart: objects-1.2.3 demo core
kube: v1.31.0 31 true
apps: true false
tpl: hello rel
lookup: 0
data:
  a.conf: |
    a=1
  b.conf: |
    b=2
`,
  );
});

Deno.test("collectChartImages() fallback does not scan the values of disabled dependencies", async () => {
  const db = await chartTgz(
    "db",
    appChart("db", "1.0.0", 'image:\n  repository: quay.io/example/db\n  tag: "1"\n'),
  );
  const chart = await loadChart(
    await chartTgz("app", {
      "Chart.yaml": chartYaml(
        "app",
        "1.0.0",
        "dependencies:\n- name: db\n  version: 1.0.0\n  condition: db.enabled\n",
      ),
      "values.yaml":
        'image:\n  repository: quay.io/example/app\n  tag: "1"\ndb:\n  enabled: false\n  image:\n    tag: "2"\n',
      "templates/fail.yaml": '{{ fail "no" }}',
      "charts/db-1.0.0.tgz": db,
    }),
  );
  const { images, warnings } = await collectChartImages(chart);
  assert.deepEqual(images, ["quay.io/example/app:1"]);
  assert.equal(warnings.length, 1);
});
