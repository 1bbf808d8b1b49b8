// TensorFlow.js layers (tf.layers.*) with TF.js's own output-shape rules: NHWC, 'same' = ceil(in / stride).
import { add, ceilDiv, isKnown, mul, product, sub, unknownDim, dimToString, type Dim, type Shape } from '../dims';

export type TfConfig = Map<string, TfArg>;
export type TfArg = number | string | boolean | null | TfArg[] | undefined;

export interface TfResult {
  output?: Shape;
  error?: { code: string; message: string; tfjs?: string };
  params?: number | null;
}

function pair(v: TfArg, dflt: number): [number | undefined, number | undefined] {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v)) {
    const a = typeof v[0] === 'number' ? v[0] : undefined;
    const b = typeof v[1] === 'number' ? v[1] : typeof v[0] === 'number' ? v[0] : undefined;
    return [a, b];
  }
  return [undefined, undefined];
}

/** TF.js convOutputLength: 'valid' -> ceil((L - (k-1)d) / s), 'same' -> ceil(L / s). */
function convLength(len: Dim, k: number | undefined, s: number | undefined, d: number | undefined, padding: string): Dim {
  if (k === undefined || s === undefined || d === undefined) return unknownDim();
  const dilated = (k - 1) * d + 1;
  const valid = padding === 'valid' ? sub(len, dilated - 1) : padding === 'causal' ? len : len;
  return ceilDiv(valid, s);
}

function spatial(input: Shape, ranks: number): { batch: Dim; dims: Dim[]; channels: Dim } | undefined {
  if (input.length !== ranks + 2) return undefined;
  return { batch: input[0] ?? unknownDim(), dims: input.slice(1, 1 + ranks), channels: input[input.length - 1] ?? unknownDim() };
}

function rankError(name: string, want: number, input: Shape): TfResult {
  return { error: { code: 'rank-mismatch', message: `${name} expects a ${want}-d input [batch, ...] but gets [${input.map(dimToString).join(', ')}]`, tfjs: `Input 0 is incompatible with layer ${name}: expected ndim=${want}, found ndim=${input.length}` } };
}

function tooSmall(name: string, dims: Dim[], input: Shape): TfResult | undefined {
  const bad = dims.findIndex((d) => isKnown(d) && d <= 0);
  if (bad < 0) return undefined;
  return { error: { code: 'input-too-small', message: `${name} makes the spatial size ${dimToString(dims[bad] ?? 0)} from input [${input.map(dimToString).join(', ')}]: use padding: 'same', a smaller kernel, or a larger input` } };
}

const num = (c: TfConfig, key: string): number | undefined => {
  const v = c.get(key);
  return typeof v === 'number' ? v : undefined;
};

function convND(name: string, ranks: number, c: TfConfig, input: Shape, mode: 'conv' | 'depthwise' | 'separable' | 'transpose'): TfResult {
  const sp = spatial(input, ranks);
  if (!sp) return rankError(name, ranks + 2, input);
  const kernel = ranks === 1 ? [pair(c.get('kernelSize'), 1)[0]] : pair(c.get('kernelSize'), 1);
  const strides = ranks === 1 ? [pair(c.get('strides'), 1)[0]] : pair(c.get('strides'), 1);
  const dil = ranks === 1 ? [pair(c.get('dilationRate'), 1)[0]] : pair(c.get('dilationRate'), 1);
  const padding = typeof c.get('padding') === 'string' ? (c.get('padding') as string) : 'valid';
  const dims = sp.dims.map((L, i) => {
    const k = kernel[i];
    const s = strides[i];
    if (mode === 'transpose') {
      if (k === undefined || s === undefined) return unknownDim();
      return padding === 'valid' ? add(mul(L, s), Math.max(k - s, 0)) : mul(L, s);
    }
    return convLength(L, k, s, dil[i], padding);
  });
  const err = tooSmall(name, dims, input);
  if (err) return err;
  const filters = num(c, 'filters');
  const mult = num(c, 'depthMultiplier') ?? 1;
  const cin = sp.channels;
  const outC: Dim = mode === 'depthwise' ? mul(cin, mult) : filters ?? unknownDim();
  const useBias = c.get('useBias') !== false;
  const kprod = kernel.every((k) => k !== undefined) ? kernel.reduce<number>((p, k) => p * (k ?? 1), 1) : undefined;
  let params: number | null = null;
  if (kprod !== undefined && isKnown(cin)) {
    if (mode === 'depthwise') params = kprod * cin * mult + (useBias ? cin * mult : 0);
    else if (mode === 'separable' && filters !== undefined) params = kprod * cin * mult + cin * mult * filters + (useBias ? filters : 0);
    else if (filters !== undefined) params = kprod * cin * filters + (useBias ? filters : 0);
  }
  return { output: [sp.batch, ...dims, outC], params };
}

