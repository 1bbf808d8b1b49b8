// torch / torch.nn.functional / Tensor-method ops as the core's graph names them, args by torch's names.
import * as A from './ops/activation';
import { add, binary, div, expandTo, mean, mul, repeat, scalarTensor, sub, sum } from './ops/elementwise';
import { adaptivePool2d, as1d, avgPool2d, maxPool2d } from './ops/pool';
import { interpolate } from './ops/resize';
import { cat, flatten, narrow, pad, permute, pixelShuffle, pixelUnshuffle, reshape, squeeze, transpose, unsqueeze } from './ops/shape';
import { linear } from './ops/linear';
import { batchNorm, groupNorm, layerNorm } from './ops/norm';
import { conv1d, conv2d, samePadding } from './ops/conv';
import { ArgError, bool, has, int, ints, num, nums, optSizes, pair, str, tuple, type Args } from './args';
import type { Tensor } from './tensor';
import { interpolate3d } from './ops/resize3d';
import { sequenceFunctional } from './sequence-functional';

export type FunctionalOp = (inputs: readonly Tensor[], args: Args) => Tensor;

function x0(i: readonly Tensor[], op: string): Tensor {
  const x = i[0];
  if (x === undefined) throw new ArgError(`${op} needs an input tensor`);
  return x;
}

function opt(i: readonly Tensor[], k: number): Tensor | null {
  return i[k] ?? null;
}

/** The second operand: a tensor input, or a number in args.other. */
function other(i: readonly Tensor[], a: Args, op: string): Tensor {
  const t = i[1];
  if (t !== undefined) return t;
  if (typeof a['other'] === 'number') return scalarTensor(a['other']);
  throw new ArgError(`${op} needs a second operand`);
}

function pool(a: Args, n: number): { kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; ceilMode: boolean } {
  const k = tuple(a, 'kernel_size', n);
  const s = has(a, 'stride') && !(Array.isArray(a['stride']) && a['stride'].length === 0) ? tuple(a, 'stride', n) : k;
  const p = tuple(a, 'padding', n, 0), d = tuple(a, 'dilation', n, 1);
  const two = (v: number[], fill: number): [number, number] => (n === 1 ? [fill, v[0] as number] : [v[0] as number, v[1] as number]);
  return { kernel: two(k, 1), stride: two(s, 1), padding: two(p, 0), dilation: two(d, 1), ceilMode: bool(a, 'ceil_mode', false) };
}

function interp(i: readonly Tensor[], a: Args): Tensor {
  const mode = str(a, 'mode', 'nearest');
  if (mode === 'trilinear' || (x0(i, 'interpolate').shape.length === 5 && (mode === 'nearest' || mode === 'nearest-exact'))) {
    return interpolate3d(x0(i, 'interpolate'), {
      size: has(a, 'size') ? ints(a, 'size') : null,
      scaleFactor: nums(a, 'scale_factor'),
      mode,
      alignCorners: has(a, 'align_corners') ? bool(a, 'align_corners', false) : null,
      recomputeScaleFactor: has(a, 'recompute_scale_factor') ? bool(a, 'recompute_scale_factor', false) : null,
    });
  }
  if (mode !== 'nearest' && mode !== 'bilinear' && mode !== 'linear' && mode !== 'nearest-exact') {
    throw new ArgError(`interpolate mode '${mode}' is not supported by the engine (nearest, nearest-exact, linear, bilinear)`);
  }
  return interpolate(x0(i, 'interpolate'), {
    size: has(a, 'size') ? ints(a, 'size') : null,
    scaleFactor: nums(a, 'scale_factor'),
    mode,
    alignCorners: has(a, 'align_corners') ? bool(a, 'align_corners', false) : null,
    recomputeScaleFactor: has(a, 'recompute_scale_factor') ? bool(a, 'recompute_scale_factor', false) : null,
  });
}

function convF(n: 1 | 2): FunctionalOp {
  return (i, a) => {
    const x = x0(i, `conv${n}d`);
    const w = i[1];
    if (w === undefined) throw new ArgError(`conv${n}d needs a weight tensor`);
    const k = w.shape.slice(2);
    const s = tuple(a, 'stride', n, 1), d = tuple(a, 'dilation', n, 1);
    const p = a['padding'] === 'same' ? k.map((kk, j) => samePadding(kk, d[j] as number))
      : a['padding'] === 'valid' ? k.map((): [number, number] => [0, 0])
        : tuple(a, 'padding', n, 0).map((v): [number, number] => [v, v]);
    const g = int(a, 'groups', 1);
    if (n === 1) return conv1d(x, w, opt(i, 2), { stride: s[0] as number, padding: p[0] as [number, number], dilation: d[0] as number, groups: g, paddingMode: 'zeros' });
    const [ph, pw] = p as [[number, number], [number, number]];
    return conv2d(x, w, opt(i, 2), { stride: [s[0] as number, s[1] as number], padding: [ph[0], ph[1], pw[0], pw[1]], dilation: [d[0] as number, d[1] as number], groups: g, paddingMode: 'zeros' });
  };
}

