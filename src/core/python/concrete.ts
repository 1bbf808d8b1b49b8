// Concrete values of small tensors and numpy arrays as interpreter values: creation (torch.arange, torch.tensor,
// np.arange, np.array), elementwise math, reductions, and the way back to Python numbers (.tolist(), .item(), int()).
import type { Shape } from '../dims';
import type { Analyzer, CallInfo } from './analyzer';
import { toNumber } from './interpreter';
import {
  applyBinary, arange, cast, cumsum, diff, isFloat, MAX_CONCRETE, promote, unary, unique, UNARY,
  type Concrete, type DType,
} from './tensor-values';
import { bool, list, num, UNKNOWN_VALUE, type TensorValue, type Value } from './values';

/** The dtype a `dtype=` argument or `.astype(...)` names. */
function dtypeOf(v: Value | undefined): DType | undefined {
  if (!v) return undefined;
  const path = v.k === 'ref' ? v.path.replace(/^(torch|numpy|builtins)\./, '') : v.k === 'str' ? v.v : undefined;
  switch (path) {
    case 'float': return v.k === 'ref' && v.path.startsWith('torch.') ? 'float32' : 'float64';
    case 'float32': case 'single': return 'float32';
    case 'float64': case 'double': return 'float64';
    case 'int': return v.k === 'ref' && v.path.startsWith('torch.') ? 'int32' : 'int64';
    case 'int32': return 'int32';
    case 'int64': case 'long': return 'int64';
    case 'bool': case 'bool_': return 'bool';
    default: return undefined;
  }
}

/** A Python number from one element: float for float dtypes, bool for bool. */
function scalarValue(x: number, d: DType): Value {
  return d === 'bool' ? bool(x !== 0) : num(x, isFloat(d));
}

/** The numbers of a nested list/tuple, row-major, with its shape; undefined when not all known numbers. */
function flatten(v: Value, a: Analyzer): { data: number[]; shape: number[]; float: boolean; bools: boolean } | undefined {
  if (v.k === 'num' || v.k === 'bool') return { data: [Number(v.v)], shape: [], float: v.k === 'num' && v.float, bools: v.k === 'bool' };
  if (v.k === 'tensor' && v.values && v.shape?.length === 0) return { data: [...v.values.data], shape: [], float: isFloat(v.values.dtype), bools: v.values.dtype === 'bool' };
  const items = v.k === 'list' || v.k === 'tuple' ? a.interp.iterate(v) : undefined;
  if (!items) return undefined;
  const parts = items.map((x) => flatten(x, a));
  if (parts.some((p) => !p)) return undefined;
  const ps = parts as Array<NonNullable<ReturnType<typeof flatten>>>;
  const inner = ps[0]?.shape ?? [];
  if (ps.some((p) => p.shape.join() !== inner.join())) return undefined;
  const data = ps.flatMap((p) => p.data);
  if (data.length > MAX_CONCRETE) return undefined;
  return { data, shape: [items.length, ...inner], float: ps.some((p) => p.float), bools: ps.length > 0 && ps.every((p) => p.bools) };
}

type Operand = Concrete | { scalarFloat: boolean; x: number };

export class ConcreteOps {
  constructor(private readonly a: Analyzer) {}

  /** A tensor (or numpy array) holding these values. */
  tensor(c: Concrete, shape: Shape, like?: TensorValue): TensorValue {
    const t = this.a.tensors.make(shape, like);
    t.values = c;
    return t;
  }

  /** torch.tensor(data) / np.array(data) of known numbers. */
  fromData(v: Value, numpy: boolean, dtypeArg: Value | undefined): TensorValue | undefined {
    const f = flatten(v, this.a);
    if (!f) return undefined;
    const dtype = dtypeOf(dtypeArg) ?? (f.bools ? 'bool' : f.float ? (numpy ? 'float64' : 'float32') : 'int64');
    return this.tensor({ data: f.data.map((x) => cast(x, dtype)), dtype, numpy }, f.shape);
  }

  arange(args: Value[], numpy: boolean): TensorValue | undefined {
    const ns = args.map(toNumber);
    if (ns.length === 0 || ns.length > 3 || ns.some((x) => x === undefined)) return undefined;
    const [start, stop, step] = ns.length === 1 ? [0, ns[0] ?? 0, 1] : [ns[0] ?? 0, ns[1] ?? 0, ns[2] ?? 1];
    const anyFloat = args.some((x) => x.k === 'num' && x.float);
    const c = arange(start, stop, step, anyFloat, numpy);
    return c ? this.tensor(c, [c.data.length]) : undefined;
  }

