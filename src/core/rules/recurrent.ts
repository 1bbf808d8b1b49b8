// RNN, LSTM, GRU and their cells, with PyTorch 1.13's constructor checks, forward checks and tuple outputs:
//   RNN/GRU: (output, h_n); LSTM: (output, (h_n, c_n)); LSTMCell: (h, c); RNNCell/GRUCell: h.
// output is [T, N, D*H_out] ([N, T, D*H_out] with batch_first, [T, D*H_out] unbatched), h_n [L*D, N, H_out],
// c_n [L*D, N, H]; H_out is proj_size when an LSTM projects, else hidden_size.
import { dimEquals, dimToString, isKnown, product, unknownDim, type Dim, type Shape } from '../dims';
import { type ApplyResult, type DimRequirement, type LayerArgs, type LayerIssue, type LayerSpec } from './layer-spec';
import { asBool, asDim, asInt, asNumber, fail, firstInput, isResult, issue, shapeText } from './common';

type Mode = 'RNN' | 'LSTM' | 'GRU';

const GATES: Record<Mode, number> = { RNN: 1, LSTM: 4, GRU: 3 };

interface RnnParams {
  inputSize: Dim | undefined;
  hidden: number | undefined;
  layers: number | undefined;
  bidirectional: boolean | undefined;
  batchFirst: boolean | undefined;
  proj: number | undefined;
  bias: boolean | undefined;
}

function read(a: LayerArgs, mode: Mode): RnnParams {
  return {
    inputSize: asDim(a.get('input_size')),
    hidden: asInt(a.get('hidden_size')),
    layers: asInt(a.get('num_layers')),
    bidirectional: asBool(a.get('bidirectional')),
    batchFirst: asBool(a.get('batch_first')),
    proj: mode === 'LSTM' ? asInt(a.get('proj_size')) : 0,
    bias: asBool(a.get('bias')),
  };
}

function check(a: LayerArgs, mode: Mode): LayerIssue[] {
  if (mode === 'RNN') {
    const nl = a.get('nonlinearity');
    if (typeof nl === 'string' && nl !== 'tanh' && nl !== 'relu') {
      return [issue('invalid-argument', `RNN: nonlinearity='${nl}' is not supported; use 'tanh' or 'relu'`, { arg: 'nonlinearity', pytorch: `Unknown nonlinearity '${nl}'` })];
    }
  }
  if (mode !== 'LSTM' && a.given('proj_size')) {
    return [issue('invalid-argument', `${a.type} has no projection: proj_size is only for LSTM`, { arg: 'proj_size', pytorch: 'proj_size argument is only supported for LSTM, not RNN or GRU' })];
  }
  const out: LayerIssue[] = [];
  const p = read(a, mode);
  const dropout = asNumber(a.get('dropout'));
  if (dropout !== undefined && !(dropout >= 0 && dropout <= 1)) {
    return [issue('invalid-argument', `${a.type}: dropout=${dropout} is a probability and must be between 0 and 1`, { arg: 'dropout', pytorch: 'dropout should be a number in range [0, 1] representing the probability of an element being zeroed' })];
  }
  if (p.proj !== undefined && p.proj < 0) {
    return [issue('invalid-argument', `LSTM: proj_size=${p.proj} must be 0 (no projection) or a positive size smaller than hidden_size`, { arg: 'proj_size', pytorch: 'proj_size should be a positive integer or zero to disable projections' })];
  }
  if (p.proj !== undefined && p.hidden !== undefined && p.proj >= p.hidden) {
    const what = mode === 'LSTM' && p.proj > 0 ? `proj_size=${p.proj} must be smaller than hidden_size=${p.hidden}` : `hidden_size=${p.hidden} must be positive`;
    return [issue('invalid-argument', `${a.type}: ${what}`, { arg: mode === 'LSTM' && p.proj > 0 ? 'proj_size' : 'hidden_size', pytorch: 'proj_size has to be smaller than hidden_size' })];
  }
  if (p.layers !== undefined && p.layers < 1) {
    return [issue('invalid-argument', `${a.type}: num_layers=${p.layers} must be at least 1`, { arg: 'num_layers', pytorch: 'list index out of range' })];
  }
  return out;
}

