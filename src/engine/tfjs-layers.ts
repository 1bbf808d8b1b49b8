// TensorFlow.js layers (tf.layers.*) with TF.js's semantics: channels-last tensors ([N, H, W, C], [N, L, C]),
// padding 'same' as TF pads (the odd pixel at the bottom/right), glorot-uniform kernels and zero biases by default,
// Keras weight layouts ([kh, kw, in, out] kernels) and names (kernel, bias, gamma, beta, moving_mean, ...).
// Convolutions and max pooling run on the engine's channels-first kernels: the input is transposed in and the
// output back (two copies against a convolution's many passes); the rest works on channels-last data directly.
// The core hands each layer its config as written plus `batchInputShape`: the shape of the input it gets.
import * as A from './ops/activation';
import { conv2d, convTranspose2d } from './ops/conv';
import { linear } from './ops/linear';
import { maxPool2d } from './ops/pool';
import { pad, permute, reshape } from './ops/shape';
import { ArgError, bool, has, int, need, num, str, tuple, type Args } from './args';
import type { Init, LayerDef, ParamSpec } from './layers';
import { at, shapeString, tensor, type Tensor } from './tensor';

// ---- arguments ----

/** The layer's input shape as the core computed it; every dimension but the batch must be known. */
function inputShape(a: Args, layer: string): number[] {
  const s = a['batchInputShape'];
  if (!Array.isArray(s)) throw new ArgError(`${layer} needs its input shape`, 'inputShape', true);
  return s.map((d, i) => {
    if (i === 0) return typeof d === 'number' ? d : 1;
    if (typeof d !== 'number') throw new ArgError(`the input shape of ${layer} is [${s.join(', ')}]: every size but the batch must be known`, 'inputShape', true);
    return d;
  });
}

function lastDim(a: Args, layer: string): number {
  const s = inputShape(a, layer);
  return at(s, s.length - 1);
}

function padding(a: Args, allowed: readonly string[] = ['valid', 'same']): string {
  const p = str(a, 'padding', 'valid');
  if (!allowed.includes(p)) throw new ArgError(`padding should be ${allowed.map((v) => `'${v}'`).join(' or ')}, got '${p}'`, 'padding');
  return p;
}

function channelsLast(a: Args): void {
  const f = str(a, 'dataFormat', 'channelsLast');
  if (f !== 'channelsLast') throw new ArgError(`dataFormat '${f}' is not supported by the engine (channelsLast only)`, 'dataFormat');
}

/** TF's padding of one spatial axis: 'same' gives ceil(L / s) outputs, the odd pixel of padding after. */
export function tfPadding(L: number, k: number, s: number, d: number, mode: string): [number, number] {
  if (mode !== 'same') return [0, 0];
  const out = Math.ceil(L / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - L, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

// ---- initializers ----

/** Keras's fans: the last two axes are (in, out), the ones before them the receptive field. */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [at(shape, 0), at(shape, 0)];
  const r = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return [at(shape, shape.length - 2) * r, at(shape, shape.length - 1) * r];
}

/** A tf.initializers name as the engine's seeded init (the values differ from TF's RNG; the distribution does not). */
function initializer(a: Args, key: string, dflt: string, shape: readonly number[]): Init {
  const name = str(a, key, dflt);
  const [fanIn, fanOut] = fans(shape);
  const scaled = (scale: number, normal: boolean): Init =>
    normal ? { kind: 'normal', std: Math.sqrt(scale), truncated: true } : { kind: 'uniform', bound: Math.sqrt(3 * scale) };
  switch (name) {
    case 'zeros': return { kind: 'constant', value: 0 };
    case 'ones': return { kind: 'constant', value: 1 };
    case 'glorotUniform': return scaled(2 / Math.max(1, fanIn + fanOut), false);
    case 'glorotNormal': return scaled(2 / Math.max(1, fanIn + fanOut), true);
    case 'heUniform': return scaled(2 / Math.max(1, fanIn), false);
    case 'heNormal': return scaled(2 / Math.max(1, fanIn), true);
    case 'leCunUniform': return scaled(1 / Math.max(1, fanIn), false);
    case 'leCunNormal': return scaled(1 / Math.max(1, fanIn), true);
    case 'varianceScaling': return scaled(1 / Math.max(1, fanIn), true);
    case 'randomUniform': return { kind: 'uniform', bound: 0.05 };
    case 'randomNormal': return { kind: 'normal', std: 0.05 };
    case 'truncatedNormal': return { kind: 'normal', std: 0.05, truncated: true };
    default: throw new ArgError(`${key} '${name}' is not supported by the engine`, key);
  }
}

// ---- layout ----

/** [N, H, W, C] -> [N, C, H, W]. */
function toChannelsFirst(x: Tensor): Tensor {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  return swapLastTwo(x, N, H * W, C, [N, C, H, W]);
}

/** [N, C, H, W] -> [N, H, W, C]. */
function toChannelsLast(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  return swapLastTwo(x, N, C, H * W, [N, H, W, C]);
}

/** Each of the N [rows, cols] matrices of `x` transposed, as `shape`: the two layouts' one loop (the generic permute walks an index per value). */
function swapLastTwo(x: Tensor, N: number, rows: number, cols: number, shape: number[]): Tensor {
  const out = tensor(shape);
  const src = x.data, dst = out.data;
  for (let n = 0; n < N; n++) {
    const b = n * rows * cols;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[b + j * rows + i] = src[b + i * cols + j] as number;
  }
  return out;
}

function input(i: readonly Tensor[], layer: string, rank?: number): Tensor {
  const x = i[0];
  if (x === undefined) throw new ArgError(`${layer} needs an input tensor`);
  if (rank !== undefined && x.shape.length !== rank) throw new Error(`${layer} expects a ${rank}-d input, got ${shapeString(x.shape)}`);
  return x;
}


/** Keras kernels in the engine's layouts, computed once per weight array (the GEMM packing is cached on it too). */
const relaid = new WeakMap<Float32Array, Tensor>();
function relayout(w: Tensor, shape: readonly number[], dims: readonly number[]): Tensor {
  const hit = relaid.get(w.data);
  if (hit !== undefined) return hit;
  const t = permute(w, dims);
  const r = { shape: [...shape], data: t.data };
  relaid.set(w.data, r);
  return r;
}

// ---- activations ----

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const softplus = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)));

