// nn.MultiheadAttention as F.multi_head_attention_forward computes it in eval mode (PyTorch 1.13), and the
// Transformer encoder/decoder layers built on it. Projections and the per-head products run on the GEMM kernel.
import { gelu, relu } from './activation';
import { add } from './elementwise';
import { linearGemm, mm } from './matmul';
import { layerNorm } from './norm';
import { at, shapeString, type Tensor } from '../tensor';

export type Lookup = (name: string) => Tensor | null;

function need(p: Lookup, name: string): Tensor {
  const t = p(name);
  if (t === null) throw new Error(`missing parameter ${name}`);
  return t;
}

export interface MhaOptions {
  embed: number;
  heads: number;
  batchFirst: boolean;
  addZeroAttn: boolean;
  needWeights: boolean;
  averageWeights: boolean;
}

const slices = new WeakMap<Float32Array, Tensor[]>();

/** Row blocks of a packed [3E, E] projection (or its [3E] bias), the same arrays every call so packing caches hold. */
function thirds(t: Tensor): [Tensor, Tensor, Tensor] {
  let hit = slices.get(t.data);
  if (hit === undefined) {
    const E = (t.shape[0] as number) / 3;
    const per = t.data.length / 3;
    hit = [0, 1, 2].map((i) => ({ shape: t.shape.length === 1 ? [E] : [E, ...t.shape.slice(1)], data: t.data.slice(i * per, (i + 1) * per) }));
    slices.set(t.data, hit);
  }
  return hit as [Tensor, Tensor, Tensor];
}

/** [L, N, F] (time-major) or [N, L, F] (batch_first) or [L, F] (unbatched) -> batch-major [N, L, F] data. */
function batchMajor(x: Tensor, batchFirst: boolean, unbatched: boolean): { N: number; L: number; F: number; data: Float32Array } {
  if (unbatched) return { N: 1, L: x.shape[0] as number, F: x.shape[1] as number, data: x.data };
  const [a, b, F] = x.shape as [number, number, number];
  if (batchFirst) return { N: a, L: b, F, data: x.data };
  const data = new Float32Array(x.data.length);
  for (let l = 0; l < a; l++) for (let n = 0; n < b; n++) data.set(x.data.subarray((l * b + n) * F, (l * b + n + 1) * F), (n * a + l) * F);
  return { N: b, L: a, F, data };
}

function fromBatchMajor(data: Float32Array, N: number, L: number, F: number, batchFirst: boolean, unbatched: boolean): Tensor {
  if (unbatched) return { shape: [L, F], data };
  if (batchFirst) return { shape: [N, L, F], data };
  const out = new Float32Array(data.length);
  for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) out.set(data.subarray((n * L + l) * F, (n * L + l + 1) * F), (l * N + n) * F);
  return { shape: [L, N, F], data: out };
}