function hiddenText(s: readonly Dim[]): string {
  return `(${s.map(dimToString).join(', ')})`;
}

/** Compares a given hidden state with the expected size; the message is PyTorch's check_hidden_size. */
function hiddenMismatch(type: string, got: Shape, want: Shape, label: string): ApplyResult | undefined {
  const same = got.length === want.length && got.every((d, i) => dimEquals(d, want[i] as Dim) !== false);
  if (same) return undefined;
  return fail('rank-mismatch', `${type}: the initial ${label === 'hidden' ? 'hidden state' : label === 'hidden[0]' ? 'hidden state h_0' : 'cell state c_0'} is ${shapeText(got)} but must be ${shapeText(want)} (num_layers * num_directions, batch, hidden size)`, {
    blamesInput: true,
    pytorch: `Expected ${label} size ${hiddenText(want)}, got ${shapeText(got)}`,
  });
}

function apply(a: LayerArgs, inputs: Shape[], mode: Mode): ApplyResult {
  const type = a.type;
  const x0 = firstInput(inputs, type);
  if (isResult(x0)) return x0;
  const p = read(a, mode);
  const batched = x0.length === 3;
  const hx = inputs.slice(1);
  if (hx.length > 0) {
    const ranks = hx.map((h) => h.length);
    const want = batched ? 3 : 2;
    if (ranks.some((r) => r !== want)) {
      const what = batched ? 'batched 3-D' : 'unbatched 2-D';
      const pytorch = mode === 'LSTM'
        ? `For ${what} input, hx and cx should also be ${want}-D but got (${ranks[0] ?? '?'}-D, ${ranks[1] ?? '?'}-D) tensors`
        : `For ${what} input, hx should also be ${want}-D but got ${ranks[0] ?? '?'}-D tensor`;
      return fail('rank-mismatch', `${type}: the initial state must be ${want}-D for a ${x0.length}-D input, but gets ${hx.map(shapeText).join(' and ')}`, { blamesInput: true, pytorch });
    }
  }
  // PyTorch adds the batch dim to anything not 3-D, then wants exactly 3 dims.
  if (!batched && x0.length !== 2) {
    return fail('rank-mismatch', `${type} expects a 3-D input (${p.batchFirst ? 'N, L, H_in' : 'L, N, H_in'}) or an unbatched 2-D one (L, H_in), but gets ${x0.length}-D ${shapeText(x0)}`, {
      blamesInput: true,
      pytorch: `input must have 3 dimensions, got ${x0.length + 1}`,
    });
  }
  const features = x0[x0.length - 1] as Dim;
  const requires: DimRequirement[] = [];
  if (p.inputSize !== undefined) {
    const eq = dimEquals(features, p.inputSize);
    if (eq === false) {
      return fail('rnn-input-size', `${type} expects input_size=${dimToString(p.inputSize)} features per step but receives ${dimToString(features)} (the last dim of ${shapeText(x0)}): set input_size to ${dimToString(features)}`, {
        arg: 'input_size',
        blamesInput: true,
        fix: { arg: 'input_size', value: dimToString(features), title: `Set input_size to ${dimToString(features)}` },
        pytorch: `input.size(-1) must be equal to input_size. Expected ${dimToString(p.inputSize)}, got ${dimToString(features)}`,
      });
    }
    if (eq === undefined) requires.push({ dim: features, op: '==', value: p.inputSize, why: `${type} input_size=${dimToString(p.inputSize)}` });
  }
  const dirs = p.bidirectional === undefined ? undefined : p.bidirectional ? 2 : 1;
  const real = p.proj !== undefined && p.hidden !== undefined ? (p.proj > 0 ? p.proj : p.hidden) : undefined;
  const stacked = p.layers !== undefined && dirs !== undefined ? p.layers * dirs : undefined;
  const batchDim = p.batchFirst ? 0 : 1;
  const n: Dim | undefined = batched ? (p.batchFirst === undefined ? undefined : (x0[batchDim] as Dim)) : 1;
  const known = (d: Dim | undefined): d is Dim => d !== undefined;
  if (hx.length > 0 && known(stacked) && known(n) && known(real) && p.hidden !== undefined) {
    const h0 = hx[0] as Shape;
    const asBatched = (s: Shape): Shape => (batched ? s : [s[0] as Dim, 1, ...s.slice(1)]);
    const bad = hiddenMismatch(type, asBatched(h0), [stacked, n, real], mode === 'LSTM' ? 'hidden[0]' : 'hidden');
    if (bad) return bad;
    const c0 = hx[1];
    if (mode === 'LSTM' && c0) {
      const badC = hiddenMismatch(type, asBatched(c0), [stacked, n, p.hidden], 'hidden[1]');
      if (badC) return badC;
    }
  }
  const width = dirs !== undefined && real !== undefined ? dirs * real : undefined;
  if (width === undefined || real === undefined || stacked === undefined || p.hidden === undefined || p.batchFirst === undefined) return { output: [...x0.slice(0, -1), width ?? unknownDim()] };
  const output: Shape = [...x0.slice(0, -1), width];
  const state = (size: number): Shape => (batched ? [stacked, n as Dim, size] : [stacked, size]);
  const hn = state(real);
  const result: ApplyResult = { output, outputs: [output, mode === 'LSTM' ? { items: [hn, state(p.hidden)] } : hn] };
  if (requires.length > 0) result.requires = requires;
  return result;
}