function pool(name: string, ranks: number, c: TfConfig, input: Shape): TfResult {
  const sp = spatial(input, ranks);
  if (!sp) return rankError(name, ranks + 2, input);
  const size = ranks === 1 ? [pair(c.get('poolSize'), 2)[0]] : pair(c.get('poolSize'), 2);
  const stridesArg = c.get('strides');
  const strides = stridesArg === undefined || stridesArg === null ? size : ranks === 1 ? [pair(stridesArg, 1)[0]] : pair(stridesArg, 1);
  const padding = typeof c.get('padding') === 'string' ? (c.get('padding') as string) : 'valid';
  const dims = sp.dims.map((L, i) => convLength(L, size[i], strides[i], 1, padding));
  const err = tooSmall(name, dims, input);
  if (err) return err;
  return { output: [sp.batch, ...dims, sp.channels], params: 0 };
}

export function applyTfLayer(kind: string, c: TfConfig, input: Shape): TfResult {
  switch (kind) {
    case 'conv1d': return convND(kind, 1, c, input, 'conv');
    case 'conv2d': return convND(kind, 2, c, input, 'conv');
    case 'conv3d': return convND(kind, 3, c, input, 'conv');
    case 'depthwiseConv2d': return convND(kind, 2, c, input, 'depthwise');
    case 'separableConv2d': return convND(kind, 2, c, input, 'separable');
    case 'conv2dTranspose': return convND(kind, 2, c, input, 'transpose');
    case 'maxPooling1d':
    case 'maxPool1d':
    case 'averagePooling1d':
    case 'avgPool1d':
      return pool(kind, 1, c, input);
    case 'maxPooling2d':
    case 'maxPool2d':
    case 'averagePooling2d':
    case 'avgPool2d':
      return pool(kind, 2, c, input);
    case 'globalAveragePooling2d':
    case 'globalMaxPooling2d':
    case 'globalAveragePooling1d':
    case 'globalMaxPooling1d':
      return { output: [input[0] ?? unknownDim(), input[input.length - 1] ?? unknownDim()], params: 0 };
    case 'flatten':
      return { output: [input[0] ?? unknownDim(), product(input.slice(1))], params: 0 };
    case 'dense': {
      const units = num(c, 'units');
      const last = input[input.length - 1] ?? unknownDim();
      const useBias = c.get('useBias') !== false;
      const params = units !== undefined && isKnown(last) ? last * units + (useBias ? units : 0) : null;
      return { output: [...input.slice(0, -1), units ?? unknownDim()], params };
    }
    case 'reshape': {
      const t = c.get('targetShape');
      if (!Array.isArray(t)) return { output: [input[0] ?? unknownDim(), unknownDim()] };
      const dims = t.map((d) => (typeof d === 'number' ? d : unknownDim()));
      const inferred = dims.findIndex((d) => d === -1);
      const total = product(input.slice(1));
      const known = dims.filter((d, i) => i !== inferred && isKnown(d)).reduce<number>((p, d) => p * (d as number), 1);
      if (inferred >= 0) dims[inferred] = isKnown(total) && total % known === 0 ? total / known : unknownDim();
      else if (isKnown(total) && dims.every((d) => isKnown(d)) && total !== known) {
        return { error: { code: 'view-size', message: `reshape to [${dims.join(', ')}] needs ${known} values but the input has ${total} per example (shape [${input.map(dimToString).join(', ')}]): use targetShape with ${total} values, or -1 for one dimension`, tfjs: 'Total size of new array must be unchanged.' } };
      }
      return { output: [input[0] ?? unknownDim(), ...dims], params: 0 };
    }
    case 'upSampling2d': {
      const sp = spatial(input, 2);
      if (!sp) return rankError(kind, 4, input);
      const [sh, sw] = pair(c.get('size'), 2);
      return { output: [sp.batch, mul(sp.dims[0] ?? 0, sh ?? 1), mul(sp.dims[1] ?? 0, sw ?? 1), sp.channels], params: 0 };
    }
    case 'zeroPadding2d': {
      const sp = spatial(input, 2);
      if (!sp) return rankError(kind, 4, input);
      const p = c.get('padding');
      let ph = 1;
      let pw = 1;
      if (typeof p === 'number') ph = pw = p;
      else if (Array.isArray(p) && p.length === 2) {
        const [a, b] = p;
        if (typeof a === 'number' && typeof b === 'number') [ph, pw] = [a, b];
        else if (Array.isArray(a) && Array.isArray(b)) {
          ph = (Number(a[0]) || 0) + (Number(a[1]) || 0);
          pw = (Number(b[0]) || 0) + (Number(b[1]) || 0);
          return { output: [sp.batch, add(sp.dims[0] ?? 0, ph), add(sp.dims[1] ?? 0, pw), sp.channels], params: 0 };
        }
      }
      return { output: [sp.batch, add(sp.dims[0] ?? 0, 2 * ph), add(sp.dims[1] ?? 0, 2 * pw), sp.channels], params: 0 };
    }
    case 'batchNormalization': {
      const ch = input[input.length - 1];
      return { output: input, params: ch !== undefined && isKnown(ch) ? 4 * ch : null };
    }
    case 'layerNormalization': {
      const ch = input[input.length - 1];
      return { output: input, params: ch !== undefined && isKnown(ch) ? 2 * ch : null };
    }
    case 'dropout':
    case 'spatialDropout1d':
    case 'activation':
    case 'reLU':
    case 'leakyReLU':
    case 'elu':
    case 'softmax':
    case 'thresholdedReLU':
    case 'gaussianNoise':
    case 'gaussianDropout':
    case 'alphaDropout':
      return { output: input, params: 0 };
    case 'prelu': {
      return { output: input, params: null };
    }
    case 'permute': {
      const dims = c.get('dims');
      if (!Array.isArray(dims)) return { output: input.map(() => unknownDim()) };
      return { output: [input[0] ?? unknownDim(), ...dims.map((d) => (typeof d === 'number' ? input[d] ?? unknownDim() : unknownDim()))], params: 0 };
    }
    case 'repeatVector': {
      const n = num(c, 'n');
      return { output: [input[0] ?? unknownDim(), n ?? unknownDim(), input[1] ?? unknownDim()], params: 0 };
    }
    case 'embedding': {
      const dim = num(c, 'outputDim');
      const inDim = num(c, 'inputDim');
      return { output: [...input, dim ?? unknownDim()], params: dim !== undefined && inDim !== undefined ? dim * inDim : null };
    }
    default:
      return { output: input.map(() => unknownDim()), params: null };
  }
}

/** MACs for the layers where they matter (conv and dense). */
export function tfMacs(kind: string, c: TfConfig, input: Shape, output: Shape): number | null {
  const outElems = product(output);
  if (!isKnown(outElems)) return null;
  const cin = input[input.length - 1];
  if (kind === 'dense') return isKnown(cin ?? unknownDim()) ? outElems * (cin as number) : null;
  if (kind.startsWith('conv') || kind === 'depthwiseConv2d' || kind === 'separableConv2d') {
    const k = pair(c.get('kernelSize'), 1);
    const kp = kind === 'conv1d' ? k[0] ?? 0 : (k[0] ?? 0) * (k[1] ?? 0);
    if (kind === 'depthwiseConv2d') return outElems * kp;
    return cin !== undefined && isKnown(cin) ? outElems * kp * cin : null;
  }
  return 0;
}
