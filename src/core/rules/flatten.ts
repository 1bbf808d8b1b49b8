// Flatten, torch.flatten and Unflatten.
import { dimEquals, divExact, dimToString, isKnown, product, unknownDim, type Dim, type Shape } from '../dims';
import { UNKNOWN, type ApplyResult, type LayerArgs, type LayerSpec } from './layer-spec';
import { argText, asDim, asInt, dimRangeError, fail, firstInput, isResult, shapeText, wrapDim } from './common';

function flattenShape(type: string, x: Shape, a: LayerArgs): ApplyResult {
  const s = asInt(a.get('start_dim'));
  const e = asInt(a.get('end_dim'));
  const rank = x.length;
  for (const [d, arg] of [[s, 'start_dim'], [e, 'end_dim']] as const) {
    if (d === undefined) continue;
    const err = dimRangeError(d, rank);
    if (err) return fail('rank-mismatch', `${type}: ${arg}=${d} is out of range for the ${rank}-D input ${shapeText(x)} (valid: ${-Math.max(rank, 1)} to ${Math.max(rank, 1) - 1})`, { arg, blamesInput: true, pytorch: err });
  }
  if (s === undefined || e === undefined) return { output: [unknownDim()] };
  if (rank === 0) return { output: [1] };
  const ws = wrapDim(s, rank);
  const we = wrapDim(e, rank);
  if (ws > we) return fail('invalid-argument', `${type}: start_dim=${s} comes after end_dim=${e} for a ${rank}-D input`, { arg: 'start_dim', pytorch: 'flatten() has invalid args: start_dim cannot come after end_dim' });
  return { output: [...x.slice(0, ws), product(x.slice(ws, we + 1)), ...x.slice(we + 1)] };
}

export const flatten: LayerSpec = {
  type: 'Flatten',
  signature: ['start_dim', 'end_dim'],
  defaults: { start_dim: 1, end_dim: -1 },
  apply(a, inputs) {
    const x = firstInput(inputs, 'Flatten');
    return isResult(x) ? x : flattenShape('Flatten', x, a);
  },
  paramCount: () => 0,
};

export const torchFlatten: LayerSpec = {
  type: 'torch.flatten',
  signature: ['start_dim', 'end_dim'],
  defaults: { start_dim: 0, end_dim: -1 },
  apply(a, inputs) {
    const x = firstInput(inputs, 'torch.flatten');
    return isResult(x) ? x : flattenShape('torch.flatten', x, a);
  },
};

export const unflatten: LayerSpec = {
  type: 'Unflatten',
  signature: ['dim', 'unflattened_size'],
  defaults: {},
  apply(a, inputs) {
    const x = firstInput(inputs, 'Unflatten');
    if (isResult(x)) return x;
    const dim = asInt(a.get('dim'));
    const raw = a.get('unflattened_size');
    if (dim === undefined) return { output: [unknownDim()] };
    const err = dimRangeError(dim, x.length);
    if (err) return fail('rank-mismatch', `Unflatten: dim=${dim} is out of range for the ${x.length}-D input ${shapeText(x)}`, { arg: 'dim', blamesInput: true, pytorch: err });
    const d = wrapDim(dim, x.length);
    if (raw === UNKNOWN || !Array.isArray(raw)) return { output: [...x.slice(0, d), unknownDim(), ...x.slice(d + 1)] };
    const sizes = raw.map((v) => asDim(v));
    const size = x[d] as Dim;
    const inferred = sizes.filter((v) => v === -1).length;
    const listText = `[${raw.map(argText).join(', ')}]`;
    if (inferred > 1) return fail('invalid-argument', `Unflatten: only one size in ${argText(raw)} can be -1`, { arg: 'unflattened_size', pytorch: 'unflatten got an unexpected error:\nonly one dimension can be inferred' });
    const known = sizes.filter((v) => v !== -1);
    if (known.some((v) => v === undefined)) return { output: [...x.slice(0, d), ...sizes.map((v) => v ?? unknownDim()), ...x.slice(d + 1)] };
    const prod = product(known as Dim[]);
    const mismatch = (): ApplyResult =>
      fail('invalid-argument', `Unflatten: sizes ${argText(raw)} do not multiply to ${dimToString(size)}, the size of dim ${dim} of ${shapeText(x)}`, {
        arg: 'unflattened_size',
        blamesInput: true,
        pytorch: `unflatten: Provided sizes ${listText} don't multiply up to the size of dim ${dim} (${dimToString(size)}) in the input tensor`,
      });
    let out: Dim[];
    if (inferred === 1) {
      if (isKnown(prod) && prod === 0) return mismatch();
      const q = divExact(size, prod);
      if (q === undefined && isKnown(size) && isKnown(prod)) return mismatch();
      out = sizes.map((v) => (v === -1 ? q ?? unknownDim() : (v as Dim)));
    } else {
      if (dimEquals(prod, size) === false) return mismatch();
      out = known as Dim[];
    }
    return { output: [...x.slice(0, d), ...out, ...x.slice(d + 1)] };
  },
  paramCount: () => 0,
};

export const flattenSpecs: LayerSpec[] = [flatten, unflatten];
