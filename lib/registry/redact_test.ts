import assert from "node:assert/strict";
import { redactUrl, SecretRedactor } from "./redact.ts";

Deno.test("SecretRedactor masks registered secrets and URL query strings", () => {
  const r = new SecretRedactor();
  r.add("hunter22", undefined, "", "abc");
  assert.equal(r.redact("password hunter22 twice hunter22"), "password *** twice ***");
  assert.equal(r.redact("abc stays: too short to be a secret"), "abc stays: too short to be a secret");
  assert.equal(
    r.redact(
      "error sending request for url (https://bucket.s3.amazonaws.com/blob?X-Amz-Signature=deadbeef&x=1)",
    ),
    "error sending request for url (https://bucket.s3.amazonaws.com/blob?…)",
  );
});

Deno.test("SecretRedactor.sanitizeError keeps name, code and the cause chain, masked", () => {
  const r = new SecretRedactor();
  r.add("tok-secret");
  const inner = Object.assign(new Error("inner tok-secret"), { code: "ECONNRESET" });
  const outer = new TypeError("fetch failed with tok-secret", { cause: inner });
  const safe = r.sanitizeError(outer);
  assert.equal(safe.name, "TypeError");
  assert.equal(safe.message, "fetch failed with ***");
  assert.ok(safe.cause instanceof Error);
  assert.equal(safe.cause.message, "inner ***");
  assert.equal((safe.cause as { code?: string }).code, "ECONNRESET");
  assert.equal(r.sanitizeError("plain tok-secret").message, "plain ***");
});

Deno.test("redactUrl drops user info, query and fragment", () => {
  assert.equal(redactUrl("https://user:pw@auth.io/token?scope=x#f"), "https://auth.io/token?…");
  assert.equal(redactUrl("http://h:5000/v2/"), "http://h:5000/v2/");
  assert.equal(redactUrl("not a url"), "<invalid URL>");
});