/** TF.js's activations by the names `activation: '...'` takes; softmax and logSoftmax over the last axis. */
export function activate(x: Tensor, name: string): Tensor {
  switch (name) {
    case 'linear': return x;
    case 'relu': return A.relu(x);
    case 'relu6': return A.relu6(x);
    case 'sigmoid': return A.mapUnary(x, sigmoid);
    case 'tanh': return A.tanh(x);
    case 'elu': return A.elu(x, 1);
    case 'selu': return A.mapUnary(x, (v) => (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v)));
    case 'softplus': return A.mapUnary(x, softplus);
    case 'softsign': return A.mapUnary(x, (v) => v / (Math.abs(v) + 1));
    // Keras's piecewise-linear one (not PyTorch's x/6 + 1/2).
    case 'hardSigmoid': return A.mapUnary(x, (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)));
    case 'swish': return A.mapUnary(x, (v) => v * sigmoid(v));
    case 'mish': return A.mapUnary(x, (v) => v * Math.tanh(softplus(v)));
    case 'gelu': return A.gelu(x, 'none');
    case 'gelu_new': return A.gelu(x, 'tanh');
    case 'softmax': return A.softmax(x, -1);
    case 'logSoftmax': return A.logSoftmax(x, -1);
    default: throw new ArgError(`activation '${name}' is not supported by the engine`, 'activation');
  }
}

const ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'hardSigmoid', 'swish', 'mish', 'gelu', 'gelu_new', 'softmax', 'logSoftmax']);

/** The layer's `activation`, checked before the layer runs. */
function activationOf(a: Args): string {
  const name = str(a, 'activation', 'linear');
  if (!ACTIVATIONS.has(name)) throw new ArgError(`activation '${name}' is not supported by the engine`, 'activation');
  return name;
}

/** ReLU and ReLU6 fold into the convolution's store; the others run after it. */
function fusedClamp(name: string): [number, number] | undefined {
  return name === 'relu' ? [0, Infinity] : name === 'relu6' ? [0, 6] : undefined;
}

// ---- convolutions ----

function kernel2(a: Args): [number, number] {
  const k = tuple(a, 'kernelSize', 2);
  return [at(k, 0), at(k, 1)];
}

function convGeometry(a: Args, H: number, W: number): { k: [number, number]; s: [number, number]; d: [number, number]; pads: [number, number, number, number] } {
  const k = kernel2(a);
  const s = tuple(a, 'strides', 2, 1), d = tuple(a, 'dilationRate', 2, 1);
  const mode = padding(a);
  const [pt, pb] = tfPadding(H, k[0], at(s, 0), at(d, 0), mode);
  const [pl, pr] = tfPadding(W, k[1], at(s, 1), at(d, 1), mode);
  return { k, s: [at(s, 0), at(s, 1)], d: [at(d, 0), at(d, 1)], pads: [pt, pb, pl, pr] };
}

function biasSpec(a: Args, n: number): ParamSpec[] {
  return bool(a, 'useBias', true) ? [{ name: 'bias', shape: [n], init: initializer(a, 'biasInitializer', 'zeros', [n]) }] : [];
}

