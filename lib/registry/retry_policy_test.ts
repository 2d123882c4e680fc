import assert from "node:assert/strict";
import { isRetryableStatus, MAX_BACKOFF_MS, parseRetryAfter, RetryPolicy, sleepMs } from "./retry_policy.ts";

const NOW = new Date("2026-01-02T03:04:05Z");

Deno.test("isRetryableStatus retries 408, 429 and 5xx except 501", () => {
  assert.deepEqual(
    [200, 400, 401, 404, 408, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus),
    [408, 429, 500, 502, 503, 504],
  );
});

Deno.test("parseRetryAfter reads seconds and HTTP dates relative to now", () => {
  assert.equal(parseRetryAfter("7", NOW), 7000);
  assert.equal(parseRetryAfter("Fri, 02 Jan 2026 03:04:15 GMT", NOW), 10_000);
  assert.equal(parseRetryAfter("Fri, 02 Jan 2026 03:00:00 GMT", NOW), 0);
  assert.equal(parseRetryAfter("soon", NOW), undefined);
  assert.equal(parseRetryAfter(null, NOW), undefined);
});

Deno.test("RetryPolicy backs off exponentially from 200 ms with jitter between half and all", () => {
  const low = new RetryPolicy({ random: () => 0, now: () => NOW });
  const high = new RetryPolicy({ random: () => 0.999999, now: () => NOW });
  assert.deepEqual([1, 2, 3, 4].map((n) => low.delayMs(n)), [100, 200, 400, 800]);
  assert.deepEqual([1, 2, 3, 4].map((n) => high.delayMs(n)), [200, 400, 800, 1600]);
  assert.equal(high.delayMs(40), MAX_BACKOFF_MS);
  assert.equal(low.retryTimes, 5);
});

Deno.test("RetryPolicy uses the fixed delay and lets Retry-After win", () => {
  const p = new RetryPolicy({ retryDelayMs: 1500, retryTimes: 2, now: () => NOW });
  assert.equal(p.delayMs(1), 1500);
  assert.equal(p.delayMs(3), 1500);
  assert.equal(p.delayMs(1, "3"), 3000);
  assert.equal(p.delayMs(1, "999999"), 5 * 60_000);
});

Deno.test("RetryPolicy.wait sleeps through the injected clock", async () => {
  const slept: number[] = [];
  const p = new RetryPolicy({
    random: () => 0,
    sleep: (ms) => (slept.push(ms), Promise.resolve()),
    now: () => NOW,
  });
  await p.wait(2);
  await p.wait(1, { retryAfter: "2" });
  assert.deepEqual(slept, [200, 2000]);
});

Deno.test("sleepMs rejects when its signal aborts and leaves no timer behind", async () => {
  const ac = new AbortController();
  const p = sleepMs(60_000, ac.signal);
  ac.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
});
