import assert from "node:assert/strict";
import { envHasProxy, isLoopbackHost, noProxyMatches, proxyFor } from "./proxy_config.ts";

const env = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("proxyFor picks HTTPS_PROXY for https and HTTP_PROXY for http, adding a scheme", () => {
  const e = env({ HTTPS_PROXY: "proxy.corp:3128", http_proxy: "http://plain.corp:80" });
  assert.equal(proxyFor(new URL("https://quay.io/v2/"), e), "http://proxy.corp:3128");
  assert.equal(proxyFor(new URL("http://quay.io/v2/"), e), "http://plain.corp:80");
  assert.equal(proxyFor(new URL("https://quay.io/v2/"), env({})), undefined);
  assert.equal(envHasProxy(e), true);
  assert.equal(envHasProxy(env({ NO_PROXY: "x" })), false);
});

Deno.test("proxyFor never proxies loopback hosts", () => {
  const e = env({ HTTPS_PROXY: "http://p:1", HTTP_PROXY: "http://p:1" });
  for (
    const u of ["http://127.0.0.1:5000/", "https://localhost/", "http://[::1]:55000/", "http://127.1.2.3/"]
  ) {
    assert.equal(proxyFor(new URL(u), e), undefined, u);
  }
  assert.equal(isLoopbackHost("registry.localhost"), true);
  assert.equal(isLoopbackHost("10.0.0.1"), false);
});

Deno.test("NO_PROXY matches domains, subdomain-only dots, ports, IPs, CIDRs and *", () => {
  const cases: [string, string, boolean][] = [
    ["example.com", "https://example.com/", true],
    ["example.com", "https://reg.example.com/", true],
    [".example.com", "https://example.com/", false],
    [".example.com", "https://reg.example.com/", true],
    ["*.example.com", "https://reg.example.com/", true],
    ["example.com", "https://badexample.com/", false],
    ["reg.corp:5000", "https://reg.corp:5000/", true],
    ["reg.corp:5000", "https://reg.corp/", false],
    ["10.1.2.3", "http://10.1.2.3:8080/", true],
    ["10.0.0.0/8", "http://10.200.3.4/", true],
    ["10.0.0.0/8", "http://11.0.0.1/", false],
    ["*", "https://anything.io/", true],
    ["a.io, b.io", "https://b.io/", true],
  ];
  for (const [noProxy, u, want] of cases) {
    const e = env({ HTTPS_PROXY: "http://p:1", HTTP_PROXY: "http://p:1", NO_PROXY: noProxy });
    assert.equal(noProxyMatches(new URL(u), e), want, `${noProxy} vs ${u}`);
    assert.equal(proxyFor(new URL(u), e), want ? undefined : "http://p:1", `${noProxy} vs ${u}`);
  }
});
