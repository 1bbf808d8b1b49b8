// The values of small concrete tensors and numpy arrays that model code computes its configuration from
// (RegNet-style width schedules: arange, log, round, cumsum, .tolist()). Arithmetic follows each library's dtypes:
// torch computes integer/float mixes in float32 (its default dtype), numpy in float64.

export type DType = 'int64' | 'int32' | 'float32' | 'float64' | 'bool';

export interface Concrete {
  /** Row-major elements. */
  data: number[];
  dtype: DType;
  /** A numpy array (float64 arithmetic, numpy scalars when iterated) rather than a torch tensor. */
  numpy: boolean;
}

/** Larger tensors are not followed element by element. */
export const MAX_CONCRETE = 4096;

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** Stores a number as the dtype holds it. */
export function cast(x: number, d: DType): number {
  switch (d) {
    case 'float32': return Math.fround(x);
    case 'float64': return x;
    case 'bool': return x !== 0 ? 1 : 0;
    default: return Math.trunc(x);
  }
}

/** The dtype of `a op b` where either side may be a Python scalar (`float: true` for a Python float). */
export function promote(a: Concrete | { scalarFloat: boolean }, b: Concrete | { scalarFloat: boolean }, op: string, numpy: boolean): DType {
  const dt = (x: Concrete | { scalarFloat: boolean }): DType | undefined => ('dtype' in x ? x.dtype : undefined);
  const floatDefault: DType = numpy ? 'float64' : 'float32';
  const da = dt(a);
  const db = dt(b);
  const tensorFloat = [da, db].find((d) => d !== undefined && isFloat(d));
  const scalarFloat = ('scalarFloat' in a && a.scalarFloat) || ('scalarFloat' in b && b.scalarFloat);
  let out: DType;
  if (tensorFloat) out = da === 'float64' || db === 'float64' ? 'float64' : tensorFloat;
  else if (scalarFloat) out = floatDefault;
  else out = da === 'int32' && (db === undefined || db === 'int32') ? 'int32' : db === 'int32' && da === undefined ? 'int32' : 'int64';
  // True division of integers gives the default float type.
  if (op === '/' && !isFloat(out)) out = floatDefault;
  return out;
}

/** Python's floor division and modulo, and round-half-to-even as torch.round and numpy.round do. */
export function applyBinary(op: string, x: number, y: number): number | undefined {
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return y === 0 ? undefined : x / y;
    case '//': return y === 0 ? undefined : Math.floor(x / y);
    case '%': return y === 0 ? undefined : x - Math.floor(x / y) * y;
    case '**': return x ** y;
    case '<': return x < y ? 1 : 0;
    case '>': return x > y ? 1 : 0;
    case '<=': return x <= y ? 1 : 0;
    case '>=': return x >= y ? 1 : 0;
    case '==': return x === y ? 1 : 0;
    case '!=': return x !== y ? 1 : 0;
    default: return undefined;
  }
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Elementwise functions of one argument; the result dtype is float for the transcendental ones. */
export const UNARY: Record<string, { f: (x: number) => number; toFloat: boolean }> = {
  log: { f: Math.log, toFloat: true },
  log2: { f: Math.log2, toFloat: true },
  log10: { f: Math.log10, toFloat: true },
  exp: { f: Math.exp, toFloat: true },
  sqrt: { f: Math.sqrt, toFloat: true },
  round: { f: roundHalfEven, toFloat: false },
  around: { f: roundHalfEven, toFloat: false },
  floor: { f: Math.floor, toFloat: false },
  ceil: { f: Math.ceil, toFloat: false },
  trunc: { f: Math.trunc, toFloat: false },
  abs: { f: Math.abs, toFloat: false },
  neg: { f: (x) => -x, toFloat: false },
  negative: { f: (x) => -x, toFloat: false },
};

export function unary(c: Concrete, name: string): Concrete | undefined {
  const u = UNARY[name];
  if (!u) return undefined;
  const dtype: DType = u.toFloat && !isFloat(c.dtype) ? (c.numpy ? 'float64' : 'float32') : c.dtype;
  return { data: c.data.map((x) => cast(u.f(cast(x, dtype)), dtype)), dtype, numpy: c.numpy };
}

/** numpy.arange / torch.arange: start, stop, step; an int range unless one of them is a float. */
export function arange(start: number, stop: number, step: number, anyFloat: boolean, numpy: boolean): Concrete | undefined {
  if (step === 0) return undefined;
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_CONCRETE) return undefined;
  const dtype: DType = anyFloat ? (numpy ? 'float64' : 'float32') : 'int64';
  return { data: Array.from({ length: n }, (_, i) => cast(start + i * step, dtype)), dtype, numpy };
}

export function cumsum(c: Concrete): Concrete {
  let acc = 0;
  return { ...c, data: c.data.map((x) => (acc = cast(acc + x, c.dtype))) };
}

export function diff(c: Concrete): Concrete {
  return { ...c, data: c.data.slice(1).map((x, i) => cast(x - (c.data[i] ?? 0), c.dtype)) };
}

export function unique(c: Concrete): Concrete {
  return { ...c, data: [...new Set(c.data)].sort((x, y) => x - y) };
}
