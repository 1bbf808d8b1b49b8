// torch.nn sequence and attention layers (RNN/LSTM/GRU and cells, MultiheadAttention, the Transformer family) and
// the volume/patch layers added with them (ConvTranspose3d, Unfold, Fold): parameters with PyTorch's default init
// distributions (reset_parameters), eval forward, MACs. Tuple outputs carry their other tensors in `rest`, in the
// order the core flattens the tuple (src/core/python/modules.ts): LSTM (output, h_n, c_n), GRU/RNN (output, h_n),
// LSTMCell (h, c), MultiheadAttention (attn_output, attn_weights).
import type { Init, LayerDef, ParamLookup, ParamSpec } from './layers';
import { ArgError, bool, has, int, ints, need, num, one, str, tuple, type Args } from './args';
import { cell, GATES, recurrent, type CellWeights, type RecurrentMode } from './ops/recurrent';
import { decoderLayer, encoderLayer, multiheadAttention, stack, type TransformerLayerOptions } from './ops/attention';
import { convTranspose3d, outputPaddingFor } from './ops/conv-transpose3d';
import { fold, unfold, type FoldOptions } from './ops/fold';
import { withRest, type Tensor } from './tensor';

const uniform = (bound: number): Init => ({ kind: 'uniform', bound });
const zeros: Init = { kind: 'constant', value: 0 };
const ones: Init = { kind: 'constant', value: 1 };

/** xavier_uniform_: bound sqrt(6 / (fan_in + fan_out)), fans as torch.nn.init computes them. */
function xavier(shape: number[]): Init {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return uniform(Math.sqrt(6 / ((shape[1] as number) * receptive + (shape[0] as number) * receptive)));
}

/** A forward argument PyTorch would use but the engine cannot honour (a mask): refuse rather than run without it. */
function refuseGiven(a: Args, names: string[], what: string): void {
  for (const n of names) {
    if (a[n] !== undefined && a[n] !== null && a[n] !== false) throw new ArgError(`${what} with ${n} is not supported by the engine`, n);
  }
}

// ---------------------------------------------------------------- recurrent

function rnnMode(type: string, a: Args): RecurrentMode {
  if (type === 'LSTM' || type === 'LSTMCell') return 'LSTM';
  if (type === 'GRU' || type === 'GRUCell') return 'GRU';
  const nl = str(a, 'nonlinearity', 'tanh');
  if (nl !== 'tanh' && nl !== 'relu') throw new ArgError(`Unknown nonlinearity '${nl}'`, 'nonlinearity');
  return nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU';
}

function rnnShape(type: string, a: Args): { mode: RecurrentMode; I: number; H: number; L: number; D: number; P: number; bias: boolean } {
  const mode = rnnMode(type, a);
  const P = mode === 'LSTM' ? int(a, 'proj_size', 0) : 0;
  return { mode, I: int(a, 'input_size'), H: int(a, 'hidden_size'), L: int(a, 'num_layers', 1), D: bool(a, 'bidirectional', false) ? 2 : 1, P, bias: bool(a, 'bias', true) };
}

function rnnParams(type: string): (a: Args) => ParamSpec[] {
  return (a) => {
    const { mode, I, H, L, D, P, bias } = rnnShape(type, a);
    const Hout = P > 0 ? P : H, G = GATES[mode] * H;
    const init = uniform(H > 0 ? 1 / Math.sqrt(H) : 0);
    const specs: ParamSpec[] = [];
    for (let l = 0; l < L; l++) {
      for (let d = 0; d < D; d++) {
        const s = `_l${l}${d === 1 ? '_reverse' : ''}`;
        specs.push({ name: `weight_ih${s}`, shape: [G, l === 0 ? I : D * Hout], init }, { name: `weight_hh${s}`, shape: [G, Hout], init });
        if (bias) specs.push({ name: `bias_ih${s}`, shape: [G], init }, { name: `bias_hh${s}`, shape: [G], init });
        if (P > 0) specs.push({ name: `weight_hr${s}`, shape: [P, H], init });
      }
    }
    return specs;
  };
}

