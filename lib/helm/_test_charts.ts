/**
 * Charts built in tests: file maps packed into `.tgz` bytes, and templates like `helm create` writes.
 * @module
 */
import { packChartArchive } from "./_chart_archive.ts";

/** A chart's files by path relative to the chart directory; bytes for nested `.tgz` files. */
export type ChartFiles = Record<string, string | Uint8Array>;

/** Packs files into a chart archive whose top directory is `dir`. */
export async function chartTgz(dir: string, files: ChartFiles): Promise<Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const [name, body] of Object.entries(files)) {
    map.set(name, typeof body === "string" ? new TextEncoder().encode(body) : body);
  }
  return await packChartArchive(dir, map);
}

/** Writes files under a directory. */
export async function writeChartDir(dir: string, files: ChartFiles): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof body === "string") await Deno.writeTextFile(path, body);
    else await Deno.writeFile(path, body);
  }
}

/** `_helpers.tpl` as `helm create` writes it (trimmed to what the deployment uses). */
export function helpersTpl(chart: string): string {
  return `{{/*
Expand the name of the chart.
*/}}
{{- define "${chart}.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "${chart}.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "${chart}.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "${chart}.name" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "${chart}.image" -}}
{{- $registry := .Values.global.imageRegistry | default .Values.image.registry -}}
{{- if $registry }}{{ $registry }}/{{ end -}}
{{ .Values.image.repository }}
{{- if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{ end }}
{{- end }}
`;
}

/** A Deployment like `helm create` writes, with env values and an optional init container. */
export function deploymentYaml(chart: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "${chart}.fullname" . }}
  labels:
    {{- include "${chart}.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ include "${chart}.name" . }}
  template:
    metadata:
      labels:
        {{- include "${chart}.labels" . | nindent 8 }}
    spec:
      {{- with .Values.initImage }}
      initContainers:
        - name: init
          image: {{ . | quote }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ include "${chart}.image" . }}"
          imagePullPolicy: {{ .Values.image.pullPolicy | default "IfNotPresent" }}
          {{- with .Values.env }}
          env:
            {{- range $k, $v := . }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`;
}

/** `Chart.yaml` text. */
export function chartYaml(name: string, version: string, extra = ""): string {
  return `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "${version}"\n${extra}`;
}

/** A complete application chart whose image is `<repository>:<tag>`. */
export function appChart(name: string, version: string, values: string, extraChartYaml = ""): ChartFiles {
  return {
    "Chart.yaml": chartYaml(name, version, extraChartYaml),
    "values.yaml": `replicaCount: 1\n${
      /^global:/m.test(values) ? "" : "global: {}\n"
    }resources: {}\n${values}`,
    "templates/_helpers.tpl": helpersTpl(name),
    "templates/deployment.yaml": deploymentYaml(name),
    "templates/NOTES.txt":
      'Thanks for installing {{ .Chart.Name }} {{ required "never rendered" .Values.nope }}\n',
  };
}

/** A static HTTP server on 127.0.0.1 for repository tests; counts requests per path. */
export interface TestRepositoryServer extends AsyncDisposable {
  url: string;
  requests: Map<string, number>;
  /** Replaces or adds a file. */
  set(path: string, body: string | Uint8Array): void;
}

/** Serves `files` (path → body) on 127.0.0.1, port 0; `delayMs` paths answer late (timeouts). */
export function serveRepository(
  files: Record<string, string | Uint8Array>,
  options: { prefix?: string; delayMs?: Record<string, number> } = {},
): TestRepositoryServer {
  const content = new Map(Object.entries(files));
  const requests = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const delay = options.delayMs?.[path];
    if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
    const body = content.get(path);
    if (body === undefined) return new Response("not found", { status: 404 });
    return new Response(typeof body === "string" ? body : body as Uint8Array<ArrayBuffer>);
  });
  const url = `http://127.0.0.1:${server.addr.port}${options.prefix ?? ""}`;
  return {
    url,
    requests,
    set: (path, body) => content.set(path, body),
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
