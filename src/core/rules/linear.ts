// Linear, LazyLinear, Bilinear and F.linear: the last dim must equal in_features; it becomes out_features.
import { dimEquals, dimToString, isKnown, product, unknownDim, type Dim, type Shape } from '../dims';
import { type ApplyResult, type DimRequirement, type LayerSpec } from './layer-spec';
import { asBool, asDim, asInt, fail, firstInput, isResult, shapeText } from './common';

/** x @ W.T with W of shape (out, in): PyTorch's message flattens x to 2-D. */
function matmulLinear(type: string, x: Shape, inF: Dim | undefined, outF: Dim | undefined, argName: string | undefined): ApplyResult {
  if (x.length === 0) {
    return fail('rank-mismatch', `${type} needs an input with at least one dim (the features), but gets a 0-D tensor`, { blamesInput: true, pytorch: 'both arguments to matmul need to be at least 1D, but they are 0D and 2D' });
  }
  const last = x[x.length - 1] as Dim;
  const requires: DimRequirement[] = [];
  if (inF !== undefined) {
    const eq = dimEquals(last, inF);
    if (eq === false) {
      const rows = product(x.slice(0, -1));
      const fix = argName ? { fix: { arg: argName, value: dimToString(last), title: `Set ${argName} to ${dimToString(last)}` }, arg: argName } : {};
      return fail('linear-in-features', `${type} expects ${dimToString(inF)} input features but receives ${dimToString(last)} (the last dim of ${shapeText(x)})${argName ? `: set ${argName} to ${dimToString(last)}` : ''}`, {
        blamesInput: true,
        ...fix,
        pytorch: `mat1 and mat2 shapes cannot be multiplied (${dimToString(rows)}x${dimToString(last)} and ${dimToString(inF)}x${dimToString(outF ?? unknownDim())})`,
      });
    }
    if (eq === undefined) requires.push({ dim: last, op: '==', value: inF, why: `${type} in_features=${dimToString(inF)}` });
  }
  const output: Shape = [...x.slice(0, -1), outF ?? unknownDim()];
  return requires.length > 0 ? { output, requires } : { output };
}

export const linear: LayerSpec = {
  type: 'Linear',
  signature: ['in_features', 'out_features', 'bias', 'device', 'dtype'],
  defaults: { bias: true, device: null, dtype: null },
  apply(a, inputs) {
    const x = firstInput(inputs, 'Linear');
    if (isResult(x)) return x;
    return matmulLinear('Linear', x, asDim(a.get('in_features')), asDim(a.get('out_features')), 'in_features');
  },
  paramCount(a) {
    const i = asInt(a.get('in_features'));
    const o = asInt(a.get('out_features'));
    const b = asBool(a.get('bias'));
    return i === undefined || o === undefined || b === undefined ? null : i * o + (b ? o : 0);
  },
  /** torchinfo's count: output elements x in_features. */
  macs(a, _inputs, output) {
    const i = asInt(a.get('in_features'));
    const n = product(output);
    return i !== undefined && isKnown(n) ? n * i : null;
  },
  formula(a, inputs) {
    const x = inputs[0];
    if (!x || x.length === 0) return [];
    return [`features: ${dimToString(x[x.length - 1] as Dim)} -> ${dimToString(asDim(a.get('out_features')) ?? unknownDim())}`];
  },
};

export const lazyLinear: LayerSpec = {
  type: 'LazyLinear',
  signature: ['out_features', 'bias', 'device', 'dtype'],
  defaults: { bias: true, device: null, dtype: null },
  apply(a, inputs) {
    const x = firstInput(inputs, 'LazyLinear');
    if (isResult(x)) return x;
    return matmulLinear('LazyLinear', x, undefined, asDim(a.get('out_features')), undefined);
  },
  paramCount: () => null,
};

export const bilinear: LayerSpec = {
  type: 'Bilinear',
  signature: ['in1_features', 'in2_features', 'out_features', 'bias', 'device', 'dtype'],
  defaults: { bias: true, device: null, dtype: null },
  inputNames: ['input1', 'input2'],
  minInputs: 2,
  apply(a, inputs) {
    const [x1, x2] = inputs;
    if (!x1 || !x2) return fail('invalid-argument', 'Bilinear needs two inputs: layer(input1, input2)');
    if (x1.length !== x2.length) {
      return fail('rank-mismatch', `Bilinear inputs must have the same number of dims, but get ${shapeText(x1)} and ${shapeText(x2)}`, { blamesInput: true, pytorch: `bilinear(): input dimensions do not match: got ${x1.length} and ${x2.length}` });
    }
    const checks: [Shape, string, string][] = [[x1, 'in1_features', 'input1'], [x2, 'in2_features', 'input2']];
    for (const [x, arg, label] of checks) {
      const want = asDim(a.get(arg));
      const got = x[x.length - 1];
      if (want !== undefined && got !== undefined && dimEquals(got, want) === false) {
        return fail('linear-in-features', `Bilinear expects ${dimToString(want)} features in ${label} but receives ${dimToString(got)}: set ${arg} to ${dimToString(got)}`, {
          arg,
          blamesInput: true,
          fix: { arg, value: dimToString(got), title: `Set ${arg} to ${dimToString(got)}` },
          pytorch: `bilinear(): ${label} size does not match weight size: got ${dimToString(got)} but expected ${dimToString(want)}`,
        });
      }
    }
    for (let i = 0; i < x1.length - 1; i++) {
      if (dimEquals(x1[i] as Dim, x2[i] as Dim) === false) {
        return fail('rank-mismatch', `Bilinear inputs must agree in every dim but the last: ${shapeText(x1)} and ${shapeText(x2)} differ at dim ${i}`, { blamesInput: true, pytorch: `bilinear(): input batch dimensions do not match at dim ${i}: got ${dimToString(x1[i] as Dim)} and ${dimToString(x2[i] as Dim)}` });
      }
    }
    return { output: [...x1.slice(0, -1), asDim(a.get('out_features')) ?? unknownDim()] };
  },
  paramCount(a) {
    const i1 = asInt(a.get('in1_features'));
    const i2 = asInt(a.get('in2_features'));
    const o = asInt(a.get('out_features'));
    const b = asBool(a.get('bias'));
    return i1 === undefined || i2 === undefined || o === undefined || b === undefined ? null : i1 * i2 * o + (b ? o : 0);
  },
};

export const functionalLinear: LayerSpec = {
  type: 'torch.nn.functional.linear',
  signature: [],
  defaults: {},
  inputNames: ['input', 'weight', 'bias'],
  minInputs: 2,
  apply(_a, inputs) {
    const [x, w] = inputs;
    if (!x || !w) return fail('invalid-argument', 'F.linear needs input and weight tensors');
    if (w.length !== 2) return { output: [...x.slice(0, -1), unknownDim()] };
    return matmulLinear('F.linear', x, w[1], w[0], undefined);
  },
};

export const linearSpecs: LayerSpec[] = [linear, lazyLinear, bilinear];
