// torch.nn leaf modules: their parameters (names, shapes, default init) and their eval-mode forward.
// Adding a layer means adding one entry here; args arrive bound to the constructor's parameter names.
import * as A from './ops/activation';
import { conv1d, conv2d, convTranspose2d, samePadding, type Conv2dOptions, type PaddingMode } from './ops/conv';
import { linear } from './ops/linear';
import { linearGemm } from './ops/matmul';
import { batchNorm, groupNorm, instanceNorm, layerNorm } from './ops/norm';
import { adaptivePool2d, as1d, avgPool2d, maxPool2d } from './ops/pool';
import { interpolate } from './ops/resize';
import { adaptivePool3d, avgPool3d, conv3d, maxPool3d, type Pool3dOptions } from './ops/volume';
import { flatten, pad, pixelShuffle, pixelUnshuffle, reshape } from './ops/shape';
import { ArgError, bool, has, int, ints, need, num, nums, one, optSizes, pair, str, tuple, type Args } from './args';
import { shapeString, type Tensor } from './tensor';
import { runtime } from './runtime';
import { tfjsLayers } from './tfjs-layers';
import { sequenceLayers } from './sequence-layers';
import { interpolate3d } from './ops/resize3d';
import { outputPaddingFor } from './ops/conv-transpose3d';

export type Init =
  | { kind: 'kaiming_uniform'; fanIn: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'constant'; value: number }
  /** Standard normal times `std` (default 1); `truncated`: redrawn beyond two standard deviations (TF's truncatedNormal). */
  | { kind: 'normal'; std?: number; truncated?: boolean }
  /** An nn.Parameter built from values the analysis does not know: it needs loaded weights. */
  | { kind: 'unknown' };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Buffers (running stats) are state but not parameters; listed for state_dict matching. */
  buffer?: boolean;
}

export type ParamLookup = (name: string) => Tensor | null;

export interface LayerDef {
  params(args: Args): ParamSpec[];
  /** `clamp` is an activation fused into the store (convolutions only; others ignore it). */
  forward(inputs: readonly Tensor[], args: Args, p: ParamLookup, clamp?: [number, number]): Tensor;
  /** Multiply-accumulates for one application, for GFLOP/s reports. */
  macs?(inputs: readonly Tensor[], output: Tensor, args: Args): number;
}

function paddingMode(a: Args): PaddingMode {
  const m = str(a, 'padding_mode', 'zeros');
  if (m === 'zeros' || m === 'reflect' || m === 'replicate' || m === 'circular') return m;
  throw new ArgError(`padding_mode should be 'zeros', 'reflect', 'replicate' or 'circular', got '${m}'`);
}

function convPadding(a: Args, n: number, kernel: number[], dilation: number[]): Array<[number, number]> {
  const p = a['padding'];
  if (p === 'same') return kernel.map((k, i) => samePadding(k, dilation[i] as number));
  if (p === 'valid') return kernel.map(() => [0, 0]);
  return tuple(a, 'padding', n, 0).map((v) => [v, v]);
}

function convParams(a: Args, n: number, transposed: boolean): ParamSpec[] {
  const cin = int(a, 'in_channels'), cout = int(a, 'out_channels'), g = int(a, 'groups', 1);
  const k = tuple(a, 'kernel_size', n);
  if (cin % g !== 0 || cout % g !== 0) throw new ArgError(`in_channels ${cin} and out_channels ${cout} must be divisible by groups ${g}`);
  const shape = transposed ? [cin, cout / g, ...k] : [cout, cin / g, ...k];
  const fanIn = (shape[1] as number) * k.reduce((x, y) => x * y, 1);
  const specs: ParamSpec[] = [{ name: 'weight', shape, init: { kind: 'kaiming_uniform', fanIn } }];
  if (bool(a, 'bias', true)) specs.push({ name: 'bias', shape: [cout], init: { kind: 'uniform', bound: fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0 } });
  return specs;
}

const convMacs = (_: readonly Tensor[], out: Tensor, a: Args): number => {
  const k = ints(a, 'kernel_size').reduce((x, y) => x * y, 1);
  const kk = ints(a, 'kernel_size').length === 1 ? k ** (out.shape.length - 2) : k;
  return (out.data.length * int(a, 'in_channels') * kk) / int(a, 'groups', 1);
};

