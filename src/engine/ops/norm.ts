// Normalisation layers in eval mode: batch norm uses running stats when it tracks them; group, layer and
// instance norm use the statistics of the input itself (biased variance), like PyTorch.
import { at, dim, shapeString, tensor, type Tensor } from '../tensor';
import { runtime } from '../runtime';
import { output } from './elementwise';

function channelInner(x: Tensor, op: string): [number, number, number] {
  if (x.shape.length < 2) throw new Error(`${op} expects at least a 2-d input (N, C, ...), got ${shapeString(x.shape)}`);
  const N = dim(x, 0), C = dim(x, 1);
  return [N, C, x.data.length / (N * C)];
}

function affine(weight: Tensor | null, bias: Tensor | null, c: number): [number, number] {
  return [weight === null ? 1 : at(weight.data, c), bias === null ? 0 : at(bias.data, c)];
}

export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const [N, C, inner] = channelInner(x, 'batch_norm');
  for (const [t, what] of [[runningMean, 'running_mean'], [runningVar, 'running_var'], [weight, 'weight'], [bias, 'bias']] as const) {
    if (t !== null && t.data.length !== C) throw new Error(`batch_norm: ${what} has ${t.data.length} values but the input has ${C} channels`);
  }
  // In the engine's memory where the executor placed it: the ReLU or conv after it then reads it there.
  const out = output(x.shape);
  const scales = new Float64Array(2 * C);
  for (let c = 0; c < C; c++) {
    let mean: number, variance: number;
    if (runningMean !== null && runningVar !== null) {
      mean = at(runningMean.data, c);
      variance = at(runningVar.data, c);
    } else {
      [mean, variance] = stats(x.data, N, C, inner, c);
    }
    const invstd = 1 / Math.sqrt(variance + eps);
    const [g, b] = affine(weight, bias, c);
    const scale = invstd * g;
    scales[2 * c] = scale;
    scales[2 * c + 1] = b - mean * scale;
  }
  // Both resident (the preview keeps every output): one wasm pass, the same double arithmetic as the loop below.
  const rt = runtime();
  const xAt = rt.addressOf(x.data), outAt = rt.addressOf(out.data);
  if (xAt !== null && outAt !== null && !rt.busy && x.data.length >= 64) {
    let p = 0;
    rt.withScratch('batch_norm', (s) => { p = s.alloc(16 * C); }, () => {
      new Float64Array(rt.k.memory.buffer, p, 2 * C).set(scales);
      rt.k.scale_shift_runs(xAt, outAt, N * C, inner, C, p);
    });
    return { shape: out.shape, data: rt.view(outAt, out.data.length) };
  }
  const xd = x.data, od = out.data;
  for (let r = 0; r < N * C; r++) {
    const c = r % C, scale = scales[2 * c] as number, shift = scales[2 * c + 1] as number;
    for (let i = r * inner; i < (r + 1) * inner; i++) od[i] = (xd[i] as number) * scale + shift;
  }
  return out;
}

function stats(d: Float32Array, N: number, C: number, inner: number, c: number): [number, number] {
  let s = 0, cnt = 0;
  for (let n = 0; n < N; n++) { const b = (n * C + c) * inner; for (let i = 0; i < inner; i++) s += at(d, b + i); cnt += inner; }
  const mean = s / cnt;
  let v = 0;
  for (let n = 0; n < N; n++) { const b = (n * C + c) * inner; for (let i = 0; i < inner; i++) { const e = at(d, b + i) - mean; v += e * e; } }
  return [mean, v / cnt];
}

/** The affine parameters of a run: element i gets weight and bias [first + floor(i / every)] (1 and 0 where absent). */
interface RunAffine {
  weight: Tensor | null;
  bias: Tensor | null;
  first: number;
  every: number;
}

/**
 * Normalises the contiguous run [start, start+len) of `x` by its own mean and biased variance, then applies `affine`
 * when given: per element for layer norm (every 1), per channel for group and instance norm. The parameters are read
 * once per channel, not as a pair per element (a ConvNeXt block normalises 3136 runs of 96 channels).
 */
function normalizeRuns(x: Float32Array, out: Float32Array, start: number, len: number, eps: number, affine: RunAffine | null): void {
  let s = 0;
  for (let i = 0; i < len; i++) s += at(x, start + i);
  const mean = s / len;
  let v = 0;
  for (let i = 0; i < len; i++) { const e = at(x, start + i) - mean; v += e * e; }
  const invstd = 1 / Math.sqrt(v / len + eps);
  if (affine === null) {
    for (let i = 0; i < len; i++) out[start + i] = (at(x, start + i) - mean) * invstd;
    return;
  }
  const w = affine.weight?.data ?? null, b = affine.bias?.data ?? null, { first, every } = affine;
  if (every === 1) {
    for (let i = 0; i < len; i++) out[start + i] = (at(x, start + i) - mean) * invstd * (w === null ? 1 : at(w, first + i)) + (b === null ? 0 : at(b, first + i));
    return;
  }
  for (let i = 0, c = first; i < len; c++) {
    const g = w === null ? 1 : at(w, c), h = b === null ? 0 : at(b, c);
    for (const end = Math.min(len, i + every); i < end; i++) out[start + i] = (at(x, start + i) - mean) * invstd * g + h;
  }
}

export function groupNorm(x: Tensor, groups: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const [N, C, inner] = channelInner(x, 'group_norm');
  if (C % groups !== 0) throw new Error(`group_norm: ${C} channels are not divisible into ${groups} groups`);
  const out = tensor(x.shape);
  const cg = C / groups;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const start = (n * C + g * cg) * inner;
      normalizeRuns(x.data, out.data, start, cg * inner, eps, { weight, bias, first: g * cg, every: inner });
    }
  }
  return out;
}

export function instanceNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const [N, C, inner] = channelInner(x, 'instance_norm');
  if (runningMean !== null && runningVar !== null) return batchNorm(x, runningMean, runningVar, weight, bias, eps);
  const out = tensor(x.shape);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      normalizeRuns(x.data, out.data, (n * C + c) * inner, inner, eps, weight === null && bias === null ? null : { weight, bias, first: c, every: inner });
    }
  }
  return out;
}

export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (k > x.shape.length || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new Error(`layer_norm: normalized_shape ${shapeString(normalizedShape)} does not match the last dimensions of the input ${shapeString(x.shape)}`);
  }
  const len = tail.reduce((p, d) => p * d, 1);
  const out = tensor(x.shape);
  const affine = weight === null && bias === null ? null : { weight, bias, first: 0, every: 1 };
  for (let s = 0; s < x.data.length; s += len) normalizeRuns(x.data, out.data, s, len, eps, affine);
  return out;
}

