// TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder and Transformer:
// shape-preserving on the target, with the checks PyTorch 1.13 makes on the way (the attention's embed size,
// batch agreement between target and memory, the layer norms when norm_first).
import { dimEquals, dimToString, isKnown, product, type Dim, type Shape } from '../dims';
import { isLayerRef, type ApplyResult, type LayerArgs, type LayerIssue, type LayerRef, type LayerSpec } from './layer-spec';
import { asBool, asInt, fail, issue, shapeText } from './common';
import { attention, headsIssue, mhaMacs, mhaParamCount, type MhaParams } from './attention';

interface LayerParams {
  d: number | undefined;
  heads: number | undefined;
  ff: number | undefined;
  batchFirst: boolean | undefined;
  normFirst: boolean | undefined;
}

function readLayer(a: LayerArgs): LayerParams {
  return {
    d: asInt(a.get('d_model')),
    heads: asInt(a.get('nhead')),
    ff: asInt(a.get('dim_feedforward')),
    batchFirst: asBool(a.get('batch_first')),
    normFirst: asBool(a.get('norm_first')),
  };
}

function mha(p: LayerParams): MhaParams {
  return { embed: p.d, heads: p.heads, kdim: p.d, vdim: p.d, bias: true, biasKv: false, zeroAttn: false, batchFirst: p.batchFirst };
}

function checkLayer(a: LayerArgs): LayerIssue[] {
  const p = readLayer(a);
  const act = a.get('activation');
  // A function (F.gelu) is allowed and reads as unknown here; a string must name one PyTorch knows.
  if (typeof act === 'string' && act !== 'relu' && act !== 'gelu') {
    return [issue('invalid-argument', `${a.type}: activation='${act}' is not supported; use 'relu', 'gelu' or a function`, { arg: 'activation', pytorch: `activation should be relu/gelu, not ${act}` })];
  }
  return headsIssue(a.type, p.d, p.heads, 'd_model');
}

/** LayerNorm(d_model) on x, as norm_first runs it before the attention. */
function normCheck(who: string, x: Shape, d: number): ApplyResult | undefined {
  const last = x[x.length - 1];
  if (last === undefined || dimEquals(last, d) !== false) return undefined;
  return fail('attention-embed-dim', `${who} expects d_model=${d} features but receives ${dimToString(last)} (the last dim of ${shapeText(x)})`, {
    blamesInput: true,
    pytorch: `Given normalized_shape=[${d}], expected input with shape [*, ${d}], but got input of size${shapeText(x)}`,
  });
}

function encoderLayerApply(a: LayerArgs, x: Shape, who: string): ApplyResult {
  const p = readLayer(a);
  if (p.normFirst && p.d !== undefined) {
    const bad = normCheck(who, x, p.d);
    if (bad) return bad;
  }
  const r = attention(mha(p), { who, query: x, key: x, value: x, keyIsValue: true }, false, true);
  if ('error' in r) return r;
  return r.requires ? { output: [...x], requires: r.requires } : { output: [...x] };
}

function decoderLayerApply(a: LayerArgs, tgt: Shape, memory: Shape, who: string): ApplyResult {
  const p = readLayer(a);
  if (p.normFirst && p.d !== undefined) {
    const bad = normCheck(who, tgt, p.d);
    if (bad) return bad;
  }
  const self = attention(mha(p), { who, query: tgt, key: tgt, value: tgt, keyIsValue: true }, false, true);
  if ('error' in self) return self;
  const cross = attention(mha(p), { who: `${who} (attention over the memory)`, query: tgt, key: memory, value: memory, keyIsValue: true }, false, true);
  if ('error' in cross) return cross;
  const requires = [...(self.requires ?? []), ...(cross.requires ?? [])];
  return requires.length > 0 ? { output: [...tgt], requires } : { output: [...tgt] };
}

function layerParams(a: LayerArgs, decoder: boolean): number | null {
  const p = readLayer(a);
  const attn = mhaParamCount(mha(p));
  if (attn === null || p.d === undefined || p.ff === undefined) return null;
  const ffn = p.d * p.ff + p.ff + p.ff * p.d + p.d;
  return (decoder ? 2 : 1) * attn + ffn + (decoder ? 3 : 2) * 2 * p.d;
}