function normParams(a: Args, countKey: string, affineKey: string, affineDefault: boolean, stats: boolean): ParamSpec[] {
  const c = int(a, countKey);
  const specs: ParamSpec[] = [];
  if (bool(a, affineKey, affineDefault)) {
    specs.push({ name: 'weight', shape: [c], init: { kind: 'constant', value: 1 } }, { name: 'bias', shape: [c], init: { kind: 'constant', value: 0 } });
  }
  if (stats) {
    specs.push(
      { name: 'running_mean', shape: [c], init: { kind: 'constant', value: 0 }, buffer: true },
      { name: 'running_var', shape: [c], init: { kind: 'constant', value: 1 }, buffer: true },
    );
  }
  return specs;
}

const none = (): ParamSpec[] => [];
const act = (f: (x: Tensor, a: Args) => Tensor): LayerDef => ({ params: none, forward: (i, a) => f(one(i, 'activation'), a) });

function pool2dOpts(a: Args, n: number): { kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; ceilMode: boolean } {
  const k = tuple(a, 'kernel_size', n);
  const s = has(a, 'stride') ? tuple(a, 'stride', n) : k;
  const p = tuple(a, 'padding', n, 0), d = tuple(a, 'dilation', n, 1);
  const two = (v: number[]): [number, number] => (n === 1 ? [1, v[0] as number] : [v[0] as number, v[1] as number]);
  const pad2 = (v: number[]): [number, number] => (n === 1 ? [0, v[0] as number] : [v[0] as number, v[1] as number]);
  return { kernel: two(k), stride: two(s), padding: pad2(p), dilation: two(d), ceilMode: bool(a, 'ceil_mode', false) };
}

function maxPool(n: number): LayerDef {
  return {
    params: none,
    forward: unbatched(n, (i, a) => {
      if (bool(a, 'return_indices', false)) throw new ArgError('max pooling with return_indices=True is not supported by the engine');
      const x = one(i, 'max_pool');
      return n === 1 ? as1d(x, (x4) => maxPool2d(x4, pool2dOpts(a, 1)), 'max_pool1d') : maxPool2d(x, pool2dOpts(a, 2));
    }),
  };
}

function avgPool(n: number): LayerDef {
  return {
    params: none,
    forward: unbatched(n, (i, a) => {
      const o = { ...pool2dOpts({ ...a, dilation: 1 }, n), countIncludePad: bool(a, 'count_include_pad', true), divisorOverride: has(a, 'divisor_override') ? num(a, 'divisor_override') : null };
      const x = one(i, 'avg_pool');
      return n === 1 ? as1d(x, (x4) => avgPool2d(x4, o), 'avg_pool1d') : avgPool2d(x, o);
    }),
  };
}

function adaptive(n: number, kind: 'avg' | 'max'): LayerDef {
  return {
    params: none,
    forward: unbatched(n, (i, a) => {
      if (kind === 'max' && bool(a, 'return_indices', false)) throw new ArgError('adaptive max pooling with return_indices=True is not supported by the engine');
      const x = one(i, `adaptive_${kind}_pool`);
      if (n === 1) {
        const s = optSizes(a, 'output_size', 1);
        return as1d(x, (x4) => adaptivePool2d(x4, [1, s[0] ?? null], kind), `adaptive_${kind}_pool1d`);
      }
      const s = optSizes(a, 'output_size', 2);
      return adaptivePool2d(x, [s[0] ?? null, s[1] ?? null], kind);
    }),
  };
}

function padLayer(n: number, mode: 'constant' | 'reflect' | 'replicate' | 'circular', valueKey: string | null): LayerDef {
  return {
    params: none,
    forward: (i, a) => pad(one(i, 'pad'), tuple(a, 'padding', 2 * n), mode, valueKey === null ? 0 : num(a, valueKey, 0)),
  };
}

function upsample(a: Args, x: Tensor, mode: 'nearest' | 'bilinear' | 'linear' | 'nearest-exact' | 'trilinear', alignCorners: boolean | null): Tensor {
  if (x.shape.length === 5 || mode === 'trilinear') {
    return interpolate3d(x, {
      size: has(a, 'size') ? ints(a, 'size') : null,
      scaleFactor: nums(a, 'scale_factor'),
      mode: mode === 'trilinear' ? 'trilinear' : mode === 'nearest-exact' ? 'nearest-exact' : mode === 'nearest' ? 'nearest' : badMode(mode),
      alignCorners,
      recomputeScaleFactor: has(a, 'recompute_scale_factor') ? bool(a, 'recompute_scale_factor', false) : null,
    });
  }
  return interpolate(x, {
    size: has(a, 'size') ? ints(a, 'size') : null,
    scaleFactor: nums(a, 'scale_factor'),
    mode,
    alignCorners,
    recomputeScaleFactor: has(a, 'recompute_scale_factor') ? bool(a, 'recompute_scale_factor', false) : null,
  });
}

