// Reading layer arguments as the core hands them over (torch parameter names, JSON-like values).
import type { ParamLookup } from './layers';
import type { Tensor } from './tensor';

export type Args = Readonly<Record<string, unknown>>;

export class ArgError extends Error {
  constructor(
    message: string,
    /** The argument that was wrong, when one was: the preview names it to the user. */
    readonly arg?: string,
    /** Its value was missing (null: the analysis could not evaluate it), rather than of the wrong kind. */
    readonly missing = false,
  ) {
    super(message);
  }
}

function absent(v: unknown): boolean {
  return v === undefined || v === null;
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
}

export function has(a: Args, k: string): boolean {
  return a[k] !== undefined && a[k] !== null;
}

export function num(a: Args, k: string, def?: number): number {
  const v = a[k];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if ((v === undefined || v === null) && def !== undefined) return def;
  throw new ArgError(`argument ${k} should be a number, got ${describe(v)}`, k, absent(a[k]));
}

export function int(a: Args, k: string, def?: number): number {
  const v = num(a, k, def);
  if (!Number.isInteger(v)) throw new ArgError(`argument ${k} should be an integer, got ${v}`, k, absent(a[k]));
  return v;
}

export function bool(a: Args, k: string, def: boolean): boolean {
  const v = a[k];
  if (v === undefined || v === null) return def;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw new ArgError(`argument ${k} should be True or False, got ${describe(v)}`, k, absent(a[k]));
}

export function str(a: Args, k: string, def: string): string {
  const v = a[k];
  if (v === undefined || v === null) return def;
  if (typeof v === 'string') return v;
  throw new ArgError(`argument ${k} should be a string, got ${describe(v)}`, k, absent(a[k]));
}

export function ints(a: Args, k: string, def?: number[]): number[] {
  const v = a[k];
  if ((v === undefined || v === null) && def !== undefined) return def;
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (Array.isArray(v) && v.every((e) => typeof e === 'number' && Number.isInteger(e))) return v as number[];
  throw new ArgError(`argument ${k} should be an integer or a tuple of integers, got ${describe(v)}`, k, absent(a[k]));
}

/** An int or a tuple expanded to `n` values (kernel_size=3 -> [3, 3]). */
export function tuple(a: Args, k: string, n: number, def?: number): number[] {
  const v = ints(a, k, def === undefined ? undefined : [def]);
  if (v.length === 1) return new Array<number>(n).fill(v[0] as number);
  if (v.length !== n) throw new ArgError(`argument ${k} should have ${n} values, got ${describe(a[k])}`, k, absent(a[k]));
  return v;
}

export function pair(a: Args, k: string, def?: number): [number, number] {
  const v = tuple(a, k, 2, def);
  return [v[0] as number, v[1] as number];
}

/** An optional size list whose entries may be None (adaptive pools). */
export function optSizes(a: Args, k: string, n: number): Array<number | null> {
  const v = a[k];
  if (typeof v === 'number') return new Array<number | null>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every((e) => e === null || typeof e === 'number')) return v as Array<number | null>;
  throw new ArgError(`argument ${k} should be an integer or a tuple of ${n} integers/None, got ${describe(v)}`, k, absent(a[k]));
}

export function nums(a: Args, k: string): number[] | null {
  const v = a[k];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((e) => typeof e === 'number')) return v as number[];
  throw new ArgError(`argument ${k} should be a number or a tuple of numbers, got ${describe(v)}`, k, absent(a[k]));
}

/** A layer's first input, or an ArgError naming the layer. */
export function one(inputs: readonly Tensor[], what: string): Tensor {
  const x = inputs[0];
  if (x === undefined) throw new ArgError(`${what} needs an input tensor`);
  return x;
}

/** A parameter the layer cannot run without, or an ArgError naming the layer and the parameter. */
export function need(p: ParamLookup, name: string, what: string): Tensor {
  const t = p(name);
  if (t === null) throw new ArgError(`${what} has no ${name}`);
  return t;
}
