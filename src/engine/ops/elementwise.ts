// Broadcasting binary ops (add, sub, mul, div) and reductions used by forward code (mean).
import { runtime } from '../runtime';
import { at, normDim, numel, shapeString, tensor, type Tensor } from '../tensor';

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes ${shapeString(a)} and ${shapeString(b)} cannot be broadcast together`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function stridesFor(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const s = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = shape[shape.length - r + i] ?? 1;
    s[i] = d === 1 ? 0 : acc;
    acc *= d;
  }
  return s;
}

/** A new output tensor, written where the executor placed this op's output when it did (see runtime.ts). */
function output(shape: readonly number[]): Tensor {
  const rt = runtime();
  const n = numel(shape);
  const p = rt.takeOutput(n);
  return p === null ? tensor(shape) : { shape: [...shape], data: rt.view(p, n) };
}

export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  if (a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])) {
    const out = output(a.shape);
    const ad = a.data, bd = b.data, od = out.data;
    for (let i = 0; i < od.length; i++) od[i] = f(ad[i] as number, bd[i] as number);
    return out;
  }
  const shape = broadcastShape(a.shape, b.shape);
  const sa = stridesFor(a.shape, shape), sb = stridesFor(b.shape, shape);
  const out = output(shape);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < out.data.length; o++) {
    out.data[o] = f(at(a.data, ia), at(b.data, ib));
    for (let k = r - 1; k >= 0; k--) {
      idx[k] = at(idx, k) + 1;
      ia += at(sa, k); ib += at(sb, k);
      if (at(idx, k) < at(shape, k)) break;
      ia -= at(sa, k) * at(shape, k); ib -= at(sb, k) * at(shape, k);
      idx[k] = 0;
    }
  }
  return out;
}

export function scalarTensor(v: number): Tensor {
  return { shape: [], data: Float32Array.of(v) };
}

export const add = (a: Tensor, b: Tensor, alpha = 1): Tensor => binary(a, b, (x, y) => x + alpha * y);
export const sub = (a: Tensor, b: Tensor, alpha = 1): Tensor => binary(a, b, (x, y) => x - alpha * y);
export const mul = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x * y);
export const div = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x / y);

/** mean over the given dims (all when empty). */
export function mean(x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const out = sum(x, dims, keepdim);
  const count = x.data.length / Math.max(1, out.data.length);
  for (let i = 0; i < out.data.length; i++) out.data[i] = at(out.data, i) / count;
  return out;
}

/** x broadcast to `shape` (Tensor.expand / expand_as), materialised. */
export function expandTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = shape.map((d, i) => (d === -1 ? (x.shape[x.shape.length - shape.length + i] ?? 1) : d));
  if (broadcastShape(target, x.shape).some((d, i) => d !== target[i])) throw new Error(`cannot expand ${shapeString(x.shape)} to ${shapeString(target)}`);
  return binary(tensor(target), x, (_, y) => y);
}

/** Tensor.repeat: tiles x `repeats` times along each dim (leading dims added as needed). */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.shape.length) throw new Error(`repeat needs at least ${x.shape.length} repeat counts, got ${repeats.length}`);
  const src = [...new Array<number>(repeats.length - x.shape.length).fill(1), ...x.shape];
  const shape = src.map((d, i) => d * (repeats[i] as number));
  const out = tensor(shape);
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < out.data.length; o++) {
    let s = 0;
    for (let k = 0; k < r; k++) s = s * (src[k] as number) + ((idx[k] as number) % (src[k] as number));
    out.data[o] = at(x.data, s);
    for (let k = r - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (shape[k] as number)) break;
      idx[k] = 0;
    }
  }
  return out;
}

export function sum(x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const r = x.shape.length;
  const ks = new Set((dims.length === 0 ? [...Array(r).keys()] : dims).map((d) => normDim(d, r)));
  const outFull = x.shape.map((s, i) => (ks.has(i) ? 1 : s));
  const out = tensor(outFull);
  const so = stridesFor(outFull, x.shape);
  const idx = new Array<number>(r).fill(0);
  let io = 0;
  for (let i = 0; i < x.data.length; i++) {
    out.data[io] = at(out.data, io) + at(x.data, i);
    for (let k = r - 1; k >= 0; k--) {
      idx[k] = at(idx, k) + 1; io += at(so, k);
      if (at(idx, k) < at(x.shape, k)) break;
      io -= at(so, k) * at(x.shape, k); idx[k] = 0;
    }
  }
  return keepdim ? out : { shape: x.shape.filter((_, i) => !ks.has(i)), data: out.data };
}
