/**
 * The built-in objects templates see: `.Chart` (Chart.yaml fields), `.Capabilities` (Kubernetes and Helm
 * versions, API versions), `.Files` (the chart's other files) as Go structs with methods.
 * @module
 */
import { type GoMap, GoStruct, isGoMap, mapSet } from "./_go_value.ts";
import { toYaml } from "./_yaml_values.ts";
import type { ChartFile, LoadedChart } from "./chart.ts";

/** `.Chart`: the chart's metadata with Go field names. */
export class ChartObject extends GoStruct {
  readonly goType = "*chart.Metadata";
  readonly Name: string;
  readonly Version: string;
  readonly AppVersion: string;
  readonly Description: string;
  readonly Type: string;
  readonly APIVersion: string;
  readonly KubeVersion: string;
  readonly Home: string;
  readonly Icon: string;
  readonly Condition: string;
  readonly Tags: string;
  readonly Deprecated: boolean;
  readonly Keywords: unknown;
  readonly Sources: unknown;
  readonly Maintainers: unknown;
  readonly Annotations: unknown;
  readonly Dependencies: unknown;

  constructor(chart: LoadedChart) {
    super();
    const m = chart.metadata;
    const raw = m.raw;
    const text = (k: string) => (typeof raw[k] === "string" ? raw[k] as string : "");
    this.Name = m.name;
    this.Version = m.version;
    this.AppVersion = m.appVersion;
    this.Description = m.description;
    this.Type = m.type;
    this.APIVersion = m.apiVersion;
    this.KubeVersion = m.kubeVersion;
    this.Home = text("home");
    this.Icon = text("icon");
    this.Condition = text("condition");
    this.Tags = text("tags");
    this.Deprecated = raw.deprecated === true;
    this.Keywords = Array.isArray(raw.keywords) ? raw.keywords : null;
    this.Sources = Array.isArray(raw.sources) ? raw.sources : null;
    this.Maintainers = Array.isArray(raw.maintainers) ? raw.maintainers : null;
    this.Annotations = isGoMap(raw.annotations) ? raw.annotations : null;
    this.Dependencies = m.dependencies.map((d) => {
      const out: GoMap = { name: d.name };
      if (d.version !== undefined) out.version = d.version;
      if (d.repository !== undefined) out.repository = d.repository;
      if (d.alias !== undefined) out.alias = d.alias;
      return out;
    });
  }
}

/** `.Capabilities.KubeVersion`. */
export class KubeVersionObject extends GoStruct {
  readonly goType = "*chartutil.KubeVersion";
  readonly Version: string;
  readonly Major: string;
  readonly Minor: string;
  constructor(version: string) {
    super();
    const m = /^v?(\d+)\.(\d+)/.exec(version);
    this.Version = version.startsWith("v") ? version : `v${version}`;
    this.Major = m?.[1] ?? "1";
    this.Minor = m?.[2] ?? "0";
  }
  /** The version, e.g. `v1.31.0`. */
  String(): string {
    return this.Version;
  }
  /** Deprecated alias of `Version`. */
  GitVersion(): string {
    return this.Version;
  }
}

/** `.Capabilities.HelmVersion`. */
export class HelmVersionObject extends GoStruct {
  readonly goType = "version.BuildInfo";
  readonly Version = "v3.16.0";
  readonly GitCommit = "";
  readonly GitTreeState = "";
  readonly GoVersion = "go1.22";
}

/** `.Capabilities`. */
export class CapabilitiesObject extends GoStruct {
  readonly goType = "*chartutil.Capabilities";
  readonly KubeVersion: KubeVersionObject;
  readonly APIVersions: string[];
  readonly HelmVersion = new HelmVersionObject();
  constructor(kubeVersion: string, apiVersions: readonly string[]) {
    super();
    this.KubeVersion = new KubeVersionObject(kubeVersion);
    const set = [...apiVersions];
    // A Go VersionSet is a []string with a Has method; ranging over it must still work.
    Object.defineProperty(set, "Has", {
      value: (v: unknown) => typeof v === "string" && set.includes(v),
      enumerable: false,
    });
    this.APIVersions = set;
  }
}

function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        re += ".*";
        i++;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "{") re += "(?:";
    else if (c === "}") re += ")";
    else if (c === "," && re.includes("(?:")) re += "|";
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** `.Files`: the chart's non-template files, readable by name. */
export class FilesObject extends GoStruct {
  readonly goType = "engine.files";
  readonly #files: ReadonlyMap<string, Uint8Array>;
  constructor(files: Iterable<ChartFile> | ReadonlyMap<string, Uint8Array>) {
    super();
    this.#files = files instanceof Map
      ? files
      : new Map([...(files as Iterable<ChartFile>)].map((f) => [f.name, f.data]));
  }
  /** The file's content as a string ("" when absent). */
  Get(name: unknown): string {
    const data = typeof name === "string" ? this.#files.get(name) : undefined;
    return data === undefined ? "" : new TextDecoder().decode(data);
  }
  /** The file's bytes (empty when absent). */
  GetBytes(name: unknown): Uint8Array {
    return (typeof name === "string" ? this.#files.get(name) : undefined) ?? new Uint8Array();
  }
  /** The files whose names match a glob (`*` stays within a directory, `**` does not). */
  Glob(pattern: unknown): FilesObject {
    const re = globToRegExp(String(pattern));
    return new FilesObject(new Map([...this.#files].filter(([n]) => re.test(n))));
  }
  /** The file's lines. */
  Lines(name: unknown): string[] {
    const s = this.Get(name);
    if (s === "") return [];
    return s.replace(/\n$/, "").split("\n");
  }
  /** The files as a ConfigMap `data` block: base name → content, as YAML. */
  AsConfig(): string {
    const m: GoMap = {};
    for (const [n, d] of this.#files) mapSet(m, n.slice(n.lastIndexOf("/") + 1), new TextDecoder().decode(d));
    return Object.keys(m).length === 0 ? "" : toYaml(m);
  }
  /** The files as a Secret `data` block: base name → base64 content, as YAML. */
  AsSecrets(): string {
    const m: GoMap = {};
    for (const [n, d] of this.#files) {
      let bin = "";
      for (const b of d) bin += String.fromCharCode(b);
      mapSet(m, n.slice(n.lastIndexOf("/") + 1), btoa(bin));
    }
    return Object.keys(m).length === 0 ? "" : toYaml(m);
  }
}