function upsampleMode(a: Args): 'nearest' | 'bilinear' | 'linear' | 'nearest-exact' | 'trilinear' {
  const m = str(a, 'mode', 'nearest');
  if (m === 'nearest' || m === 'bilinear' || m === 'linear' || m === 'nearest-exact' || m === 'trilinear') return m;
  throw new ArgError(`upsampling mode '${m}' is not supported by the engine (nearest, nearest-exact, linear, bilinear, trilinear)`);
}

function badMode(mode: string): never {
  throw new ArgError(`interpolate: mode '${mode}' expects a ${mode === 'linear' ? 3 : 4}-d input, got a 5-d one`);
}

/** ConvTranspose2d's output_padding, or the one its forward's output_size asks for. */
function transposedOutputPadding(x: Tensor, a: Args): [number, number] {
  if (!has(a, 'output_size')) return pair(a, 'output_padding', 0);
  const spatial = x.shape.slice(x.shape.length - 2);
  const p = outputPaddingFor(spatial, ints(a, 'output_size'), tuple(a, 'kernel_size', 2), { stride: tuple(a, 'stride', 2, 1), padding: tuple(a, 'padding', 2, 0), dilation: tuple(a, 'dilation', 2, 1) });
  return [p[0] as number, p[1] as number];
}

/** PyTorch accepts unbatched inputs ([C, H, W] for 2-d layers): run them as a batch of one. */
function unbatched(n: number, f: LayerDef['forward']): LayerDef['forward'] {
  return (i, a, p, clamp) => {
    const x = i[0];
    if (x === undefined || x.shape.length !== n + 1) return f(i, a, p, clamp);
    const y = f([{ shape: [1, ...x.shape], data: x.data }, ...i.slice(1)], a, p, clamp);
    return { shape: y.shape.slice(1), data: y.data };
  };
}

function convForward(n: 1 | 2): LayerDef['forward'] {
  return unbatched(n, (i, a, p, clamp) => {
    const x = one(i, `Conv${n}d`);
    const w = need(p, 'weight', `Conv${n}d`);
    const k = tuple(a, 'kernel_size', n), s = tuple(a, 'stride', n, 1), d = tuple(a, 'dilation', n, 1);
    const pads = convPadding(a, n, k, d);
    if (a['padding'] === 'same' && s.some((v) => v !== 1)) throw new ArgError("padding='same' is not supported for strided convolutions");
    const b = p('bias'), groups = int(a, 'groups', 1), mode = paddingMode(a);
    if (n === 1) return conv1d(x, w, b, { stride: s[0] as number, padding: pads[0] as [number, number], dilation: d[0] as number, groups, paddingMode: mode });
    return conv2d(x, w, b, { ...conv2dOptions(a), ...(clamp === undefined ? {} : { clamp }) });
  });
}

/** A Conv2d's constructor arguments as conv2d's options. */
export function conv2dOptions(a: Args): Conv2dOptions {
  const k = tuple(a, 'kernel_size', 2), s = tuple(a, 'stride', 2, 1), d = tuple(a, 'dilation', 2, 1);
  if (a['padding'] === 'same' && s.some((v) => v !== 1)) throw new ArgError("padding='same' is not supported for strided convolutions");
  const [ph, pw] = convPadding(a, 2, k, d) as [[number, number], [number, number]];
  return { stride: [s[0] as number, s[1] as number], padding: [ph[0], ph[1], pw[0], pw[1]], dilation: [d[0] as number, d[1] as number], groups: int(a, 'groups', 1), paddingMode: paddingMode(a) };
}

function conv3dForward(): LayerDef['forward'] {
  return unbatched(3, (i, a, p, clamp) => {
    const x = one(i, 'Conv3d');
    const w = need(p, 'weight', 'Conv3d');
    const k = tuple(a, 'kernel_size', 3), s = tuple(a, 'stride', 3, 1), d = tuple(a, 'dilation', 3, 1);
    if (a['padding'] === 'same' && s.some((v) => v !== 1)) throw new ArgError("padding='same' is not supported for strided convolutions");
    const pads = convPadding(a, 3, k, d) as [[number, number], [number, number], [number, number]];
    return conv3d(x, w, p('bias'), {
      stride: s as [number, number, number], padding: pads, dilation: d as [number, number, number], groups: int(a, 'groups', 1),
      paddingMode: paddingMode(a), ...(clamp === undefined ? {} : { clamp }),
    });
  });
}

