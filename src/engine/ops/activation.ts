// Element-wise activations with PyTorch's definitions (computed in double, stored as float32).
import { runtime } from '../runtime';
import { at, dim, normDim, shapeString, tensor, type Tensor } from '../tensor';

export function mapUnary(x: Tensor, f: (v: number) => number): Tensor {
  const out = tensor(x.shape);
  const a = x.data, o = out.data;
  for (let i = 0; i < a.length; i++) o[i] = f(a[i] as number);
  return out;
}

/** erf with |error| < 1.2e-7 (Numerical Recipes' erfc Chebyshev fit). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const softplusF = (v: number, beta: number, threshold: number): number =>
  v * beta > threshold ? v : Math.log1p(Math.exp(beta * v)) / beta;

// The clamps, SiLU and sigmoid run in wasm (four lanes at a time): a JavaScript loop over real activations
// mispredicts its comparisons (ReLU of 64x112x112: 6 ms against about 1 ms) and calls Math.exp per value
// (SiLU of 96x112x112: about 35 ms against under 1 ms).
function inWasm(x: Tensor, what: string, kernel: (src: number, dst: number, n: number) => void): Tensor {
  const n = x.data.length;
  if (n === 0) return tensor(x.shape);
  const rt = runtime();
  // A resident input is read where it is; a placed output is written where the executor planned it.
  const xAt = rt.addressOf(x.data), outAt = rt.takeOutput(n);
  if (xAt !== null && outAt !== null) {
    kernel(xAt, outAt, n);
    return { shape: [...x.shape], data: rt.view(outAt, n) };
  }
  const out = tensor(x.shape);
  let p = 0;
  rt.withScratch(`${what} ${shapeString(x.shape)}`, (s) => { p = s.alloc(n * 4); }, () => {
    if (xAt === null) rt.f32.set(x.data, p >> 2);
    kernel(xAt ?? p, outAt ?? p, n);
    if (outAt === null) out.data.set(rt.f32.subarray(p >> 2, (p >> 2) + n));
  });
  return outAt === null ? out : { shape: [...x.shape], data: rt.view(outAt, n) };
}

export function hardtanh(x: Tensor, lo = -1, hi = 1): Tensor {
  const rt = runtime();
  return inWasm(x, 'hardtanh', (src, dst, n) => rt.k.clamp_f32(src, dst, n, lo, hi));
}
export const relu = (x: Tensor): Tensor => hardtanh(x, 0, Infinity);
export const relu6 = (x: Tensor): Tensor => hardtanh(x, 0, 6);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => mapUnary(x, (v) => (v < 0 ? v * slope : v));
export const elu = (x: Tensor, alpha = 1): Tensor => mapUnary(x, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
export const selu = (x: Tensor): Tensor => mapUnary(x, (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)));
export const celu = (x: Tensor, alpha = 1): Tensor => mapUnary(x, (v) => Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha)));
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor =>
  approximate === 'tanh'
    ? mapUnary(x, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))))
    : inWasm(x, 'gelu', (src, dst, n) => runtime().k.gelu_f32(src, dst, n));
/** SiLU and sigmoid in float32 as PyTorch's CPU kernels compute them (x / (1 + exp(-x)), 1 / (1 + exp(-x))). */
export const silu = (x: Tensor): Tensor => inWasm(x, 'silu', (src, dst, n) => runtime().k.silu_f32(src, dst, n));
export const mish = (x: Tensor): Tensor => mapUnary(x, (v) => v * Math.tanh(softplusF(v, 1, 20)));
export const sigmoidT = (x: Tensor): Tensor => inWasm(x, 'sigmoid', (src, dst, n) => runtime().k.sigmoid_f32(src, dst, n));
export const tanh = (x: Tensor): Tensor => mapUnary(x, Math.tanh);
export const hardswish = (x: Tensor): Tensor => mapUnary(x, (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6));
export const hardsigmoid = (x: Tensor): Tensor => mapUnary(x, (v) => (v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5));
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => mapUnary(x, (v) => softplusF(v, beta, threshold));
export const softsign = (x: Tensor): Tensor => mapUnary(x, (v) => v / (1 + Math.abs(v)));
export const identity = (x: Tensor): Tensor => x;

/** PReLU: one slope, or one per channel (dim 1). */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  const n = weight.data.length;
  if (n === 1) {
    const a = at(weight.data, 0);
    return mapUnary(x, (v) => (v < 0 ? a * v : v));
  }
  const C = x.shape.length >= 2 ? dim(x, 1) : 1;
  if (C !== n) throw new Error(`prelu has ${n} parameters but the input ${shapeString(x.shape)} has ${C} channels`);
  const inner = x.shape.slice(2).reduce((p, d) => p * d, 1);
  const out = tensor(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const v = at(x.data, i);
    out.data[i] = v < 0 ? at(weight.data, Math.floor(i / inner) % C) * v : v;
  }
  return out;
}

function alongDim(x: Tensor, d: number, f: (get: (j: number) => number, set: (j: number, v: number) => void, len: number) => void): Tensor {
  const k = normDim(d, x.shape.length);
  const len = dim(x, k);
  const inner = x.shape.slice(k + 1).reduce((p, q) => p * q, 1);
  const outer = x.data.length / (len * inner);
  const out = tensor(x.shape);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      f((j) => at(x.data, base + j * inner), (j, v) => { out.data[base + j * inner] = v; }, len);
    }
  }
  return out;
}

export function softmax(x: Tensor, d: number): Tensor {
  return alongDim(x, d, (get, set, len) => {
    let m = -Infinity;
    for (let j = 0; j < len; j++) m = Math.max(m, get(j));
    let s = 0;
    for (let j = 0; j < len; j++) s += Math.exp(get(j) - m);
    for (let j = 0; j < len; j++) set(j, Math.exp(get(j) - m) / s);
  });
}

export function logSoftmax(x: Tensor, d: number): Tensor {
  return alongDim(x, d, (get, set, len) => {
    let m = -Infinity;
    for (let j = 0; j < len; j++) m = Math.max(m, get(j));
    let s = 0;
    for (let j = 0; j < len; j++) s += Math.exp(get(j) - m);
    const ls = Math.log(s);
    for (let j = 0; j < len; j++) set(j, get(j) - m - ls);
  });
}