  private operand(v: Value): Operand | undefined {
    if (v.k === 'tensor') return v.values && v.shape ? v.values : undefined;
    if (v.k === 'num') return { scalarFloat: v.float, x: v.v };
    if (v.k === 'bool') return { scalarFloat: false, x: v.v ? 1 : 0 };
    return undefined;
  }

  /** `a op b` elementwise, when both sides are known (same size, or one of them a single value). */
  binary(op: string, a: Value, b: Value): { values: Concrete; shape: Shape } | undefined {
    const x = this.operand(a);
    const y = this.operand(b);
    if (!x || !y) return undefined;
    const numpy = ('numpy' in x && x.numpy) || ('numpy' in y && y.numpy);
    const dtype = /^(<|>|<=|>=|==|!=)$/.test(op) ? 'bool' : promote(x, y, op, numpy);
    const xs = 'data' in x ? x.data : [x.x];
    const ys = 'data' in y ? y.data : [y.x];
    const n = Math.max(xs.length, ys.length);
    if (xs.length !== n && xs.length !== 1) return undefined;
    if (ys.length !== n && ys.length !== 1) return undefined;
    // Operands are first stored in the result's type (torch computes float32 ops in float32).
    const computeIn: DType = dtype === 'bool' ? 'float64' : dtype;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = applyBinary(op, cast(xs[xs.length === 1 ? 0 : i] ?? 0, computeIn), cast(ys[ys.length === 1 ? 0 : i] ?? 0, computeIn));
      if (r === undefined || !Number.isFinite(r)) return undefined;
      out.push(cast(r, dtype));
    }
    const shapeOf = (v: Value): Shape => (v.k === 'tensor' && v.shape ? v.shape : []);
    const shape = shapeOf(a).length >= shapeOf(b).length ? shapeOf(a) : shapeOf(b);
    return { values: { data: out, dtype, numpy }, shape };
  }

  /** Methods (and torch.* / np.* functions) of a tensor with known values; undefined when not modelled. */
  method(t: TensorValue, name: string, info: CallInfo): { value: Value } | { values: Concrete; shape: Shape } | undefined {
    const c = t.values;
    const shape = t.shape;
    if (!c || !shape) return undefined;
    const { args, kwargs } = info;
    switch (name) {
      case 'tolist':
        return { value: this.toList(c, shape.map(Number)) };
      // The same elements on another device or detached.
      case 'cpu': case 'cuda': case 'detach': case 'clone': case 'contiguous':
        return { values: c, shape };
      case 'item':
        return c.data.length === 1 ? { value: scalarValue(c.data[0] ?? 0, c.dtype) } : undefined;
      case 'int': case 'long': case 'float': case 'double': case 'bool': case 'astype': case 'type': case 'to': {
        const target: DType | undefined = name === 'int' ? 'int32' : name === 'long' ? 'int64' : name === 'float' ? 'float32'
          : name === 'double' ? 'float64' : name === 'bool' ? 'bool' : dtypeOf(args[0] ?? kwargs.get('dtype'));
        return target ? { values: { data: c.data.map((x) => cast(x, target)), dtype: target, numpy: c.numpy }, shape } : undefined;
      }
      case 'max': case 'min': case 'sum': case 'prod': {
        if (args.length > 0 || kwargs.size > 0 || c.data.length === 0) return undefined;
        const r = c.data.reduce((acc, x) => (name === 'max' ? Math.max(acc, x) : name === 'min' ? Math.min(acc, x) : name === 'sum' ? acc + x : acc * x));
        const dtype: DType = (name === 'sum' || name === 'prod') && (c.dtype === 'bool' || c.dtype === 'int32') ? 'int64' : c.dtype;
        // A numpy reduction is a numpy scalar, which behaves as a Python number.
        if (c.numpy) return { value: scalarValue(cast(r, dtype), dtype) };
        return { values: { data: [cast(r, dtype)], dtype, numpy: false }, shape: [] };
      }
      case 'cumsum':
        return shape.length === 1 ? { values: cumsum(c), shape } : undefined;
      case 'diff':
        return shape.length === 1 && args.length === 0 ? { values: diff(c), shape: [Math.max(0, c.data.length - 1)] } : undefined;
      case 'unique': {
        if (kwargs.size > 0 || args.length > 0) return undefined;
        const u = unique(c);
        return { values: u, shape: [u.data.length] };
      }
      case 'pow':
        return args[0] ? this.binary('**', t, args[0]) : undefined;
      default: {
        if (!UNARY[name] || args.length > 0) return undefined;
        const u = unary(c, name);
        return u ? { values: u, shape } : undefined;
      }
    }
  }

  /** Iterating a known 1-d tensor gives 0-d tensors; a numpy array gives numpy scalars, used as Python numbers. */
  items(t: TensorValue): Value[] | undefined {
    const c = t.values;
    if (!c || t.shape?.length !== 1) return undefined;
    return c.data.map((x) => (c.numpy ? scalarValue(x, c.dtype) : this.tensor({ data: [x], dtype: c.dtype, numpy: false }, [], t)));
  }

  /** int(t), float(t), bool(t) of a one-element tensor. */
  scalar(t: TensorValue): number | undefined {
    return t.values?.data.length === 1 ? t.values.data[0] : undefined;
  }

  private toList(c: Concrete, shape: number[]): Value {
    if (shape.length === 0) return scalarValue(c.data[0] ?? 0, c.dtype);
    let i = 0;
    const build = (dims: number[]): Value => {
      const [n, ...rest] = dims;
      if (n === undefined) return scalarValue(c.data[i++] ?? 0, c.dtype);
      return list(Array.from({ length: n }, () => build(rest)));
    };
    return build(shape);
  }

  /** numpy functions on known arrays and numbers; undefined when not modelled (the caller returns unknown). */
  numpy(name: string, info: CallInfo): Value | undefined {
    const { args, kwargs } = info;
    const a0 = args[0];
    switch (name) {
      case 'array': case 'asarray':
        return a0 ? this.fromData(a0, true, args[1] ?? kwargs.get('dtype')) : undefined;
      case 'arange':
        return kwargs.size === 0 ? this.arange(args, true) : undefined;
      case 'add': case 'subtract': case 'multiply': case 'divide': case 'true_divide': case 'floor_divide': case 'power': {
        const op = { add: '+', subtract: '-', multiply: '*', divide: '/', true_divide: '/', floor_divide: '//', power: '**' }[name];
        if (!a0 || !args[1]) return undefined;
        return this.numpyResult(this.binary(op, this.asArray(a0), this.asArray(args[1])));
      }
      case 'cumsum': case 'diff': case 'unique': case 'max': case 'min': case 'sum': case 'prod': case 'amax': case 'amin': {
        const t = a0 ? this.asArray(a0) : undefined;
        if (t?.k !== 'tensor' || args.length > 1 || kwargs.size > 0) return undefined;
        const r = this.method(t, name.replace(/^am/, 'm'), { ...info, args: [], kwargs: new Map() });
        return r ? ('value' in r ? r.value : this.tensor(r.values, r.shape)) : undefined;
      }
      default: {
        if (!UNARY[name] || !a0 || args.length > 1 || kwargs.size > 0) return undefined;
        const t = this.asArray(a0);
        if (t.k !== 'tensor' || !t.values) return undefined;
        return this.numpyResult({ values: unary(t.values, name) ?? t.values, shape: t.shape ?? [] });
      }
    }
  }

  /** A number or list argument of a numpy function as a numpy array. */
  private asArray(v: Value): Value {
    if (v.k === 'tensor') return v;
    if (v.k === 'num' || v.k === 'bool') {
      const dtype: DType = v.k === 'bool' ? 'bool' : v.float ? 'float64' : 'int64';
      return this.tensor({ data: [Number(v.v)], dtype, numpy: true }, []);
    }
    return this.fromData(v, true, undefined) ?? UNKNOWN_VALUE;
  }

  /** A 0-d numpy result is a numpy scalar: a Python number here. */
  private numpyResult(r: { values: Concrete; shape: Shape } | undefined): Value | undefined {
    if (!r) return undefined;
    if (r.shape.length === 0) return scalarValue(r.values.data[0] ?? 0, r.values.dtype);
    return this.tensor(r.values, r.shape);
  }
}