function rnnLayer(type: 'RNN' | 'LSTM' | 'GRU'): LayerDef {
  return {
    params: rnnParams(type),
    forward: (i, a, p) => {
      const { mode, H, L, D, P } = rnnShape(type, a);
      const r = recurrent(one(i, type), i[1] ?? null, i[2] ?? null, { mode, hidden: H, layers: L, bidirectional: D === 2, batchFirst: bool(a, 'batch_first', false), proj: P }, (l, reverse) => {
        const s = `_l${l}${reverse ? '_reverse' : ''}`;
        return { wih: need(p, `weight_ih${s}`, type), whh: need(p, `weight_hh${s}`, type), bih: p(`bias_ih${s}`), bhh: p(`bias_hh${s}`), whr: P > 0 ? need(p, `weight_hr${s}`, type) : null };
      });
      return withRest(r.output, mode === 'LSTM' ? [r.hN, r.cN] : [r.hN]);
    },
    macs: (i, out, a) => {
      const { mode, I, H, L, D, P } = rnnShape(type, a);
      const x = i[0];
      const T = x === undefined ? 0 : x.shape.length === 2 ? (x.shape[0] as number) : (x.shape[bool(a, 'batch_first', false) ? 1 : 0] as number);
      const steps = T === 0 ? 0 : out.data.length / (D * (P > 0 ? P : H));
      const Hout = P > 0 ? P : H, G = GATES[mode] * H;
      let per = 0;
      for (let l = 0; l < L; l++) per += D * (G * ((l === 0 ? I : D * Hout) + Hout) + (P > 0 ? P * H : 0));
      return steps * per;
    },
  };
}

function cellLayer(type: 'RNNCell' | 'LSTMCell' | 'GRUCell'): LayerDef {
  return {
    params: (a) => {
      const mode = rnnMode(type, a), I = int(a, 'input_size'), H = int(a, 'hidden_size'), G = GATES[mode] * H;
      const init = uniform(H > 0 ? 1 / Math.sqrt(H) : 0);
      const specs: ParamSpec[] = [{ name: 'weight_ih', shape: [G, I], init }, { name: 'weight_hh', shape: [G, H], init }];
      if (bool(a, 'bias', true)) specs.push({ name: 'bias_ih', shape: [G], init }, { name: 'bias_hh', shape: [G], init });
      return specs;
    },
    forward: (i, a, p) => {
      const mode = rnnMode(type, a);
      const w: CellWeights = { wih: need(p, 'weight_ih', type), whh: need(p, 'weight_hh', type), bih: p('bias_ih'), bhh: p('bias_hh'), whr: null };
      const r = cell(mode, one(i, type), i[1] ?? null, i[2] ?? null, w);
      return mode === 'LSTM' ? withRest(r.h, [r.c]) : r.h;
    },
  };
}

// ---------------------------------------------------------------- attention

function mhaParams(a: Args, prefix = '', xavierAll = false): ParamSpec[] {
  const E = int(a, 'embed_dim');
  const kdim = has(a, 'kdim') ? int(a, 'kdim') : E, vdim = has(a, 'vdim') ? int(a, 'vdim') : E;
  const bias = bool(a, 'bias', true);
  const specs: ParamSpec[] = [];
  if (kdim === E && vdim === E) specs.push({ name: `${prefix}in_proj_weight`, shape: [3 * E, E], init: xavier([3 * E, E]) });
  else {
    specs.push(
      { name: `${prefix}q_proj_weight`, shape: [E, E], init: xavier([E, E]) },
      { name: `${prefix}k_proj_weight`, shape: [E, kdim], init: xavier([E, kdim]) },
      { name: `${prefix}v_proj_weight`, shape: [E, vdim], init: xavier([E, vdim]) },
    );
  }
  if (bias) specs.push({ name: `${prefix}in_proj_bias`, shape: [3 * E], init: zeros });
  // out_proj keeps Linear's kaiming init (its bias is zeroed); nn.Transformer re-inits every matrix with xavier.
  specs.push({ name: `${prefix}out_proj.weight`, shape: [E, E], init: xavierAll ? xavier([E, E]) : { kind: 'kaiming_uniform', fanIn: E } });
  if (bias) specs.push({ name: `${prefix}out_proj.bias`, shape: [E], init: zeros });
  if (bool(a, 'add_bias_kv', false)) {
    // xavier_normal_ of a [1, 1, E] tensor: std sqrt(2 / (E + E)).
    const init: Init = { kind: 'normal', std: Math.sqrt(1 / E) };
    specs.push({ name: `${prefix}bias_k`, shape: [1, 1, E], init }, { name: `${prefix}bias_v`, shape: [1, 1, E], init });
  }
  return specs;
}

