/**
 * Argument checks shared by the template functions, with Go's wording ("wrong number of args for x: want
 * 2 got 1", "wrong type for value; expected string; got float64").
 * @module
 */
import { type GoMap, goTypeName, isGoMap } from "./_go_value.ts";

/** Throws unless `args` has between `min` and `max` entries. */
export function arity(name: string, args: readonly unknown[], min: number, max: number = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new Error(`wrong number of args for ${name}: want ${want} got ${args.length}`);
  }
}

/** The argument as a Go `string` parameter. */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) throw new Error("invalid value; expected string");
  throw new Error(`wrong type for value; expected string; got ${goTypeName(v)}`);
}

/** The argument as a Go `int` parameter (integral floats are accepted too). */
export function int(v: unknown): number {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (v === null || v === undefined) throw new Error("invalid value; expected int");
  throw new Error(`wrong type for value; expected int; got ${goTypeName(v)}`);
}

/** The argument as a Go `bool` parameter. */
export function bool(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (v === null || v === undefined) throw new Error("invalid value; expected bool");
  throw new Error(`wrong type for value; expected bool; got ${goTypeName(v)}`);
}

/** The argument as a Go `map[string]interface{}` parameter. */
export function map(v: unknown): GoMap {
  if (isGoMap(v)) return v;
  if (v === null || v === undefined) throw new Error("invalid value; expected map[string]interface {}");
  throw new Error(`wrong type for value; expected map[string]interface {}; got ${goTypeName(v)}`);
}

/** A list argument (sprig accepts any slice); nil is an error like sprig's `mustX` variants. */
export function list(name: string, v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined) throw new Error(`Cannot find ${name} on type <nil>`);
  throw new Error(`Cannot find ${name} on type ${goTypeName(v)}`);
}