const conv2dLayer: LayerDef = {
  params: (a) => {
    channelsLast(a);
    const shape = [...kernel2(a), lastDim(a, 'conv2d'), int(a, 'filters')];
    return [{ name: 'kernel', shape, init: initializer(a, 'kernelInitializer', 'glorotUniform', shape) }, ...biasSpec(a, int(a, 'filters'))];
  },
  forward: (i, a, p) => {
    const x = input(i, 'conv2d', 4);
    const [, H, W, C] = x.shape as [number, number, number, number];
    const g = convGeometry(a, H, W);
    const F = int(a, 'filters');
    const w = relayout(need(p, 'kernel', 'conv2d'), [F, C, g.k[0], g.k[1]], [3, 2, 0, 1]);
    const act = activationOf(a), clamp = fusedClamp(act);
    const y = conv2d(toChannelsFirst(x), w, p('bias'), { stride: g.s, padding: g.pads, dilation: g.d, groups: 1, paddingMode: 'zeros', ...(clamp === undefined ? {} : { clamp }) });
    const out = toChannelsLast(y);
    return clamp === undefined ? activate(out, act) : out;
  },
  macs: (i, out, a) => out.data.length * lastDim(a, 'conv2d') * kernel2(a)[0] * kernel2(a)[1],
};

const conv1dLayer: LayerDef = {
  params: (a) => {
    const shape = [at(tuple(a, 'kernelSize', 1), 0), lastDim(a, 'conv1d'), int(a, 'filters')];
    return [{ name: 'kernel', shape, init: initializer(a, 'kernelInitializer', 'glorotUniform', shape) }, ...biasSpec(a, int(a, 'filters'))];
  },
  forward: (i, a, p) => {
    const x = input(i, 'conv1d', 3);
    const [N, L, C] = x.shape as [number, number, number];
    const k = at(tuple(a, 'kernelSize', 1), 0), s = at(tuple(a, 'strides', 1, 1), 0), d = at(tuple(a, 'dilationRate', 1, 1), 0);
    // TF.js 4 refuses 'causal' when the layer runs ("not implemented yet"): so does the engine.
    if (a['padding'] === 'causal') throw new ArgError("TF.js does not implement padding 'causal' in conv1d: use 'valid' or 'same'", 'padding');
    const [pl, pr] = tfPadding(L, k, s, d, padding(a));
    const F = int(a, 'filters');
    const w = relayout(need(p, 'kernel', 'conv1d'), [F, C, 1, k], [2, 1, 0]);
    const act = activationOf(a), clamp = fusedClamp(act);
    const y = conv2d(toChannelsFirst({ shape: [N, 1, L, C], data: x.data }), w, p('bias'), {
      stride: [1, s], padding: [0, 0, pl, pr], dilation: [1, d], groups: 1, paddingMode: 'zeros', ...(clamp === undefined ? {} : { clamp }),
    });
    const out = toChannelsLast(y);
    const r = { shape: [N, at(out.shape, 2), F], data: out.data };
    return clamp === undefined ? activate(r, act) : r;
  },
  macs: (i, out, a) => out.data.length * lastDim(a, 'conv1d') * at(tuple(a, 'kernelSize', 1), 0),
};

/** Depthwise kernel [kh, kw, C, M] -> grouped conv weight [C * M, 1, kh, kw] (output channel c * M + m, as TF orders them). */
function depthwiseWeight(k: Tensor): Tensor {
  const [kh, kw, C, M] = k.shape as [number, number, number, number];
  return relayout(k, [C * M, 1, kh, kw], [2, 3, 0, 1]);
}

function depthwiseParams(a: Args, layer: string, key: string, initKey: string): ParamSpec {
  const shape = [...kernel2(a), lastDim(a, layer), int(a, 'depthMultiplier', 1)];
  return { name: key, shape, init: initializer(a, initKey, 'glorotUniform', shape) };
}

const depthwiseConv2dLayer: LayerDef = {
  params: (a) => {
    channelsLast(a);
    return [depthwiseParams(a, 'depthwiseConv2d', 'depthwise_kernel', 'depthwiseInitializer'), ...biasSpec(a, lastDim(a, 'depthwiseConv2d') * int(a, 'depthMultiplier', 1))];
  },
  forward: (i, a, p) => {
    const x = input(i, 'depthwiseConv2d', 4);
    const [, H, W, C] = x.shape as [number, number, number, number];
    const g = convGeometry(a, H, W);
    const act = activationOf(a), clamp = fusedClamp(act);
    const y = conv2d(toChannelsFirst(x), depthwiseWeight(need(p, 'depthwise_kernel', 'depthwiseConv2d')), p('bias'), {
      stride: g.s, padding: g.pads, dilation: g.d, groups: C, paddingMode: 'zeros', ...(clamp === undefined ? {} : { clamp }),
    });
    const out = toChannelsLast(y);
    return clamp === undefined ? activate(out, act) : out;
  },
  macs: (_i, out, a) => out.data.length * kernel2(a)[0] * kernel2(a)[1],
};