const multiheadAttentionLayer: LayerDef = {
  params: (a) => mhaParams(a),
  forward: (i, a, p) => {
    refuseGiven(a, ['key_padding_mask', 'attn_mask'], 'MultiheadAttention');
    const q = one(i, 'MultiheadAttention');
    const r = multiheadAttention(q, i[1] ?? q, i[2] ?? i[1] ?? q, {
      embed: int(a, 'embed_dim'), heads: int(a, 'num_heads'), batchFirst: bool(a, 'batch_first', false), addZeroAttn: bool(a, 'add_zero_attn', false),
      needWeights: bool(a, 'need_weights', true), averageWeights: bool(a, 'average_attn_weights', true),
    }, p);
    return withRest(r.output, [r.weights]);
  },
};

/** A layer passed as an argument (encoder_layer, norm, activation), as the core's graph carries it. */
function layerArg(a: Args, k: string): { type: string; args: Args } | null {
  const v = a[k];
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { args?: unknown }).args === 'object') {
    return v as { type: string; args: Args };
  }
  throw new ArgError(`argument ${k} is not a layer the engine knows`, k, true);
}

function layerOptions(a: Args): TransformerLayerOptions {
  const act = a['activation'];
  let activation: TransformerLayerOptions['activation'];
  if (act === undefined || act === 'relu') activation = 'relu';
  else if (act === 'gelu') activation = 'gelu';
  else {
    const ref = typeof act === 'object' && act !== null ? layerArg(a, 'activation') : null;
    if (ref?.type === 'ReLU') activation = 'relu';
    else if (ref?.type === 'GELU') activation = str(ref.args, 'approximate', 'none') === 'tanh' ? 'gelu_tanh' : 'gelu';
    else throw new ArgError(`a Transformer activation the engine can run is 'relu', 'gelu', nn.ReLU() or nn.GELU(), got ${JSON.stringify(act) ?? 'nothing'}`, 'activation', act === null);
  }
  return { dModel: int(a, 'd_model'), heads: int(a, 'nhead'), activation, eps: num(a, 'layer_norm_eps', 1e-5), batchFirst: bool(a, 'batch_first', false), normFirst: bool(a, 'norm_first', false) };
}

function layerParams(a: Args, decoder: boolean, prefix: string, xavierAll: boolean): ParamSpec[] {
  const d = int(a, 'd_model'), ff = int(a, 'dim_feedforward', 2048);
  const mat = (shape: number[], fanIn: number): Init => (xavierAll ? xavier(shape) : { kind: 'kaiming_uniform', fanIn });
  const mha = { embed_dim: d, num_heads: int(a, 'nhead') };
  const specs: ParamSpec[] = [
    ...mhaParams(mha, `${prefix}self_attn.`, xavierAll),
    ...(decoder ? mhaParams(mha, `${prefix}multihead_attn.`, xavierAll) : []),
    { name: `${prefix}linear1.weight`, shape: [ff, d], init: mat([ff, d], d) },
    { name: `${prefix}linear1.bias`, shape: [ff], init: uniform(1 / Math.sqrt(d)) },
    { name: `${prefix}linear2.weight`, shape: [d, ff], init: mat([d, ff], ff) },
    { name: `${prefix}linear2.bias`, shape: [d], init: uniform(1 / Math.sqrt(ff)) },
  ];
  for (const n of decoder ? ['norm1', 'norm2', 'norm3'] : ['norm1', 'norm2']) {
    specs.push({ name: `${prefix}${n}.weight`, shape: [d], init: ones }, { name: `${prefix}${n}.bias`, shape: [d], init: zeros });
  }
  return specs;
}

/** A LayerNorm argument (TransformerEncoder's norm): its parameters and how to apply it. */
function finalNorm(a: Args, k: string, prefix: string): { specs: ParamSpec[]; norm: { eps: number; shape: number[] } | null } {
  const ref = layerArg(a, k);
  if (ref === null) return { specs: [], norm: null };
  if (ref.type !== 'LayerNorm') throw new ArgError(`the engine runs a Transformer's norm when it is a LayerNorm, got ${ref.type}`, k);
  const shape = ints(ref.args, 'normalized_shape');
  const affine = bool(ref.args, 'elementwise_affine', true);
  return {
    specs: affine ? [{ name: `${prefix}weight`, shape, init: ones }, { name: `${prefix}bias`, shape, init: zeros }] : [],
    norm: { eps: num(ref.args, 'eps', 1e-5), shape },
  };
}