/** stack's dim ranges over rank + 1 dims. */
/** Tensor.repeat_interleave with an int count: each element `r` times along `dim` (of the flattened tensor without one). */
function repeatInterleave(input: Tensor, r: number, dim: number | undefined): Tensor {
  const x = dim === undefined ? reshape(input, [-1]) : input;
  const i = dim === undefined ? 0 : dim < 0 ? dim + x.shape.length : dim;
  const s = x.shape;
  const spread = expandTo(unsqueeze(x, i + 1), [...s.slice(0, i + 1), r, ...s.slice(i + 1)]);
  return reshape(spread, [...s.slice(0, i), (s[i] ?? 1) * r, ...s.slice(i + 1)]);
}

function normStackDim(d: number, rank: number): number {
  return d < 0 ? d + rank + 1 : d;
}

const identity: FunctionalOp = (i, a) => x0(i, String(a['op'] ?? 'op'));

/** A method applied value by value (computed in double, stored as float32, as the activations are). */
const unary = (op: string, f: (v: number) => number): FunctionalOp => (i) => A.mapUnary(x0(i, op), f);

/** round() as PyTorch does it: halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** clamp(min, max) with either bound optional; tensor bounds are not supported. */
const clampOp: FunctionalOp = (i, a) => {
  if (i.length > 1) throw new ArgError('clamp with tensor bounds is not supported by the engine');
  const lo = a['min'], hi = a['max'];
  return A.hardtanh(x0(i, 'clamp'), typeof lo === 'number' ? lo : -Infinity, typeof hi === 'number' ? hi : Infinity);
};

const powOp: FunctionalOp = (i, a) => {
  const x = x0(i, 'pow');
  const e = i[1];
  if (e !== undefined) return binary(x, e, (b, p) => b ** p);
  const p = num(a, 'exponent');
  return A.mapUnary(x, p === 2 ? (v) => v * v : (v) => v ** p);
};

