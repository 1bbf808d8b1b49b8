// Shape and data-movement ops: flatten/view/reshape/permute/transpose, cat, pad, pixel (un)shuffle.
import { at, normDim, numel, shapeString, tensor, type Tensor } from '../tensor';
import { padIndex, type PaddingMode } from './conv';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const n = x.data.length;
  const infer = shape.filter((d) => d === -1).length;
  if (infer > 1) throw new Error(`view/reshape: only one dimension can be -1, got ${shapeString(shape)}`);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (numel(out) !== n || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`view/reshape: shape ${shapeString(shape)} is invalid for an input of ${n} elements ${shapeString(x.shape)}`);
  }
  return { shape: out, data: x.data };
}

export function flatten(x: Tensor, startDim: number, endDim: number): Tensor {
  const r = x.shape.length;
  if (r === 0) return { shape: [1], data: x.data };
  const s = normDim(startDim, r), e = normDim(endDim, r);
  if (s > e) throw new Error(`flatten: start_dim ${startDim} comes after end_dim ${endDim}`);
  const mid = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return { shape: [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)], data: x.data };
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const r = x.shape.length;
  if (dims.length !== r) throw new Error(`permute: ${dims.length} dims given for a ${r}-d tensor`);
  const p = dims.map((d) => normDim(d, r));
  if (new Set(p).size !== r) throw new Error(`permute: dims (${dims.join(', ')}) repeat a dimension`);
  const outShape = p.map((d) => at(x.shape, d));
  const out = tensor(outShape);
  // Output dimensions that are neighbours in the input, in order, move as one: NCHW <-> NHWC is a transpose of
  // [C, H*W] per image, copied in tiles (a ConvNeXt block permutes twice; element by element it took 6 ms at 56x56).
  const merged = mergeAdjacent(x.shape, p);
  if (merged.perm.length <= 3 && merged.perm.join() === (merged.perm.length === 3 ? '0,2,1' : '1,0')) {
    const [B, R, C] = merged.perm.length === 3 ? (merged.shape as [number, number, number]) : [1, merged.shape[0] as number, merged.shape[1] as number];
    for (let b = 0; b < B; b++) transposeTiles(x.data, out.data, b * R * C, R, C);
    return out;
  }
  const inStrides: number[] = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStrides[i] = at(inStrides, i + 1) * at(x.shape, i + 1);
  const strides = p.map((d) => at(inStrides, d));
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let o = 0; o < out.data.length; o++) {
    out.data[o] = at(x.data, src);
    for (let k = r - 1; k >= 0; k--) {
      idx[k] = at(idx, k) + 1;
      src += at(strides, k);
      if (at(idx, k) < at(outShape, k)) break;
      src -= at(strides, k) * at(outShape, k);
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * The input shape and permutation with runs of output dimensions that are consecutive input dimensions merged, and
 * dimensions of size 1 dropped: permute([1, 96, 56, 56], [0, 2, 3, 1]) is ([96, 3136], [1, 0]).
 */
function mergeAdjacent(shape: readonly number[], p: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = p.filter((d) => shape[d] !== 1);
  const runs: number[][] = [];
  for (const d of kept) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] === d - 1) last.push(d);
    else runs.push([d]);
  }
  // The runs in input order give the merged input shape; their order in the output, the permutation.
  const byInput = [...runs].sort((a, b) => (a[0] as number) - (b[0] as number));
  return {
    shape: byInput.map((run) => run.reduce((n, d) => n * at(shape, d), 1)),
    perm: runs.map((run) => byInput.indexOf(run)),
  };
}

/** dst[c * R + r] = src[at + r * C + c] for an R x C matrix at `at`, written to dst at the same offset, in 32x32 tiles. */
function transposeTiles(src: Float32Array, dst: Float32Array, at: number, R: number, C: number): void {
  const T = 32;
  for (let r0 = 0; r0 < R; r0 += T) {
    const r1 = Math.min(R, r0 + T);
    for (let c0 = 0; c0 < C; c0 += T) {
      const c1 = Math.min(C, c0 + T);
      for (let c = c0; c < c1; c++) {
        const o = at + c * R;
        for (let r = r0; r < r1; r++) dst[o + r] = src[at + r * C + c] as number;
      }
    }
  }
}

export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const r = x.shape.length;
  const p = [...Array(r).keys()];
  const a = normDim(d0, r), b = normDim(d1, r);
  p[a] = b; p[b] = a;
  return permute(x, p);
}

export function cat(xs: readonly Tensor[], d: number): Tensor {
  const first = xs[0];
  if (first === undefined) throw new Error('cat needs at least one tensor');
  const r = first.shape.length;
  const k = normDim(d, r);
  for (const t of xs) {
    if (t.shape.length !== r || t.shape.some((s, i) => i !== k && s !== first.shape[i])) {
      throw new Error(`cat: shapes ${xs.map((u) => shapeString(u.shape)).join(', ')} differ outside dimension ${d}`);
    }
  }
  const outer = first.shape.slice(0, k).reduce((p, q) => p * q, 1);
  const inner = first.shape.slice(k + 1).reduce((p, q) => p * q, 1);
  const total = xs.reduce((p, t) => p + at(t.shape, k), 0);
  const out = tensor(first.shape.map((s, i) => (i === k ? total : s)));
  let off = 0;
  for (const t of xs) {
    const len = at(t.shape, k) * inner;
    for (let o = 0; o < outer; o++) out.data.set(t.data.subarray(o * len, (o + 1) * len), o * total * inner + off);
    off += len;
  }
  return out;
}

