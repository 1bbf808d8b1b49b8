// Upsample, UpsamplingNearest2d, UpsamplingBilinear2d and F.interpolate, following PyTorch 1.13's interpolate():
// the output spatial size is `size`, or floor(in * scale_factor) computed in floating point.
import { dimToString, floorDiv, isKnown, mul, unknownDim, type Dim, type Shape } from '../dims';
import { UNKNOWN, type ApplyResult, type ArgValue, type LayerArgs, type LayerSpec } from './layer-spec';
import { argText, asBool, asDim, asNumber, fail, firstInput, isResult, pyFloat, shapeText } from './common';

const MODES_TEXT = 'nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact';
const RANK_FOR_MODE: Record<string, number[]> = {
  nearest: [3, 4, 5],
  'nearest-exact': [3, 4, 5],
  area: [3, 4, 5],
  linear: [3],
  bilinear: [4],
  bicubic: [4],
  trilinear: [5],
};

/**
 * A float scale as an exact fraction p/2^e (for symbolic sizes), or undefined. Only dyadic scales (2, 1.5, 0.25)
 * are exact in floating point; for others such as 0.29 PyTorch's floor(100 * 0.29) is 28, not 29, so a symbolic
 * size cannot be written as a fraction and stays unknown.
 */
function asFraction(x: number): [number, number] | undefined {
  for (let q = 1; q <= 1 << 20; q *= 2) {
    if (Number.isInteger(x * q)) return [x * q, q];
  }
  return undefined;
}

function scaled(size: Dim, scale: number): Dim {
  if (isKnown(size)) return Math.floor(size * scale);
  const f = asFraction(scale);
  return f ? floorDiv(mul(size, f[0]), f[1]) : unknownDim();
}

function pyTuple(v: ArgValue): string {
  return argText(v);
}

/** A scale tuple as Python prints it; undefined when that depends on int-vs-float spelling we cannot see. */
function scaleTupleText(v: ArgValue[], floats: boolean): string | undefined {
  const nums = v.map((x) => asNumber(x));
  if (nums.some((n) => n === undefined)) return undefined;
  if (floats) return nums.length === 1 ? `(${pyFloat(nums[0] as number)},)` : `(${nums.map((n) => pyFloat(n as number)).join(', ')})`;
  return nums.every((n) => !Number.isInteger(n)) ? argText(v) : undefined;
}

export interface InterpolateArgs {
  size: ArgValue;
  scale: ArgValue;
  mode: ArgValue;
  alignCorners: ArgValue;
  recompute: ArgValue;
  antialias: ArgValue;
  /** nn.Upsample stores scale factors as floats, so PyTorch prints 2 as 2.0. */
  floatScales: boolean;
}