function stackParams(a: Args, decoder: boolean, prefix: string, xavierAll: boolean): ParamSpec[] {
  const layer = layerArg(a, decoder ? 'decoder_layer' : 'encoder_layer');
  if (layer === null || layer.type !== (decoder ? 'TransformerDecoderLayer' : 'TransformerEncoderLayer')) {
    throw new ArgError(`${decoder ? 'decoder_layer' : 'encoder_layer'} should be a ${decoder ? 'TransformerDecoderLayer' : 'TransformerEncoderLayer'}`, decoder ? 'decoder_layer' : 'encoder_layer', layer === null);
  }
  const specs: ParamSpec[] = [];
  for (let l = 0; l < int(a, 'num_layers'); l++) specs.push(...layerParams(layer.args, decoder, `${prefix}layers.${l}.`, xavierAll));
  specs.push(...finalNorm(a, 'norm', `${prefix}norm.`).specs);
  return specs;
}

const within = (p: ParamLookup, prefix: string): ParamLookup => (n) => p(prefix + n);

function runStack(x: Tensor, memory: Tensor | null, a: Args, p: ParamLookup): Tensor {
  const decoder = memory !== null;
  const layer = layerArg(a, decoder ? 'decoder_layer' : 'encoder_layer');
  if (layer === null) throw new ArgError(`${decoder ? 'decoder_layer' : 'encoder_layer'} is missing`);
  const o = layerOptions(layer.args);
  return stack(x, int(a, 'num_layers'), finalNorm(a, 'norm', 'norm.').norm, p, (y, lp) => (memory === null ? encoderLayer(y, o, lp) : decoderLayer(y, memory, o, lp)));
}

/** nn.Transformer's encoder and decoder as TransformerEncoder/Decoder arguments, as its constructor builds them. */
function transformerParts(a: Args): { enc: Args; dec: Args } {
  if (has(a, 'custom_encoder') || has(a, 'custom_decoder')) throw new ArgError('nn.Transformer with a custom encoder or decoder is not supported by the engine');
  const d = int(a, 'd_model', 512);
  const layer = {
    d_model: d, nhead: int(a, 'nhead', 8), dim_feedforward: int(a, 'dim_feedforward', 2048), activation: a['activation'] ?? 'relu',
    layer_norm_eps: num(a, 'layer_norm_eps', 1e-5), batch_first: bool(a, 'batch_first', false), norm_first: bool(a, 'norm_first', false),
  };
  const norm = { type: 'LayerNorm', args: { normalized_shape: [d], eps: num(a, 'layer_norm_eps', 1e-5), elementwise_affine: true } };
  return {
    enc: { encoder_layer: { type: 'TransformerEncoderLayer', args: layer }, num_layers: int(a, 'num_encoder_layers', 6), norm },
    dec: { decoder_layer: { type: 'TransformerDecoderLayer', args: layer }, num_layers: int(a, 'num_decoder_layers', 6), norm },
  };
}

const ENCODER_MASKS = ['src_mask', 'src_key_padding_mask', 'mask', 'is_causal'];
const DECODER_MASKS = ['tgt_mask', 'memory_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask'];

const transformerLayers: Record<string, LayerDef> = {
  TransformerEncoderLayer: {
    params: (a) => layerParams(a, false, '', false),
    forward: (i, a, p) => {
      refuseGiven(a, ENCODER_MASKS, 'TransformerEncoderLayer');
      return encoderLayer(one(i, 'TransformerEncoderLayer'), layerOptions(a), p);
    },
  },
  TransformerDecoderLayer: {
    params: (a) => layerParams(a, true, '', false),
    forward: (i, a, p) => {
      refuseGiven(a, DECODER_MASKS, 'TransformerDecoderLayer');
      const memory = i[1];
      if (memory === undefined) throw new ArgError('TransformerDecoderLayer needs a memory tensor');
      return decoderLayer(one(i, 'TransformerDecoderLayer'), memory, layerOptions(a), p);
    },
  },
  TransformerEncoder: {
    params: (a) => stackParams(a, false, '', false),
    forward: (i, a, p) => {
      refuseGiven(a, ENCODER_MASKS, 'TransformerEncoder');
      return runStack(one(i, 'TransformerEncoder'), null, a, p);
    },
  },
  TransformerDecoder: {
    params: (a) => stackParams(a, true, '', false),
    forward: (i, a, p) => {
      refuseGiven(a, DECODER_MASKS, 'TransformerDecoder');
      const memory = i[1];
      if (memory === undefined) throw new ArgError('TransformerDecoder needs a memory tensor');
      return runStack(one(i, 'TransformerDecoder'), memory, a, p);
    },
  },
  Transformer: {
    params: (a) => {
      const { enc, dec } = transformerParts(a);
      return [...stackParams(enc, false, 'encoder.', true), ...stackParams(dec, true, 'decoder.', true)];
    },
    forward: (i, a, p) => {
      refuseGiven(a, [...ENCODER_MASKS, ...DECODER_MASKS], 'Transformer');
      const { enc, dec } = transformerParts(a);
      const tgt = i[1];
      if (tgt === undefined) throw new ArgError('Transformer needs src and tgt tensors');
      const memory = runStack(one(i, 'Transformer'), null, enc, within(p, 'encoder.'));
      return runStack(tgt, memory, dec, within(p, 'decoder.'));
    },
  },
};