const separableConv2dLayer: LayerDef = {
  params: (a) => {
    channelsLast(a);
    const inner = lastDim(a, 'separableConv2d') * int(a, 'depthMultiplier', 1), F = int(a, 'filters');
    const pointwise = [1, 1, inner, F];
    return [
      depthwiseParams(a, 'separableConv2d', 'depthwise_kernel', 'depthwiseInitializer'),
      { name: 'pointwise_kernel', shape: pointwise, init: initializer(a, 'pointwiseInitializer', 'glorotUniform', pointwise) },
      ...biasSpec(a, F),
    ];
  },
  forward: (i, a, p) => {
    const x = input(i, 'separableConv2d', 4);
    const [, H, W, C] = x.shape as [number, number, number, number];
    const g = convGeometry(a, H, W);
    const dw = conv2d(toChannelsFirst(x), depthwiseWeight(need(p, 'depthwise_kernel', 'separableConv2d')), null, {
      stride: g.s, padding: g.pads, dilation: g.d, groups: C, paddingMode: 'zeros',
    });
    const pk = need(p, 'pointwise_kernel', 'separableConv2d');
    const F = int(a, 'filters');
    const act = activationOf(a), clamp = fusedClamp(act);
    const y = conv2d(dw, relayout(pk, [F, at(pk.shape, 2), 1, 1], [3, 2, 0, 1]), p('bias'), {
      stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1, paddingMode: 'zeros', ...(clamp === undefined ? {} : { clamp }),
    });
    const out = toChannelsLast(y);
    return clamp === undefined ? activate(out, act) : out;
  },
  macs: (_i, out, a) => {
    const inner = lastDim(a, 'separableConv2d') * int(a, 'depthMultiplier', 1);
    const pixels = out.data.length / int(a, 'filters');
    return pixels * inner * (kernel2(a)[0] * kernel2(a)[1] + int(a, 'filters'));
  },
};

/**
 * conv2dTranspose: the engine's transposed convolution without padding gives the full output; TF then keeps
 * L * s outputs ('same', starting floor(max(k - s, 0) / 2) in) or L * s + max(k - s, 0) ('valid'), zeros past the end.
 */
const conv2dTransposeLayer: LayerDef = {
  params: (a) => {
    channelsLast(a);
    const F = int(a, 'filters');
    const shape = [...kernel2(a), F, lastDim(a, 'conv2dTranspose')];
    return [{ name: 'kernel', shape, init: initializer(a, 'kernelInitializer', 'glorotUniform', shape) }, ...biasSpec(a, F)];
  },
  forward: (i, a, p) => {
    const x = input(i, 'conv2dTranspose', 4);
    const [N, H, W, C] = x.shape as [number, number, number, number];
    if (tuple(a, 'dilationRate', 2, 1).some((v) => v !== 1)) throw new ArgError('conv2dTranspose with a dilationRate is not supported by the engine', 'dilationRate');
    const [kh, kw] = kernel2(a);
    const s = tuple(a, 'strides', 2, 1);
    const [sh, sw] = [at(s, 0), at(s, 1)];
    const mode = padding(a);
    const F = int(a, 'filters');
    const w = relayout(need(p, 'kernel', 'conv2dTranspose'), [C, F, kh, kw], [3, 2, 0, 1]);
    const full = convTranspose2d(toChannelsFirst(x), w, null, { stride: [sh, sw], padding: [0, 0], outputPadding: [0, 0], dilation: [1, 1], groups: 1 });
    const [, , Hf, Wf] = full.shape as [number, number, number, number];
    const Ho = mode === 'same' ? H * sh : H * sh + Math.max(kh - sh, 0);
    const Wo = mode === 'same' ? W * sw : W * sw + Math.max(kw - sw, 0);
    const top = mode === 'same' ? Math.floor(Math.max(kh - sh, 0) / 2) : 0;
    const left = mode === 'same' ? Math.floor(Math.max(kw - sw, 0) / 2) : 0;
    const bias = p('bias');
    const out = tensor([N, Ho, Wo, F]);
    for (let n = 0; n < N; n++) {
      for (let y = 0; y < Ho; y++) {
        for (let xx = 0; xx < Wo; xx++) {
          const fy = y + top, fx = xx + left, o = ((n * Ho + y) * Wo + xx) * F;
          const inside = fy < Hf && fx < Wf;
          for (let f = 0; f < F; f++) {
            out.data[o + f] = (inside ? at(full.data, ((n * F + f) * Hf + fy) * Wf + fx) : 0) + (bias === null ? 0 : at(bias.data, f));
          }
        }
      }
    }
    return activate(out, activationOf(a));
  },
  macs: (i, _out, a) => (i[0]?.data.length ?? 0) * int(a, 'filters') * kernel2(a)[0] * kernel2(a)[1],
};

// ---- pooling ----

function poolGeometry(a: Args, H: number, W: number): { k: [number, number]; s: [number, number]; pads: [number, number, number, number] } {
  const k = tuple(a, 'poolSize', 2, 2);
  const s = has(a, 'strides') ? tuple(a, 'strides', 2) : k;
  const mode = padding(a);
  const [pt, pb] = tfPadding(H, at(k, 0), at(s, 0), 1, mode);
  const [pl, pr] = tfPadding(W, at(k, 1), at(s, 1), 1, mode);
  return { k: [at(k, 0), at(k, 1)], s: [at(s, 0), at(s, 1)], pads: [pt, pb, pl, pr] };
}

