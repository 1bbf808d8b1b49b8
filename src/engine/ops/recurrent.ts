// Recurrent layers with PyTorch's equations (eval mode, so no dropout between layers): RNN (tanh/relu), LSTM (with
// proj_size), GRU, stacked and bidirectional, batch_first and unbatched inputs, and the three cells.
// Each layer and direction projects the whole input sequence at once through the GEMM kernel (x·W_ihᵀ + b_ih for
// all T·N rows in one call); the recurrent step h·W_hhᵀ is a GEMV per batch row, as it must wait for h.
import { linearRows } from './matmul';
import { at, shapeString, type Tensor } from '../tensor';

export type RecurrentMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

export const GATES: Record<RecurrentMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

export interface RecurrentOptions {
  mode: RecurrentMode;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  /** LSTM projection size (0: none). */
  proj: number;
}

/** Weights of one layer and direction, by PyTorch's parameter names. */
export interface CellWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
  whr: Tensor | null;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** gh[n, g] = h[n]·W_hh[g] + b_hh[g] (float64 sums). */
function stepProjection(h: Float32Array, N: number, whh: Tensor, bhh: Tensor | null): Float64Array {
  const [GH, Hin] = whh.shape as [number, number];
  const w = whh.data;
  const out = new Float64Array(N * GH);
  for (let n = 0; n < N; n++) {
    const hb = n * Hin;
    for (let g = 0; g < GH; g++) {
      const wb = g * Hin;
      let s = bhh === null ? 0 : at(bhh.data, g);
      for (let k = 0; k < Hin; k++) s += at(h, hb + k) * at(w, wb + k);
      out[n * GH + g] = s;
    }
  }
  return out;
}

/**
 * One step of a cell on N rows: gx holds x·W_ihᵀ + b_ih for the rows (row stride G·H, starting at gxOff).
 * Updates h (and c) in place, rounding to float32 as PyTorch stores them.
 */
function cellStep(mode: RecurrentMode, gx: Float32Array, gxOff: number, N: number, H: number, w: CellWeights, h: Float32Array, c: Float32Array | null): void {
  const G = GATES[mode] * H;
  const gh = stepProjection(h, N, w.whh, w.bhh);
  const Hout = w.whr === null ? H : (w.whr.shape[0] as number);
  const full = w.whr === null ? h : new Float32Array(N * H);
  for (let n = 0; n < N; n++) {
    const xb = gxOff + n * G, hb = n * G;
    for (let j = 0; j < H; j++) {
      if (mode === 'LSTM') {
        const cc = c as Float32Array;
        const i = sigmoid(at(gx, xb + j) + (gh[hb + j] as number));
        const f = sigmoid(at(gx, xb + H + j) + (gh[hb + H + j] as number));
        const g = Math.tanh(at(gx, xb + 2 * H + j) + (gh[hb + 2 * H + j] as number));
        const o = sigmoid(at(gx, xb + 3 * H + j) + (gh[hb + 3 * H + j] as number));
        const cn = Math.fround(f * at(cc, n * H + j) + i * g);
        cc[n * H + j] = cn;
        full[n * H + j] = o * Math.tanh(cn);
      } else if (mode === 'GRU') {
        const r = sigmoid(at(gx, xb + j) + (gh[hb + j] as number));
        const z = sigmoid(at(gx, xb + H + j) + (gh[hb + H + j] as number));
        const nn = Math.tanh(at(gx, xb + 2 * H + j) + r * (gh[hb + 2 * H + j] as number));
        h[n * H + j] = (1 - z) * nn + z * at(h, n * H + j);
      } else {
        const v = at(gx, xb + j) + (gh[hb + j] as number);
        h[n * H + j] = mode === 'RNN_TANH' ? Math.tanh(v) : Math.max(0, v);
      }
    }
  }
  if (w.whr !== null) {
    // h = (o * tanh(c))·W_hrᵀ
    const wr = w.whr.data;
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < Hout; p++) {
        let s = 0;
        for (let k = 0; k < H; k++) s += at(full, n * H + k) * at(wr, p * H + k);
        h[n * Hout + p] = s;
      }
    }
  }
}