/** (attn_output, attn_weights or null). p looks up the module's own parameters (in_proj_weight, out_proj.weight, ...). */
export function multiheadAttention(query: Tensor, key: Tensor, value: Tensor, o: MhaOptions, p: Lookup): { output: Tensor; weights: Tensor | null } {
  const unbatched = query.shape.length === 2;
  if (!unbatched && query.shape.length !== 3) throw new Error(`multi_head_attention: query should be 2-d (unbatched) or 3-d, got ${shapeString(query.shape)}`);
  if (key.shape.length !== query.shape.length || value.shape.length !== query.shape.length) {
    throw new Error(`multi_head_attention: query ${shapeString(query.shape)}, key ${shapeString(key.shape)} and value ${shapeString(value.shape)} must have the same rank`);
  }
  const E = o.embed, Hh = o.heads, hd = E / Hh;
  if (!Number.isInteger(hd)) throw new Error(`embed_dim ${E} must be divisible by num_heads ${Hh}`);
  const q = batchMajor(query, o.batchFirst, unbatched), k = batchMajor(key, o.batchFirst, unbatched), v = batchMajor(value, o.batchFirst, unbatched);
  if (k.N !== q.N || v.N !== q.N || k.L !== v.L) throw new Error(`multi_head_attention: query ${shapeString(query.shape)}, key ${shapeString(key.shape)} and value ${shapeString(value.shape)} do not fit`);
  const packed = p('in_proj_weight');
  const bias = p('in_proj_bias');
  const [wq, wk, wv] = packed !== null ? thirds(packed) : [need(p, 'q_proj_weight'), need(p, 'k_proj_weight'), need(p, 'v_proj_weight')];
  const [bq, bk, bv] = bias !== null ? thirds(bias) : [null, null, null];
  const N = q.N, L = q.L;
  const Q = linearGemm({ shape: [N * L, q.F], data: q.data }, wq, bq).data;
  let K = linearGemm({ shape: [N * k.L, k.F], data: k.data }, wk, bk).data;
  let V = linearGemm({ shape: [N * v.L, v.F], data: v.data }, wv, bv).data;
  let S = k.L;
  // add_bias_kv appends one key/value row per batch (bias_k, bias_v); add_zero_attn one zero row after it.
  const extra = (rows: Float32Array, b: Tensor | null, zero: boolean): Float32Array => {
    const add = (b === null ? 0 : 1) + (zero ? 1 : 0);
    if (add === 0) return rows;
    const out = new Float32Array(N * (S + add) * E);
    for (let n = 0; n < N; n++) {
      out.set(rows.subarray(n * S * E, (n + 1) * S * E), n * (S + add) * E);
      if (b !== null) out.set(b.data.subarray(0, E), (n * (S + add) + S) * E);
    }
    return out;
  };
  const bk0 = p('bias_k'), bv0 = p('bias_v');
  if ((bk0 === null) !== (bv0 === null)) throw new Error('multi_head_attention: bias_k and bias_v go together');
  K = extra(K, bk0, o.addZeroAttn);
  V = extra(V, bv0, o.addZeroAttn);
  S += (bk0 === null ? 0 : 1) + (o.addZeroAttn ? 1 : 0);
  const root = Math.sqrt(hd);
  const attn = new Float32Array(N * L * E);
  const weights = o.needWeights ? new Float32Array(N * Hh * L * S) : null;
  const qh = new Float32Array(L * hd), kh = new Float32Array(S * hd), vh = new Float32Array(S * hd);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < Hh; h++) {
      for (let l = 0; l < L; l++) for (let j = 0; j < hd; j++) qh[l * hd + j] = at(Q, (n * L + l) * E + h * hd + j) / root;
      for (let s = 0; s < S; s++) {
        kh.set(K.subarray((n * S + s) * E + h * hd, (n * S + s) * E + (h + 1) * hd), s * hd);
        vh.set(V.subarray((n * S + s) * E + h * hd, (n * S + s) * E + (h + 1) * hd), s * hd);
      }
      const scores = mm(qh, L, hd, kh, S, true);
      for (let l = 0; l < L; l++) {
        let m = -Infinity;
        for (let s = 0; s < S; s++) m = Math.max(m, at(scores, l * S + s));
        let sum = 0;
        for (let s = 0; s < S; s++) sum += Math.exp(at(scores, l * S + s) - m);
        for (let s = 0; s < S; s++) scores[l * S + s] = Math.exp(at(scores, l * S + s) - m) / sum;
      }
      if (weights !== null) weights.set(scores, ((n * Hh + h) * L) * S);
      const out = mm(scores, L, S, vh, hd, false);
      for (let l = 0; l < L; l++) attn.set(out.subarray(l * hd, (l + 1) * hd), (n * L + l) * E + h * hd);
    }
  }
  const projected = linearGemm({ shape: [N * L, E], data: attn }, need(p, 'out_proj.weight'), p('out_proj.bias')).data;
  const output = fromBatchMajor(projected, N, L, E, o.batchFirst, unbatched);
  if (weights === null) return { output, weights: null };
  if (!o.averageWeights) return { output, weights: { shape: unbatched ? [Hh, L, S] : [N, Hh, L, S], data: weights } };
  const avg = new Float32Array(N * L * S);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < L * S; i++) {
      let s = 0;
      for (let h = 0; h < Hh; h++) s += at(weights, (n * Hh + h) * L * S + i);
      avg[n * L * S + i] = Math.fround(s) / Hh;
    }
  }
  return { output, weights: { shape: unbatched ? [L, S] : [N, L, S], data: avg } };
}