/** Max pooling on the wasm kernel: 'same' padding is -inf around the input (never the maximum). */
function maxPoolNhwc(x: Tensor, a: Args): Tensor {
  const [, H, W] = x.shape as [number, number, number, number];
  const g = poolGeometry(a, H, W);
  let xc = toChannelsFirst(x);
  if (g.pads.some((v) => v > 0)) xc = pad(xc, [g.pads[2], g.pads[3], g.pads[0], g.pads[1]], 'constant', -Infinity);
  return toChannelsLast(maxPool2d(xc, { kernel: g.k, stride: g.s, padding: [0, 0], dilation: [1, 1], ceilMode: false }));
}

/** Average pooling as TF does it: the mean of the window's positions inside the input (padding not counted). */
function avgPoolNhwc(x: Tensor, a: Args): Tensor {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const g = poolGeometry(a, H, W);
  const Ho = Math.floor((H + g.pads[0] + g.pads[1] - g.k[0]) / g.s[0]) + 1;
  const Wo = Math.floor((W + g.pads[2] + g.pads[3] - g.k[1]) / g.s[1]) + 1;
  if (Ho < 1 || Wo < 1) throw new Error(`averagePooling2d: input ${H}x${W} is too small for poolSize ${g.k.join('x')}`);
  const out = tensor([N, Ho, Wo, C]);
  const sum = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < Ho; oy++) {
      const y0 = Math.max(0, oy * g.s[0] - g.pads[0]), y1 = Math.min(H, oy * g.s[0] - g.pads[0] + g.k[0]);
      for (let ox = 0; ox < Wo; ox++) {
        const x0 = Math.max(0, ox * g.s[1] - g.pads[2]), x1 = Math.min(W, ox * g.s[1] - g.pads[2] + g.k[1]);
        sum.fill(0);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const b = ((n * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) sum[c] = (sum[c] as number) + at(x.data, b + c);
          }
        }
        const count = (y1 - y0) * (x1 - x0), o = ((n * Ho + oy) * Wo + ox) * C;
        for (let c = 0; c < C; c++) out.data[o + c] = (sum[c] as number) / count;
      }
    }
  }
  return out;
}

/** A 1-d pool over [N, L, C] as the 2-d one over [N, 1, L, C]. */
function pool1d(f: (x: Tensor, a: Args) => Tensor, layer: string): LayerDef['forward'] {
  return (i, a) => {
    const x = input(i, layer, 3);
    const [N, L, C] = x.shape as [number, number, number];
    const k = at(tuple(a, 'poolSize', 1, 2), 0);
    const s = has(a, 'strides') ? at(tuple(a, 'strides', 1), 0) : k;
    const y = f({ shape: [N, 1, L, C], data: x.data }, { ...a, poolSize: [1, k], strides: [1, s] });
    return { shape: [N, at(y.shape, 2), C], data: y.data };
  };
}

/** Global pooling: [N, ..., C] -> [N, C] over every axis between the batch and the channels. */
function globalPool(kind: 'avg' | 'max', layer: string): LayerDef {
  return {
    params: none,
    forward: (i) => {
      const x = input(i, layer);
      if (x.shape.length < 3) throw new Error(`${layer} expects an input of rank 3 or more, got ${shapeString(x.shape)}`);
      const N = at(x.shape, 0), C = at(x.shape, x.shape.length - 1);
      const P = x.data.length / (N * C);
      const out = tensor([N, C]);
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          let acc = kind === 'avg' ? 0 : -Infinity;
          for (let q = 0; q < P; q++) {
            const v = at(x.data, (n * P + q) * C + c);
            acc = kind === 'avg' ? acc + v : v > acc || Number.isNaN(v) ? v : acc;
          }
          out.data[n * C + c] = kind === 'avg' ? acc / P : acc;
        }
      }
      return out;
    },
  };
}

// ---- normalisation ----

function axisOf(a: Args, rank: number): number {
  const v = a['axis'];
  const ax = Array.isArray(v) && v.length === 1 ? (v[0] as unknown) : v;
  const k = ax === undefined || ax === null ? -1 : typeof ax === 'number' && Number.isInteger(ax) ? ax : NaN;
  if (Number.isNaN(k) || k < -rank || k >= rank) throw new ArgError(`axis should be one axis of the ${rank}-d input, got ${JSON.stringify(v)}`, 'axis');
  return k < 0 ? k + rank : k;
}