export interface RecurrentResult {
  output: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * Runs the whole stack. x: [T, N, I] ([N, T, I] batch_first, [T, I] unbatched); h0 [L·D, N, Hout] and, for an
 * LSTM, c0 [L·D, N, H] ([L·D, ·] unbatched), or null for zeros. `weights(layer, reverse)` gives each cell's weights.
 */
export function recurrent(x: Tensor, h0: Tensor | null, c0: Tensor | null, o: RecurrentOptions, weights: (layer: number, reverse: boolean) => CellWeights): RecurrentResult {
  const unbatched = x.shape.length === 2;
  if (x.shape.length !== 2 && x.shape.length !== 3) throw new Error(`${o.mode === 'LSTM' || o.mode === 'GRU' ? o.mode : 'RNN'}: expected a 2-d (unbatched) or 3-d input, got ${shapeString(x.shape)}`);
  const T = unbatched || !o.batchFirst ? (x.shape[0] as number) : (x.shape[1] as number);
  const N = unbatched ? 1 : o.batchFirst ? (x.shape[0] as number) : (x.shape[1] as number);
  const I = x.shape[x.shape.length - 1] as number;
  const H = o.hidden, D = o.bidirectional ? 2 : 1, L = o.layers;
  const Hout = o.proj > 0 ? o.proj : H;
  // Time-major rows [T·N, I].
  let seq: Float32Array;
  if (!unbatched && o.batchFirst) {
    seq = new Float32Array(T * N * I);
    for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) seq.set(x.data.subarray((n * T + t) * I, (n * T + t + 1) * I), (t * N + n) * I);
  } else seq = x.data;
  const state = (s: Tensor | null, width: number, what: string): Float32Array => {
    if (s === null) return new Float32Array(L * D * N * width);
    if (s.data.length !== L * D * N * width) throw new Error(`${what} is ${shapeString(s.shape)} but must hold (${L * D}, ${N}, ${width})`);
    return s.data;
  };
  const hInit = state(h0, Hout, 'the initial hidden state');
  const cInit = o.mode === 'LSTM' ? state(c0, H, 'the initial cell state') : null;
  const hN = new Float32Array(L * D * N * Hout);
  const cN = o.mode === 'LSTM' ? new Float32Array(L * D * N * H) : null;
  const G = GATES[o.mode] * H;
  for (let l = 0; l < L; l++) {
    const inWidth = l === 0 ? I : D * Hout;
    const next = new Float32Array(T * N * D * Hout);
    for (let d = 0; d < D; d++) {
      const w = weights(l, d === 1);
      if (w.wih.shape[1] !== inWidth) throw new Error(`layer ${l} expects ${w.wih.shape[1] ?? 0} input features, got ${inWidth}`);
      const gx = linearRows(seq, T * N, w.wih, w.bih?.data ?? null);
      const k = l * D + d;
      const h = hInit.slice(k * N * Hout, (k + 1) * N * Hout);
      const c = cInit === null ? null : cInit.slice(k * N * H, (k + 1) * N * H);
      for (let s = 0; s < T; s++) {
        const t = d === 1 ? T - 1 - s : s;
        cellStep(o.mode, gx, t * N * G, N, H, w, h, c);
        for (let n = 0; n < N; n++) next.set(h.subarray(n * Hout, (n + 1) * Hout), (t * N + n) * D * Hout + d * Hout);
      }
      hN.set(h, k * N * Hout);
      if (cN !== null && c !== null) cN.set(c, k * N * H);
    }
    seq = next;
  }
  const F = D * Hout;
  let out = seq;
  if (!unbatched && o.batchFirst) {
    out = new Float32Array(T * N * F);
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) out.set(seq.subarray((t * N + n) * F, (t * N + n + 1) * F), (n * T + t) * F);
  }
  return {
    output: { shape: unbatched ? [T, F] : o.batchFirst ? [N, T, F] : [T, N, F], data: out },
    hN: { shape: unbatched ? [L * D, Hout] : [L * D, N, Hout], data: hN },
    cN: cN === null ? null : { shape: unbatched ? [L * D, H] : [L * D, N, H], data: cN },
  };
}

/** One application of an RNNCell/LSTMCell/GRUCell: x [N, I] or [I]; h, c [N, H] or [H] (null: zeros). */
export function cell(mode: RecurrentMode, x: Tensor, h0: Tensor | null, c0: Tensor | null, w: CellWeights): { h: Tensor; c: Tensor | null } {
  if (x.shape.length !== 1 && x.shape.length !== 2) throw new Error(`cell: expected a 1-d (unbatched) or 2-d input, got ${shapeString(x.shape)}`);
  const unbatched = x.shape.length === 1;
  const N = unbatched ? 1 : (x.shape[0] as number);
  const H = w.whh.shape[1] as number;
  const take = (s: Tensor | null, what: string): Float32Array => {
    if (s === null) return new Float32Array(N * H);
    if (s.data.length !== N * H) throw new Error(`${what} is ${shapeString(s.shape)} but must hold (${N}, ${H})`);
    return Float32Array.from(s.data);
  };
  const h = take(h0, 'the hidden state');
  const c = mode === 'LSTM' ? take(c0, 'the cell state') : null;
  const gx = linearRows(x.data, N, w.wih, w.bih?.data ?? null);
  cellStep(mode, gx, 0, N, H, w, h, c);
  const shape = unbatched ? [H] : [N, H];
  return { h: { shape, data: h }, c: c === null ? null : { shape, data: c } };
}
