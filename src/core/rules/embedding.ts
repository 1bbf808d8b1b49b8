// Embedding: an index tensor of any shape becomes shape + [embedding_dim].
import { unknownDim } from '../dims';
import { type LayerSpec } from './layer-spec';
import { asDim, asInt, firstInput, isResult, issue } from './common';

export const embedding: LayerSpec = {
  type: 'Embedding',
  signature: ['num_embeddings', 'embedding_dim', 'padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse', '_weight', 'device', 'dtype'],
  defaults: { padding_idx: null, max_norm: null, norm_type: 2.0, scale_grad_by_freq: false, sparse: false, _weight: null, device: null, dtype: null },
  check(a) {
    const n = asInt(a.get('num_embeddings'));
    const p = asInt(a.get('padding_idx'));
    if (n === undefined || p === undefined || a.get('padding_idx') === null) return [];
    if (p >= n || p < -n) {
      return [issue('invalid-argument', `Embedding: padding_idx=${p} is outside the table of ${n} embeddings; use a value from ${-n} to ${n - 1}`, { arg: 'padding_idx', pytorch: 'Padding_idx must be within num_embeddings' })];
    }
    return [];
  },
  apply(a, inputs) {
    const x = firstInput(inputs, 'Embedding');
    if (isResult(x)) return x;
    return { output: [...x, asDim(a.get('embedding_dim')) ?? unknownDim()] };
  },
  paramCount(a) {
    const n = asInt(a.get('num_embeddings'));
    const d = asInt(a.get('embedding_dim'));
    return n === undefined || d === undefined ? null : n * d;
  },
  /** A table lookup: no multiply-accumulates. */
  macs: () => 0,
};