function pool3dOpts(a: Args, dilation: boolean): Pool3dOptions {
  const k = tuple(a, 'kernel_size', 3);
  const s = has(a, 'stride') ? tuple(a, 'stride', 3) : k;
  return {
    kernel: k as [number, number, number], stride: s as [number, number, number], padding: tuple(a, 'padding', 3, 0) as [number, number, number],
    dilation: (dilation ? tuple(a, 'dilation', 3, 1) : [1, 1, 1]) as [number, number, number], ceilMode: bool(a, 'ceil_mode', false),
  };
}

const volumeLayers: Record<string, LayerDef> = {
  Conv3d: { params: (a) => convParams(a, 3, false), forward: conv3dForward(), macs: convMacs },
  MaxPool3d: {
    params: none,
    forward: unbatched(3, (i, a) => {
      if (bool(a, 'return_indices', false)) throw new ArgError('max pooling with return_indices=True is not supported by the engine');
      return maxPool3d(one(i, 'max_pool3d'), pool3dOpts(a, true));
    }),
  },
  AvgPool3d: {
    params: none,
    forward: unbatched(3, (i, a) => avgPool3d(one(i, 'avg_pool3d'), { ...pool3dOpts(a, false), countIncludePad: bool(a, 'count_include_pad', true), divisorOverride: has(a, 'divisor_override') ? num(a, 'divisor_override') : null })),
  },
  AdaptiveAvgPool3d: { params: none, forward: unbatched(3, (i, a) => adaptivePool3d(one(i, 'adaptive_avg_pool3d'), optSizes(a, 'output_size', 3) as [number | null, number | null, number | null], 'avg')) },
  AdaptiveMaxPool3d: {
    params: none,
    forward: unbatched(3, (i, a) => {
      if (bool(a, 'return_indices', false)) throw new ArgError('adaptive max pooling with return_indices=True is not supported by the engine');
      return adaptivePool3d(one(i, 'adaptive_max_pool3d'), optSizes(a, 'output_size', 3) as [number | null, number | null, number | null], 'max');
    }),
  },
  BatchNorm3d: { params: (a) => normParams(a, 'num_features', 'affine', true, bool(a, 'track_running_stats', true)), forward: bnForward },
  InstanceNorm3d: { params: (a) => normParams(a, 'num_features', 'affine', false, bool(a, 'track_running_stats', false)), forward: inForward },
  Dropout3d: act((x) => x),
};

