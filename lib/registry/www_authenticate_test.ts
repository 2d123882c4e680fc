import assert from "node:assert/strict";
import { parseWwwAuthenticate, pickChallenge } from "./www_authenticate.ts";

Deno.test("parseWwwAuthenticate reads a Bearer challenge with quoted parameters", () => {
  const c = parseWwwAuthenticate(
    'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"',
  );
  assert.deepEqual(c, [{
    scheme: "bearer",
    params: {
      realm: "https://auth.example.com/token",
      service: "registry.example.com",
      scope: "repository:a/b:pull,push",
    },
  }]);
});

Deno.test("parseWwwAuthenticate splits several challenges and keeps escaped quotes", () => {
  const c = parseWwwAuthenticate(
    'Basic realm="a \\"b\\"", Bearer realm=https://x/token, error="insufficient_scope"',
  );
  assert.equal(c.length, 2);
  assert.deepEqual(c[0], { scheme: "basic", params: { realm: 'a "b"' } });
  assert.deepEqual(c[1], {
    scheme: "bearer",
    params: { realm: "https://x/token", error: "insufficient_scope" },
  });
});

Deno.test("pickChallenge prefers Bearer, then Basic, and ignores empty headers", () => {
  assert.equal(pickChallenge(parseWwwAuthenticate('Basic realm="r", Bearer realm="t"'))?.scheme, "bearer");
  assert.equal(pickChallenge(parseWwwAuthenticate('Basic realm="r"'))?.scheme, "basic");
  assert.equal(pickChallenge(parseWwwAuthenticate(null)), undefined);
  assert.equal(pickChallenge(parseWwwAuthenticate("Negotiate")), undefined);
});