export function interpolateShape(who: string, x: Shape, o: InterpolateArgs): ApplyResult {
  const mode = typeof o.mode === 'string' ? o.mode : undefined;
  if (mode !== undefined && (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') && o.alignCorners !== null && o.alignCorners !== UNKNOWN) {
    return fail('invalid-argument', `${who}: align_corners only applies to the interpolating modes (linear, bilinear, bicubic, trilinear), not mode='${mode}': remove it`, {
      arg: 'align_corners',
      pytorch: 'align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear',
    });
  }
  const nd = x.length - 2;
  const spatialText = `[${x.slice(2).map(dimToString).join(', ')}]`;
  const hasSize = o.size !== null;
  const hasScale = o.scale !== null;
  if (hasSize && hasScale) return fail('invalid-argument', `${who}: give either size or scale_factor, not both`, { pytorch: 'only one of size or scale_factor should be defined' });
  if (!hasSize && !hasScale) return fail('invalid-argument', `${who}: give size or scale_factor`, { pytorch: 'either size or scale_factor should be defined' });
  let outSizes: (Dim | undefined)[] | undefined;
  let scales: (number | undefined)[] | undefined;
  if (hasSize) {
    if (Array.isArray(o.size)) {
      if (o.size.length !== nd) {
        return fail('rank-mismatch', `${who}: size ${pyTuple(o.size)} has ${o.size.length} entries but the input ${shapeText(x)} has ${Math.max(nd, 0)} spatial dims`, {
          arg: 'size',
          blamesInput: true,
          pytorch: `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatialText} and output size of ${pyTuple(o.size)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`,
        });
      }
      outSizes = o.size.map((v) => asDim(v));
    } else outSizes = Array<Dim | undefined>(Math.max(nd, 0)).fill(asDim(o.size));
  } else if (Array.isArray(o.scale)) {
    if (o.scale.length !== nd) {
      const shown = scaleTupleText(o.scale, o.floatScales);
      return fail('rank-mismatch', `${who}: scale_factor ${pyTuple(o.scale)} has ${o.scale.length} entries but the input ${shapeText(x)} has ${Math.max(nd, 0)} spatial dims`, {
        arg: 'scale_factor',
        blamesInput: true,
        ...(shown === undefined ? {} : { pytorch: `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatialText} and scale_factor of shape ${shown}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.` }),
      });
    }
    scales = o.scale.map((v) => asNumber(v));
  } else scales = Array<number | undefined>(Math.max(nd, 0)).fill(asNumber(o.scale));
  if (asBool(o.recompute) === true && hasSize) return fail('invalid-argument', `${who}: recompute_scale_factor only applies with scale_factor; remove it`, { arg: 'recompute_scale_factor', pytorch: 'recompute_scale_factor is not meaningful with an explicit size.' });
  if (asBool(o.antialias) === true && !((mode === 'bilinear' || mode === 'bicubic') && x.length === 4)) {
    return fail('invalid-argument', `${who}: antialias=True only works with mode='bilinear' or 'bicubic' on 4-D input`, { arg: 'antialias', pytorch: 'Anti-alias option is only supported for bilinear and bicubic modes' });
  }
  if (mode === undefined) return { output: [...x.slice(0, 2), ...x.slice(2).map(() => unknownDim())] };
  const ranks = RANK_FOR_MODE[mode];
  if (!ranks || !ranks.includes(x.length)) {
    const rank = x.length;
    let pytorch = `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${rank}D) for the modes: ${MODES_TEXT} (got ${mode})`;
    if (ranks && rank >= 3 && rank <= 5) pytorch = `Got ${rank}D input, but ${mode} mode needs ${ranks[0]}D input`;
    if (ranks && mode === 'bicubic' && rank !== 4) pytorch = `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${rank}D) for the modes: ${MODES_TEXT} (got ${mode})`;
    const message = ranks ? `${who}: mode='${mode}' needs a ${ranks.map((r) => `${r}-D`).join(' or ')} input, but gets ${rank}-D ${shapeText(x)}` : `${who}: mode='${mode}' is not an interpolation mode; use one of ${MODES_TEXT.split(' | ').map((m) => `'${m}'`).join(', ')}`;
    return fail(ranks ? 'rank-mismatch' : 'invalid-argument', message, { pytorch, blamesInput: !!ranks, ...(ranks ? {} : { arg: 'mode' }) });
  }
  const spatial = x.slice(2);
  const out: Dim[] = spatial.map((s, i) => {
    if (outSizes) return outSizes[i] ?? unknownDim();
    const sc = scales?.[i];
    return sc === undefined ? unknownDim() : scaled(s, sc);
  });
  if (mode !== 'area' && out.some((d) => isKnown(d) && d <= 0)) {
    const names = nd === 1 ? ['W'] : nd === 2 ? ['H', 'W'] : ['D', 'H', 'W'];
    const fmt = (xs: Dim[]): string => xs.map((d, i) => `${names[i]}: ${dimToString(d)}`).join(', ');
    return fail('input-too-small', `${who}: the output would be ${out.map(dimToString).join('x')} for an input of ${spatial.map(dimToString).join('x')}; use a larger scale_factor or size`, {
      blamesInput: true,
      pytorch: `Input and output sizes should be greater than 0, but got input (${fmt(spatial)}) output (${fmt(out)})`,
    });
  }
  return { output: [...x.slice(0, 2), ...out] };
}

function upsampleSpec(type: string, fixedMode?: string, fixedAlign?: boolean): LayerSpec {
  const full = fixedMode === undefined;
  return {
    type,
    signature: full ? ['size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor'] : ['size', 'scale_factor'],
    defaults: full ? { size: null, scale_factor: null, mode: 'nearest', align_corners: null, recompute_scale_factor: null } : { size: null, scale_factor: null },
    apply(a: LayerArgs, inputs) {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      return interpolateShape(type, x, {
        size: a.get('size'),
        scale: a.get('scale_factor'),
        mode: full ? a.get('mode') : (fixedMode as string),
        alignCorners: full ? a.get('align_corners') : fixedAlign === undefined ? null : fixedAlign,
        recompute: full ? a.get('recompute_scale_factor') : null,
        antialias: false,
        floatScales: true,
      });
    },
    paramCount: () => 0,
  };
}

export const upsampleSpecs: LayerSpec[] = [upsampleSpec('Upsample'), upsampleSpec('UpsamplingNearest2d', 'nearest'), upsampleSpec('UpsamplingBilinear2d', 'bilinear', true)];

export const functionalInterpolate: LayerSpec = {
  type: 'torch.nn.functional.interpolate',
  signature: ['size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor', 'antialias'],
  defaults: { size: null, scale_factor: null, mode: 'nearest', align_corners: null, recompute_scale_factor: null, antialias: false },
  apply(a, inputs) {
    const x = firstInput(inputs, 'interpolate');
    if (isResult(x)) return x;
    return interpolateShape('F.interpolate', x, {
      size: a.get('size'),
      scale: a.get('scale_factor'),
      mode: a.get('mode'),
      alignCorners: a.get('align_corners'),
      recompute: a.get('recompute_scale_factor'),
      antialias: a.get('antialias'),
      floatScales: false,
    });
  },
};