export const layers: Record<string, LayerDef> = {
  ...volumeLayers,
  // TF.js graphs name layers by their tf.layers factory (camelCase), torch by class (PascalCase): they never collide.
  ...tfjsLayers,
  ...sequenceLayers,
  Conv2d: { params: (a) => convParams(a, 2, false), forward: convForward(2), macs: convMacs },
  Conv1d: { params: (a) => convParams(a, 1, false), forward: convForward(1), macs: convMacs },
  ConvTranspose2d: {
    params: (a) => convParams(a, 2, true),
    forward: (i, a, p) => {
      if (paddingMode(a) !== 'zeros') throw new ArgError("ConvTranspose2d only supports padding_mode='zeros'");
      return convTranspose2d(one(i, 'ConvTranspose2d'), need(p, 'weight', 'ConvTranspose2d'), p('bias'), {
        stride: pair(a, 'stride', 1), padding: pair(a, 'padding', 0), outputPadding: transposedOutputPadding(one(i, 'ConvTranspose2d'), a),
        dilation: pair(a, 'dilation', 1), groups: int(a, 'groups', 1),
      });
    },
    macs: (i, out, a) => ((i[0]?.data.length ?? 0) * int(a, 'out_channels') * tuple(a, 'kernel_size', 2).reduce((x, y) => x * y, 1)) / int(a, 'groups', 1),
  },
  Embedding: {
    params: (a) => [{ name: 'weight', shape: [int(a, 'num_embeddings'), int(a, 'embedding_dim')], init: { kind: 'normal' } }],
    forward: (i, a, p) => {
      if (has(a, 'max_norm') && a['max_norm'] !== null) throw new ArgError('Embedding with max_norm is not supported by the engine');
      return embedding(one(i, 'Embedding'), need(p, 'weight', 'Embedding'));
    },
  },
  Linear: {
    params: (a) => {
      const fi = int(a, 'in_features'), fo = int(a, 'out_features');
      const specs: ParamSpec[] = [{ name: 'weight', shape: [fo, fi], init: { kind: 'kaiming_uniform', fanIn: fi } }];
      if (bool(a, 'bias', true)) specs.push({ name: 'bias', shape: [fo], init: { kind: 'uniform', bound: fi > 0 ? 1 / Math.sqrt(fi) : 0 } });
      return specs;
    },
    // A classifier's weight (1280 x 1000) on the GEMM kernel, packed once: about 0.3 ms against 3-10 ms in the loop.
    forward: (i, _a, p) => {
      const w = need(p, 'weight', 'Linear');
      return w.data.length >= 4096 && !runtime().busy ? linearGemm(one(i, 'Linear'), w, p('bias')) : linear(one(i, 'Linear'), w, p('bias'));
    },
    macs: (_i, out, a) => (out.data.length * int(a, 'in_features')),
  },
  BatchNorm1d: { params: (a) => normParams(a, 'num_features', 'affine', true, bool(a, 'track_running_stats', true)), forward: bnForward },
  BatchNorm2d: { params: (a) => normParams(a, 'num_features', 'affine', true, bool(a, 'track_running_stats', true)), forward: bnForward },
  InstanceNorm1d: { params: (a) => normParams(a, 'num_features', 'affine', false, bool(a, 'track_running_stats', false)), forward: inForward },
  InstanceNorm2d: { params: (a) => normParams(a, 'num_features', 'affine', false, bool(a, 'track_running_stats', false)), forward: inForward },
  GroupNorm: {
    params: (a) => normParams(a, 'num_channels', 'affine', true, false),
    forward: (i, a, p) => groupNorm(one(i, 'GroupNorm'), int(a, 'num_groups'), p('weight'), p('bias'), num(a, 'eps', 1e-5)),
  },
  LayerNorm: {
    params: (a) => {
      const shape = ints(a, 'normalized_shape');
      return bool(a, 'elementwise_affine', true)
        ? [{ name: 'weight', shape, init: { kind: 'constant', value: 1 } }, ...(bool(a, 'bias', true) ? [{ name: 'bias', shape, init: { kind: 'constant', value: 0 } as Init }] : [])]
        : [];
    },
    forward: (i, a, p) => layerNorm(one(i, 'LayerNorm'), ints(a, 'normalized_shape'), p('weight'), p('bias'), num(a, 'eps', 1e-5)),
  },
  MaxPool1d: maxPool(1),
  MaxPool2d: maxPool(2),
  AvgPool1d: avgPool(1),
  AvgPool2d: avgPool(2),
  AdaptiveAvgPool1d: adaptive(1, 'avg'),
  AdaptiveAvgPool2d: adaptive(2, 'avg'),
  AdaptiveMaxPool1d: adaptive(1, 'max'),
  AdaptiveMaxPool2d: adaptive(2, 'max'),
  ReLU: act((x) => A.relu(x)),
  ReLU6: act((x) => A.relu6(x)),
  LeakyReLU: act((x, a) => A.leakyRelu(x, num(a, 'negative_slope', 0.01))),
  ELU: act((x, a) => A.elu(x, num(a, 'alpha', 1))),
  CELU: act((x, a) => A.celu(x, num(a, 'alpha', 1))),
  SELU: act((x) => A.selu(x)),
  GELU: act((x, a) => A.gelu(x, geluApprox(a))),
  SiLU: act((x) => A.silu(x)),
  Mish: act((x) => A.mish(x)),
  Sigmoid: act((x) => A.sigmoidT(x)),
  Tanh: act((x) => A.tanh(x)),
  Hardswish: act((x) => A.hardswish(x)),
  Hardsigmoid: act((x) => A.hardsigmoid(x)),
  Hardtanh: act((x, a) => A.hardtanh(x, num(a, 'min_val', -1), num(a, 'max_val', 1))),
  Softplus: act((x, a) => A.softplus(x, num(a, 'beta', 1), num(a, 'threshold', 20))),
  Softsign: act((x) => A.softsign(x)),
  PReLU: {
    params: (a) => [{ name: 'weight', shape: [int(a, 'num_parameters', 1)], init: { kind: 'constant', value: num(a, 'init', 0.25) } }],
    forward: (i, _a, p) => A.prelu(one(i, 'PReLU'), need(p, 'weight', 'PReLU')),
  },
  Softmax: act((x, a) => A.softmax(x, softmaxDim(x, a))),
  LogSoftmax: act((x, a) => A.logSoftmax(x, softmaxDim(x, a))),
  Upsample: act((x, a) => upsample(a, x, upsampleMode(a), has(a, 'align_corners') ? bool(a, 'align_corners', false) : null)),
  UpsamplingNearest2d: act((x, a) => upsample(a, x, 'nearest', null)),
  UpsamplingBilinear2d: act((x, a) => upsample(a, x, 'bilinear', true)),
  PixelShuffle: act((x, a) => pixelShuffle(x, int(a, 'upscale_factor'))),
  PixelUnshuffle: act((x, a) => pixelUnshuffle(x, int(a, 'downscale_factor'))),
  ZeroPad1d: padLayer(1, 'constant', null),
  ZeroPad2d: padLayer(2, 'constant', null),
  ConstantPad1d: padLayer(1, 'constant', 'value'),
  ConstantPad2d: padLayer(2, 'constant', 'value'),
  ReflectionPad1d: padLayer(1, 'reflect', null),
  ReflectionPad2d: padLayer(2, 'reflect', null),
  ReplicationPad1d: padLayer(1, 'replicate', null),
  ReplicationPad2d: padLayer(2, 'replicate', null),
  CircularPad1d: padLayer(1, 'circular', null),
  CircularPad2d: padLayer(2, 'circular', null),
  Flatten: act((x, a) => flatten(x, int(a, 'start_dim', 1), int(a, 'end_dim', -1))),
  Unflatten: act((x, a) => {
    const d = int(a, 'dim');
    const k = d < 0 ? d + x.shape.length : d;
    return reshape(x, [...x.shape.slice(0, k), ...ints(a, 'unflattened_size'), ...x.shape.slice(k + 1)]);
  }),
  Identity: act((x) => x),
  // Only an empty nn.Sequential() (an identity shortcut) is applied as a module of its own.
  Sequential: act((x) => x),
  Dropout: act((x) => x),
  Dropout1d: act((x) => x),
  Dropout2d: act((x) => x),
  AlphaDropout: act((x) => x),
};

