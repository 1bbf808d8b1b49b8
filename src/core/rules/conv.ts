// Conv1d / Conv2d / Conv3d: out = floor((in + 2p - d(k-1) - 1)/s) + 1 per spatial dim, as PyTorch 1.13 computes and checks it.
import { add, dimEquals, dimToString, floorDiv, isKnown, mul, product, sub, unknownDim, type Dim, type Shape } from '../dims';
import { FROM_PREVIOUS_LAYER, type ApplyResult, type DimRequirement, type Geometry, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { allKnown, argText, asBool, asDim, asInt, asTuple, fail, firstInput, isResult, info, issue, shapeText, spatialNames, warning } from './common';
import { padShape } from './pad';

const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

export interface ConvParams {
  nd: number;
  inChannels: Dim | undefined;
  outChannels: Dim | undefined;
  groups: number | undefined;
  kernel: (Dim | undefined)[];
  stride: (Dim | undefined)[];
  dilation: (Dim | undefined)[];
  /** Numeric padding per dim, or 'same' / 'valid'. */
  padding: (Dim | undefined)[] | 'same' | 'valid';
  paddingMode: string | undefined;
  bias: boolean | undefined;
}

/**
 * The parameters of each layer's arguments, read once: its check, shape, parameter count, MACs, geometry and formula
 * all read them, and bound arguments never change. Callers must not modify the result.
 */
const paramsCache: Array<WeakMap<LayerArgs, { p: ConvParams; issues: LayerIssue[] }>> = [new WeakMap(), new WeakMap(), new WeakMap(), new WeakMap()];

/** Reads the constructor arguments; 'bad' tuples (wrong length) become an issue. */
export function readConvParams(a: LayerArgs, nd: number): { p: ConvParams; issues: LayerIssue[] } {
  const cache = paramsCache[nd];
  const known = cache?.get(a);
  if (known) return known;
  const read = readConvParamsUncached(a, nd);
  cache?.set(a, read);
  return read;
}

function readConvParamsUncached(a: LayerArgs, nd: number): { p: ConvParams; issues: LayerIssue[] } {
  const issues: LayerIssue[] = [];
  const tuple = (name: string): (Dim | undefined)[] => {
    const t = asTuple(a.get(name), nd);
    if (t === 'bad') {
      issues.push(issue('invalid-argument', `${a.type}: ${name}=${argText(a.get(name))} must be an int or a tuple of ${nd} ints`, { arg: name }));
      return Array<Dim | undefined>(nd).fill(undefined);
    }
    return t;
  };
  const rawPadding = a.get('padding');
  let padding: ConvParams['padding'];
  if (rawPadding === 'same' || rawPadding === 'valid') padding = rawPadding;
  else if (typeof rawPadding === 'string') padding = Array<Dim | undefined>(nd).fill(undefined);
  else {
    const t = asTuple(rawPadding, nd);
    if (t === 'bad') {
      const list = Array.isArray(rawPadding) ? `[${rawPadding.map(argText).join(', ')}]` : argText(rawPadding);
      issues.push(issue('invalid-padding', `${a.type}: padding=${argText(rawPadding)} must be an int or a tuple of ${nd} ints (one per spatial dim)`, {
        arg: 'padding',
        pytorch: `expected padding to be a single integer value or a list of ${nd} values to match the convolution dimensions, but got padding=${list}`,
      }));
      padding = Array<Dim | undefined>(nd).fill(undefined);
    } else padding = t;
  }
  const mode = a.get('padding_mode');
  return {
    p: {
      nd,
      inChannels: asDim(a.get('in_channels')),
      outChannels: asDim(a.get('out_channels')),
      groups: asInt(a.get('groups')),
      kernel: tuple('kernel_size'),
      stride: tuple('stride'),
      dilation: tuple('dilation'),
      padding,
      paddingMode: typeof mode === 'string' ? mode : undefined,
      bias: asBool(a.get('bias')),
    },
    issues,
  };
}

/** Total 'same' padding d*(k-1) per dim (left gets the floor half, right the rest). */
function samePadTotal(p: ConvParams, i: number): Dim | undefined {
  const k = p.kernel[i];
  const d = p.dilation[i];
  return k === undefined || d === undefined ? undefined : mul(d, sub(k, 1));
}

function closest(value: string, options: string[]): string | undefined {
  const v = value.toLowerCase();
  return options.find((o) => o.startsWith(v) || v.startsWith(o) || o.startsWith(v.slice(0, 3)));
}

/** Constructor checks shared by Conv and ConvTranspose: groups and divisibility. */
export function checkGroups(type: string, p: ConvParams): LayerIssue[] {
  const out: LayerIssue[] = [];
  const g = p.groups;
  if (g === undefined) return out;
  if (g <= 0) {
    out.push(issue('invalid-argument', `${type}: groups=${g} must be a positive integer; use groups=1 for an ordinary convolution`, { arg: 'groups', pytorch: 'groups must be a positive integer', fix: { arg: 'groups', value: '1', title: 'Use groups=1' } }));
    return out;
  }
  const cin = p.inChannels;
  const cout = p.outChannels;
  if (typeof cin === 'number' && cin % g !== 0) {
    out.push(issue('groups-divisibility', `${type}: in_channels=${cin} is not divisible by groups=${g}; groups must divide both in_channels and out_channels`, { arg: 'groups', pytorch: 'in_channels must be divisible by groups' }));
  } else if (typeof cout === 'number' && cout % g !== 0) {
    out.push(issue('groups-divisibility', `${type}: out_channels=${cout} is not divisible by groups=${g}; groups must divide both in_channels and out_channels`, { arg: 'groups', pytorch: 'out_channels must be divisible by groups' }));
  }
  return out;
}

function checkConv(a: LayerArgs, nd: number): LayerIssue[] {
  const { p, issues } = readConvParams(a, nd);
  const out = checkGroups(a.type, p);
  if (out.length > 0) return [...out, ...issues];
  const rawPadding = a.get('padding');
  if (typeof rawPadding === 'string' && rawPadding !== 'same' && rawPadding !== 'valid') {
    out.push(issue('invalid-padding', `${a.type}: padding='${rawPadding}' is not a padding string; use 'same', 'valid' or a number`, {
      arg: 'padding',
      pytorch: `Invalid padding string '${rawPadding}', should be one of {'valid', 'same'}`,
    }));
  } else if (p.padding === 'same') {
    const strides = allKnown(p.stride);
    if (strides && strides.some((s) => s !== 1)) {
      const totals = p.kernel.map((_, i) => samePadTotal(p, i));
      const known = allKnown(totals);
      const half = known ? known.map((t) => Math.floor(t / 2)) : undefined;
      const value = half === undefined ? undefined : half.every((h) => h === half[0]) ? String(half[0]) : `(${half.join(', ')})`;
      const e = issue('same-padding-stride', `${a.type}: padding='same' only works with stride 1, but stride is ${argText(a.get('stride'))}${value !== undefined ? `; write padding=${value} to pad by half the kernel` : ''}`, {
        arg: 'padding',
        pytorch: "padding='same' is not supported for strided convolutions",
      });
      if (value !== undefined) e.fix = { arg: 'padding', value, title: `Use padding=${value}` };
      out.push(e);
    } else {
      const odd = p.kernel.map((_, i) => samePadTotal(p, i)).filter((t) => t !== undefined && isKnown(t) && t % 2 === 1);
      if (odd.length > 0) {
        out.push(warning('asymmetric-same-padding', `${a.type}: padding='same' with an even effective kernel (dilation*(kernel-1) = ${odd.map((t) => dimToString(t as Dim)).join(', ')}) pads one more pixel on the right/bottom than on the left/top`, { arg: 'padding' }));
      }
    }
  }
  if (p.paddingMode !== undefined && !PADDING_MODES.includes(p.paddingMode)) {
    const near = closest(p.paddingMode, PADDING_MODES);
    const e = issue('invalid-padding-mode', `${a.type}: padding_mode='${p.paddingMode}' is not one of ${PADDING_MODES.map((m) => `'${m}'`).join(', ')}${near ? `; did you mean '${near}'?` : ''}`, {
      arg: 'padding_mode',
      pytorch: `padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${p.paddingMode}'`,
    });
    if (near) e.fix = { arg: 'padding_mode', value: `'${near}'`, title: `Use padding_mode='${near}'` };
    out.push(e);
  }
  return [...out, ...issues];
}

export interface SpatialResult {
  out: Dim;
  /** Rows/columns dropped by floor rounding (concrete sizes only). */
  dropped?: number;
}

/** floor((in + padTotal - d(k-1) - 1)/s) + 1, with unknown parts giving an unknown dim. */
export function convOutSize(input: Dim, padTotal: Dim | undefined, k: Dim | undefined, s: Dim | undefined, d: Dim | undefined): SpatialResult {
  if (padTotal === undefined || k === undefined || s === undefined || d === undefined || !isKnown(s) || s <= 0) return { out: unknownDim() };
  const span = sub(sub(add(input, padTotal), mul(d, sub(k, 1))), 1);
  const out = add(floorDiv(span, s), 1);
  if (isKnown(span) && span >= 0 && span % s !== 0) return { out, dropped: span % s };
  return { out };
}

function rowWord(nd: number, i: number, n: number): string {
  const w = nd === 2 ? (i === 0 ? 'row' : 'column') : 'element';
  return n === 1 ? w : `${w}s`;
}

/**
 * Floor rounding for concrete sizes, e.g. "H: 15 -> 7 under stride 2 drops the last row", or nothing when the drop
 * is by design. A window of `extent` rows taken every `stride` rows skips `stride - extent` rows between windows (a
 * 1x1 conv with stride 2 reads every other row: ResNet's downsample shortcut); when the rows left over at the end are
 * no more than that gap, they are skipped exactly as the rows between windows are: nothing to say. Otherwise real
 * input rows are dropped, which PyTorch does silently and architectures rely on (a DenseNet transition on an odd
 * map): an information-level hint, never a warning.
 */
export function floorRoundingWarning(type: string, nd: number, i: number, input: Dim, out: Dim, s: number, dropped: number, extent: Dim | undefined): LayerIssue | undefined {
  const gap = typeof extent === 'number' ? Math.max(0, s - extent) : 0;
  if (dropped <= gap) return undefined;
  const name = spatialNames(nd)[i] ?? `dim ${i}`;
  const what = dropped === 1 ? `the last ${rowWord(nd, i, 1)}` : `the last ${dropped} ${rowWord(nd, i, dropped)}`;
  return info('floor-rounding', `${type}: ${name} ${dimToString(input)} -> ${dimToString(out)} under stride ${s} drops ${what} of the input (floor rounding); pad or crop to a size the stride divides if those pixels matter`);
}

function applyConv(a: LayerArgs, inputs: Shape[], nd: number): ApplyResult {
  const type = a.type;
  const x0 = firstInput(inputs, type);
  if (isResult(x0)) return x0;
  const { p } = readConvParams(a, nd);
  const rank = x0.length;
  const opName = `conv${nd}d`;
  const nonZerosMode = p.paddingMode !== undefined && p.paddingMode !== 'zeros';
  if (rank !== nd + 1 && rank !== nd + 2) {
    const e = issue('rank-mismatch', `${type} expects a ${nd + 2}-D input (N, C, ${spatialNames(nd).join(', ')}) or an unbatched ${nd + 1}-D one, but gets ${rank}-D ${shapeText(x0)}`, { blamesInput: true });
    if (!nonZerosMode) e.pytorch = `Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to ${opName}, but got input of size: ${shapeText(x0)}`;
    return { error: e };
  }
  const batched = rank === nd + 2;
  let x: Shape = x0;
  // Spatial padding applied by conv itself (per side), after any explicit F.pad by padding_mode or asymmetric 'same'.
  let convPad: (Dim | undefined)[];
  if (nonZerosMode) {
    const side = p.kernel.map((_, i) => {
      if (p.padding === 'valid') return { l: 0, r: 0 } as { l: Dim | undefined; r: Dim | undefined };
      if (p.padding === 'same') {
        const t = samePadTotal(p, i);
        if (t === undefined || !isKnown(t)) return { l: undefined, r: undefined };
        return { l: Math.floor(t / 2), r: t - Math.floor(t / 2) };
      }
      const v = p.padding[i];
      return { l: v, r: v };
    });
    const pads: (Dim | undefined)[] = [];
    for (let i = nd - 1; i >= 0; i--) pads.push(side[i]?.l, side[i]?.r);
    const padded = padShape(x0, pads, p.paddingMode ?? 'zeros', null, `${type} (padding_mode='${p.paddingMode}')`);
    if ('error' in padded) return padded;
    x = padded.shape;
    convPad = Array<Dim>(nd).fill(0);
  } else if (p.padding === 'valid') {
    convPad = Array<Dim>(nd).fill(0);
  } else if (p.padding === 'same') {
    // PyTorch pads the odd extra pixel on the right with F.pad, then convolves with the symmetric floor half.
    convPad = [];
    x = [...x0];
    for (let i = 0; i < nd; i++) {
      const t = samePadTotal(p, i);
      const di = rank - nd + i;
      if (t === undefined || !isKnown(t)) {
        convPad.push(undefined);
        continue;
      }
      convPad.push(Math.floor(t / 2));
      if (t % 2 === 1) x[di] = add(x[di] as Dim, 1);
    }
  } else convPad = p.padding;

  const neg = allKnown(convPad)?.some((v) => v < 0) || (p.padding !== 'same' && p.padding !== 'valid' && p.padding.some((v) => v !== undefined && isKnown(v) && v < 0));
  if (neg) return fail('invalid-padding', `${type}: padding ${argText(a.get('padding'))} is negative; padding must be >= 0 (crop with slicing instead)`, { arg: 'padding', pytorch: 'negative padding is not supported' });
  if (p.stride.some((s) => s !== undefined && isKnown(s) && s <= 0)) {
    return fail('invalid-argument', `${type}: stride ${argText(a.get('stride'))} must be positive`, { arg: 'stride', pytorch: 'non-positive stride is not supported' });
  }
  if (p.dilation.some((d) => d !== undefined && isKnown(d) && d <= 0)) {
    const shown = nd === 1 ? [1, ...p.dilation] : p.dilation;
    const e = issue('invalid-argument', `${type}: dilation ${argText(a.get('dilation'))} must be at least 1`, { arg: 'dilation' });
    const known = allKnown(shown);
    if (known) e.pytorch = `dilation should be greater than zero, but got [${known.join(', ')}]`;
    return { error: e };
  }

  const g = p.groups ?? 1;
  const batchedShape: Shape = batched ? x : [1, ...x];
  const cIn = batchedShape[1] as Dim;
  const requires: DimRequirement[] = [];
  if (p.inChannels !== undefined) {
    const eq = dimEquals(cIn, p.inChannels);
    if (eq === false) {
      const weight = [p.outChannels ?? unknownDim(), typeof p.inChannels === 'number' && g > 0 ? Math.floor(p.inChannels / g) : unknownDim(), ...p.kernel.map((k) => k ?? unknownDim())];
      const pytorch = `Given groups=${g}, weight of size ${shapeText(weight)}, expected input${shapeText(batchedShape)} to have ${dimToString(p.inChannels)} channels, but got ${dimToString(cIn)} channels instead`;
      // A batch of lower-rank data ([N, C, H, W] into Conv3d): PyTorch reads it as one unbatched sample with C = N.
      if (!batched && x0[1] !== undefined && dimEquals(x0[1], p.inChannels) === true) {
        const dims = spatialNames(nd).join(', ');
        return fail('rank-mismatch', `${type} gets the ${rank}-D tensor ${shapeText(x0)}, which PyTorch reads as one unbatched sample (C, ${dims}) with ${dimToString(cIn)} channel(s) instead of ${dimToString(p.inChannels)}: give it a ${nd + 2}-D input (N, C, ${dims})${nd === 3 ? ', e.g. x.unsqueeze(2) for single-slice volumes' : ''}`, { blamesInput: true, pytorch });
      }
      const e = issue('channel-mismatch', `${type} expects ${dimToString(p.inChannels)} input channels but receives ${dimToString(cIn)} ${FROM_PREVIOUS_LAYER}: set in_channels to ${dimToString(cIn)}`, {
        arg: 'in_channels',
        blamesInput: true,
        fix: { arg: 'in_channels', value: dimToString(cIn), title: `Set in_channels to ${dimToString(cIn)}` },
        pytorch,
      });
      return { error: e };
    }
    if (eq === undefined) requires.push({ dim: cIn, op: '==', value: p.inChannels, why: `${type} in_channels=${dimToString(p.inChannels)}` });
  }

  // Kernel must fit in the padded input.
  const spatial = batchedShape.slice(2);
  const paddedSizes = spatial.map((s, i) => (convPad[i] === undefined ? undefined : add(s, mul(2, convPad[i] as Dim))));
  const extents = p.kernel.map((k, i) => (k === undefined || p.dilation[i] === undefined ? undefined : add(mul(p.dilation[i] as Dim, sub(k, 1)), 1)));
  const tooSmall = paddedSizes.some((s, i) => s !== undefined && extents[i] !== undefined && isKnown(s) && isKnown(extents[i] as Dim) && s < (extents[i] as number));
  if (tooSmall) {
    const padded = paddedSizes.map((s) => (s === undefined ? '?' : dimToString(s)));
    const ext = extents.map((e) => (e === undefined ? '?' : dimToString(e)));
    const minimum = extents.map((e, i) => {
      const padTotal = sub(paddedSizes[i] ?? 0, spatial[i] as Dim);
      return e === undefined ? '?' : dimToString(Math.max(1, Number(sub(e, padTotal))));
    });
    return fail('input-too-small', `${type}: the ${ext.join('x')} kernel (with dilation) is larger than the padded input ${padded.join('x')}; this layer needs an input of at least ${minimum.join('x')} (got ${spatial.map(dimToString).join('x')})`, {
      blamesInput: true,
      pytorch: `Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${ext.join(' x ')}). Kernel size can't be greater than actual input size`,
    });
  }

  const issues: LayerIssue[] = [];
  const outSpatial: Dim[] = [];
  for (let i = 0; i < nd; i++) {
    const inSize = spatial[i] as Dim;
    const padTotal = convPad[i] === undefined ? undefined : mul(2, convPad[i] as Dim);
    const r = convOutSize(inSize, padTotal, p.kernel[i], p.stride[i], p.dilation[i]);
    outSpatial.push(r.out);
    const s = p.stride[i];
    // Only input rows count: dropping part of the right/bottom zero padding (ResNet's stride-2 3x3 on 56) loses nothing.
    const rightPad = typeof convPad[i] === 'number' ? (convPad[i] as number) : 0;
    if (r.dropped !== undefined && typeof s === 'number' && r.dropped > rightPad) {
      const w = floorRoundingWarning(type, nd, i, spatial[i] as Dim, r.out, s, r.dropped - rightPad, extents[i]);
      if (w) issues.push(w);
    }
    const ext = extents[i];
    if (ext !== undefined && paddedSizes[i] !== undefined && !isKnown(paddedSizes[i] as Dim)) {
      requires.push({ dim: paddedSizes[i] as Dim, op: '>=', value: ext, why: `${type} kernel extent ${dimToString(ext)}` });
    }
  }
  const cout = p.outChannels ?? unknownDim();
  const output: Shape = batched ? [batchedShape[0] as Dim, cout, ...outSpatial] : [cout, ...outSpatial];
  const result: ApplyResult = { output };
  if (issues.length > 0) result.issues = issues;
  if (requires.length > 0) result.requires = requires;
  return result;
}

export function convGeometry(a: LayerArgs, nd: number): Geometry | null {
  const { p } = readConvParams(a, nd);
  const kernel = allKnown(p.kernel);
  const stride = allKnown(p.stride);
  const dilation = allKnown(p.dilation);
  return kernel && stride && dilation ? { kernel, stride, dilation } : null;
}

export function convFormula(a: LayerArgs, inputs: Shape[], output: Shape, nd: number): string[] {
  const { p } = readConvParams(a, nd);
  const x = inputs[0];
  if (!x) return [];
  const names = spatialNames(nd);
  const lines: string[] = [];
  for (let i = 0; i < nd; i++) {
    const inSize = x[x.length - nd + i];
    const outSize = output[output.length - nd + i];
    if (inSize === undefined || outSize === undefined) continue;
    const k = p.kernel[i];
    const s = p.stride[i];
    const d = p.dilation[i];
    const pad = p.padding === 'valid' ? 0 : p.padding === 'same' ? undefined : p.padding[i];
    if (p.padding === 'same') {
      lines.push(`${names[i]}_out = ${dimToString(inSize)} (padding='same') = ${dimToString(outSize)}`);
      continue;
    }
    const t = (v: Dim | undefined): string => (v === undefined ? '?' : dimToString(v));
    lines.push(`${names[i]}_out = floor((${t(inSize)} + 2*${t(pad)} - ${t(d)}*(${t(k)}-1) - 1)/${t(s)} + 1) = ${dimToString(outSize)}`);
  }
  return lines;
}

function convSpec(nd: 1 | 2 | 3): LayerSpec {
  return {
    type: `Conv${nd}d`,
    signature: ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode', 'device', 'dtype'],
    defaults: { stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, padding_mode: 'zeros', device: null, dtype: null },
    check: (a) => checkConv(a, nd),
    apply: (a, inputs) => applyConv(a, inputs, nd),
    paramCount(a) {
      const { p } = readConvParams(a, nd);
      const k = allKnown(p.kernel);
      if (typeof p.inChannels !== 'number' || typeof p.outChannels !== 'number' || !p.groups || !k || p.bias === undefined) return null;
      return p.outChannels * (p.inChannels / p.groups) * k.reduce((x, y) => x * y, 1) + (p.bias ? p.outChannels : 0);
    },
    /** torchinfo's count: output elements x (in_channels / groups) x kernel elements (bias not counted). */
    macs(a, _inputs, output) {
      const { p } = readConvParams(a, nd);
      const k = allKnown(p.kernel);
      const n = product(output);
      if (typeof p.inChannels !== 'number' || !p.groups || !k || !isKnown(n)) return null;
      return n * (p.inChannels / p.groups) * k.reduce((x, y) => x * y, 1);
    },
    geometry: (a) => convGeometry(a, nd),
    formula: (a, inputs, output) => convFormula(a, inputs, output, nd),
  };
}

export const conv1d = convSpec(1);
export const conv2d = convSpec(2);
export const conv3d = convSpec(3);
