// AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d: the output spatial size is output_size (None keeps the input size).
import { isKnown, product, unknownDim, type Dim, type Shape } from '../dims';
import { UNKNOWN, type ApplyResult, type ArgValue, type LayerArgs, type LayerSpec } from './layer-spec';
import { argText, asBool, asDim, fail, firstInput, isResult, shapeText, spatialNames } from './common';

type Kind = 'avg' | 'max';

/** Per spatial dim: a size, null (keep the input's), or undefined (unknown); 'bad' for a malformed value. */
function readOutputSize(v: ArgValue, nd: number): (Dim | null | undefined)[] | 'bad' {
  if (v === UNKNOWN) return Array<undefined>(nd).fill(undefined);
  if (v === null) return 'bad';
  if (Array.isArray(v)) {
    if (v.length !== nd) return 'bad';
    return v.map((x) => (x === null ? null : x === UNKNOWN ? undefined : asDim(x) ?? undefined));
  }
  const d = asDim(v);
  return d === undefined ? 'bad' : Array<Dim>(nd).fill(d);
}

function apply(a: LayerArgs, inputs: Shape[], nd: number, kind: Kind): ApplyResult {
  const type = a.type;
  const x = firstInput(inputs, type);
  if (isResult(x)) return x;
  const os = readOutputSize(a.get('output_size'), nd);
  if (os === 'bad' && nd === 3 && Array.isArray(a.get('output_size'))) {
    const pytorch = kind === 'avg' ? 'adaptive_avg_pool3d: output_size must be 3' : 'adaptive_max_pool3d(): internal error: output_size.size() must be 3';
    return fail('invalid-argument', `${type}: output_size=${argText(a.get('output_size'))} must be an int or a tuple of 3 ints (None entries keep the input size)`, { arg: 'output_size', pytorch });
  }
  if (os === 'bad') return fail('invalid-argument', `${type}: output_size=${argText(a.get('output_size'))} must be an int or a tuple of ${nd} ints (None entries keep the input size)`, { arg: 'output_size' });
  const rank = x.length;
  const op = `adaptive_${kind}_pool${nd}d`;
  if (rank !== nd + 1 && rank !== nd + 2) {
    const message = `${type} expects a ${nd + 2}-D input (N, C, ${spatialNames(nd).join(', ')}) or an unbatched ${nd + 1}-D one, but gets ${rank}-D ${shapeText(x)}`;
    const pytorch = nd === 1
      ? `Expected 2 to 3 dimensions, but got ${rank}-dimensional tensor for argument #1 'self' (while checking arguments for ${op})`
      : `${op}(): Expected ${nd + 1}D or ${nd + 2}D tensor, but got${kind === 'max' ? ':' : ''} ${shapeText(x)}`;
    return fail('rank-mismatch', message, { blamesInput: true, pytorch });
  }
  // PyTorch runs 1-D adaptive pools as 2-D ones on (N, C, 1, L).
  const as2d: Shape = nd === 1 ? [...x.slice(0, rank - 1), 1, x[rank - 1] as Dim] : x;
  const emptyAt = as2d.findIndex((d, i) => i >= 1 && isKnown(d) && d === 0);
  if (emptyAt >= 0) {
    return fail('input-too-small', `${type}: the input ${shapeText(x)} is empty; adaptive pooling needs at least one element per channel`, {
      blamesInput: true,
      pytorch: `adaptive_${kind}_pool${nd === 3 ? 3 : 2}d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${shapeText(as2d)} with dimension ${emptyAt} being empty`,
    });
  }
  const spatial = x.slice(rank - nd);
  const out = os.map((o, i) => (o === null ? (spatial[i] as Dim) : o === undefined ? unknownDim() : o));
  const output: Shape = [...x.slice(0, rank - nd), ...out];
  const result: ApplyResult = { output };
  if (kind === 'max' && asBool(a.get('return_indices')) === true) result.outputs = [output, [...output]];
  return result;
}

function spec(type: string, nd: 1 | 2 | 3, kind: Kind, withIndices: boolean): LayerSpec {
  return {
    type,
    signature: withIndices ? ['output_size', 'return_indices'] : ['output_size'],
    defaults: withIndices ? { return_indices: false } : {},
    apply: (a, inputs) => apply(a, inputs, nd, kind),
    paramCount: () => 0,
    /** Every input element is read once per window it falls in: counted as input elements. */
    macs(_a, inputs) {
      const x = inputs[0];
      const n = x ? product(x) : 0;
      return x && isKnown(n) ? n : null;
    },
  };
}

export const adaptivePoolSpecs: LayerSpec[] = [
  spec('AdaptiveAvgPool1d', 1, 'avg', false),
  spec('AdaptiveAvgPool2d', 2, 'avg', false),
  spec('AdaptiveMaxPool1d', 1, 'max', true),
  spec('AdaptiveMaxPool2d', 2, 'max', true),
  spec('AdaptiveAvgPool3d', 3, 'avg', false),
  spec('AdaptiveMaxPool3d', 3, 'max', true),
];

export const adaptivePoolFunctionals: LayerSpec[] = [
  spec('torch.nn.functional.adaptive_avg_pool1d', 1, 'avg', false),
  spec('torch.nn.functional.adaptive_avg_pool2d', 2, 'avg', false),
  spec('torch.nn.functional.adaptive_max_pool1d', 1, 'max', true),
  spec('torch.nn.functional.adaptive_max_pool2d', 2, 'max', true),
  spec('torch.nn.functional.adaptive_avg_pool3d', 3, 'avg', false),
  spec('torch.nn.functional.adaptive_max_pool3d', 3, 'max', true),
];
