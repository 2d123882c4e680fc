/**
 * The layout of `<workspace>/working-dir` (§3.4 of the reference), so every workflow names the same
 * folders. Archives carry only the parts disk-to-mirror needs (see {@link ARCHIVED_FOLDERS}).
 * @module
 */

/** Paths inside one working-dir. */
export interface WorkingDir {
  /** `<workspace>/working-dir` */
  root: string;
  history: string;
  logs: string;
  clusterResources: string;
  dryRun: string;
  delete: string;
  signatures: string;
  holdRelease: string;
  graphData: string;
  operatorCatalogs: string;
  helmCharts: string;
  helmIndexes: string;
  internal: string;
  /** Parsed catalogs by digest, to read a catalog once (not archived). */
  catalogCache: string;
  /** The run lock: one run per workspace. */
  lock: string;
}

/** The working-dir under a workspace directory. */
export function workingDir(workspace: string): WorkingDir {
  const root = `${workspace.replace(/\/+$/, "")}/working-dir`;
  return {
    root,
    history: `${root}/.history`,
    logs: `${root}/logs`,
    clusterResources: `${root}/cluster-resources`,
    dryRun: `${root}/dry-run`,
    delete: `${root}/delete`,
    signatures: `${root}/signatures`,
    holdRelease: `${root}/hold-release`,
    graphData: `${root}/hold-release/cincinnati-graph-data`,
    operatorCatalogs: `${root}/operator-catalogs`,
    helmCharts: `${root}/helm/charts`,
    helmIndexes: `${root}/helm/indexes`,
    internal: `${root}/internal`,
    catalogCache: `${root}/.catalog-cache`,
    lock: `${root}/.lock`,
  };
}

/** Folders of working-dir (relative) that mirror-to-disk puts in the archive for disk-to-mirror. */
export const ARCHIVED_FOLDERS = [
  "hold-release",
  "signatures",
  "operator-catalogs",
  "helm/charts",
  "helm/indexes",
  "internal",
];

/** `YYYYMMDD_HHMMSS` (UTC) as the original names log files. */
export function fileStamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${
    iso.slice(17, 19)
  }`;
}
