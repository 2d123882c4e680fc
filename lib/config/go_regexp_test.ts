import assert from "node:assert/strict";
import { compileGoRegexp, GoRegexpError } from "./go_regexp.ts";

Deno.test("compileGoRegexp() keeps plain patterns and matches unanchored like Go's MatchString", () => {
  const re = compileGoRegexp("registry.example.com/unwanted/.*");
  assert.ok(re.test("mirror.local/registry.example.com/unwanted/app:1"));
  assert.ok(!re.test("registry.example.com/wanted/app"));
});

Deno.test("compileGoRegexp() translates what Go spells differently", () => {
  const cases: [string, string, string[], string[]][] = [
    ["(?P<repo>ubi[0-9])", "(?<repo>ubi[0-9])", ["ubi9"], ["ubix"]],
    ["(?i)alpine", "alpine", ["docker.io/library/ALPINE"], ["alpin"]],
    ["\\Aquay.io/\\z", "(?<![\\s\\S])quay.io\\/(?![\\s\\S])", ["quay.io/"], ["xquay.io/", "quay.io/x"]],
    ["\\Qa.b+c\\E", "a\\.b\\+c", ["a.b+c"], ["axbbc"]],
    ["[[:digit:]]+", "[0-9]+", ["v42"], ["vx"]],
    ["[]a]", "[\\]a]", ["]", "a"], ["b"]],
    ["\\x{41}\\101\\a", "\\u0041\\u0041\\x07", ["AA\x07"], ["AA"]],
  ];
  for (const [go, js, matching, other] of cases) {
    const re = compileGoRegexp(go);
    assert.equal(re.source, js, go);
    for (const s of matching) assert.ok(re.test(s), `${go} should match ${s}`);
    for (const s of other) assert.ok(!re.test(s), `${go} should not match ${s}`);
  }
  assert.equal(compileGoRegexp("(?i)alpine").flags, "i");
});

Deno.test("compileGoRegexp() rejects what Go rejects and what the translation does not support", () => {
  const cases: [string, string][] = [
    ["^quay.io/(?!openshift)", "lookaround (?! is not supported by Go regular expressions"],
    ["(?<=a)b", "lookaround (?<= is not supported by Go regular expressions"],
    ["(a)\\1", "backreference \\1 is not supported by Go regular expressions"],
    ["abc\\Z", "invalid escape \\Z"],
    ["a++", "possessive repetition is not supported by Go regular expressions"],
    ["(?U)a+", "ungreedy mode (?U) is not supported"],
    ["a(?i)b", "flags are only supported at the start of the expression"],
    ["a{1001}", "repeat count {1001} above 1000"],
    ["\\pL", "Unicode class \\p is not supported"],
    ["[[:word:][:nope:]]", "unknown class [:nope:]"],
    ["(abc", "unterminated group"],
    ["[abc", "missing closing ]"],
    ["abc\\", "trailing backslash at end of expression"],
  ];
  for (const [go, reason] of cases) {
    assert.throws(() => compileGoRegexp(go), (e: unknown) => {
      assert.ok(e instanceof GoRegexpError, go);
      assert.equal(e.reason, reason, go);
      assert.equal(e.message, `Regular expression "${go}" is invalid: ${reason}`);
      return true;
    });
  }
});
