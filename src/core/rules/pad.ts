// Padding: F.pad and the ReflectionPad/ReplicationPad/ConstantPad/ZeroPad modules.
// F.pad's list runs from the last dim backwards: (left, right, top, bottom, ...).
import { add, isKnown, unknownDim, type Dim, type Shape } from '../dims';
import { UNKNOWN, type ApplyResult, type ArgValue, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { argText, asDim, asNumber, fail, firstInput, isResult, issue, shapeText } from './common';

const MODES = ['constant', 'reflect', 'replicate', 'circular'];

/** The padded shape, or the error PyTorch raises. `pad` entries are undefined when unknown. */
export function padShape(x: Shape, pad: readonly (Dim | undefined)[], mode: string, value: ArgValue, who: string): { shape: Shape } | { error: LayerIssue } {
  const ndim = x.length;
  if (!MODES.includes(mode)) {
    return { error: issue('invalid-padding-mode', `${who}: mode='${mode}' is not a padding mode; use one of ${MODES.map((m) => `'${m}'`).join(', ')}`, { pytorch: `Unrecognised padding mode ${mode}`, arg: 'mode' }) };
  }
  if (pad.length % 2 !== 0) {
    return { error: issue('invalid-padding', `${who}: the padding list has ${pad.length} entries; it needs pairs (left, right, top, bottom, ...)`, { pytorch: 'Padding length must be divisible by 2', arg: 'pad' }) };
  }
  const nPadded = pad.length / 2;
  if (nPadded > ndim) {
    return { error: issue('invalid-padding', `${who}: ${pad.length} padding values pad ${nPadded} dims but the input ${shapeText(x)} has only ${ndim}`, { arg: 'pad', pytorch: 'Padding length too large' }) };
  }
  if (mode !== 'constant') {
    const v = asNumber(value);
    if (value !== null && value !== UNKNOWN && v !== 0) {
      return { error: issue('invalid-argument', `${who}: padding mode '${mode}' does not take a value; remove value=${argText(value)}`, { pytorch: `Padding mode "${mode}" doesn't take in value argument`, arg: 'value' }) };
    }
    const okRank = (nPadded === 1 && (ndim === 2 || ndim === 3)) || (nPadded === 2 && (ndim === 3 || ndim === 4)) || (nPadded === 3 && (ndim === 4 || ndim === 5));
    if (!okRank) {
      return {
        error: issue('rank-mismatch', `${who}: '${mode}' padding of ${nPadded} dim(s) needs a ${nPadded + 1}-D or ${nPadded + 2}-D input, but the input ${shapeText(x)} is ${ndim}-D`, {
          pytorch: 'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now',
        }),
      };
    }
    if (mode === 'circular' && ndim !== nPadded + 2) {
      return {
        error: issue('rank-mismatch', `${who}: circular padding needs a batched input (N, C, ...): ${shapeText(x)} has no batch dim; add one with unsqueeze(0)`, {
          pytorch: `Invalid padding size, expected ${(ndim - 2) * 2} but got ${pad.length}`,
        }),
      };
    }
  }
  const out: Shape = [...x];
  for (let i = 0; i < nPadded; i++) {
    const dimIndex = ndim - 1 - i;
    const size = x[dimIndex] as Dim;
    const l = pad[2 * i];
    const r = pad[2 * i + 1];
    if (mode === 'reflect' && isKnown(size) && ((l !== undefined && isKnown(l) && l >= size) || (r !== undefined && isKnown(r) && r >= size))) {
      let pytorch: string | undefined;
      const pair = `padding (${argText(l ?? UNKNOWN)}, ${argText(r ?? UNKNOWN)})`;
      if (nPadded === 1) pytorch = `Argument #4: Padding size should be less than the corresponding input dimension, but got: ${pair} at dimension ${dimIndex} of input ${shapeText(x)}`;
      else if (nPadded === 2) pytorch = `Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: ${pair} at dimension ${dimIndex} of input ${ndim}`;
      const e = issue('invalid-padding', `${who}: reflect padding must be smaller than the size it pads: ${pair} on a dim of size ${size}; use at most ${size - 1}`);
      if (pytorch !== undefined) e.pytorch = pytorch;
      return { error: e };
    }
    if (mode === 'circular' && isKnown(size) && ((l !== undefined && isKnown(l) && l > size) || (r !== undefined && isKnown(r) && r > size))) {
      return { error: issue('invalid-padding', `${who}: circular padding (${argText(l ?? UNKNOWN)}, ${argText(r ?? UNKNOWN)}) wraps around a dim of size ${size} more than once; use at most ${size}`, { pytorch: 'Padding value causes wrapping around more than once.' }) };
    }
    const newSize = l === undefined || r === undefined ? unknownDim() : add(add(size, l), r);
    if (isKnown(newSize) && newSize < 0) {
      return { error: issue('invalid-padding', `${who}: padding (${argText(l ?? UNKNOWN)}, ${argText(r ?? UNKNOWN)}) removes more than the ${argText(size)} elements of dim ${dimIndex}`) };
    }
    out[dimIndex] = newSize;
  }
  return { shape: out };
}

function padList(v: ArgValue): (Dim | undefined)[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x) => (x === UNKNOWN ? undefined : asDim(x)));
}

