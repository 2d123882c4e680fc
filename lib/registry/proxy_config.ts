/**
 * Which HTTP(S) proxy a request uses, decided from the run's environment (`HTTPS_PROXY`, `HTTP_PROXY`,
 * `NO_PROXY` and their lower-case forms) with Go's `httpproxy` rules, as the original tool does:
 * loopback hosts are never proxied; `NO_PROXY` takes `*`, host names (matching subdomains too; with
 * a leading `.` or `*.` subdomains only), `host:port`, IP addresses and CIDR ranges.
 * @see https://pkg.go.dev/golang.org/x/net/http/httpproxy#Config.ProxyFunc
 * @module
 */

/** Reads an environment variable (the run context's `env`). */
export type EnvReader = (name: string) => string | undefined;

function firstSet(env: EnvReader, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env(n);
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
}

/** True when the environment names any HTTP(S) proxy (so the process-level fetch may use one). */
export function envHasProxy(env: EnvReader): boolean {
  return firstSet(env, "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy") !== undefined;
}

/** True for `localhost`, `127.0.0.0/8` and `::1` host names (brackets and port already removed). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function parseIPv4(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) |
    (parts[3] as number)) >>> 0;
}

function matchesNoProxyEntry(entry: string, host: string, port: string): boolean {
  let e = entry.trim().toLowerCase();
  if (e === "") return false;
  if (e === "*") return true;
  // CIDR (IPv4 only; IPv6 ranges are rare in NO_PROXY and compared literally below).
  const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(e);
  if (cidr) {
    const net = parseIPv4(cidr[1] as string);
    const ip = parseIPv4(host);
    const bits = Number(cidr[2]);
    if (net === undefined || ip === undefined || bits > 32) return false;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (net & mask) === (ip & mask);
  }
  let entryPort = "";
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (bracketed) {
    e = bracketed[1] as string;
    entryPort = bracketed[2] ?? "";
  } else if (/^[^:]+:\d+$/.test(e)) {
    const colon = e.lastIndexOf(":");
    entryPort = e.slice(colon + 1);
    e = e.slice(0, colon);
  }
  if (entryPort !== "" && entryPort !== port) return false;
  if (e.startsWith("*.")) e = e.slice(1);
  if (e.startsWith(".")) return host.endsWith(e); // subdomains only
  return host === e || host.endsWith(`.${e}`);
}

/** True when `NO_PROXY` (or `no_proxy`) names the host of `url`. */
export function noProxyMatches(url: URL, env: EnvReader): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
  const noProxy = firstSet(env, "NO_PROXY", "no_proxy") ?? "";
  return noProxy.split(",").some((entry) => matchesNoProxyEntry(entry, host, port));
}

/** Returns the proxy URL to use for `url`, or undefined for a direct connection. */
export function proxyFor(url: URL, env: EnvReader): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopbackHost(host)) return undefined;
  const proxy = url.protocol === "https:"
    ? firstSet(env, "HTTPS_PROXY", "https_proxy")
    : firstSet(env, "HTTP_PROXY", "http_proxy");
  if (proxy === undefined) return undefined;
  if (noProxyMatches(url, env)) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
