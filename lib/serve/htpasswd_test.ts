import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { UsageError } from "../errors.ts";
import { Htpasswd } from "./htpasswd.ts";

const hash = bcrypt.hashSync("right", 4);

Deno.test("Htpasswd verifies bcrypt entries written as $2y$, $2a$ or $2b$", async () => {
  const text = [
    "# comment",
    "",
    `y:${hash.replace(/^\$2[ab]\$/, "$2y$")}`,
    `a:${hash.replace(/^\$2[ab]\$/, "$2a$")}`,
    `b:${hash.replace(/^\$2[ab]\$/, "$2b$")}`,
  ].join("\n");
  const h = Htpasswd.parse(text, "users.htpasswd");
  assert.equal(h.size, 3);
  for (const user of ["y", "a", "b"]) {
    assert.equal(await h.verify(user, "right"), true, user);
    assert.equal(await h.verify(user, "wrong"), false, user);
  }
  assert.equal(await h.verify("nobody", "right"), false);
});

Deno.test("Htpasswd checks Basic Authorization headers", async () => {
  const h = Htpasswd.parse(`user:${hash}\n`, "f");
  assert.equal(await h.verifyHeader(`Basic ${btoa("user:right")}`), true);
  assert.equal(await h.verifyHeader(`Basic ${btoa("user:wrong")}`), false);
  assert.equal(await h.verifyHeader(`Basic ${btoa("no-colon")}`), false);
  assert.equal(await h.verifyHeader("Bearer abc"), false);
  assert.equal(await h.verifyHeader("Basic !!!"), false);
  assert.equal(await h.verifyHeader(null), false);
});

Deno.test("Htpasswd rejects entries that are not bcrypt, naming the file and line", () => {
  assert.throws(() => Htpasswd.parse(`ok:${hash}\nmd5:$apr1$abc$def\n`, "users.htpasswd"), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.equal(
      e.message,
      'htpasswd file users.htpasswd:2: the hash of user "md5" is not bcrypt, the only kind the registry accepts',
    );
    assert.equal(e.hint, 'Create the entry with "htpasswd -B users.htpasswd md5"');
    return true;
  });
  assert.throws(() => Htpasswd.parse(":nouser\n", "f"), /htpasswd file f:1 has no "user:hash" entry/);
});

Deno.test("Htpasswd.load names a file it cannot read", async () => {
  await assert.rejects(
    Htpasswd.load("/nonexistent/htpasswd"),
    /Cannot read htpasswd file \/nonexistent\/htpasswd/,
  );
});