/** Attention(s), the two feed-forward linears, and one multiply-add per element for each LayerNorm. */
function layerMacs(a: LayerArgs, tgt: Shape, memory: Shape | undefined): number | null {
  const p = readLayer(a);
  const self = mhaMacs(mha(p), tgt, tgt);
  const cross = memory ? mhaMacs(mha(p), tgt, memory) : 0;
  const tokens = product(tgt.slice(0, -1));
  if (self === null || cross === null || p.d === undefined || p.ff === undefined || !isKnown(tokens)) return null;
  return self + cross + 2 * tokens * p.d * p.ff + (memory ? 3 : 2) * tokens * p.d;
}

const layerSignature = ['d_model', 'nhead', 'dim_feedforward', 'dropout', 'activation', 'layer_norm_eps', 'batch_first', 'norm_first', 'device', 'dtype'];
const layerDefaults = { dim_feedforward: 2048, dropout: 0.1, activation: 'relu', layer_norm_eps: 1e-5, batch_first: false, norm_first: false, device: null, dtype: null };

export const transformerEncoderLayer: LayerSpec = {
  type: 'TransformerEncoderLayer',
  signature: layerSignature,
  defaults: layerDefaults,
  inputNames: ['src'],
  forwardSignature: ['src_mask', 'src_key_padding_mask'],
  forwardDefaults: { src_mask: null, src_key_padding_mask: null },
  composite: true,
  check: checkLayer,
  apply(a, inputs) {
    const x = inputs[0];
    return x ? encoderLayerApply(a, x, 'TransformerEncoderLayer') : fail('invalid-argument', 'TransformerEncoderLayer needs an input');
  },
  paramCount: (a) => layerParams(a, false),
  macs: (a, inputs) => (inputs[0] ? layerMacs(a, inputs[0], undefined) : null),
};

export const transformerDecoderLayer: LayerSpec = {
  type: 'TransformerDecoderLayer',
  signature: layerSignature,
  defaults: layerDefaults,
  inputNames: ['tgt', 'memory'],
  minInputs: 2,
  forwardSignature: ['tgt_mask', 'memory_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask'],
  forwardDefaults: { tgt_mask: null, memory_mask: null, tgt_key_padding_mask: null, memory_key_padding_mask: null },
  composite: true,
  check: checkLayer,
  apply(a, inputs) {
    const [t, m] = inputs;
    return t && m ? decoderLayerApply(a, t, m, 'TransformerDecoderLayer') : fail('invalid-argument', 'TransformerDecoderLayer needs tgt and memory: layer(tgt, memory)');
  },
  paramCount: (a) => layerParams(a, true),
  macs: (a, inputs) => (inputs[0] && inputs[1] ? layerMacs(a, inputs[0], inputs[1]) : null),
};

function stackLayer(a: LayerArgs, name: string, want: string): LayerRef | undefined {
  const v = a.get(name);
  return isLayerRef(v) && v.type === want ? v : undefined;
}

function normRef(a: LayerArgs): LayerRef | null | undefined {
  const v = a.get('norm');
  if (v === null) return null;
  return isLayerRef(v) ? v : undefined;
}

function stackParams(a: LayerArgs, layerName: string): number | null {
  const layer = a.get(layerName);
  const n = asInt(a.get('num_layers'));
  const norm = normRef(a);
  if (!isLayerRef(layer) || layer.params === null || n === undefined || norm === undefined) return null;
  const normParams = norm === null ? 0 : norm.params;
  return normParams === null ? null : n * layer.params + normParams;
}

/** A stack of identical layers then the optional norm: the input shape comes out; the first layer decides the errors. */
function stackSpec(type: string, layerName: string, layerType: string, decoder: boolean): LayerSpec {
  return {
    type,
    signature: decoder ? [layerName, 'num_layers', 'norm'] : [layerName, 'num_layers', 'norm', 'enable_nested_tensor', 'mask_check'],
    defaults: decoder ? { norm: null } : { norm: null, enable_nested_tensor: true, mask_check: true },
    inputNames: decoder ? ['tgt', 'memory'] : ['src'],
    minInputs: decoder ? 2 : 1,
    forwardSignature: decoder ? ['tgt_mask', 'memory_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask'] : ['mask', 'src_key_padding_mask'],
    forwardDefaults: decoder ? { tgt_mask: null, memory_mask: null, tgt_key_padding_mask: null, memory_key_padding_mask: null } : { mask: null, src_key_padding_mask: null },
    composite: true,
    apply(a, inputs) {
      const [x, memory] = inputs;
      if (!x || (decoder && !memory)) return fail('invalid-argument', `${type} needs ${decoder ? 'tgt and memory' : 'an input'}`);
      const layer = stackLayer(a, layerName, layerType);
      const n = asInt(a.get('num_layers'));
      if (!layer || n === 0) return { output: [...x] };
      return decoder && memory ? decoderLayerApply(layer.args, x, memory, type) : encoderLayerApply(layer.args, x, type);
    },
    paramCount: (a) => stackParams(a, layerName),
    macs(a, inputs) {
      const layer = stackLayer(a, layerName, layerType);
      const n = asInt(a.get('num_layers'));
      const x = inputs[0];
      if (!layer || n === undefined || !x) return null;
      const one = layerMacs(layer.args, x, decoder ? inputs[1] : undefined);
      return one === null ? null : n * one;
    },
  };
}