/** Tensor.narrow: `length` entries of dimension `d` from `start` (chunk/split/unbind pieces). */
export function narrow(x: Tensor, d: number, start: number, length: number): Tensor {
  const k = normDim(d, x.shape.length);
  const size = at(x.shape, k);
  if (start < 0 || length < 0 || start + length > size) throw new Error(`narrow: [${start}, ${start + length}) is outside dimension ${d} of ${shapeString(x.shape)}`);
  const outer = x.shape.slice(0, k).reduce((p, q) => p * q, 1);
  const inner = x.shape.slice(k + 1).reduce((p, q) => p * q, 1);
  const out = tensor(x.shape.map((s, i) => (i === k ? length : s)));
  for (let o = 0; o < outer; o++) out.data.set(x.data.subarray((o * size + start) * inner, (o * size + start + length) * inner), o * length * inner);
  return out;
}

/** F.pad: `pad` lists (before, after) pairs starting from the last dimension; negative values crop. */
export function pad(x: Tensor, padding: readonly number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular', value = 0): Tensor {
  if (padding.length % 2 !== 0 || padding.length / 2 > x.shape.length) {
    throw new Error(`pad: padding (${padding.join(', ')}) must have an even length of at most twice the input rank ${x.shape.length}`);
  }
  const r = x.shape.length;
  const before = new Array<number>(r).fill(0), after = new Array<number>(r).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[r - 1 - i] = at(padding, 2 * i);
    after[r - 1 - i] = at(padding, 2 * i + 1);
  }
  const outShape = x.shape.map((s, i) => s + at(before, i) + at(after, i));
  if (outShape.some((s) => s < 0)) throw new Error(`pad: padding (${padding.join(', ')}) crops ${shapeString(x.shape)} below zero size`);
  if (mode === 'reflect') {
    x.shape.forEach((s, i) => {
      if (at(before, i) >= s || at(after, i) >= s) throw new Error(`pad: reflect padding (${padding.join(', ')}) must be smaller than the input dimension ${s}`);
    });
  }
  const pm: PaddingMode = mode === 'constant' ? 'zeros' : mode;
  const out = tensor(outShape);
  if (r === 0 || out.data.length === 0) return { shape: outShape, data: out.data.length === 0 ? out.data : new Float32Array(x.data) };
  // Row by row over the last dimension: the source row from the outer indices, then the columns.
  const W = at(x.shape, r - 1), Wout = at(outShape, r - 1), left = at(before, r - 1);
  const cols = new Int32Array(Wout);
  for (let j = 0; j < Wout; j++) cols[j] = padIndex(j - left, W, pm);
  const bulk = mode === 'constant' && left >= 0 && at(after, r - 1) >= 0;
  const inStrides: number[] = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStrides[i] = at(inStrides, i + 1) * at(x.shape, i + 1);
  const idx = new Array<number>(r - 1).fill(0);
  for (let o = 0; o < out.data.length; o += Wout) {
    let src = 0, inside = true;
    for (let k = 0; k < r - 1; k++) {
      const j = padIndex(at(idx, k) - at(before, k), at(x.shape, k), pm);
      if (j < 0) { inside = false; break; }
      src += j * at(inStrides, k);
    }
    if (!inside) out.data.fill(value, o, o + Wout);
    else if (bulk) {
      out.data.fill(value, o, o + left);
      out.data.set(x.data.subarray(src, src + W), o + left);
      out.data.fill(value, o + left + W, o + Wout);
    } else {
      for (let j = 0; j < Wout; j++) {
        const c = cols[j] as number;
        out.data[o + j] = c < 0 ? value : at(x.data, src + c);
      }
    }
    for (let k = r - 2; k >= 0; k--) {
      idx[k] = at(idx, k) + 1;
      if (at(idx, k) < at(outShape, k)) break;
      idx[k] = 0;
    }
  }
  return out;
}

export function pixelShuffle(x: Tensor, r: number): Tensor {
  if (x.shape.length !== 4) throw new Error(`pixel_shuffle expects a 4-d input, got ${shapeString(x.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (C % (r * r) !== 0) throw new Error(`pixel_shuffle: ${C} channels are not divisible by upscale_factor^2 = ${r * r}`);
  const Co = C / (r * r);
  const y = reshape(x, [N, Co, r, r, H, W]);
  return reshape(permute(y, [0, 1, 4, 2, 5, 3]), [N, Co, H * r, W * r]);
}

export function pixelUnshuffle(x: Tensor, r: number): Tensor {
  if (x.shape.length !== 4) throw new Error(`pixel_unshuffle expects a 4-d input, got ${shapeString(x.shape)}`);
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (H % r !== 0 || W % r !== 0) throw new Error(`pixel_unshuffle: ${H}x${W} is not divisible by downscale_factor ${r}`);
  const y = reshape(x, [N, C, H / r, r, W / r, r]);
  return reshape(permute(y, [0, 1, 3, 5, 2, 4]), [N, C * r * r, H / r, W / r]);
}

export function squeeze(x: Tensor, d?: number): Tensor {
  if (d === undefined) return { shape: x.shape.filter((s) => s !== 1), data: x.data };
  const k = normDim(d, x.shape.length);
  return x.shape[k] === 1 ? { shape: x.shape.filter((_, i) => i !== k), data: x.data } : x;
}

export function unsqueeze(x: Tensor, d: number): Tensor {
  const k = normDim(d, x.shape.length + 1);
  return { shape: [...x.shape.slice(0, k), 1, ...x.shape.slice(k)], data: x.data };
}