export interface TransformerLayerOptions {
  dModel: number;
  heads: number;
  activation: 'relu' | 'gelu' | 'gelu_tanh';
  eps: number;
  batchFirst: boolean;
  normFirst: boolean;
}

const within = (p: Lookup, prefix: string): Lookup => (n) => p(prefix + n);

function selfAttention(x: Tensor, mem: Tensor, o: TransformerLayerOptions, p: Lookup): Tensor {
  return multiheadAttention(x, mem, mem, { embed: o.dModel, heads: o.heads, batchFirst: o.batchFirst, addZeroAttn: false, needWeights: false, averageWeights: true }, p).output;
}

function feedForward(x: Tensor, o: TransformerLayerOptions, p: Lookup): Tensor {
  const h = linearGemm(x, need(p, 'linear1.weight'), p('linear1.bias'));
  const a = o.activation === 'relu' ? relu(h) : gelu(h, o.activation === 'gelu_tanh' ? 'tanh' : 'none');
  return linearGemm(a, need(p, 'linear2.weight'), p('linear2.bias'));
}

function norm(x: Tensor, o: TransformerLayerOptions, p: Lookup, name: string): Tensor {
  return layerNorm(x, [o.dModel], p(`${name}.weight`), p(`${name}.bias`), o.eps);
}

export function encoderLayer(src: Tensor, o: TransformerLayerOptions, p: Lookup): Tensor {
  const sa = within(p, 'self_attn.');
  let x = src;
  if (o.normFirst) {
    const n1 = norm(x, o, p, 'norm1');
    x = add(x, selfAttention(n1, n1, o, sa));
    x = add(x, feedForward(norm(x, o, p, 'norm2'), o, p));
  } else {
    x = norm(add(x, selfAttention(x, x, o, sa)), o, p, 'norm1');
    x = norm(add(x, feedForward(x, o, p)), o, p, 'norm2');
  }
  return x;
}

export function decoderLayer(tgt: Tensor, memory: Tensor, o: TransformerLayerOptions, p: Lookup): Tensor {
  const sa = within(p, 'self_attn.'), ca = within(p, 'multihead_attn.');
  let x = tgt;
  if (o.normFirst) {
    const n1 = norm(x, o, p, 'norm1');
    x = add(x, selfAttention(n1, n1, o, sa));
    x = add(x, selfAttention(norm(x, o, p, 'norm2'), memory, o, ca));
    x = add(x, feedForward(norm(x, o, p, 'norm3'), o, p));
  } else {
    x = norm(add(x, selfAttention(x, x, o, sa)), o, p, 'norm1');
    x = norm(add(x, selfAttention(x, memory, o, ca)), o, p, 'norm2');
    x = norm(add(x, feedForward(x, o, p)), o, p, 'norm3');
  }
  return x;
}

/** num_layers applications of the layer at `layers.<i>.`, then the optional final norm at `norm.`. */
export function stack(x: Tensor, layers: number, finalNorm: { eps: number; shape: number[] } | null, p: Lookup, one: (x: Tensor, p: Lookup) => Tensor): Tensor {
  let y = x;
  for (let i = 0; i < layers; i++) y = one(y, within(p, `layers.${i}.`));
  return finalNorm === null ? y : layerNorm(y, finalNorm.shape, p('norm.weight'), p('norm.bias'), finalNorm.eps);
}
