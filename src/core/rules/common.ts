// Small helpers shared by the rule files: reading arguments, formatting shapes, building issues.
import { dimToString, isSym, type Dim, type Shape } from '../dims';
import { isLayerRef, UNKNOWN, type ApplyResult, type ArgValue, type LayerIssue } from './layer-spec';

/** An integer argument (a Python int or bool), or undefined when unknown or not an integer. */
export function asInt(v: ArgValue): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** A real-number argument, or undefined. */
export function asNumber(v: ArgValue): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' ? v : undefined;
}

/** An integer-valued argument that may be symbolic. */
export function asDim(v: ArgValue): Dim | undefined {
  if (isSym(v)) return v;
  return asInt(v);
}

export function asBool(v: ArgValue): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v === null) return false;
  return undefined;
}

export function isUnknownArg(v: ArgValue): boolean {
  return v === UNKNOWN;
}

/**
 * An int-or-tuple argument expanded to n entries, as torch's _pair/_single do.
 * 'bad' when a tuple has the wrong length or an entry is not an integer; entries are undefined when unknown.
 */
export function asTuple(v: ArgValue, n: number): (Dim | undefined)[] | 'bad' {
  if (v === UNKNOWN) return Array<Dim | undefined>(n).fill(undefined);
  if (Array.isArray(v)) {
    if (v.length !== n) return 'bad';
    const out: (Dim | undefined)[] = [];
    for (const x of v) {
      if (x === UNKNOWN) out.push(undefined);
      else {
        const d = asDim(x);
        if (d === undefined) return 'bad';
        out.push(d);
      }
    }
    return out;
  }
  const d = asDim(v);
  if (d === undefined) return typeof v === 'number' ? 'bad' : Array<Dim | undefined>(n).fill(undefined);
  // A loop rather than Array(n).fill: a packed array, and the fill builtin was a hot spot of every conv.
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) out.push(d);
  return out;
}

/** Concrete integers only: the numbers when every entry is known. */
export function allKnown(xs: readonly (Dim | undefined)[]): number[] | undefined {
  const out: number[] = [];
  for (const x of xs) {
    if (typeof x !== 'number') return undefined;
    out.push(x);
  }
  return out;
}

/** Python-like source text of an argument value (for messages and fixes). */
export function argText(v: ArgValue): string {
  if (v === UNKNOWN) return '?';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${argText(v[0] as ArgValue)},)` : `(${v.map(argText).join(', ')})`;
  if (isLayerRef(v)) return `${v.type}(...)`;
  return dimToString(v);
}

/** PyTorch's way of printing sizes: [1, 32, 30, 30]. */
export function shapeText(s: readonly Dim[]): string {
  return `[${s.map(dimToString).join(', ')}]`;
}

/** Python float formatting for messages: 2 -> 2.0, 0.1 -> 0.1. */
export function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

export function issue(code: string, message: string, extra: Partial<LayerIssue> = {}): LayerIssue {
  return { code, severity: 'error', message, ...extra };
}

export function warning(code: string, message: string, extra: Partial<LayerIssue> = {}): LayerIssue {
  return { code, severity: 'warning', message, ...extra };
}

export function info(code: string, message: string, extra: Partial<LayerIssue> = {}): LayerIssue {
  return { code, severity: 'info', message, ...extra };
}

export function fail(code: string, message: string, extra: Partial<LayerIssue> = {}): ApplyResult {
  return { error: issue(code, message, extra) };
}

/** PyTorch's dimension-wrapping error for dim on a tensor of this rank; undefined when dim is in range. */
export function dimRangeError(dim: number, rank: number): string | undefined {
  const r = Math.max(rank, 1);
  if (dim >= -r && dim < r) return undefined;
  return `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`;
}

/** A Python dim index made non-negative (for a rank-0 tensor, 0 and -1 both mean the scalar itself). */
export function wrapDim(dim: number, rank: number): number {
  return dim < 0 ? dim + Math.max(rank, 1) : dim;
}


/** Names of the spatial dims for formulas and messages: L for 1-D, H and W for 2-D, D, H, W for 3-D. */
export function spatialNames(n: number): string[] {
  return n === 1 ? ['L'] : n === 2 ? ['H', 'W'] : ['D', 'H', 'W'];
}

/** Sizes joined as in "15x15" for messages about spatial sizes. */
export function sizeText(xs: readonly Dim[]): string {
  return xs.map(dimToString).join('x');
}



/** The first input shape, or an error result when the rule got none. */
export function firstInput(inputs: readonly Shape[], type: string): Shape | ApplyResult {
  const x = inputs[0];
  if (x === undefined) return fail('invalid-argument', `${type} needs an input tensor`);
  return x;
}

export function isResult(x: Shape | ApplyResult): x is ApplyResult {
  return !Array.isArray(x);
}
