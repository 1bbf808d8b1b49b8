// MultiheadAttention: (attn_output, attn_weights), with F.multi_head_attention_forward's checks in PyTorch 1.13.
// attn_output has the query's shape; attn_weights is [N, L, S] (averaged over heads), [N, heads, L, S]
// (average_attn_weights=False), without N for unbatched inputs, or None with need_weights=False.
import { add, dimEquals, dimToString, isKnown, mul, product, unknownDim, type Dim, type Shape } from '../dims';
import { type ApplyResult, type DimRequirement, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { asBool, asDim, asInt, fail, issue, shapeText } from './common';

export interface MhaParams {
  embed: number | undefined;
  heads: number | undefined;
  kdim: number | undefined;
  vdim: number | undefined;
  bias: boolean | undefined;
  biasKv: boolean | undefined;
  zeroAttn: boolean | undefined;
  batchFirst: boolean | undefined;
}

export function readMha(a: LayerArgs): MhaParams {
  const embed = asInt(a.get('embed_dim'));
  const k = a.get('kdim');
  const v = a.get('vdim');
  return {
    embed,
    heads: asInt(a.get('num_heads')),
    kdim: k === null ? embed : asInt(k),
    vdim: v === null ? embed : asInt(v),
    bias: asBool(a.get('bias')),
    biasKv: asBool(a.get('add_bias_kv')),
    zeroAttn: asBool(a.get('add_zero_attn')),
    batchFirst: asBool(a.get('batch_first')),
  };
}

/** MultiheadAttention's __init__ check, shared by the Transformer layers that build one. */
export function headsIssue(type: string, embed: number | undefined, heads: number | undefined, arg: string): LayerIssue[] {
  if (embed === undefined || heads === undefined) return [];
  if (heads <= 0 || embed <= 0) return [issue('invalid-argument', `${type}: ${arg}=${embed} and the number of heads ${heads} must be positive`, { arg })];
  if (Math.floor(embed / heads) * heads !== embed) {
    return [issue('invalid-argument', `${type}: ${arg}=${embed} is not divisible by ${heads} heads; use a multiple of ${heads} (e.g. ${Math.ceil(embed / heads) * heads}) or a head count that divides it`, {
      arg,
      pytorch: 'embed_dim must be divisible by num_heads',
    })];
  }
  return [];
}

export function mhaParamCount(p: MhaParams): number | null {
  const { embed: e, kdim, vdim, bias, biasKv } = p;
  if (e === undefined || kdim === undefined || vdim === undefined || bias === undefined || biasKv === undefined) return null;
  return e * e + e * kdim + e * vdim + (bias ? 3 * e : 0) + e * e + (bias ? e : 0) + (biasKv ? 2 * e : 0);
}

/** Projections (query, key, value, output) plus the two attention products: N x L x S x E each. */
export function mhaMacs(p: MhaParams, q: Shape, k: Shape): number | null {
  const { embed: e, kdim, vdim } = p;
  if (e === undefined || kdim === undefined || vdim === undefined) return null;
  const qTokens = product(q.slice(0, -1));
  const kTokens = product(k.slice(0, -1));
  const batch = q.length === 3 ? (p.batchFirst ? q[0] : q[1]) : 1;
  if (!isKnown(qTokens) || !isKnown(kTokens) || batch === undefined || !isKnown(batch)) return null;
  return qTokens * e * e * 2 + kTokens * e * (kdim + vdim) + 2 * qTokens * (kTokens / batch) * e;
}

export interface AttentionCall {
  who: string;
  query: Shape;
  key: Shape;
  value: Shape;
  /** The same tensor passed as key and value (a decoder's memory): PyTorch then projects them together. */
  keyIsValue: boolean;
}

/** F.multi_head_attention_forward's shape checks and result, or its error. */
export function attention(p: MhaParams, c: AttentionCall, needWeights: boolean | undefined, average: boolean | undefined): ApplyResult {
  const { who, query: q0, key: k0, value: v0 } = c;
  if (q0.length !== 2 && q0.length !== 3) {
    return fail('rank-mismatch', `${who} expects a 3-D query (${p.batchFirst ? 'N, L, E' : 'L, N, E'}) or an unbatched 2-D one (L, E), but gets ${q0.length}-D ${shapeText(q0)}`, {
      blamesInput: true,
      pytorch: `query should be unbatched 2D or batched 3D tensor but received ${q0.length}-D query tensor`,
    });
  }
  const batched = q0.length === 3;
  if (k0.length !== q0.length || v0.length !== q0.length) {
    const what = batched ? 'batched (3-D) `query`, expected `key` and `value` to be 3-D' : 'unbatched (2-D) `query`, expected `key` and `value` to be 2-D';
    return fail('rank-mismatch', `${who}: query ${shapeText(q0)}, key ${shapeText(k0)} and value ${shapeText(v0)} must all be ${q0.length}-D`, {
      blamesInput: true,
      pytorch: `For ${what} but found ${k0.length}-D and ${v0.length}-D tensors respectively`,
    });
  }
  // PyTorch's internal layout is (L, N, E); batch_first inputs are transposed first, unbatched ones get N = 1.
  const internal = (s: Shape): Shape => (!batched ? [s[0] as Dim, 1, s[1] as Dim] : p.batchFirst ? [s[1] as Dim, s[0] as Dim, s[2] as Dim] : s);
  if (batched && p.batchFirst === undefined) return { output: q0.map(() => unknownDim()) };
  const [q, k, v] = [internal(q0), internal(k0), internal(v0)];
  const [L, N, E] = q as [Dim, Dim, Dim];
  const requires: DimRequirement[] = [];
  if (p.embed !== undefined) {
    const eq = dimEquals(E, p.embed);
    if (eq === false) {
      return fail('attention-embed-dim', `${who} expects embeddings of size ${p.embed} (embed_dim / d_model) but the query has ${dimToString(E)} (the last dim of ${shapeText(q0)})`, {
        blamesInput: true,
        pytorch: `was expecting embedding dimension of ${p.embed}, but got ${dimToString(E)}`,
      });
    }
    if (eq === undefined) requires.push({ dim: E, op: '==', value: p.embed, why: `${who} embed_dim=${p.embed}` });
  }
  const separate = p.kdim !== p.embed || p.vdim !== p.embed;
  const torchSize = (s: Shape): string => `torch.Size(${shapeText(s)})`;
  if (separate) {
    if (k.slice(0, 2).some((d, i) => dimEquals(d, v[i] as Dim) === false)) {
      return fail('attention-embed-dim', `${who}: key ${shapeText(k0)} and value ${shapeText(v0)} must have the same length and batch`, { blamesInput: true, pytorch: `key's sequence and batch dims ${torchSize(k.slice(0, 2))} do not match value's ${torchSize(v.slice(0, 2))}` });
    }
  } else if (k.some((d, i) => dimEquals(d, v[i] as Dim) === false)) {
    return fail('attention-embed-dim', `${who}: key ${shapeText(k0)} and value ${shapeText(v0)} must have the same shape`, { blamesInput: true, pytorch: `key shape ${torchSize(k)} does not match value shape ${torchSize(v)}` });
  }
  const [S, Nk, Ek] = k as [Dim, Dim, Dim];
  const Ev = v[2] as Dim;
  for (const [got, want, name, arg] of [[Ek, p.kdim, 'key', 'kdim'], [Ev, p.vdim, 'value', 'vdim']] as const) {
    if (want === undefined || dimEquals(got, want) !== false) continue;
    const e: LayerIssue = issue('attention-embed-dim', `${who} expects ${name} features of size ${want} (${arg}) but the ${name} has ${dimToString(got)}${separate ? '' : `; pass ${arg}=${dimToString(got)} to the layer if the ${name} is meant to differ`}`, { blamesInput: true });
    if (separate && p.embed !== undefined) e.pytorch = `expecting ${name} weights shape of (${p.embed}, ${dimToString(got)}), but got torch.Size([${p.embed}, ${want}])`;
    else if (!separate && c.keyIsValue && p.embed !== undefined) e.pytorch = `mat1 and mat2 shapes cannot be multiplied (${dimToString(mul(S, Nk))}x${dimToString(got)} and ${p.embed}x${2 * p.embed})`;
    return { error: e };
  }
  if (dimEquals(Nk, N) === false) {
    const heads = p.heads;
    const e = issue('attention-embed-dim', `${who}: the key has batch ${dimToString(Nk)} but the query has batch ${dimToString(N)}; they must match`, { blamesInput: true });
    if (heads !== undefined && p.embed !== undefined && isKnown(S) && isKnown(N) && isKnown(Nk)) {
      e.pytorch = `shape '[${S}, ${N * heads}, ${p.embed / heads}]' is invalid for input of size ${S * Nk * p.embed}`;
    }
    return { error: e };
  }
  const extra = (p.biasKv ? 1 : 0) + (p.zeroAttn ? 1 : 0);
  const src = add(S, extra);
  let weights: Shape | null = null;
  if (needWeights === undefined || average === undefined || p.heads === undefined) weights = [unknownDim()];
  else if (needWeights) weights = average ? [N, L, src] : [N, p.heads, L, src];
  if (weights !== null && !batched && weights.length > 1) weights = weights.slice(1);
  const output: Shape = [...q0.slice(0, -1), p.embed ?? unknownDim()];
  const result: ApplyResult = { output, outputs: [output, weights] };
  if (requires.length > 0) result.requires = requires;
  return result;
}

export const multiheadAttention: LayerSpec = {
  type: 'MultiheadAttention',
  signature: ['embed_dim', 'num_heads', 'dropout', 'bias', 'add_bias_kv', 'add_zero_attn', 'kdim', 'vdim', 'batch_first', 'device', 'dtype'],
  defaults: { dropout: 0.0, bias: true, add_bias_kv: false, add_zero_attn: false, kdim: null, vdim: null, batch_first: false, device: null, dtype: null },
  inputNames: ['query', 'key', 'value'],
  minInputs: 3,
  forwardSignature: ['key_padding_mask', 'need_weights', 'attn_mask', 'average_attn_weights'],
  forwardDefaults: { key_padding_mask: null, need_weights: true, attn_mask: null, average_attn_weights: true },
  composite: true,
  check(a) {
    const p = readMha(a);
    if (p.embed !== undefined && p.embed <= 0) return [issue('invalid-argument', `MultiheadAttention: embed_dim=${p.embed} must be positive`, { arg: 'embed_dim' })];
    return headsIssue('MultiheadAttention', p.embed, p.heads, 'embed_dim');
  },
  apply(a, inputs, forward) {
    const [q, k, v] = inputs;
    if (!q || !k || !v) return fail('invalid-argument', 'MultiheadAttention needs query, key and value: attn(query, key, value)');
    const need = forward ? asBool(forward.get('need_weights')) : true;
    const average = forward ? asBool(forward.get('average_attn_weights')) : true;
    return attention(readMha(a), { who: 'MultiheadAttention', query: q, key: k, value: v, keyIsValue: false }, need, average);
  },
  paramCount: (a) => mhaParamCount(readMha(a)),
  macs: (a, inputs) => (inputs[0] && inputs[1] ? mhaMacs(readMha(a), inputs[0], inputs[1]) : null),
  formula(a, inputs) {
    const p = readMha(a);
    const q = inputs[0];
    if (!q || p.embed === undefined || p.heads === undefined) return [];
    return [`${p.heads} heads x ${p.embed / p.heads} = embed_dim ${p.embed}; query ${shapeText(q)}`];
  },
};

/** For the Transformer rules: an embed size given as a possibly symbolic dim. */
export function embedOf(a: LayerArgs, name: string): Dim | undefined {
  return asDim(a.get(name));
}