function padLayer(type: string, mode: string, nd: 1 | 2 | 3, withValue: boolean): LayerSpec {
  const signature = withValue ? ['padding', 'value'] : ['padding'];
  return {
    type,
    signature,
    defaults: {},
    apply(a: LayerArgs, inputs: Shape[]): ApplyResult {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const p = a.get('padding');
      let pads: (Dim | undefined)[];
      if (p === UNKNOWN) pads = Array<Dim | undefined>(2 * nd).fill(undefined);
      else if (Array.isArray(p)) pads = padList(p) ?? [];
      else {
        const d = asDim(p);
        if (d === undefined) return fail('invalid-padding', `${type}: padding must be an int or a tuple of ${2 * nd} ints, got ${argText(p)}`, { arg: 'padding' });
        pads = Array<Dim>(2 * nd).fill(d);
      }
      const r = padShape(x, pads, mode, withValue && mode !== 'constant' ? a.get('value') : null, type);
      return 'error' in r ? r : { output: r.shape };
    },
  };
}

export const padSpecs: LayerSpec[] = [
  padLayer('ReflectionPad1d', 'reflect', 1, false),
  padLayer('ReflectionPad2d', 'reflect', 2, false),
  padLayer('ReplicationPad1d', 'replicate', 1, false),
  padLayer('ReplicationPad2d', 'replicate', 2, false),
  padLayer('ZeroPad2d', 'constant', 2, false),
  padLayer('ConstantPad1d', 'constant', 1, true),
  padLayer('ConstantPad2d', 'constant', 2, true),
  padLayer('ReflectionPad3d', 'reflect', 3, false),
  padLayer('ReplicationPad3d', 'replicate', 3, false),
  padLayer('ConstantPad3d', 'constant', 3, true),
];

export const functionalPad: LayerSpec = {
  type: 'torch.nn.functional.pad',
  signature: ['pad', 'mode', 'value'],
  defaults: { mode: 'constant', value: null },
  apply(a, inputs) {
    const x = firstInput(inputs, 'pad');
    if (isResult(x)) return x;
    const p = a.get('pad');
    const mode = a.get('mode');
    if (p === UNKNOWN || typeof mode !== 'string') return { output: x.map(() => unknownDim()) };
    const pads = padList(p);
    if (pads === undefined) return fail('invalid-padding', `F.pad: pad must be a tuple of ints, got ${argText(p)}`, { arg: 'pad' });
    const r = padShape(x, pads, mode, a.get('value'), 'F.pad');
    return 'error' in r ? r : { output: r.shape };
  },
};
