/**
 * What the user asked the mirror command to do, after the CLI parsed and checked the flags: the mode,
 * locations and every option, as typed values. Workflows take this, never raw flags.
 * @module
 */
import type { FileLocation, RegistryLocation } from "../reference/mod.ts";

/** The three mirroring modes. */
export type MirrorMode = "mirrorToDisk" | "diskToMirror" | "mirrorToMirror";

/** Registry access settings shared by every store of a run. */
export interface RegistryAccess {
  /** `--authfile` or `$REGISTRY_AUTH_FILE`. */
  authFile?: string;
  srcTlsVerify: boolean;
  destTlsVerify: boolean;
  caFile?: string;
  registriesConfig?: string;
  /** @default 5 */
  retryTimes: number;
  /** 0 = exponential backoff. @default 0 */
  retryDelayMs: number;
  /** Concurrent requests per registry. @default 6 */
  maxPerRegistry: number;
}

/** A parsed mirror invocation. */
export interface MirrorRequest {
  mode: MirrorMode;
  /** The ImageSetConfiguration file. */
  configFile: string;
  /** Forced by `--v1`/`--v2`; otherwise chosen from the file's apiVersion. */
  engine?: "v1" | "v2";
  /** `file://DIR` for mirror-to-disk, `docker://REG[/ns]` otherwise. */
  destination: RegistryLocation | FileLocation;
  /** Archive directory (disk-to-mirror). */
  from?: string;
  /** Working directory (mirror-to-mirror). */
  workspace?: string;
  /** `--cache-dir` or `$OC_MIRROR_CACHE`; default the home directory. */
  cacheDir?: string;
  port: number;
  dryRun: boolean;
  dryRunManifestLists: boolean;
  /** `--since` (mirror-to-disk only). */
  since?: Date;
  strictArchive: boolean;
  maxNestedPaths: number;
  continueOnError: boolean;
  removeSignatures: boolean;
  ignoreReleaseSignature: boolean;
  includeConditionalEdges: boolean;
  resolveDependencies: boolean;
  parallelImages: number;
  parallelLayers: number;
  imageTimeoutMs: number;
  registry: RegistryAccess;
  /** v1-only switches. */
  v1: {
    skipPruning: boolean;
    skipMetadataCheck: boolean;
    ignoreHistory: boolean;
    manifestsOnly: boolean;
    skipMissing: boolean;
  };
}