/** Per-channel y = beta + (x - mean) * gamma / sqrt(var + eps), TF.js's batchNorm in its order of operations. */
function normalise(x: Tensor, axis: number, mean: (c: number, o: number) => number, variance: (c: number, o: number) => number, gamma: Tensor | null, beta: Tensor | null, eps: number): Tensor {
  const len = at(x.shape, axis);
  const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = x.data.length / (len * inner);
  const out = tensor(x.shape);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < len; c++) {
      const m = mean(c, o), v = variance(c, o);
      const g = gamma === null ? 1 : at(gamma.data, c), b = beta === null ? 0 : at(beta.data, c);
      const base = (o * len + c) * inner;
      for (let q = 0; q < inner; q++) out.data[base + q] = b + ((at(x.data, base + q) - m) * g) / Math.sqrt(v + eps);
    }
  }
  return out;
}

const batchNormalizationLayer: LayerDef = {
  params: (a) => {
    const s = inputShape(a, 'batchNormalization');
    const C = at(s, axisOf(a, s.length));
    const specs: ParamSpec[] = [];
    if (bool(a, 'scale', true)) specs.push({ name: 'gamma', shape: [C], init: initializer(a, 'gammaInitializer', 'ones', [C]) });
    if (bool(a, 'center', true)) specs.push({ name: 'beta', shape: [C], init: initializer(a, 'betaInitializer', 'zeros', [C]) });
    specs.push(
      { name: 'moving_mean', shape: [C], init: initializer(a, 'movingMeanInitializer', 'zeros', [C]), buffer: true },
      { name: 'moving_variance', shape: [C], init: initializer(a, 'movingVarianceInitializer', 'ones', [C]), buffer: true },
    );
    return specs;
  },
  forward: (i, a, p) => {
    const x = input(i, 'batchNormalization');
    const mean = need(p, 'moving_mean', 'batchNormalization'), variance = need(p, 'moving_variance', 'batchNormalization');
    return normalise(x, axisOf(a, x.shape.length), (c) => at(mean.data, c), (c) => at(variance.data, c), p('gamma'), p('beta'), num(a, 'epsilon', 1e-3));
  },
};

/** layerNormalization over the last axis: each position's own mean and (biased) variance. */
const layerNormalizationLayer: LayerDef = {
  params: (a) => {
    const C = lastDim(a, 'layerNormalization');
    const s = inputShape(a, 'layerNormalization');
    if (axisOf(a, s.length) !== s.length - 1) throw new ArgError('layerNormalization over an axis other than the last is not supported by the engine', 'axis');
    return [
      ...(bool(a, 'scale', true) ? [{ name: 'gamma', shape: [C], init: initializer(a, 'gammaInitializer', 'ones', [C]) }] : []),
      ...(bool(a, 'center', true) ? [{ name: 'beta', shape: [C], init: initializer(a, 'betaInitializer', 'zeros', [C]) }] : []),
    ];
  },
  forward: (i, a, p) => {
    const x = input(i, 'layerNormalization');
    const C = at(x.shape, x.shape.length - 1), rows = x.data.length / C;
    const gamma = p('gamma'), beta = p('beta'), eps = num(a, 'epsilon', 1e-3);
    const out = tensor(x.shape);
    for (let r = 0; r < rows; r++) {
      let m = 0;
      for (let c = 0; c < C; c++) m += at(x.data, r * C + c);
      m /= C;
      let v = 0;
      for (let c = 0; c < C; c++) v += (at(x.data, r * C + c) - m) ** 2;
      const inv = 1 / Math.sqrt(v / C + eps);
      for (let c = 0; c < C; c++) out.data[r * C + c] = (at(x.data, r * C + c) - m) * inv * (gamma === null ? 1 : at(gamma.data, c)) + (beta === null ? 0 : at(beta.data, c));
    }
    return out;
  },
};

// ---- dense and shapes ----

const denseLayer: LayerDef = {
  params: (a) => {
    const shape = [lastDim(a, 'dense'), int(a, 'units')];
    return [{ name: 'kernel', shape, init: initializer(a, 'kernelInitializer', 'glorotUniform', shape) }, ...biasSpec(a, int(a, 'units'))];
  },
  forward: (i, a, p) => {
    const x = input(i, 'dense');
    const k = need(p, 'kernel', 'dense');
    const [I, U] = k.shape as [number, number];
    return activate(linear(x, relayout(k, [U, I], [1, 0]), p('bias')), activationOf(a));
  },
  macs: (_i, out, a) => out.data.length * lastDim(a, 'dense'),
};

/** zeroPadding2d's padding: 1, [ph, pw] or [[top, bottom], [left, right]]. */
function zeroPads(a: Args): [number, number, number, number] {
  const v = a['padding'];
  const isInt = (e: unknown): e is number => typeof e === 'number' && Number.isInteger(e) && e >= 0;
  if (v === undefined || v === null) return [1, 1, 1, 1];
  if (isInt(v)) return [v, v, v, v];
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = v as unknown[];
    if (isInt(h) && isInt(w)) return [h, h, w, w];
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2 && [...h, ...w].every(isInt)) return [h[0], h[1], w[0], w[1]] as [number, number, number, number];
  }
  throw new ArgError(`padding should be a number, [height, width] or [[top, bottom], [left, right]], got ${JSON.stringify(v)}`, 'padding');
}

