// ConvTranspose1d/2d/3d: out = (in - 1)*s - 2p + d(k-1) + output_padding + 1; forward's output_size may pick a
// size up to stride - 1 larger instead of output_padding.
import { add, dimEquals, dimToString, isKnown, mul, product, sub, unknownDim, type Dim, type Shape } from '../dims';
import { FROM_PREVIOUS_LAYER, UNKNOWN, type ApplyResult, type ArgValue, type DimRequirement, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { allKnown, argText, asDim, asTuple, fail, firstInput, isResult, issue, shapeText, spatialNames } from './common';
import { checkGroups, readConvParams, type ConvParams } from './conv';

function outputPadding(a: LayerArgs, nd: number): (Dim | undefined)[] {
  const t = asTuple(a.get('output_padding'), nd);
  return t === 'bad' ? Array<Dim | undefined>(nd).fill(undefined) : t;
}

function read(a: LayerArgs, nd: number): { p: ConvParams; op: (Dim | undefined)[]; issues: LayerIssue[] } {
  // Transposed convs take no padding strings: read them as unknown numbers (the check reports them).
  const { p: read, issues } = readConvParams(a, nd);
  // A copy: readConvParams's result is shared by every reader of these arguments.
  const p = read.padding === 'same' || read.padding === 'valid' ? { ...read, padding: Array<Dim | undefined>(nd).fill(undefined) } : read;
  return { p, op: outputPadding(a, nd), issues };
}

function check(a: LayerArgs, nd: number): LayerIssue[] {
  const { p, op, issues } = read(a, nd);
  const out: LayerIssue[] = [];
  if (p.paddingMode !== undefined && p.paddingMode !== 'zeros') {
    out.push(issue('invalid-padding-mode', `${a.type} only supports padding_mode='zeros', not '${p.paddingMode}'`, {
      arg: 'padding_mode',
      pytorch: `Only "zeros" padding mode is supported for ${a.type}`,
      fix: { arg: 'padding_mode', value: "'zeros'", title: "Use padding_mode='zeros'" },
    }));
    return out;
  }
  out.push(...checkGroups(a.type, p));
  if (typeof a.get('padding') === 'string') out.push(issue('invalid-padding', `${a.type} takes no padding string; give padding as a number`, { arg: 'padding' }));
  const s = allKnown(p.stride);
  const d = allKnown(p.dilation);
  const o = allKnown(op);
  if (s && d && o && o.some((v, i) => v >= (s[i] as number) && v >= (d[i] as number))) {
    // PyTorch names the dims depth/height/width, and runs 1-D as 2-D with a height of 1.
    const names = nd === 3 ? ['depth', 'height', 'width'] : ['height', 'width'];
    const h = (xs: number[], fill: number): number[] => (nd === 1 ? [fill, xs[0] as number] : xs);
    const part = (what: string, xs: number[]): string => names.map((n, i) => `${what}_${n}: ${xs[i]}`).join(' ');
    const maxOk = o.map((_, i) => Math.max(s[i] as number, d[i] as number) - 1);
    out.push(issue('output-padding', `${a.type}: output_padding ${argText(a.get('output_padding'))} must be smaller than stride ${argText(a.get('stride'))} or dilation ${argText(a.get('dilation'))}; use at most ${maxOk.join(', ')}`, {
      arg: 'output_padding',
      pytorch: `output padding must be smaller than either stride or dilation, but got ${part('output_padding', h(o, 0))} ${part('stride', h(s, 1))} ${part('dilation', h(d, 1))}`,
      ...(maxOk.every((m) => m === maxOk[0]) ? { fix: { arg: 'output_padding', value: String(maxOk[0]), title: `Use output_padding=${maxOk[0]}` } } : {}),
    }));
  }
  return [...out, ...issues];
}

function apply(a: LayerArgs, inputs: Shape[], nd: number, forward: LayerArgs | undefined): ApplyResult {
  const type = a.type;
  const x = firstInput(inputs, type);
  if (isResult(x)) return x;
  const { p, op } = read(a, nd);
  const rank = x.length;
  if (rank !== nd + 1 && rank !== nd + 2) {
    return fail('rank-mismatch', `${type} expects a ${nd + 2}-D input (N, C, ${spatialNames(nd).join(', ')}) or an unbatched ${nd + 1}-D one, but gets ${rank}-D ${shapeText(x)}`, {
      blamesInput: true,
      pytorch: `Expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input to conv_transpose${nd}d, but got input of size: ${shapeText(x)}`,
    });
  }
  const batched = rank === nd + 2;
  const bx: Shape = batched ? x : [1, ...x];
  const cIn = bx[1] as Dim;
  const g = p.groups ?? 1;
  const requires: DimRequirement[] = [];
  if (p.inChannels !== undefined) {
    const eq = dimEquals(cIn, p.inChannels);
    if (eq === false) {
      const weight = [p.inChannels, typeof p.outChannels === 'number' && g > 0 ? Math.floor(p.outChannels / g) : unknownDim(), ...p.kernel.map((k) => k ?? unknownDim())];
      return fail('channel-mismatch', `${type} expects ${dimToString(p.inChannels)} input channels but receives ${dimToString(cIn)} ${FROM_PREVIOUS_LAYER}: set in_channels to ${dimToString(cIn)}`, {
        arg: 'in_channels',
        blamesInput: true,
        fix: { arg: 'in_channels', value: dimToString(cIn), title: `Set in_channels to ${dimToString(cIn)}` },
        pytorch: `Given transposed=1, weight of size ${shapeText(weight)}, expected input${shapeText(bx)} to have ${dimToString(p.inChannels)} channels, but got ${dimToString(cIn)} channels instead`,
      });
    }
    if (eq === undefined) requires.push({ dim: cIn, op: '==', value: p.inChannels, why: `${type} in_channels=${dimToString(p.inChannels)}` });
  }
  const spatial = bx.slice(2);
  const smallest = (i: number, o: Dim | undefined): Dim => {
    const k = p.kernel[i];
    const s = p.stride[i];
    const d = p.dilation[i];
    const pad = p.padding === 'same' || p.padding === 'valid' ? undefined : p.padding[i];
    if (k === undefined || s === undefined || d === undefined || pad === undefined || o === undefined) return unknownDim();
    return add(add(add(sub(mul(sub(spatial[i] as Dim, 1), s), mul(2, pad)), mul(d, sub(k, 1))), o), 1);
  };
  const requested = forward?.get('output_size');
  if (requested !== undefined && requested !== null && requested !== UNKNOWN) {
    // forward(x, output_size): any size from the smallest up to stride - 1 more; output_padding is then ignored.
    const sizes = Array.isArray(requested) ? requested : [requested];
    const nonSpatial = batched ? 2 : 1;
    const wanted = sizes.length === nd + nonSpatial ? sizes.slice(nonSpatial) : sizes;
    if (wanted.length !== nd) {
      return fail('invalid-argument', `${type}: output_size ${argText(requested)} must give the ${nd} spatial sizes (or all ${nd + nonSpatial} sizes)`, {
        pytorch: `ConvTranspose${nd}D: for ${rank}D input, output_size must have ${nd} or ${nd + nonSpatial} elements (got ${sizes.length})`,
      });
    }
    const out: Dim[] = [];
    for (let i = 0; i < nd; i++) {
      const lo = smallest(i, 0);
      const s = p.stride[i];
      const want = asDim(wanted[i] as ArgValue);
      if (want === undefined || !isKnown(lo) || typeof s !== 'number' || !isKnown(want)) {
        out.push(want ?? unknownDim());
        continue;
      }
      if (want < lo || want > lo + s - 1) {
        return fail('invalid-argument', `${type}: output_size ${argText(requested)} cannot be reached from an input of ${spatial.map(dimToString).join('x')}: ${spatialNames(nd)[i]} can be ${lo} to ${lo + s - 1}`, { blamesInput: true });
      }
      out.push(want);
    }
    const cout = p.outChannels ?? unknownDim();
    const output: Shape = batched ? [bx[0] as Dim, cout, ...out] : [cout, ...out];
    return requires.length > 0 ? { output, requires } : { output };
  }
  const outSpatial: Dim[] = spatial.map((_, i) => smallest(i, op[i]));
  if (outSpatial.some((o) => isKnown(o) && o < 1)) {
    const shownIn = nd === 1 ? [1, ...spatial] : spatial;
    const shownOut = nd === 1 ? [1, ...outSpatial] : outSpatial;
    return fail('input-too-small', `${type}: the output would be ${outSpatial.map(dimToString).join('x')} for an input of ${spatial.map(dimToString).join('x')}; padding ${argText(a.get('padding'))} removes more than the transposed kernel adds: reduce padding`, {
      blamesInput: false,
      arg: 'padding',
      pytorch: `Given input size per channel: (${shownIn.map(dimToString).join(' x ')}). Calculated output size per channel: (${shownOut.map(dimToString).join(' x ')}). Output size is too small`,
    });
  }
  const cout = p.outChannels ?? unknownDim();
  const output: Shape = batched ? [bx[0] as Dim, cout, ...outSpatial] : [cout, ...outSpatial];
  return requires.length > 0 ? { output, requires } : { output };
}

function spec(nd: 1 | 2 | 3): LayerSpec {
  return {
    type: `ConvTranspose${nd}d`,
    signature: ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode', 'device', 'dtype'],
    defaults: { stride: 1, padding: 0, output_padding: 0, groups: 1, bias: true, dilation: 1, padding_mode: 'zeros', device: null, dtype: null },
    check: (a) => check(a, nd),
    forwardSignature: ['output_size'],
    forwardDefaults: { output_size: null },
    apply: (a, inputs, forward) => apply(a, inputs, nd, forward),
    paramCount(a) {
      const { p } = read(a, nd);
      const k = allKnown(p.kernel);
      if (typeof p.inChannels !== 'number' || typeof p.outChannels !== 'number' || !p.groups || !k || p.bias === undefined) return null;
      return p.inChannels * (p.outChannels / p.groups) * k.reduce((x, y) => x * y, 1) + (p.bias ? p.outChannels : 0);
    },
    /** Each input element scatters one kernel: input elements x (out_channels / groups) x kernel elements. */
    macs(a, inputs) {
      const { p } = read(a, nd);
      const k = allKnown(p.kernel);
      const x = inputs[0];
      const n = x ? product(x) : UNKNOWN;
      if (typeof p.outChannels !== 'number' || !p.groups || !k || typeof n !== 'number') return null;
      return n * (p.outChannels / p.groups) * k.reduce((x2, y) => x2 * y, 1);
    },
    geometry(a) {
      const { p } = read(a, nd);
      const kernel = allKnown(p.kernel);
      const stride = allKnown(p.stride);
      const dilation = allKnown(p.dilation);
      // Upsampling: the receptive field grows by the kernel; the stride divides rather than multiplies, so report 1.
      return kernel && stride && dilation ? { kernel, stride: stride.map(() => 1), dilation } : null;
    },
    formula(a, inputs, output) {
      const { p, op } = read(a, nd);
      const x = inputs[0];
      if (!x) return [];
      const names = spatialNames(nd);
      const t = (v: Dim | undefined): string => (v === undefined ? '?' : dimToString(v));
      return names.map((n, i) => {
        const pad = p.padding === 'same' || p.padding === 'valid' ? undefined : p.padding[i];
        return `${n}_out = (${t(x[x.length - nd + i])} - 1)*${t(p.stride[i])} - 2*${t(pad)} + ${t(p.dilation[i])}*(${t(p.kernel[i])}-1) + ${t(op[i])} + 1 = ${t(output[output.length - nd + i])}`;
      });
    },
  };
}

export const convTranspose1d = spec(1);
export const convTranspose2d = spec(2);
export const convTranspose3d = spec(3);
