// Activation modules and functions: shape-preserving, except GLU (halves a dim). Softmax-like ones check dim;
// PReLU checks its parameter count against the channels.
import { divExact, isKnown, unknownDim, type Dim } from '../dims';
import { type ArgValue, type LayerArgs, type LayerSpec } from './layer-spec';
import { asInt, asNumber, dimRangeError, fail, firstInput, isResult, issue, shapeText, warning, wrapDim } from './common';

function elementwise(type: string, signature: string[] = [], defaults: Record<string, ArgValue> = {}, extra: Partial<LayerSpec> = {}): LayerSpec {
  return {
    type,
    signature,
    defaults,
    apply(_a, inputs) {
      const x = firstInput(inputs, type);
      return isResult(x) ? x : { output: [...x] };
    },
    paramCount: () => 0,
    ...extra,
  };
}

const inplace = { inplace: false };

function gelu(type: string): LayerSpec {
  return elementwise(type, ['approximate'], { approximate: 'none' }, {
    apply(a, inputs) {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const ap = a.get('approximate');
      if (typeof ap === 'string' && ap !== 'none' && ap !== 'tanh') {
        return fail('invalid-argument', `${type}: approximate='${ap}' is not supported; use 'none' or 'tanh'`, { arg: 'approximate', pytorch: 'approximate argument must be either none or tanh.', fix: { arg: 'approximate', value: "'tanh'", title: "Use approximate='tanh'" } });
      }
      return { output: [...x] };
    },
  });
}

/** Softmax, LogSoftmax, Softmin (modules and functions): dim must be in range; None picks PyTorch's legacy default. */
function softmaxLike(type: string, signature: string[], defaults: Record<string, ArgValue>): LayerSpec {
  return elementwise(type, signature, defaults, {
    apply(a, inputs) {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const raw = a.get('dim');
      if (raw === null) {
        const implicit = x.length === 0 || x.length === 1 || x.length === 3 ? 0 : 1;
        return { output: [...x], issues: [warning('implicit-softmax-dim', `${type} without dim normalizes over dim ${implicit} of ${shapeText(x)} (a deprecated implicit choice): write dim=${implicit} or the dim you mean`, { fix: { arg: 'dim', value: String(implicit), title: `Write dim=${implicit}` } })] };
      }
      const dim = asInt(raw);
      if (dim !== undefined) {
        const err = dimRangeError(dim, x.length);
        if (err) return fail('rank-mismatch', `${type}: dim=${dim} is out of range for the ${x.length}-D input ${shapeText(x)}; use ${-1} for the last dim`, { arg: 'dim', blamesInput: true, pytorch: err });
      }
      return { output: [...x] };
    },
  });
}

function glu(type: string): LayerSpec {
  return elementwise(type, ['dim'], { dim: -1 }, {
    apply(a, inputs) {
      const x = firstInput(inputs, type);
      if (isResult(x)) return x;
      const dim = asInt(a.get('dim'));
      if (dim === undefined) return { output: x.map(() => unknownDim()) };
      const err = dimRangeError(dim, x.length);
      if (err) return fail('rank-mismatch', `${type}: dim=${dim} is out of range for ${shapeText(x)}`, { arg: 'dim', blamesInput: true, pytorch: err });
      const d = wrapDim(dim, x.length);
      const size = x[d] as Dim;
      const half = divExact(size, 2);
      if (half === undefined && isKnown(size)) {
        return fail('invalid-argument', `${type} splits dim ${d} in two halves, but its size ${size} is odd`, { blamesInput: true, pytorch: `Halving dimension must be even, but dimension ${d} is size ${size}` });
      }
      const out = [...x];
      out[d] = half ?? unknownDim();
      return { output: out };
    },
  });
}

const prelu: LayerSpec = elementwise('PReLU', ['num_parameters', 'init', 'device', 'dtype'], { num_parameters: 1, init: 0.25, device: null, dtype: null }, {
  apply(a, inputs) {
    const x = firstInput(inputs, 'PReLU');
    if (isResult(x)) return x;
    const n = asInt(a.get('num_parameters'));
    const channels: Dim = x.length >= 2 ? (x[1] as Dim) : 1;
    if (n !== undefined && n !== 1 && isKnown(channels) && channels !== n) {
      return fail('channel-mismatch', `PReLU has ${n} parameters (one per channel) but the input ${shapeText(x)} has ${channels} channel(s): set num_parameters to ${channels}`, {
        arg: 'num_parameters',
        blamesInput: true,
        fix: { arg: 'num_parameters', value: String(channels), title: `Set num_parameters to ${channels}` },
        pytorch: `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${channels}.`,
      });
    }
    return { output: [...x] };
  },
  paramCount: (a) => asInt(a.get('num_parameters')) ?? null,
});

const functionalPrelu: LayerSpec = elementwise('torch.nn.functional.prelu', [], {}, {
  inputNames: ['input', 'weight'],
  minInputs: 2,
  apply(_a, inputs) {
    const [x, w] = inputs;
    if (!x || !w) return fail('invalid-argument', 'F.prelu needs input and weight tensors');
    const n = w.length === 0 ? 1 : (w[0] as Dim);
    const channels: Dim = x.length >= 2 ? (x[1] as Dim) : 1;
    if (isKnown(n) && n !== 1 && isKnown(channels) && channels !== n) {
      return fail('channel-mismatch', `F.prelu weight has ${n} entries but the input ${shapeText(x)} has ${channels} channel(s)`, { blamesInput: true, pytorch: `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${channels}.` });
    }
    return { output: [...x] };
  },
});

