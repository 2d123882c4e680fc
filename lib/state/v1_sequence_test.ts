import assert from "node:assert/strict";
import { StateError } from "../errors.ts";
import { checkSequence, nextSequence, sequenceProblem } from "./v1_sequence.ts";
import { newV1Metadata } from "./v1_metadata.ts";

const flags = { skipMetadataCheck: false, skipPruning: false, target: "reg:5000/ns" };

Deno.test("v1 sequence: the next sequence follows the stored metadata, 1 without", () => {
  assert.equal(nextSequence(undefined), 1);
  const meta = newV1Metadata({
    uid: "u",
    sequence: 4,
    singleUse: false,
    now: new Date(0),
    mirror: {},
    operators: [],
    platforms: [],
    associations: [],
  });
  assert.equal(nextSequence(meta), 5);
});

Deno.test("v1 sequence: problems use the original's messages", () => {
  const table: [number | undefined, number, string | undefined][] = [
    [undefined, 1, undefined],
    [undefined, 2, "invalid mirror sequence order, want 1, got 2"],
    [1, 2, undefined],
    [2, 2, "mirror sequence is the same"],
    [1, 3, "invalid mirror sequence order, want 2, got 3"],
    [3, 2, "invalid mirror sequence order, want 4, got 2"],
  ];
  for (const [current, incoming, want] of table) {
    assert.equal(sequenceProblem(current, incoming), want, `${current} -> ${incoming}`);
  }
});

Deno.test("v1 sequence: an out-of-order or repeated archive is refused with a StateError", () => {
  assert.deepEqual(checkSequence({ ...flags, current: 1, incoming: 2 }), { kind: "ok" });
  assert.throws(() => checkSequence({ ...flags, current: 1, incoming: 3 }), (e) => {
    assert.ok(e instanceof StateError);
    assert.equal(
      e.message,
      "Archive sequence 3 cannot be published to reg:5000/ns (it is at sequence 1): invalid mirror sequence order, want 2, got 3",
    );
    assert.match(e.hint ?? "", /mirror_seq2_\*\.tar first; --skip-metadata-check/);
    return true;
  });
  assert.throws(
    () => checkSequence({ ...flags, current: 2, incoming: 2 }),
    /\(it is at sequence 2\): mirror sequence is the same$/,
  );
  assert.throws(
    () => checkSequence({ ...flags, incoming: 2 }),
    /\(nothing was published there yet\): invalid mirror sequence order, want 1, got 2$/,
  );
});

Deno.test("v1 sequence: --skip-metadata-check and --skip-pruning bypass the check (OCPBUGS-23496)", () => {
  assert.deepEqual(checkSequence({ ...flags, current: 1, incoming: 3, skipMetadataCheck: true }), {
    kind: "bypassed",
    problem: "invalid mirror sequence order, want 2, got 3",
    flag: "--skip-metadata-check",
  });
  assert.deepEqual(checkSequence({ ...flags, current: 2, incoming: 2, skipPruning: true }), {
    kind: "bypassed",
    problem: "mirror sequence is the same",
    flag: "--skip-pruning",
  });
});