/** Weight elements of every layer and direction (biases separately). */
function weightCounts(a: LayerArgs, mode: Mode): { weights: number; biases: number } | null {
  const p = read(a, mode);
  const inputSize = typeof p.inputSize === 'number' ? p.inputSize : undefined;
  if (inputSize === undefined || p.hidden === undefined || p.layers === undefined || p.bidirectional === undefined || p.proj === undefined || p.bias === undefined) return null;
  const dirs = p.bidirectional ? 2 : 1;
  const gate = GATES[mode] * p.hidden;
  const real = p.proj > 0 ? p.proj : p.hidden;
  let weights = 0;
  for (let l = 0; l < p.layers; l++) {
    const inL = l === 0 ? inputSize : real * dirs;
    weights += dirs * (gate * inL + gate * real + (p.proj > 0 ? p.proj * p.hidden : 0));
  }
  return { weights, biases: p.bias ? p.layers * dirs * 2 * gate : 0 };
}

function rnnSpec(mode: Mode): LayerSpec {
  const common = ['bias', 'batch_first', 'dropout', 'bidirectional'];
  const signature = mode === 'RNN'
    ? ['input_size', 'hidden_size', 'num_layers', 'nonlinearity', ...common, 'proj_size', 'device', 'dtype']
    : ['input_size', 'hidden_size', 'num_layers', ...common, 'proj_size', 'device', 'dtype'];
  return {
    type: mode,
    initName: 'RNNBase',
    signature,
    defaults: { num_layers: 1, nonlinearity: 'tanh', bias: true, batch_first: false, dropout: 0.0, bidirectional: false, proj_size: 0, device: null, dtype: null },
    inputNames: ['input', 'hx'],
    check: (a) => check(a, mode),
    apply: (a, inputs) => apply(a, inputs, mode),
    paramCount(a) {
      const c = weightCounts(a, mode);
      return c === null ? null : c.weights + c.biases;
    },
    /** Every weight element is used once per time step and sample: steps x batch x weights (biases not counted, as for Linear). */
    macs(a, _inputs, output) {
      const c = weightCounts(a, mode);
      const steps = product(output.slice(0, -1));
      return c !== null && isKnown(steps) ? steps * c.weights : null;
    },
    formula(a, inputs, output) {
      const p = read(a, mode);
      const x = inputs[0];
      if (!x) return [];
      const dirs = p.bidirectional ? 2 : 1;
      const real = p.proj ? `proj_size ${p.proj}` : `hidden_size ${p.hidden ?? '?'}`;
      return [`features: ${dimToString(x[x.length - 1] as Dim)} -> ${dirs} direction(s) x ${real} = ${dimToString(output[output.length - 1] as Dim)}`];
    },
  };
}

// ---------------------------------------------------------------- cells