// ---------------------------------------------------------------- volumes and patches

function foldOptions(a: Args): FoldOptions {
  const k = tuple(a, 'kernel_size', 2), d = tuple(a, 'dilation', 2, 1), pd = tuple(a, 'padding', 2, 0), s = tuple(a, 'stride', 2, 1);
  return { kernel: [k[0] as number, k[1] as number], dilation: [d[0] as number, d[1] as number], padding: [pd[0] as number, pd[1] as number], stride: [s[0] as number, s[1] as number] };
}

const convTranspose3dLayer: LayerDef = {
  params: (a) => {
    const cin = int(a, 'in_channels'), cout = int(a, 'out_channels'), g = int(a, 'groups', 1);
    const k = tuple(a, 'kernel_size', 3);
    if (cin % g !== 0 || cout % g !== 0) throw new ArgError(`in_channels ${cin} and out_channels ${cout} must be divisible by groups ${g}`);
    // PyTorch's fan_in for a transposed weight [Cin, Cout/g, k...] is its dim 1 times the kernel.
    const fanIn = (cout / g) * k.reduce((x, y) => x * y, 1);
    const specs: ParamSpec[] = [{ name: 'weight', shape: [cin, cout / g, ...k], init: { kind: 'kaiming_uniform', fanIn } }];
    if (bool(a, 'bias', true)) specs.push({ name: 'bias', shape: [cout], init: uniform(fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0) });
    return specs;
  },
  forward: (i, a, p) => {
    if (str(a, 'padding_mode', 'zeros') !== 'zeros') throw new ArgError("Only \"zeros\" padding mode is supported for ConvTranspose3d", 'padding_mode');
    let x = one(i, 'ConvTranspose3d');
    const unbatched = x.shape.length === 4;
    if (unbatched) x = { shape: [1, ...x.shape], data: x.data };
    const k = tuple(a, 'kernel_size', 3), stride = tuple(a, 'stride', 3, 1), padding = tuple(a, 'padding', 3, 0), dilation = tuple(a, 'dilation', 3, 1);
    const outputPadding = has(a, 'output_size')
      ? outputPaddingFor(x.shape.slice(2), ints(a, 'output_size'), k, { stride, padding, dilation })
      : tuple(a, 'output_padding', 3, 0);
    const y = convTranspose3d(x, need(p, 'weight', 'ConvTranspose3d'), p('bias'), {
      stride: stride as [number, number, number], padding: padding as [number, number, number], outputPadding: outputPadding as [number, number, number],
      dilation: dilation as [number, number, number], groups: int(a, 'groups', 1),
    });
    return unbatched ? { shape: y.shape.slice(1), data: y.data } : y;
  },
  macs: (i, _out, a) => ((i[0]?.data.length ?? 0) * int(a, 'out_channels') * tuple(a, 'kernel_size', 3).reduce((x, y) => x * y, 1)) / int(a, 'groups', 1),
};

export const sequenceLayers: Record<string, LayerDef> = {
  RNN: rnnLayer('RNN'),
  LSTM: rnnLayer('LSTM'),
  GRU: rnnLayer('GRU'),
  RNNCell: cellLayer('RNNCell'),
  LSTMCell: cellLayer('LSTMCell'),
  GRUCell: cellLayer('GRUCell'),
  MultiheadAttention: multiheadAttentionLayer,
  ...transformerLayers,
  ConvTranspose3d: convTranspose3dLayer,
  Unfold: { params: () => [], forward: (i, a) => unfold(one(i, 'Unfold'), foldOptions(a)) },
  Fold: {
    params: () => [],
    forward: (i, a) => {
      const s = tuple(a, 'output_size', 2);
      return fold(one(i, 'Fold'), [s[0] as number, s[1] as number], foldOptions(a));
    },
  },
};
