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
export function output(shape: readonly number[]): Tensor {
  const rt = runtime();
  const n = numel(shape);
  const p = rt.takeOutput(n);
  return p === null ? tensor(shape) : { shape: [...shape], data: rt.view(p, n) };
}

type WasmBinary = 'add' | 'sub' | 'mul' | 'div';

/**
 * `a op b` in wasm when both have the output's shape, or one of them is constant along the trailing dimensions
 * (a per-channel [N, C, 1, 1] operand of an [N, C, H, W] one: runs). The float32 results equal JavaScript's
 * double operation rounded to float32 (exact for + - * /), so both paths give the same bits. Null: not such shapes.
 */
function binaryWasm(a: Tensor, b: Tensor, op: WasmBinary): Tensor | null {
  const shape = broadcastShape(a.shape, b.shape);
  const n = numel(shape);
  if (n < 64) return null;
  const same = (t: Tensor): boolean => t.data.length === n;
  // The trailing dimensions along which the other operand is constant: runs of L values, R of them.
  const runsOf = (t: Tensor): { R: number; L: number } | null => {
    const r = shape.length, d = shape.map((_, i) => t.shape[t.shape.length - r + i] ?? 1);
    let k = r;
    while (k > 0 && d[k - 1] === 1) k--;
    for (let i = 0; i < k; i++) if (d[i] !== shape[i]) return null;
    const R = numel(shape.slice(0, k));
    return { R, L: n / R };
  };
  let mode: { R: number; L: number; swap: boolean; full: Tensor; other: Tensor } | null = null;
  if (!(same(a) && same(b))) {
    const rb = same(a) ? runsOf(b) : null, ra = rb === null && same(b) ? runsOf(a) : null;
    if (rb !== null) mode = { ...rb, swap: false, full: a, other: b };
    else if (ra !== null) mode = { ...ra, swap: true, full: b, other: a };
    else return null;
  }
  const rt = runtime();
  const [x, y] = mode === null ? [a, b] : [mode.full, mode.other];
  // Addresses first: the scratch may grow the memory, which detaches every view taken before.
  const xAt = rt.addressOf(x.data), yAt = rt.addressOf(y.data), outAt = rt.takeOutput(n);
  let pa = xAt ?? 0, pb = yAt ?? 0, po = outAt ?? 0;
  return rt.withScratch(`${op} ${shapeString(shape)}`, (s) => {
    if (xAt === null) pa = s.alloc(x.data.length * 4);
    if (yAt === null) pb = s.alloc(y.data.length * 4);
    if (outAt === null) po = s.alloc(n * 4);
  }, () => {
    if (xAt === null) rt.f32.set(x.data, pa >> 2);
    if (yAt === null) rt.f32.set(y.data, pb >> 2);
    if (mode === null) rt.k[`${op}_f32`](pa, pb, po, n);
    else rt.k[`${op}_runs_f32`](pa, pb, po, mode.R, mode.L, mode.swap ? 1 : 0);
    if (outAt !== null) return { shape, data: rt.view(outAt, n) };
    const data = new Float32Array(n);
    data.set(rt.f32.subarray(po >> 2, (po >> 2) + n));
    return { shape, data };
  });
}

export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, op?: WasmBinary): Tensor {
  if (op !== undefined && !runtime().busy) {
    const y = binaryWasm(a, b, op);
    if (y !== null) return y;
  }
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

export const add = (a: Tensor, b: Tensor, alpha = 1): Tensor => binary(a, b, (x, y) => x + alpha * y, alpha === 1 ? 'add' : undefined);
export const sub = (a: Tensor, b: Tensor, alpha = 1): Tensor => binary(a, b, (x, y) => x - alpha * y, alpha === 1 ? 'sub' : undefined);
export const mul = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x * y, 'mul');
export const div = (a: Tensor, b: Tensor): Tensor => binary(a, b, (x, y) => x / y, 'div');

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