const softmax2d: LayerSpec = elementwise('Softmax2d', [], {}, {
  apply(_a, inputs) {
    const x = firstInput(inputs, 'Softmax2d');
    if (isResult(x)) return x;
    if (x.length !== 3 && x.length !== 4) return fail('rank-mismatch', `Softmax2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input but gets ${x.length}-D ${shapeText(x)}`, { blamesInput: true, pytorch: 'Softmax2d requires a 3D or 4D tensor as input' });
    return { output: [...x] };
  },
});

const hardtanh: LayerSpec = elementwise('Hardtanh', ['min_val', 'max_val', 'inplace', 'min_value', 'max_value'], { min_val: -1.0, max_val: 1.0, inplace: false, min_value: null, max_value: null }, {
  check(a: LayerArgs) {
    const lo = asNumber(a.get('min_val'));
    const hi = asNumber(a.get('max_val'));
    return lo !== undefined && hi !== undefined && !(hi > lo) ? [issue('invalid-argument', `Hardtanh: max_val=${hi} must be greater than min_val=${lo}`, { arg: 'max_val' })] : [];
  },
});

const modules: LayerSpec[] = [
  elementwise('ReLU', ['inplace'], inplace),
  elementwise('ReLU6', ['inplace'], inplace),
  elementwise('LeakyReLU', ['negative_slope', 'inplace'], { negative_slope: 0.01, inplace: false }),
  prelu,
  elementwise('ELU', ['alpha', 'inplace'], { alpha: 1.0, inplace: false }),
  elementwise('CELU', ['alpha', 'inplace'], { alpha: 1.0, inplace: false }),
  elementwise('SELU', ['inplace'], inplace),
  gelu('GELU'),
  elementwise('SiLU', ['inplace'], inplace),
  elementwise('Mish', ['inplace'], inplace),
  elementwise('Sigmoid'),
  elementwise('Tanh'),
  elementwise('Hardswish', ['inplace'], inplace),
  elementwise('Hardsigmoid', ['inplace'], inplace),
  hardtanh,
  elementwise('Softplus', ['beta', 'threshold'], { beta: 1, threshold: 20 }),
  elementwise('Softsign'),
  elementwise('Tanhshrink'),
  elementwise('LogSigmoid'),
  elementwise('Hardshrink', ['lambd'], { lambd: 0.5 }),
  elementwise('Softshrink', ['lambd'], { lambd: 0.5 }),
  elementwise('Threshold', ['threshold', 'value', 'inplace'], { inplace: false }),
  softmaxLike('Softmax', ['dim'], { dim: null }),
  softmaxLike('LogSoftmax', ['dim'], { dim: null }),
  softmaxLike('Softmin', ['dim'], { dim: null }),
  softmax2d,
  glu('GLU'),
];

const F = 'torch.nn.functional.';
const softmaxF = ['dim', '_stacklevel', 'dtype'];
const softmaxDefaults = { dim: null, _stacklevel: 3, dtype: null };

const functionals: LayerSpec[] = [
  elementwise(`${F}relu`, ['inplace'], inplace),
  elementwise(`${F}relu_`),
  elementwise('torch.relu'),
  elementwise('torch.sigmoid'),
  elementwise('torch.tanh'),
  elementwise(`${F}sigmoid`),
  elementwise(`${F}tanh`),
  gelu(`${F}gelu`),
  elementwise(`${F}silu`, ['inplace'], inplace),
  elementwise(`${F}leaky_relu`, ['negative_slope', 'inplace'], { negative_slope: 0.01, inplace: false }),
  elementwise(`${F}elu`, ['alpha', 'inplace'], { alpha: 1.0, inplace: false }),
  elementwise(`${F}celu`, ['alpha', 'inplace'], { alpha: 1.0, inplace: false }),
  elementwise(`${F}selu`, ['inplace'], inplace),
  elementwise(`${F}hardswish`, ['inplace'], inplace),
  elementwise(`${F}hardsigmoid`, ['inplace'], inplace),
  elementwise(`${F}relu6`, ['inplace'], inplace),
  elementwise(`${F}mish`, ['inplace'], inplace),
  elementwise(`${F}hardtanh`, ['min_val', 'max_val', 'inplace'], { min_val: -1.0, max_val: 1.0, inplace: false }),
  elementwise(`${F}softplus`, ['beta', 'threshold'], { beta: 1, threshold: 20 }),
  elementwise(`${F}softsign`),
  elementwise(`${F}logsigmoid`),
  elementwise(`${F}tanhshrink`),
  elementwise(`${F}hardshrink`, ['lambd'], { lambd: 0.5 }),
  elementwise(`${F}softshrink`, ['lambd'], { lambd: 0.5 }),
  elementwise(`${F}threshold`, ['threshold', 'value', 'inplace'], { inplace: false }),
  softmaxLike(`${F}softmax`, softmaxF, softmaxDefaults),
  softmaxLike(`${F}log_softmax`, softmaxF, softmaxDefaults),
  softmaxLike(`${F}softmin`, softmaxF, softmaxDefaults),
  softmaxLike('torch.softmax', ['dim', 'dtype'], { dtype: null }),
  softmaxLike('torch.log_softmax', ['dim', 'dtype'], { dtype: null }),
  glu(`${F}glu`),
  functionalPrelu,
];

export const activationSpecs = modules;
export const activationFunctionals = functionals;
