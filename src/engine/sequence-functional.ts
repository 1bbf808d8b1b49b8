// Functional ops that came with the volume and sequence layers: matrix products (matmul, mm, bmm and @ are all
// recorded as 'matmul'), einsum, the 3-D pools, unfold/fold.
import type { FunctionalOp } from './functional';
import { ArgError, bool, has, num, optSizes, tuple, type Args } from './args';
import { einsum, matmul } from './ops/matmul';
import { adaptivePool3d, avgPool3d, maxPool3d, type Pool3dOptions } from './ops/volume';
import { fold, unfold, type FoldOptions } from './ops/fold';
import type { Tensor } from './tensor';

function x0(i: readonly Tensor[], op: string): Tensor {
  const x = i[0];
  if (x === undefined) throw new ArgError(`${op} needs an input tensor`);
  return x;
}

/** 4-d (unbatched) inputs of the 3-D pools run as a batch of one. */
function batched(x: Tensor, f: (x5: Tensor) => Tensor): Tensor {
  if (x.shape.length !== 4) return f(x);
  const y = f({ shape: [1, ...x.shape], data: x.data });
  return { shape: y.shape.slice(1), data: y.data };
}

function pool3d(a: Args, dilation: boolean): Pool3dOptions {
  const k = tuple(a, 'kernel_size', 3);
  const s = has(a, 'stride') && !(Array.isArray(a['stride']) && a['stride'].length === 0) ? tuple(a, 'stride', 3) : k;
  return {
    kernel: k as [number, number, number], stride: s as [number, number, number], padding: tuple(a, 'padding', 3, 0) as [number, number, number],
    dilation: (dilation ? tuple(a, 'dilation', 3, 1) : [1, 1, 1]) as [number, number, number], ceilMode: bool(a, 'ceil_mode', false),
  };
}

function foldOptions(a: Args): FoldOptions {
  const k = tuple(a, 'kernel_size', 2), d = tuple(a, 'dilation', 2, 1), p = tuple(a, 'padding', 2, 0), s = tuple(a, 'stride', 2, 1);
  return { kernel: [k[0] as number, k[1] as number], dilation: [d[0] as number, d[1] as number], padding: [p[0] as number, p[1] as number], stride: [s[0] as number, s[1] as number] };
}

function second(i: readonly Tensor[], op: string): Tensor {
  const y = i[1];
  if (y === undefined) throw new ArgError(`${op} needs two tensors`);
  return y;
}

type Pick = { kind: 'new' } | { kind: 'all' } | { kind: 'slice'; indices: number[] } | { kind: 'at'; index: number };

/** x[...] with the subscripts the core resolved (`picks`): integer indices, slices, None and ellipsis. */
function index(x: Tensor, picks: readonly Pick[]): Tensor {
  const sel: number[][] = [];
  const outShape: number[] = [];
  let d = 0;
  for (const p of picks) {
    if (p.kind === 'new') {
      outShape.push(1);
      continue;
    }
    const size = x.shape[d++];
    if (size === undefined) throw new ArgError(`the subscript has more dimensions than the tensor's ${x.shape.length}`);
    const idx = p.kind === 'all' ? Array.from({ length: size }, (_, k) => k) : p.kind === 'at' ? [p.index] : p.indices;
    if (idx.some((k) => !Number.isInteger(k) || k < 0 || k >= size)) throw new ArgError(`index out of range for a dimension of size ${size}`);
    sel.push(idx);
    if (p.kind !== 'at') outShape.push(idx.length);
  }
  for (; d < x.shape.length; d++) {
    sel.push(Array.from({ length: x.shape[d] as number }, (_, k) => k));
    outShape.push(x.shape[d] as number);
  }
  const strides = x.shape.map((_, k) => x.shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const n = sel.reduce((a, s) => a * s.length, 1);
  const out = new Float32Array(n);
  const pos = new Array<number>(sel.length).fill(0);
  for (let o = 0; o < n; o++) {
    let off = 0;
    for (let k = 0; k < sel.length; k++) off += ((sel[k] as number[])[pos[k] as number] as number) * (strides[k] as number);
    out[o] = x.data[off] as number;
    for (let k = sel.length - 1; k >= 0; k--) {
      pos[k] = (pos[k] as number) + 1;
      if ((pos[k] as number) < (sel[k] as number[]).length) break;
      pos[k] = 0;
    }
  }
  return { shape: outShape, data: out };
}

export const sequenceFunctional: Record<string, FunctionalOp> = {
  // torch.zeros/ones/full in forward, with the size the core computed.
  full: (_i, a) => {
    const size = a['size'];
    if (!Array.isArray(size) || !size.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) throw new ArgError('full needs a known size', 'size', true);
    return { shape: size as number[], data: new Float32Array((size as number[]).reduce((p, q) => p * q, 1)).fill(num(a, 'fill_value')) };
  },
  index: (i, a) => {
    const picks = a['picks'];
    if (!Array.isArray(picks)) throw new ArgError('the engine cannot run this subscript: its indices are not known to the analysis', 'picks', true);
    return index(x0(i, 'index'), picks as Pick[]);
  },
  matmul: (i) => matmul(x0(i, 'matmul'), second(i, 'matmul')),
  mm: (i) => matmul(x0(i, 'mm'), second(i, 'mm')),
  bmm: (i) => matmul(x0(i, 'bmm'), second(i, 'bmm')),
  einsum: (i, a) => {
    const eq = a['equation'];
    if (typeof eq !== 'string') throw new ArgError('einsum needs its equation', 'equation', eq === null || eq === undefined);
    return einsum(eq, i);
  },
  max_pool3d: (i, a) => {
    if (bool(a, 'return_indices', false)) throw new ArgError('max pooling with return_indices=True is not supported by the engine');
    return batched(x0(i, 'max_pool3d'), (x) => maxPool3d(x, pool3d(a, true)));
  },
  avg_pool3d: (i, a) => batched(x0(i, 'avg_pool3d'), (x) => avgPool3d(x, { ...pool3d(a, false), countIncludePad: bool(a, 'count_include_pad', true), divisorOverride: has(a, 'divisor_override') ? num(a, 'divisor_override') : null })),
  adaptive_avg_pool3d: (i, a) => batched(x0(i, 'adaptive_avg_pool3d'), (x) => adaptivePool3d(x, optSizes(a, 'output_size', 3) as [number | null, number | null, number | null], 'avg')),
  adaptive_max_pool3d: (i, a) => batched(x0(i, 'adaptive_max_pool3d'), (x) => adaptivePool3d(x, optSizes(a, 'output_size', 3) as [number | null, number | null, number | null], 'max')),
  unfold: (i, a) => unfold(x0(i, 'unfold'), foldOptions(a)),
  fold: (i, a) => {
    const s = tuple(a, 'output_size', 2);
    return fold(x0(i, 'fold'), [s[0] as number, s[1] as number], foldOptions(a));
  },
  dropout3d: (i) => x0(i, 'dropout3d'),
};
