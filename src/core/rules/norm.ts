// BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, GroupNorm, LayerNorm: shape-preserving, with PyTorch 1.13's feature checks.
import { dimEquals, dimToString, isKnown, mul, product, type Dim, type Shape } from '../dims';
import { FROM_PREVIOUS_LAYER, UNKNOWN, type ApplyResult, type DimRequirement, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { argText, asBool, asDim, asInt, dimRangeError, fail, firstInput, isResult, issue, shapeText, warning } from './common';

const normSignature = ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'];

function torchSize(s: Shape): string {
  return `torch.Size(${shapeText(s)})`;
}

function featureFix(got: Dim, arg: string): Partial<LayerIssue> {
  return { arg, blamesInput: true, fix: { arg, value: dimToString(got), title: `Set ${arg} to ${dimToString(got)}` } };
}

/** Shared count for normalization layers: one multiply-add per input element (normalize and scale). */
function elementCount(_a: LayerArgs, inputs: Shape[]): number | null {
  const x = inputs[0];
  if (!x) return null;
  const n = product(x);
  return isKnown(n) ? n : null;
}

function batchNorm(nd: 1 | 2 | 3): LayerSpec {
  const type = `BatchNorm${nd}d`;
  return {
    type,
    signature: normSignature,
    defaults: { eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null },
    apply(a, inputs): ApplyResult {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const rank = x.length;
      const ok = nd === 1 ? rank === 2 || rank === 3 : rank === nd + 2;
      if (!ok) {
        const want = nd === 1 ? '2D or 3D' : `${nd + 2}D`;
        const dims = nd === 1 ? '[, L]' : nd === 2 ? ', H, W' : ', D, H, W';
        return fail('rank-mismatch', `${type} expects a ${want} input (N, C${dims}) but gets ${rank}-D ${shapeText(x)}`, { blamesInput: true, pytorch: `expected ${want} input (got ${rank}D input)` });
      }
      const issues: LayerIssue[] = [];
      const perChannel = product([x[0] as Dim, ...x.slice(2)]);
      if (isKnown(perChannel) && perChannel === 1) {
        issues.push(warning('single-value-per-channel', `${type} sees one value per channel in ${shapeText(x)}: in training mode PyTorch raises; use a batch larger than 1 or call model.eval()`, {
          blamesInput: true,
          pytorch: `Expected more than 1 value per channel when training, got input size ${torchSize(x)}`,
        }));
      }
      const c = x[1] as Dim;
      const nf = asDim(a.get('num_features'));
      const requires: DimRequirement[] = [];
      if (nf !== undefined) {
        const eq = dimEquals(c, nf);
        const track = asBool(a.get('track_running_stats'));
        const affine = asBool(a.get('affine'));
        if (eq === false) {
          const message = `${type} expects ${dimToString(nf)} features but receives ${dimToString(c)} channels ${FROM_PREVIOUS_LAYER}: set num_features to ${dimToString(c)}`;
          const extra = featureFix(c, 'num_features');
          if (track === true) return fail('norm-features', message, { ...extra, pytorch: `running_mean should contain ${dimToString(c)} elements not ${dimToString(nf)}` });
          if (affine === true) return fail('norm-features', message, { ...extra, pytorch: `weight should contain ${dimToString(c)} elements not ${dimToString(nf)}` });
          if (track === false && affine === false) issues.push(warning('norm-features', `${message} (harmless here: without affine or running stats it has nothing to size)`, extra));
        }
        if (eq === undefined) requires.push({ dim: c, op: '==', value: nf, why: `${type} num_features=${dimToString(nf)}` });
      }
      const result: ApplyResult = { output: [...x] };
      if (issues.length > 0) result.issues = issues;
      if (requires.length > 0) result.requires = requires;
      return result;
    },
    paramCount(a) {
      const nf = asInt(a.get('num_features'));
      const affine = asBool(a.get('affine'));
      return nf === undefined || affine === undefined ? null : affine ? 2 * nf : 0;
    },
    macs: elementCount,
  };
}

function instanceNorm(nd: 1 | 2 | 3): LayerSpec {
  const type = `InstanceNorm${nd}d`;
  return {
    type,
    signature: normSignature,
    defaults: { eps: 1e-5, momentum: 0.1, affine: false, track_running_stats: false, device: null, dtype: null },
    apply(a, inputs): ApplyResult {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const rank = x.length;
      if (rank !== nd + 1 && rank !== nd + 2) {
        const want = `${nd + 1}D or ${nd + 2}D`;
        return fail('rank-mismatch', `${type} expects a ${want} input but gets ${rank}-D ${shapeText(x)}`, { blamesInput: true, pytorch: `expected ${want} input (got ${rank}D input)` });
      }
      const bx: Shape = rank === nd + 2 ? x : [1, ...x];
      const n = bx[0] as Dim;
      const c = bx[1] as Dim;
      const track = asBool(a.get('track_running_stats'));
      const affine = asBool(a.get('affine'));
      const issues: LayerIssue[] = [];
      const spatial = product(bx.slice(2));
      if (isKnown(spatial) && spatial === 1 && track !== undefined) {
        const pytorch = `Expected more than 1 spatial element when training, got input size ${torchSize(bx)}`;
        const message = `${type} normalizes over ${shapeText(x.slice(x.length - nd))}, a single element per channel: the result is all zeros`;
        // Without running stats it always uses the input's statistics, in eval mode too.
        if (!track) return fail('input-too-small', `${message}; PyTorch raises. Pool less before this layer.`, { blamesInput: true, pytorch });
        issues.push(warning('single-value-per-channel', `${message}; PyTorch raises in training mode`, { blamesInput: true, pytorch }));
      }
      const nf = asDim(a.get('num_features'));
      if (nf !== undefined && dimEquals(c, nf) === false) {
        const message = `${type} expects ${dimToString(nf)} features but receives ${dimToString(c)} channels ${FROM_PREVIOUS_LAYER}: set num_features to ${dimToString(c)}`;
        const extra = featureFix(c, 'num_features');
        // PyTorch folds the batch into the channels, so its message counts N*C.
        if (track === true) return fail('norm-features', message, { ...extra, pytorch: `running_mean should contain ${dimToString(mul(n, c))} elements not ${dimToString(mul(n, nf))}` });
        if (affine === true) return fail('norm-features', message, { ...extra, pytorch: `weight should contain ${dimToString(mul(n, c))} elements not ${dimToString(mul(n, nf))}` });
        if (track === false && affine === false) issues.push(warning('norm-features', `${message} (PyTorch only warns: without affine or running stats num_features is unused)`, extra));
      }
      const result: ApplyResult = { output: [...x] };
      if (issues.length > 0) result.issues = issues;
      return result;
    },
    paramCount(a) {
      const nf = asInt(a.get('num_features'));
      const affine = asBool(a.get('affine'));
      return nf === undefined || affine === undefined ? null : affine ? 2 * nf : 0;
    },
    macs: elementCount,
  };
}

export const groupNorm: LayerSpec = {
  type: 'GroupNorm',
  signature: ['num_groups', 'num_channels', 'eps', 'affine', 'device', 'dtype'],
  defaults: { eps: 1e-5, affine: true, device: null, dtype: null },
  check(a) {
    const g = asInt(a.get('num_groups'));
    const c = asInt(a.get('num_channels'));
    if (g === 0) return [issue('invalid-argument', 'GroupNorm: num_groups=0; it must be a positive divisor of num_channels', { arg: 'num_groups', pytorch: 'integer modulo by zero' })];
    if (g !== undefined && c !== undefined && c % g !== 0) {
      return [issue('groups-divisibility', `GroupNorm: num_channels=${c} is not divisible by num_groups=${g}`, { arg: 'num_groups', pytorch: 'num_channels must be divisible by num_groups' })];
    }
    return [];
  },
  apply(a, inputs): ApplyResult {
    const x = firstInput(inputs, 'GroupNorm');
    if (isResult(x)) return x;
    if (x.length < 2) return fail('rank-mismatch', `GroupNorm expects an input (N, C, *) but gets ${x.length}-D ${shapeText(x)}`, { blamesInput: true, pytorch: dimRangeError(1, x.length) ?? '' });
    const g = asInt(a.get('num_groups'));
    const c = x[1] as Dim;
    const nc = asDim(a.get('num_channels'));
    if (g !== undefined && g > 0 && isKnown(c) && isKnown(x[0] as Dim)) {
      const perGroup = product([Math.floor(((x[0] as number) * c) / g), ...x.slice(2)]);
      if (isKnown(perGroup) && perGroup === 1) {
        return fail('input-too-small', `GroupNorm: each group of ${shapeText(x)} holds a single value; normalizing it gives zeros and PyTorch raises`, { blamesInput: true, pytorch: `Expected more than 1 value per channel when training, got input size ${torchSize([Math.floor(((x[0] as number) * c) / g), g, ...x.slice(2)])}` });
      }
    }
    if (g !== undefined && g > 0 && isKnown(c) && c % g !== 0) {
      return fail('groups-divisibility', `GroupNorm: the input has ${c} channels, not divisible by num_groups=${g}`, { blamesInput: true, pytorch: `Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeText(x)} and num_groups=${g}` });
    }
    const requires: DimRequirement[] = [];
    if (nc !== undefined && asBool(a.get('affine')) === true) {
      const eq = dimEquals(c, nc);
      if (eq === false) {
        return fail('norm-features', `GroupNorm expects ${dimToString(nc)} channels but receives ${dimToString(c)} ${FROM_PREVIOUS_LAYER}: set num_channels to ${dimToString(c)}`, {
          ...featureFix(c, 'num_channels'),
          pytorch: `Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [${dimToString(nc)}] and input of shape ${shapeText(x)}`,
        });
      }
      if (eq === undefined) requires.push({ dim: c, op: '==', value: nc, why: `GroupNorm num_channels=${dimToString(nc)}` });
    }
    return requires.length > 0 ? { output: [...x], requires } : { output: [...x] };
  },
  paramCount(a) {
    const c = asInt(a.get('num_channels'));
    const affine = asBool(a.get('affine'));
    return c === undefined || affine === undefined ? null : affine ? 2 * c : 0;
  },
  macs: elementCount,
};

function normalizedShape(a: LayerArgs): (Dim | undefined)[] | undefined {
  const v = a.get('normalized_shape');
  if (v === UNKNOWN) return undefined;
  if (Array.isArray(v)) return v.map((x) => asDim(x));
  const d = asDim(v);
  return d === undefined ? undefined : [d];
}

/**
 * The shape of a norm layer's weight and bias (PyTorch initialises them to ones and zeros), when it has them and
 * its arguments are known; undefined for other layers.
 */
export function affineShape(a: LayerArgs): number[] | undefined {
  const known = (dims: (Dim | undefined)[] | undefined): number[] | undefined => (dims?.every((d): d is number => typeof d === 'number') ? dims : undefined);
  if (a.type === 'LayerNorm') return asBool(a.get('elementwise_affine')) === true ? known(normalizedShape(a)) : undefined;
  if (a.type === 'GroupNorm') return asBool(a.get('affine')) === true ? known([asInt(a.get('num_channels'))]) : undefined;
  if (/^(Batch|Instance)Norm[123]d$/.test(a.type)) return asBool(a.get('affine')) === true ? known([asInt(a.get('num_features'))]) : undefined;
  return undefined;
}

/** LayerNorm's and F.layer_norm's rule: the input must end in normalized_shape. */
function applyLayerNorm(label: string, a: LayerArgs, inputs: Shape[]): ApplyResult {
  const x = firstInput(inputs, label);
  if (isResult(x)) return x;
  const ns = normalizedShape(a);
  if (ns === undefined) return { output: [...x] };
  const tail = x.slice(Math.max(0, x.length - ns.length));
  const shapeOk = x.length >= ns.length;
  const mismatch = !shapeOk || ns.some((d, i) => d !== undefined && dimEquals(tail[i] as Dim, d) === false);
  if (mismatch) {
    const nsText = ns.map((d) => (d === undefined ? '?' : dimToString(d)));
    const want = tail.map(dimToString);
    const value = want.length === 1 ? want[0] ?? '' : `(${want.join(', ')})`;
    const e = issue('norm-features', `${label} normalizes over the last ${ns.length} dim(s) [${nsText.join(', ')}] but the input ${shapeText(x)} ends in [${want.join(', ')}]${shapeOk ? `: set normalized_shape to ${value}` : ''}`, {
      arg: 'normalized_shape',
      blamesInput: true,
      pytorch: `Given normalized_shape=[${nsText.join(', ')}], expected input with shape [*, ${nsText.join(', ')}], but got input of size${shapeText(x)}`,
    });
    if (shapeOk) e.fix = { arg: 'normalized_shape', value, title: `Set normalized_shape to ${value}` };
    return { error: e };
  }
  const requires: DimRequirement[] = [];
  ns.forEach((d, i) => {
    if (d !== undefined && dimEquals(tail[i] as Dim, d) === undefined) requires.push({ dim: tail[i] as Dim, op: '==', value: d, why: `${label} normalized_shape=${argText(a.get('normalized_shape'))}` });
  });
  return requires.length > 0 ? { output: [...x], requires } : { output: [...x] };
}

export const layerNorm: LayerSpec = {
  type: 'LayerNorm',
  signature: ['normalized_shape', 'eps', 'elementwise_affine', 'device', 'dtype'],
  defaults: { eps: 1e-5, elementwise_affine: true, device: null, dtype: null },
  apply: (a, inputs) => applyLayerNorm('LayerNorm', a, inputs),
  paramCount(a) {
    const ns = normalizedShape(a);
    const affine = asBool(a.get('elementwise_affine'));
    if (!ns || affine === undefined) return null;
    const n = product(ns.map((d) => d ?? NaN));
    return isKnown(n) && !Number.isNaN(n) ? (affine ? 2 * n : 0) : null;
  },
  macs: elementCount,
};

/** F.layer_norm(input, normalized_shape, weight, bias, eps): a LayerNorm2d's forward calls it on its permuted input. */
export const functionalLayerNorm: LayerSpec = {
  type: 'torch.nn.functional.layer_norm',
  signature: ['normalized_shape', 'weight', 'bias', 'eps'],
  defaults: { weight: null, bias: null, eps: 1e-5 },
  laterInputs: ['weight', 'bias'],
  check(a) {
    // Unlike nn.LayerNorm, the function takes no bare int.
    const ns = a.get('normalized_shape');
    if (typeof ns !== 'number') return [];
    return [issue('invalid-argument', `F.layer_norm takes normalized_shape as a tuple or list: write (${ns},)`, {
      arg: 'normalized_shape',
      pytorch: "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int",
    })];
  },
  apply: (a, inputs) => applyLayerNorm('F.layer_norm', a, inputs),
  macs: elementCount,
};

export const normSpecs: LayerSpec[] = [batchNorm(1), batchNorm(2), batchNorm(3), instanceNorm(1), instanceNorm(2), instanceNorm(3), groupNorm, layerNorm];
