// MaxPool1d/2d/3d, AvgPool1d/2d/3d and their functional forms, with PyTorch 1.13's output size and checks:
//   out = floor((in + 2p - d(k-1) - 1 + (ceil ? s-1 : 0))/s) + 1, and in ceil mode the last window must start
//   inside the input or the left padding: if (out-1)*s >= in + p then out -= 1.
import { add, dimToString, floorDiv, isKnown, mul, product, sub, unknownDim, type Dim, type Shape } from '../dims';
import { type ApplyResult, type DimRequirement, type Geometry, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { allKnown, argText, asBool, asTuple, dimRangeError, fail, firstInput, isResult, issue, shapeText, sizeText, spatialNames } from './common';
import { floorRoundingWarning } from './conv';

type Kind = 'max' | 'avg';

interface PoolParams {
  kernel: (Dim | undefined)[];
  stride: (Dim | undefined)[];
  padding: (Dim | undefined)[];
  dilation: (Dim | undefined)[];
  ceil: boolean | undefined;
  indices: boolean;
  bad: LayerIssue | undefined;
}

function read(a: LayerArgs, nd: number, kind: Kind): PoolParams {
  let bad: LayerIssue | undefined;
  const tuple = (name: string, fallback?: (Dim | undefined)[]): (Dim | undefined)[] => {
    const v = a.get(name);
    if (fallback && (v === null || (Array.isArray(v) && v.length === 0))) return fallback;
    const t = asTuple(v, nd);
    if (t === 'bad') {
      bad ??= issue('invalid-argument', `${a.type}: ${name}=${argText(v)} must be an int or a tuple of ${nd} ints`, { arg: name });
      return Array<Dim | undefined>(nd).fill(undefined);
    }
    return t;
  };
  const kernel = tuple('kernel_size');
  return {
    kernel,
    stride: tuple('stride', kernel),
    padding: tuple('padding'),
    dilation: kind === 'max' ? tuple('dilation') : Array<Dim>(nd).fill(1),
    ceil: asBool(a.get('ceil_mode')),
    indices: kind === 'max' && asBool(a.get('return_indices')) === true,
    bad,
  };
}

/** One spatial dim's output size; undefined parts give an unknown. */
export function poolOutSize(inSize: Dim, k: Dim | undefined, s: Dim | undefined, p: Dim | undefined, d: Dim | undefined, ceil: boolean | undefined): { out: Dim; span?: Dim } {
  if (k === undefined || s === undefined || p === undefined || d === undefined || ceil === undefined || !isKnown(s) || s <= 0) return { out: unknownDim() };
  const span = sub(sub(add(inSize, mul(2, p)), mul(d, sub(k, 1))), 1);
  if (!ceil) return { out: add(floorDiv(span, s), 1), span };
  let out = add(floorDiv(add(span, s - 1), s), 1);
  // The last window must start inside the input or the left padding.
  const excess = sub(mul(sub(out, 1), s), add(inSize, p));
  if (isKnown(excess)) {
    if (excess >= 0) out = sub(out, 1);
  } else if (isKnown(p) && isKnown(k) && isKnown(d) && p + s < d * (k - 1) + 2) {
    // (out-1)*s <= in + 2p - d(k-1) + s - 2 < in + p: the window always starts inside.
  } else out = unknownDim();
  return { out, span };
}

function rankError(type: string, kind: Kind, nd: number, x: Shape, indices: boolean): ApplyResult | undefined {
  const rank = x.length;
  const dims = spatialNames(nd).join(', ');
  const message = `${type} expects a ${nd + 2}-D input (N, C, ${dims}) or an unbatched ${nd + 1}-D one, but gets ${rank}-D ${shapeText(x)}`;
  if (nd === 3) {
    if (rank === 4 || rank === 5) return undefined;
    return fail('rank-mismatch', message, { blamesInput: true, pytorch: 'non-empty 4D or 5D (batch mode) tensor expected for input' });
  }
  if (nd === 2) {
    if (kind === 'max' && rank !== 3 && rank !== 4) return fail('rank-mismatch', message, { blamesInput: true, pytorch: 'non-empty 3D or 4D (batch mode) tensor expected for input' });
    if (kind === 'avg' && rank < 3) return fail('rank-mismatch', message, { blamesInput: true, pytorch: dimRangeError(-3, rank) ?? '' });
    if (kind === 'avg' && rank > 4) {
      return fail('rank-mismatch', message, { blamesInput: true, pytorch: `Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${shapeText(x)}` });
    }
    return undefined;
  }
  if (rank === 2 || rank === 3) return undefined;
  if (kind === 'avg') return fail('rank-mismatch', message, { blamesInput: true, pytorch: `Expected 2 to 3 dimensions, but got ${rank}-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)` });
  if (indices) return fail('rank-mismatch', message, { blamesInput: true });
  return fail('rank-mismatch', message, { blamesInput: true, pytorch: `max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${shapeText(x)}` });
}

function applyPool(a: LayerArgs, inputs: Shape[], nd: number, kind: Kind): ApplyResult {
  const type = a.type;
  const x = firstInput(inputs, type);
  if (isResult(x)) return x;
  const p = read(a, nd, kind);
  if (p.bad) return { error: p.bad };
  const rankFail = rankError(type, kind, nd, x, p.indices);
  if (rankFail) return rankFail;
  const spatial = x.slice(x.length - nd);
  const short = type.startsWith('torch.') ? type.slice(type.lastIndexOf('.') + 1) : type;
  const halfMessage = (pad: number, k: number): string => `${short}: padding ${pad} is more than half the kernel size ${k}; use padding <= ${Math.floor(k / 2)} (or a larger kernel)`;
  const dedicatedMax1d = kind === 'max' && nd === 1 && !p.indices;

  if (dedicatedMax1d) {
    // PyTorch 1.13's own max_pool1d kernel: its checks, and an empty output is allowed.
    const [k, s, pad, d] = [p.kernel[0], p.stride[0], p.padding[0], p.dilation[0]];
    if (typeof k === 'number' && k <= 0) return fail('invalid-argument', `${short}: kernel_size ${k} must be positive`, { arg: 'kernel_size', pytorch: `max_pool1d() kernel_size must be greater than zero, but got ${k}` });
    if (typeof s === 'number' && s <= 0) return fail('invalid-argument', `${short}: stride ${s} must be positive`, { arg: 'stride', pytorch: `max_pool1d() stride must be greater than zero, but got ${s}` });
    if (typeof pad === 'number' && pad < 0) return fail('invalid-padding', `${short}: padding ${pad} must be >= 0`, { arg: 'padding', pytorch: `max_pool1d() padding must be non-negative, but got ${pad}` });
    if (typeof pad === 'number' && typeof k === 'number' && pad > Math.floor(k / 2)) {
      return fail('invalid-padding', halfMessage(pad, k), { arg: 'padding', pytorch: `max_pool1d() padding should be at most half of kernel size, but got padding=${pad} and kernel_size=${k}`, fix: { arg: 'padding', value: String(Math.floor(k / 2)), title: `Use padding=${Math.floor(k / 2)}` } });
    }
    if (typeof d === 'number' && d <= 0) return fail('invalid-argument', `${short}: dilation ${d} must be positive`, { arg: 'dilation', pytorch: `max_pool1d() dilation must be greater than zero, but got ${d}` });
    const r = poolOutSize(spatial[0] as Dim, k, s, pad, d, p.ceil);
    if (isKnown(r.out) && r.out < 0) {
      return fail('input-too-small', `${short}: the output length would be ${r.out} for an input of length ${dimToString(spatial[0] as Dim)}; ${minimumText(p, 0)}`, { blamesInput: true, pytorch: `max_pool1d() Invalid computed output size: ${r.out}` });
    }
    return finish(a, x, [r], p, nd);
  }

  // The 2-D kernels (1-D pools run as 2-D with a height-1 window).
  const dims = nd === 1 ? [{ k: 1 as Dim, s: 1 as Dim, pad: 0 as Dim, d: 1 as Dim, size: 1 as Dim }] : [];
  for (let i = 0; i < nd; i++) dims.push({ k: p.kernel[i] as Dim, s: p.stride[i] as Dim, pad: p.padding[i] as Dim, d: p.dilation[i] as Dim, size: spatial[i] as Dim });
  for (const dm of dims) {
    if (dm.s === 0) return fail('invalid-argument', `${short}: stride 0 is not allowed (it defaults to kernel_size, so check that too)`, { arg: 'stride', pytorch: 'stride should not be zero' });
    if (typeof dm.pad === 'number' && dm.pad < 0) return fail('invalid-padding', `${short}: padding ${dm.pad} must be >= 0`, { arg: 'padding', pytorch: `pad must be non-negative, but got pad: ${dm.pad}` });
    if (typeof dm.pad === 'number' && typeof dm.k === 'number' && dm.pad > Math.floor(dm.k / 2)) {
      const half = Math.floor(dm.k / 2);
      return fail('invalid-padding', halfMessage(dm.pad, dm.k), { arg: 'padding', pytorch: `pad should be at most half of kernel size, but got pad=${dm.pad} and kernel_size=${dm.k}`, fix: { arg: 'padding', value: String(half), title: `Use padding=${half}` } });
    }
  }
  const ks = dims.map((dm) => dm.k);
  if (ks.some((k) => typeof k === 'number' && k <= 0)) {
    const [kh, kw] = ks;
    const e = issue('invalid-argument', `${short}: kernel_size ${argText(a.get('kernel_size'))} must be positive`, { arg: 'kernel_size' });
    if (nd < 3) e.pytorch = `kernel size should be greater than zero, but got kH: ${argText(kh as Dim)} kW: ${argText(kw as Dim)}`;
    return { error: e };
  }
  if (dims.some((dm) => typeof dm.s === 'number' && dm.s < 0)) return fail('invalid-argument', `${short}: stride ${argText(a.get('stride'))} must be positive`, { arg: 'stride' });
  if (dims.some((dm) => typeof dm.d === 'number' && dm.d <= 0)) {
    const [dh, dw] = dims.map((dm) => dm.d);
    const e = issue('invalid-argument', `${short}: dilation ${argText(a.get('dilation'))} must be positive`, { arg: 'dilation' });
    if (nd < 3) e.pytorch = `dilation should be greater than zero, but got dilationH: ${argText(dh as Dim)} dilationW: ${argText(dw as Dim)}`;
    return { error: e };
  }
  // avg_pool3d also wants every input dim at least as large as the kernel, padding or not.
  if (nd === 3 && kind === 'avg' && dims.some((dm) => isKnown(dm.size) && typeof dm.k === 'number' && dm.size < dm.k)) {
    const [t, h, w] = dims.map((dm) => dimToString(dm.size));
    const [kt, kh, kw] = dims.map((dm) => dimToString(dm.k));
    return fail('input-too-small', `${short}: the input ${sizeText(spatial)} is smaller than the kernel ${dims.map((dm) => dimToString(dm.k)).join('x')} (avg_pool3d does not count padding here); this layer needs an input of at least ${dims.map((dm) => dimToString(dm.k)).join('x')}`, {
      blamesInput: true,
      pytorch: `input image (T: ${t} H: ${h} W: ${w}) smaller than kernel size (kT: ${kt} kH: ${kh} kW: ${kw})`,
    });
  }
  const results = dims.map((dm) => poolOutSize(dm.size, dm.k, dm.s, dm.pad, dm.d, p.ceil));
  const outs = results.map((r) => r.out);
  if (outs.some((o) => isKnown(o) && o < 1)) {
    const c = x.length >= 3 ? (x[x.length - nd - 1] as Dim) : 1;
    const inSizes = dims.map((dm) => dm.size);
    const pytorch = `Given input size: (${sizeText([c, ...inSizes])}). Calculated output size: (${sizeText([c, ...outs])}). Output size is too small`;
    const realOuts = outs.slice(outs.length - nd);
    return fail('input-too-small', `${short}: the output would be ${sizeText(realOuts)} for an input of ${sizeText(spatial)}; ${minimumText(p, -1, nd)}`, { blamesInput: true, pytorch });
  }
  return finish(a, x, results.slice(results.length - nd), p, nd);
}

/** "it needs an input of at least 5x5" from the window extent and padding. */
function minimumText(p: PoolParams, only: number, nd = 1): string {
  const idx = only >= 0 ? [only] : Array.from({ length: nd }, (_, i) => i);
  const mins = idx.map((i) => {
    const k = p.kernel[i];
    const d = p.dilation[i];
    const pad = p.padding[i];
    if (typeof k !== 'number' || typeof d !== 'number' || typeof pad !== 'number') return '?';
    return String(Math.max(1, d * (k - 1) + 1 - 2 * pad));
  });
  return `this layer needs an input of at least ${mins.join('x')}`;
}

function finish(a: LayerArgs, x: Shape, results: { out: Dim; span?: Dim }[], p: PoolParams, nd: number): ApplyResult {
  const output: Shape = [...x.slice(0, x.length - nd), ...results.map((r) => r.out)];
  const issues: LayerIssue[] = [];
  const requires: DimRequirement[] = [];
  results.forEach((r, i) => {
    const s = p.stride[i];
    const inSize = x[x.length - nd + i] as Dim;
    const pad = p.padding[i];
    const rightPad = typeof pad === 'number' ? pad : 0;
    if (p.ceil === false && r.span !== undefined && isKnown(r.span) && typeof s === 'number' && s > 0 && r.span >= 0 && r.span % s > rightPad) {
      const k = p.kernel[i];
      const d = p.dilation[i];
      const extent = typeof k === 'number' && typeof d === 'number' ? d * (k - 1) + 1 : undefined;
      const w = floorRoundingWarning(a.type, nd, i, inSize, r.out, s, (r.span % s) - rightPad, extent);
      if (w) issues.push(w);
    }
    if (r.span !== undefined && !isKnown(r.span)) requires.push({ dim: r.span, op: '>=', value: 0, why: `${a.type} window must fit in ${spatialNames(nd)[i] ?? 'the input'}` });
  });
  const result: ApplyResult = { output };
  if (issues.length > 0) result.issues = issues;
  if (requires.length > 0) result.requires = requires;
  if (p.indices) result.outputs = [output, [...output]];
  return result;
}

function geometry(a: LayerArgs, nd: number, kind: Kind): Geometry | null {
  const p = read(a, nd, kind);
  const kernel = allKnown(p.kernel);
  const stride = allKnown(p.stride);
  const dilation = allKnown(p.dilation);
  return kernel && stride && dilation ? { kernel, stride, dilation } : null;
}

function formula(a: LayerArgs, inputs: Shape[], output: Shape, nd: number, kind: Kind): string[] {
  const p = read(a, nd, kind);
  const x = inputs[0];
  if (!x) return [];
  const t = (v: Dim | undefined): string => (v === undefined ? '?' : dimToString(v));
  const f = p.ceil ? 'ceil' : 'floor';
  return spatialNames(nd).map((n, i) => {
    const dil = kind === 'max' ? `${t(p.dilation[i])}*` : '';
    return `${n}_out = ${f}((${t(x[x.length - nd + i])} + 2*${t(p.padding[i])} - ${dil}(${t(p.kernel[i])}-1) - 1)/${t(p.stride[i])} + 1) = ${t(output[output.length - nd + i])}`;
  });
}

function poolSpec(type: string, nd: 1 | 2 | 3, kind: Kind, signature: string[], defaults: LayerSpec['defaults']): LayerSpec {
  return {
    type,
    signature,
    defaults,
    check(a) {
      const p = read(a, nd, kind);
      return p.bad ? [p.bad] : [];
    },
    apply: (a, inputs) => applyPool(a, inputs, nd, kind),
    paramCount: () => 0,
    /** One compare (max) or add (avg) per window element: output elements x kernel elements. */
    macs(a, _inputs, output) {
      const k = allKnown(read(a, nd, kind).kernel);
      const n = product(output);
      return k && isKnown(n) ? n * k.reduce((x, y) => x * y, 1) : null;
    },
    geometry: (a) => geometry(a, nd, kind),
    formula: (a, inputs, output) => formula(a, inputs, output, nd, kind),
  };
}

const maxModule = ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'];
const maxFunctional = ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'];
const maxDefaults = { stride: null, padding: 0, dilation: 1, return_indices: false, ceil_mode: false };
const avg1 = ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad'];
const avg2 = [...avg1, 'divisor_override'];
const avgDefaults = { stride: null, padding: 0, ceil_mode: false, count_include_pad: true, divisor_override: null };

export const poolSpecs: LayerSpec[] = [
  poolSpec('MaxPool1d', 1, 'max', maxModule, maxDefaults),
  poolSpec('MaxPool2d', 2, 'max', maxModule, maxDefaults),
  poolSpec('AvgPool1d', 1, 'avg', avg1, avgDefaults),
  poolSpec('AvgPool2d', 2, 'avg', avg2, avgDefaults),
  poolSpec('MaxPool3d', 3, 'max', maxModule, maxDefaults),
  poolSpec('AvgPool3d', 3, 'avg', avg2, avgDefaults),
];

export const poolFunctionals: LayerSpec[] = [
  poolSpec('torch.nn.functional.max_pool1d', 1, 'max', maxFunctional, maxDefaults),
  poolSpec('torch.nn.functional.max_pool2d', 2, 'max', maxFunctional, maxDefaults),
  poolSpec('torch.nn.functional.avg_pool1d', 1, 'avg', avg1, avgDefaults),
  poolSpec('torch.nn.functional.avg_pool2d', 2, 'avg', avg2, avgDefaults),
  poolSpec('torch.nn.functional.max_pool3d', 3, 'max', maxFunctional, maxDefaults),
  poolSpec('torch.nn.functional.avg_pool3d', 3, 'avg', avg2, avgDefaults),
];