function bnForward(i: readonly Tensor[], a: Args, p: ParamLookup): Tensor {
  return batchNorm(one(i, 'BatchNorm'), p('running_mean'), p('running_var'), p('weight'), p('bias'), num(a, 'eps', 1e-5));
}
function inForward(i: readonly Tensor[], a: Args, p: ParamLookup): Tensor {
  return instanceNorm(one(i, 'InstanceNorm'), p('running_mean'), p('running_var'), p('weight'), p('bias'), num(a, 'eps', 1e-5));
}
function geluApprox(a: Args): 'none' | 'tanh' {
  const v = str(a, 'approximate', 'none');
  if (v === 'none' || v === 'tanh') return v;
  throw new ArgError(`GELU approximate should be 'none' or 'tanh', got '${v}'`);
}
/** nn.Softmax(dim=None) picks dim 0 for 0-d, 1-d and 3-d inputs, else 1 (PyTorch's legacy rule). */
function softmaxDim(x: Tensor, a: Args): number {
  if (has(a, 'dim')) return int(a, 'dim');
  const r = x.shape.length;
  return r === 0 || r === 1 || r === 3 ? 0 : 1;
}

/** Rows of `weight` picked by the (integer-valued) indices: output shape [...indices.shape, embedding_dim]. */
function embedding(indices: Tensor, weight: Tensor): Tensor {
  const [rows, dim] = weight.shape as [number, number];
  const data = new Float32Array(indices.data.length * dim);
  for (let i = 0; i < indices.data.length; i++) {
    const r = indices.data[i] as number;
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw new ArgError(`Embedding index ${r} is out of range for ${rows} embeddings`);
    data.set(weight.data.subarray(r * dim, r * dim + dim), i * dim);
  }
  return { shape: [...indices.shape, dim], data };
}

export function layerDef(type: string): LayerDef {
  const d = layers[type];
  if (d === undefined) throw new ArgError(`the engine cannot run ${type} layers yet (supported: ${Object.keys(layers).join(', ')})`);
  return d;
}

export function describeShape(t: Tensor): string {
  return shapeString(t.shape);
}