/** upSampling2d: TF's resize without half-pixel centres (nearest repeats pixels; bilinear samples at y * in / out). */
function upSample(x: Tensor, a: Args): Tensor {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  // TF.js reads size[0] and size[1]: a single number gives NaN sizes and fails there, so it is refused here too.
  if (typeof a['size'] === 'number') throw new ArgError('TF.js needs upSampling2d size as [height, width]', 'size');
  const size = tuple(a, 'size', 2, 2);
  const Ho = H * at(size, 0), Wo = W * at(size, 1);
  const mode = str(a, 'interpolation', 'nearest');
  if (mode !== 'nearest' && mode !== 'bilinear') throw new ArgError(`interpolation should be 'nearest' or 'bilinear', got '${mode}'`, 'interpolation');
  const out = tensor([N, Ho, Wo, C]);
  const px = (n: number, y: number, xx: number): number => ((n * H + y) * W + xx) * C;
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < Ho; y++) {
      const fy = (H / Ho) * y, y0 = Math.min(H - 1, Math.floor(fy)), y1 = Math.min(H - 1, Math.ceil(fy)), wy = fy - y0;
      for (let xx = 0; xx < Wo; xx++) {
        const fx = (W / Wo) * xx, x0 = Math.min(W - 1, Math.floor(fx)), x1 = Math.min(W - 1, Math.ceil(fx)), wx = fx - x0;
        const o = ((n * Ho + y) * Wo + xx) * C;
        if (mode === 'nearest') {
          out.data.set(x.data.subarray(px(n, y0, x0), px(n, y0, x0) + C), o);
          continue;
        }
        const a00 = px(n, y0, x0), a01 = px(n, y0, x1), a10 = px(n, y1, x0), a11 = px(n, y1, x1);
        for (let c = 0; c < C; c++) {
          const top = at(x.data, a00 + c) + (at(x.data, a01 + c) - at(x.data, a00 + c)) * wx;
          const bottom = at(x.data, a10 + c) + (at(x.data, a11 + c) - at(x.data, a10 + c)) * wx;
          out.data[o + c] = top + (bottom - top) * wy;
        }
      }
    }
  }
  return out;
}

const none = (): ParamSpec[] => [];
const elementwise = (f: (x: Tensor, a: Args) => Tensor, layer: string): LayerDef => ({ params: none, forward: (i, a) => f(input(i, layer), a) });

/** prelu's alpha: one slope per input position, shared along `sharedAxes` (1-based, as TF.js counts them). */
function preluShape(a: Args): number[] {
  const shape = inputShape(a, 'prelu').slice(1);
  const shared = a['sharedAxes'];
  const axes = typeof shared === 'number' ? [shared] : Array.isArray(shared) ? shared : [];
  for (const ax of axes) if (typeof ax === 'number' && ax >= 1 && ax <= shape.length) shape[ax - 1] = 1;
  return shape;
}

