/**
 * Platforms (`os`/`architecture`/`variant`) of index entries, and matching them against the platforms
 * a configuration asks for. Accepts the release-tag spellings (`x86_64`, `aarch64`) as aliases.
 * @module
 */

/** An image's platform as in the OCI index. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  "os.version"?: string;
  "os.features"?: string[];
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
};

/** Normalises an architecture name (`x86_64` → `amd64`, `aarch64` → `arm64`). */
export function normalizeArchitecture(arch: string): string {
  return ARCH_ALIASES[arch] ?? arch;
}

/** The architecture suffix OpenShift release tags use (`amd64` → `x86_64`, `arm64` → `aarch64`). */
export function releaseArchitecture(arch: string): string {
  const a = normalizeArchitecture(arch);
  if (a === "amd64") return "x86_64";
  if (a === "arm64") return "aarch64";
  return a;
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== "").join("/");
}

/**
 * True when `candidate` (from an index) satisfies `wanted` (from a configuration). A wanted platform with
 * no variant matches every variant; `os` and `architecture` must match after normalisation.
 */
export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os) return false;
  if (normalizeArchitecture(candidate.architecture) !== normalizeArchitecture(wanted.architecture)) {
    return false;
  }
  if (wanted.variant && candidate.variant && wanted.variant !== candidate.variant) return false;
  return true;
}