export const functional: Record<string, FunctionalOp> = {
  relu: (i) => A.relu(x0(i, 'relu')),
  relu6: (i) => A.relu6(x0(i, 'relu6')),
  leaky_relu: (i, a) => A.leakyRelu(x0(i, 'leaky_relu'), num(a, 'negative_slope', 0.01)),
  elu: (i, a) => A.elu(x0(i, 'elu'), num(a, 'alpha', 1)),
  celu: (i, a) => A.celu(x0(i, 'celu'), num(a, 'alpha', 1)),
  selu: (i) => A.selu(x0(i, 'selu')),
  gelu: (i, a) => A.gelu(x0(i, 'gelu'), str(a, 'approximate', 'none') === 'tanh' ? 'tanh' : 'none'),
  silu: (i) => A.silu(x0(i, 'silu')),
  mish: (i) => A.mish(x0(i, 'mish')),
  sigmoid: (i) => A.sigmoidT(x0(i, 'sigmoid')),
  tanh: (i) => A.tanh(x0(i, 'tanh')),
  hardswish: (i) => A.hardswish(x0(i, 'hardswish')),
  hardsigmoid: (i) => A.hardsigmoid(x0(i, 'hardsigmoid')),
  hardtanh: (i, a) => A.hardtanh(x0(i, 'hardtanh'), num(a, 'min_val', -1), num(a, 'max_val', 1)),
  softplus: (i, a) => A.softplus(x0(i, 'softplus'), num(a, 'beta', 1), num(a, 'threshold', 20)),
  softsign: (i) => A.softsign(x0(i, 'softsign')),
  prelu: (i) => {
    const w = i[1];
    if (w === undefined) throw new ArgError('prelu needs a weight tensor');
    return A.prelu(x0(i, 'prelu'), w);
  },
  softmax: (i, a) => A.softmax(x0(i, 'softmax'), int(a, 'dim')),
  log_softmax: (i, a) => A.logSoftmax(x0(i, 'log_softmax'), int(a, 'dim')),
  max_pool2d: (i, a) => maxPool2d(x0(i, 'max_pool2d'), pool(a, 2)),
  max_pool1d: (i, a) => as1d(x0(i, 'max_pool1d'), (x) => maxPool2d(x, pool(a, 1)), 'max_pool1d'),
  avg_pool2d: (i, a) => avgPool2d(x0(i, 'avg_pool2d'), { ...pool({ ...a, dilation: 1 }, 2), countIncludePad: bool(a, 'count_include_pad', true), divisorOverride: has(a, 'divisor_override') ? num(a, 'divisor_override') : null }),
  avg_pool1d: (i, a) => as1d(x0(i, 'avg_pool1d'), (x) => avgPool2d(x, { ...pool({ ...a, dilation: 1 }, 1), countIncludePad: bool(a, 'count_include_pad', true), divisorOverride: null }), 'avg_pool1d'),
  adaptive_avg_pool2d: (i, a) => { const s = optSizes(a, 'output_size', 2); return adaptivePool2d(x0(i, 'adaptive_avg_pool2d'), [s[0] ?? null, s[1] ?? null], 'avg'); },
  adaptive_max_pool2d: (i, a) => { const s = optSizes(a, 'output_size', 2); return adaptivePool2d(x0(i, 'adaptive_max_pool2d'), [s[0] ?? null, s[1] ?? null], 'max'); },
  adaptive_avg_pool1d: (i, a) => as1d(x0(i, 'adaptive_avg_pool1d'), (x) => adaptivePool2d(x, [1, optSizes(a, 'output_size', 1)[0] ?? null], 'avg'), 'adaptive_avg_pool1d'),
  adaptive_max_pool1d: (i, a) => as1d(x0(i, 'adaptive_max_pool1d'), (x) => adaptivePool2d(x, [1, optSizes(a, 'output_size', 1)[0] ?? null], 'max'), 'adaptive_max_pool1d'),
  interpolate: interp,
  upsample: interp,
  pad: (i, a) => {
    const m = str(a, 'mode', 'constant');
    if (m !== 'constant' && m !== 'reflect' && m !== 'replicate' && m !== 'circular') throw new ArgError(`pad mode '${m}' is not supported`);
    return pad(x0(i, 'pad'), ints(a, 'pad'), m, num(a, 'value', 0));
  },
  pixel_shuffle: (i, a) => pixelShuffle(x0(i, 'pixel_shuffle'), int(a, 'upscale_factor')),
  pixel_unshuffle: (i, a) => pixelUnshuffle(x0(i, 'pixel_unshuffle'), int(a, 'downscale_factor')),
  flatten: (i, a) => flatten(x0(i, 'flatten'), int(a, 'start_dim', 0), int(a, 'end_dim', -1)),
  view: (i, a) => reshape(x0(i, 'view'), ints(a, 'shape', ints(a, 'size', []))),
  reshape: (i, a) => reshape(x0(i, 'reshape'), ints(a, 'shape', ints(a, 'size', []))),
  permute: (i, a) => permute(x0(i, 'permute'), ints(a, 'dims')),
  transpose: (i, a) => transpose(x0(i, 'transpose'), int(a, 'dim0'), int(a, 'dim1')),
  squeeze: (i, a) => squeeze(x0(i, 'squeeze'), has(a, 'dim') ? int(a, 'dim') : undefined),
  unsqueeze: (i, a) => unsqueeze(x0(i, 'unsqueeze'), int(a, 'dim')),
  cat: (i, a) => cat(i, int(a, 'dim', 0)),
  concat: (i, a) => cat(i, int(a, 'dim', 0)),
  add: (i, a) => add(x0(i, 'add'), other(i, a, 'add'), num(a, 'alpha', 1)),
  sub: (i, a) => sub(x0(i, 'sub'), other(i, a, 'sub'), num(a, 'alpha', 1)),
  mul: (i, a) => mul(x0(i, 'mul'), other(i, a, 'mul')),
  div: (i, a) => div(x0(i, 'div'), other(i, a, 'div')),
  chunk: (i, a) => narrow(x0(i, 'chunk'), int(a, 'dim', 0), int(a, 'start'), int(a, 'length')),
  split: (i, a) => narrow(x0(i, 'split'), int(a, 'dim', 0), int(a, 'start'), int(a, 'length')),
  unbind: (i, a) => squeeze(narrow(x0(i, 'unbind'), int(a, 'dim', 0), int(a, 'start'), 1), int(a, 'dim', 0)),
  repeat: (i, a) => repeat(x0(i, 'repeat'), ints(a, 'repeats')),
  repeat_interleave: (i, a) => repeatInterleave(x0(i, 'repeat_interleave'), int(a, 'repeats'), has(a, 'dim') ? int(a, 'dim') : undefined),
  sum: (i, a) => sum(x0(i, 'sum'), has(a, 'dim') ? ints(a, 'dim') : [], bool(a, 'keepdim', false)),
  stack: (i, a) => cat(i.map((t) => unsqueeze(t, normStackDim(int(a, 'dim', 0), t.shape.length))), normStackDim(int(a, 'dim', 0), (i[0]?.shape.length ?? 0))),
  expand: (i, a) => expandTo(x0(i, 'expand'), Array.isArray(a['size']) ? a['size'].map(Number) : ints(a, 'size')),
  expand_as: (i) => expandTo(x0(i, 'expand_as'), (i[1] ?? x0(i, 'expand_as')).shape),
  view_as: (i) => reshape(x0(i, 'view_as'), (i[1] ?? x0(i, 'view_as')).shape),
  reshape_as: (i) => reshape(x0(i, 'reshape_as'), (i[1] ?? x0(i, 'reshape_as')).shape),
  mean: (i, a) => mean(x0(i, 'mean'), has(a, 'dim') ? ints(a, 'dim') : [], bool(a, 'keepdim', false)),
  linear: (i) => { const w = i[1]; if (w === undefined) throw new ArgError('linear needs a weight tensor'); return linear(x0(i, 'linear'), w, opt(i, 2)); },
  conv2d: convF(2),
  conv1d: convF(1),
  batch_norm: (i, a) => batchNorm(x0(i, 'batch_norm'), opt(i, 1), opt(i, 2), opt(i, 3), opt(i, 4), num(a, 'eps', 1e-5)),
  group_norm: (i, a) => groupNorm(x0(i, 'group_norm'), int(a, 'num_groups'), opt(i, 1), opt(i, 2), num(a, 'eps', 1e-5)),
  layer_norm: (i, a) => layerNorm(x0(i, 'layer_norm'), ints(a, 'normalized_shape'), opt(i, 1), opt(i, 2), num(a, 'eps', 1e-5)),
  exp: unary('exp', Math.exp),
  log: unary('log', Math.log),
  abs: unary('abs', Math.abs),
  neg: unary('neg', (v) => -v),
  sqrt: unary('sqrt', Math.sqrt),
  rsqrt: unary('rsqrt', (v) => 1 / Math.sqrt(v)),
  square: unary('square', (v) => v * v),
  reciprocal: unary('reciprocal', (v) => 1 / v),
  sign: unary('sign', (v) => (v > 0 ? 1 : v < 0 ? -1 : v)),
  floor: unary('floor', Math.floor),
  ceil: unary('ceil', Math.ceil),
  round: (i, a) => {
    if (num(a, 'decimals', 0) !== 0) throw new ArgError('round with decimals is not supported by the engine');
    return A.mapUnary(x0(i, 'round'), roundHalfEven);
  },
  sin: unary('sin', Math.sin),
  cos: unary('cos', Math.cos),
  erf: unary('erf', A.erf),
  clamp: clampOp,
  clamp_: clampOp,
  clip: clampOp,
  pow: powOp,
  masked_fill: (i, a) => {
    const mask = i[1];
    if (mask === undefined) throw new ArgError('masked_fill needs a mask tensor');
    const value = num(a, 'value');
    return binary(x0(i, 'masked_fill'), mask, (v, m) => (m !== 0 ? value : v));
  },
  relu_: (i) => A.relu(x0(i, 'relu_')),
  sigmoid_: (i) => A.sigmoidT(x0(i, 'sigmoid_')),
  tanh_: (i) => A.tanh(x0(i, 'tanh_')),
  // Device, grad and float32 dtype moves change nothing in a float32 engine.
  float: identity,
  to: identity,
  cuda: identity,
  cpu: identity,
  detach: identity,
  requires_grad_: identity,
  pin_memory: identity,
  type_as: identity,
  dropout: identity,
  dropout2d: identity,
  contiguous: identity,
  clone: identity,
};
Object.assign(functional, sequenceFunctional);
functional['iadd'] = functional['add'] as FunctionalOp;
functional['imul'] = functional['mul'] as FunctionalOp;

export function functionalOp(name: string): FunctionalOp {
  const key = name.replace(/^(torch\.nn\.functional\.|torch\.|F\.)/, '');
  const f = functional[key];
  if (f === undefined) throw new ArgError(`the engine cannot run ${name} yet`);
  return f;
}