export const transformerEncoder = stackSpec('TransformerEncoder', 'encoder_layer', 'TransformerEncoderLayer', false);
export const transformerDecoder = stackSpec('TransformerDecoder', 'decoder_layer', 'TransformerDecoderLayer', true);

export const transformer: LayerSpec = {
  type: 'Transformer',
  signature: ['d_model', 'nhead', 'num_encoder_layers', 'num_decoder_layers', 'dim_feedforward', 'dropout', 'activation', 'custom_encoder', 'custom_decoder', 'layer_norm_eps', 'batch_first', 'norm_first', 'device', 'dtype'],
  defaults: { d_model: 512, nhead: 8, num_encoder_layers: 6, num_decoder_layers: 6, dim_feedforward: 2048, dropout: 0.1, activation: 'relu', custom_encoder: null, custom_decoder: null, layer_norm_eps: 1e-5, batch_first: false, norm_first: false, device: null, dtype: null },
  inputNames: ['src', 'tgt'],
  minInputs: 2,
  forwardSignature: ['src_mask', 'tgt_mask', 'memory_mask', 'src_key_padding_mask', 'tgt_key_padding_mask', 'memory_key_padding_mask'],
  forwardDefaults: { src_mask: null, tgt_mask: null, memory_mask: null, src_key_padding_mask: null, tgt_key_padding_mask: null, memory_key_padding_mask: null },
  composite: true,
  check: checkLayer,
  apply(a, inputs) {
    const [src, tgt] = inputs;
    if (!src || !tgt) return fail('invalid-argument', 'Transformer needs src and tgt: model(src, tgt)');
    if (a.get('custom_encoder') !== null || a.get('custom_decoder') !== null) return { output: [...tgt] };
    const p = readLayer(a);
    const bf = p.batchFirst;
    const batchIndex = bf ? 0 : 1;
    if (src.length === 3 && bf !== undefined && tgt.length > batchIndex && dimEquals(src[batchIndex] as Dim, tgt[batchIndex] as Dim) === false) {
      return fail('attention-embed-dim', `Transformer: src ${shapeText(src)} and tgt ${shapeText(tgt)} have different batch sizes`, { blamesInput: true, pytorch: 'the batch number of src and tgt must be equal' });
    }
    const d = p.d;
    if (d !== undefined && (dimEquals(src[src.length - 1] as Dim, d) === false || dimEquals(tgt[tgt.length - 1] as Dim, d) === false)) {
      return fail('attention-embed-dim', `Transformer: src ${shapeText(src)} and tgt ${shapeText(tgt)} must both end in d_model=${d}`, { blamesInput: true, pytorch: 'the feature number of src and tgt must be equal to d_model' });
    }
    const memory = encoderLayerApply(a, src, 'Transformer encoder');
    if ('error' in memory) return memory;
    return decoderLayerApply(a, tgt, memory.output, 'Transformer decoder');
  },
  paramCount(a) {
    if (a.get('custom_encoder') !== null || a.get('custom_decoder') !== null) return null;
    const e = layerParams(a, false);
    const dl = layerParams(a, true);
    const ne = asInt(a.get('num_encoder_layers'));
    const nd = asInt(a.get('num_decoder_layers'));
    const d = asInt(a.get('d_model'));
    return e === null || dl === null || ne === undefined || nd === undefined || d === undefined ? null : ne * e + nd * dl + 4 * d;
  },
  macs(a, inputs) {
    const [src, tgt] = inputs;
    const ne = asInt(a.get('num_encoder_layers'));
    const nd = asInt(a.get('num_decoder_layers'));
    if (!src || !tgt || ne === undefined || nd === undefined) return null;
    const e = layerMacs(a, src, undefined);
    const dl = layerMacs(a, tgt, src);
    return e === null || dl === null ? null : ne * e + nd * dl;
  },
};

export const transformerSpecs: LayerSpec[] = [transformerEncoderLayer, transformerDecoderLayer, transformerEncoder, transformerDecoder, transformer];
