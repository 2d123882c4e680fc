import assert from "node:assert/strict";
import { RequestLimiter } from "./request_limiter.ts";

Deno.test("RequestLimiter never lets more than max holders in and hands slots over in order", async () => {
  const l = new RequestLimiter(2);
  let inside = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(Array.from({ length: 6 }, async (_, i) => {
    const release = await l.acquire();
    inside++;
    peak = Math.max(peak, inside);
    order.push(i);
    await new Promise((r) => setTimeout(r, 1));
    inside--;
    release();
  }));
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(l.active, 0);
});

Deno.test("RequestLimiter rejects an aborted waiter and keeps counting right", async () => {
  const l = new RequestLimiter(1);
  const first = await l.acquire();
  const ac = new AbortController();
  const waiting = l.acquire(ac.signal);
  assert.equal(l.waiting, 1);
  ac.abort(new Error("cancelled"));
  await assert.rejects(waiting, /cancelled/);
  assert.equal(l.waiting, 0);
  first();
  first(); // a second release is ignored
  assert.equal(l.active, 0);
  const again = await l.acquire();
  assert.equal(l.active, 1);
  again();
});