function cellSpec(mode: Mode): LayerSpec {
  const type = `${mode}Cell`;
  return {
    type,
    signature: mode === 'RNN' ? ['input_size', 'hidden_size', 'bias', 'nonlinearity', 'device', 'dtype'] : ['input_size', 'hidden_size', 'bias', 'device', 'dtype'],
    defaults: { bias: true, nonlinearity: 'tanh', device: null, dtype: null },
    inputNames: ['input', 'hx'],
    apply(a, inputs): ApplyResult {
      const x0 = firstInput(inputs, type);
      if (isResult(x0)) return x0;
      if (x0.length !== 1 && x0.length !== 2) {
        return fail('rank-mismatch', `${type} expects a 2-D input (N, input_size) or a 1-D one, but gets ${x0.length}-D ${shapeText(x0)}: a cell takes one time step`, {
          blamesInput: true,
          pytorch: `${type}: Expected input to be 1-D or 2-D but received ${x0.length}-D tensor`,
        });
      }
      const nl = a.get('nonlinearity');
      if (mode === 'RNN' && typeof nl === 'string' && nl !== 'tanh' && nl !== 'relu') {
        return fail('invalid-argument', `RNNCell: nonlinearity='${nl}' is not supported; use 'tanh' or 'relu'`, { arg: 'nonlinearity', pytorch: `Unknown nonlinearity: ${nl}` });
      }
      const x: Shape = x0.length === 2 ? x0 : [1, ...x0];
      const inputSize = asDim(a.get('input_size'));
      const hidden = asDim(a.get('hidden_size'));
      const features = x[1] as Dim;
      if (inputSize !== undefined && dimEquals(features, inputSize) === false) {
        return fail('rnn-input-size', `${type} expects input_size=${dimToString(inputSize)} features but receives ${dimToString(features)} (the last dim of ${shapeText(x0)}): set input_size to ${dimToString(features)}`, {
          arg: 'input_size',
          blamesInput: true,
          fix: { arg: 'input_size', value: dimToString(features), title: `Set input_size to ${dimToString(features)}` },
          pytorch: `input has inconsistent input_size: got ${dimToString(features)} expected ${dimToString(inputSize)}`,
        });
      }
      for (const [k, h0] of inputs.slice(1).entries()) {
        const h: Shape = x0.length === 2 ? h0 : [1, ...h0];
        if (h.length === 2 && dimEquals(h[0] as Dim, x[0] as Dim) === false) {
          return fail('rank-mismatch', `${type}: the state has batch ${dimToString(h[0] as Dim)} but the input has batch ${dimToString(x[0] as Dim)}`, { blamesInput: true, pytorch: `Input batch size ${dimToString(x[0] as Dim)} doesn't match hidden${k} batch size ${dimToString(h[0] as Dim)}` });
        }
        if (h.length === 2 && hidden !== undefined && dimEquals(h[1] as Dim, hidden) === false) {
          return fail('rank-mismatch', `${type}: the state has ${dimToString(h[1] as Dim)} features but hidden_size is ${dimToString(hidden)}`, { blamesInput: true, pytorch: `hidden${k} has inconsistent hidden_size: got ${dimToString(h[1] as Dim)}, expected ${dimToString(hidden)}` });
        }
      }
      if (hidden === undefined) return { output: [...x0.slice(0, -1), unknownDim()] };
      const output: Shape = [...x0.slice(0, -1), hidden];
      return mode === 'LSTM' ? { output, outputs: [output, [...output]] } : { output };
    },
    paramCount(a) {
      const i = asInt(a.get('input_size'));
      const h = asInt(a.get('hidden_size'));
      const b = asBool(a.get('bias'));
      if (i === undefined || h === undefined || b === undefined) return null;
      const gate = GATES[mode] * h;
      return gate * (i + h) + (b ? 2 * gate : 0);
    },
    /** batch x weight elements (one step). */
    macs(a, inputs) {
      const i = asInt(a.get('input_size'));
      const h = asInt(a.get('hidden_size'));
      const x = inputs[0];
      const n = x && x.length === 2 ? x[0] : 1;
      return i === undefined || h === undefined || n === undefined || !isKnown(n) ? null : n * GATES[mode] * h * (i + h);
    },
  };
}

export const recurrentSpecs: LayerSpec[] = [rnnSpec('RNN'), rnnSpec('LSTM'), rnnSpec('GRU'), cellSpec('RNN'), cellSpec('LSTM'), cellSpec('GRU')];