export const tfjsLayers: Record<string, LayerDef> = {
  conv1d: conv1dLayer,
  conv2d: conv2dLayer,
  depthwiseConv2d: depthwiseConv2dLayer,
  separableConv2d: separableConv2dLayer,
  conv2dTranspose: conv2dTransposeLayer,
  maxPooling2d: elementwise((x, a) => maxPoolNhwc(input([x], 'maxPooling2d', 4), a), 'maxPooling2d'),
  maxPool2d: elementwise((x, a) => maxPoolNhwc(input([x], 'maxPool2d', 4), a), 'maxPool2d'),
  averagePooling2d: elementwise((x, a) => avgPoolNhwc(input([x], 'averagePooling2d', 4), a), 'averagePooling2d'),
  avgPool2d: elementwise((x, a) => avgPoolNhwc(input([x], 'avgPool2d', 4), a), 'avgPool2d'),
  maxPooling1d: { params: none, forward: pool1d(maxPoolNhwc, 'maxPooling1d') },
  maxPool1d: { params: none, forward: pool1d(maxPoolNhwc, 'maxPool1d') },
  averagePooling1d: { params: none, forward: pool1d(avgPoolNhwc, 'averagePooling1d') },
  avgPool1d: { params: none, forward: pool1d(avgPoolNhwc, 'avgPool1d') },
  globalAveragePooling2d: globalPool('avg', 'globalAveragePooling2d'),
  globalMaxPooling2d: globalPool('max', 'globalMaxPooling2d'),
  globalAveragePooling1d: globalPool('avg', 'globalAveragePooling1d'),
  globalMaxPooling1d: globalPool('max', 'globalMaxPooling1d'),
  batchNormalization: batchNormalizationLayer,
  layerNormalization: layerNormalizationLayer,
  dense: denseLayer,
  // Channels-last data flattened as it lies: the order a following dense layer's kernel rows expect.
  flatten: elementwise((x) => ({ shape: [at(x.shape, 0), x.data.length / Math.max(1, at(x.shape, 0))], data: x.data }), 'flatten'),
  reshape: elementwise((x, a) => {
    const t = a['targetShape'];
    if (!Array.isArray(t) || !t.every((d) => typeof d === 'number')) throw new ArgError(`targetShape should be a list of numbers, got ${JSON.stringify(t)}`, 'targetShape');
    return reshape(x, [at(x.shape, 0), ...(t as number[])]);
  }, 'reshape'),
  permute: elementwise((x, a) => {
    const d = a['dims'];
    if (!Array.isArray(d) || !d.every((v) => typeof v === 'number')) throw new ArgError(`dims should be a list of axes, got ${JSON.stringify(d)}`, 'dims');
    return permute(x, [0, ...(d as number[])]);
  }, 'permute'),
  repeatVector: elementwise((x, a) => {
    const n = int(a, 'n');
    const [N, F] = x.shape as [number, number];
    const out = tensor([N, n, F]);
    for (let b = 0; b < N; b++) for (let r = 0; r < n; r++) out.data.set(x.data.subarray(b * F, (b + 1) * F), (b * n + r) * F);
    return out;
  }, 'repeatVector'),
  zeroPadding2d: elementwise((x, a) => {
    const [t, b, l, r] = zeroPads(a);
    return pad(input([x], 'zeroPadding2d', 4), [0, 0, l, r, t, b], 'constant', 0);
  }, 'zeroPadding2d'),
  upSampling2d: elementwise((x, a) => upSample(input([x], 'upSampling2d', 4), a), 'upSampling2d'),
  activation: elementwise((x, a) => activate(x, str(a, 'activation', 'linear')), 'activation'),
  reLU: elementwise((x, a) => (has(a, 'maxValue') ? A.hardtanh(x, 0, num(a, 'maxValue')) : A.relu(x)), 'reLU'),
  leakyReLU: elementwise((x, a) => A.leakyRelu(x, num(a, 'alpha', 0.3)), 'leakyReLU'),
  elu: elementwise((x, a) => {
    if (num(a, 'alpha', 1) !== 1) throw new ArgError('TF.js implements the elu layer for alpha 1 only', 'alpha');
    return A.elu(x, 1);
  }, 'elu'),
  // TF.js's softmax layer defaults to axis 1 (Keras's is the last axis) but refuses any axis but the last when it runs.
  softmax: elementwise((x, a) => {
    const axis = int(a, 'axis', 1), r = x.shape.length;
    if (axis !== -1 && axis !== r - 1) throw new ArgError(`TF.js runs softmax along the last axis only, and this layer's axis is ${axis} of a ${r}-d input${has(a, 'axis') ? '' : ' (its default)'}: use axis: -1`, 'axis');
    return A.softmax(x, -1);
  }, 'softmax'),
  thresholdedReLU: elementwise((x, a) => {
    const theta = num(a, 'theta', 1);
    return A.mapUnary(x, (v) => (v > theta ? v : 0));
  }, 'thresholdedReLU'),
  prelu: {
    params: (a) => {
      const shape = preluShape(a);
      return [{ name: 'alpha', shape, init: initializer(a, 'alphaInitializer', 'zeros', shape) }];
    },
    forward: (i, _a, p) => {
      const x = input(i, 'prelu');
      const alpha = need(p, 'alpha', 'prelu');
      const sample = x.data.length / at(x.shape, 0);
      const inner = alpha.shape;
      const rank = inner.length;
      const out = tensor(x.shape);
      const idx = new Array<number>(rank).fill(0);
      for (let q = 0; q < sample; q++) {
        // The alpha index of position q: its coordinates with the shared axes at 0.
        let rem = q, ai = 0, stride = 1;
        for (let k = rank - 1; k >= 0; k--) {
          const d = at(x.shape, k + 1);
          idx[k] = rem % d;
          rem = Math.floor(rem / d);
        }
        for (let k = rank - 1; k >= 0; k--) {
          ai += (at(inner, k) === 1 ? 0 : at(idx, k)) * stride;
          stride *= at(inner, k);
        }
        const slope = at(alpha.data, ai);
        for (let n = 0; n < at(x.shape, 0); n++) {
          const v = at(x.data, n * sample + q);
          out.data[n * sample + q] = v < 0 ? slope * v : v;
        }
      }
      return out;
    },
  },
  // Inference: the noise and dropout layers pass their input through.
  dropout: elementwise((x) => x, 'dropout'),
  spatialDropout1d: elementwise((x) => x, 'spatialDropout1d'),
  gaussianNoise: elementwise((x) => x, 'gaussianNoise'),
  gaussianDropout: elementwise((x) => x, 'gaussianDropout'),
  alphaDropout: elementwise((x) => x, 'alphaDropout'),
};
