/**
 * v1 mirror sequences (reference §3.6): every mirror of an imageset gets the next number, and an archive
 * may be published only right after the one before it (the first publish must be sequence 1), because a
 * differential archive relies on the blobs the earlier ones put at the target. `--skip-metadata-check`
 * bypasses the check, and so does `--skip-pruning`, as in the original (OCPBUGS-23496). Pure functions.
 * @module
 */
import { StateError } from "../errors.ts";
import type { V1Metadata } from "./v1_metadata.ts";

/** The sequence of the next mirror: one more than the stored metadata's, or 1. */
export function nextSequence(previous: V1Metadata | undefined): number {
  return previous ? previous.pastMirror.sequence + 1 : 1;
}

/** Input of {@link checkSequence}. */
export interface SequenceCheckInput {
  /** The sequence the target is at; undefined when nothing was published there yet. */
  current?: number;
  /** The sequence of the archive being published. */
  incoming: number;
  /** Names the target in messages, e.g. `registry.example.com:5000/mirror`. */
  target: string;
  /** `--skip-metadata-check`. */
  skipMetadataCheck: boolean;
  /** `--skip-pruning` (also skips this check). */
  skipPruning: boolean;
}

/** What {@link checkSequence} decided. */
export type SequenceCheckResult =
  | { kind: "ok" }
  | {
    kind: "bypassed";
    /** The original's message for the problem, e.g. `invalid mirror sequence order, want 2, got 3`. */
    problem: string;
    /** The flag that bypassed it. */
    flag: "--skip-metadata-check" | "--skip-pruning";
  };

/** The original's message when `incoming` cannot follow `current`; undefined when it can. */
export function sequenceProblem(current: number | undefined, incoming: number): string | undefined {
  if (current === undefined) {
    return incoming === 1 ? undefined : `invalid mirror sequence order, want 1, got ${incoming}`;
  }
  if (incoming === current) return "mirror sequence is the same";
  if (incoming !== current + 1) return `invalid mirror sequence order, want ${current + 1}, got ${incoming}`;
  return undefined;
}

/**
 * Checks that the archive's sequence follows the target's; throws {@link StateError} with the original's
 * message unless a flag bypasses it.
 */
export function checkSequence(input: SequenceCheckInput): SequenceCheckResult {
  const problem = sequenceProblem(input.current, input.incoming);
  if (problem === undefined) return { kind: "ok" };
  if (input.skipMetadataCheck) return { kind: "bypassed", problem, flag: "--skip-metadata-check" };
  if (input.skipPruning) return { kind: "bypassed", problem, flag: "--skip-pruning" };
  const want = input.current === undefined ? 1 : input.current + 1;
  const at = input.current === undefined
    ? "nothing was published there yet"
    : `it is at sequence ${input.current}`;
  throw new StateError(
    `Archive sequence ${input.incoming} cannot be published to ${input.target} (${at}): ${problem}`,
    {
      hint: input.incoming === input.current
        ? `This archive was already published; the next one is mirror_seq${want}_*.tar`
        : `Publish mirror_seq${want}_*.tar first; --skip-metadata-check publishes this one anyway`,
    },
  );
}
