// Tensor values: creation, methods (view, flatten, permute, ...), indexing, arithmetic, torch.* functions.
import { rangeOf, type SyntaxNode } from '../syntax';
import {
  add, dimEquals, dimToString, divExact, isKnown, mul, product, unknownDim, type Dim, type Shape,
} from '../dims';
import { messageFrom, type Geometry, type LayerSpec } from '../rules/layer-spec';
import { einsumShape, torchBmm, torchMatmul, torchMm } from '../rules/matmul';
import { bindArgs } from './modules';
import { dimValue, sliceIndices, toDim, toNumber } from './interpreter';
import type { Analyzer, CallInfo } from './analyzer';
import { ConcreteOps } from './concrete';
import { istftShape, stftShape } from './spectrogram';
import { NONE, num, producedBy, tuple, UNKNOWN_VALUE, type Scope, type TensorValue, type Value } from './values';

/** Shape-preserving tensor methods (elementwise activations, dtype/device moves, ...). */
const SAME_SHAPE = new Set([
  'relu', 'relu_', 'sigmoid', 'sigmoid_', 'tanh', 'tanh_', 'exp', 'log', 'abs', 'neg', 'sqrt', 'rsqrt', 'clamp', 'clamp_',
  'clip', 'contiguous', 'float', 'double', 'half', 'bfloat16', 'to', 'cuda', 'cpu', 'detach', 'clone', 'requires_grad_',
  'softmax', 'log_softmax', 'sign', 'round', 'floor', 'ceil', 'pow', 'square', 'reciprocal', 'gelu', 'silu', 'mul_', 'add_',
  'div_', 'sub_', 'masked_fill', 'type', 'type_as', 'long', 'int', 'bool', 'normal_', 'uniform_', 'zero_', 'fill_',
  'dropout', 'sin', 'cos', 'erf', 'hardtanh', 'leaky_relu', 'elu', 'sigmoid', 'pin_memory', 'cumsum', 'flip', 'roll',
]);

/** Positional parameter names of the shape-preserving methods that take arguments, as PyTorch names them. */
const SAME_SHAPE_PARAMS: Record<string, string[]> = {
  clamp: ['min', 'max'], clamp_: ['min', 'max'], clip: ['min', 'max'], pow: ['exponent'], round: ['decimals'],
  softmax: ['dim'], log_softmax: ['dim'], leaky_relu: ['negative_slope'], hardtanh: ['min_val', 'max_val'],
  elu: ['alpha'], gelu: ['approximate'], masked_fill: ['mask', 'value'], fill_: ['value'], cumsum: ['dim'],
  flip: ['dims'], roll: ['shifts', 'dims'], dropout: ['p', 'training'],
};

/** A method argument as graph data: numbers, booleans, strings, None and sequences of numbers; tensors are inputs. */
function graphArg(v: Value): unknown {
  switch (v.k) {
    case 'num': case 'bool': case 'str': return v.v;
    case 'none': return null;
    case 'tuple': case 'list': return v.items.every((i) => i.k === 'num') ? v.items.map((i) => (i as { v: number }).v) : undefined;
    default: return undefined;
  }
}

const BINARY_METHODS: Record<string, string> = {
  add: '+', sub: '-', mul: '*', div: '/', add_: '+', mul_: '*', sub_: '-', div_: '/', __add__: '+', __mul__: '*',
  divide: '/', true_divide: '/', multiply: '*', subtract: '-',
};

export class TensorOps {
  readonly concrete: ConcreteOps;
  constructor(private readonly a: Analyzer) {
    this.concrete = new ConcreteOps(a);
  }

  make(shape: Shape | null, like?: TensorValue, flags: { uncertain?: boolean; poisoned?: boolean } = {}): TensorValue {
    const t: TensorValue = { k: 'tensor', id: this.a.nextTensorId++, shape };
    if (like?.producer) t.producer = like.producer;
    if (like?.rf && shape && like.shape && shape.length === like.shape.length) t.rf = like.rf;
    if (flags.uncertain || like?.uncertain || this.a.uncertain) t.uncertain = true;
    if (flags.poisoned || like?.poisoned) t.poisoned = true;
    // Outside a forward, a batch moved or reshaped (`images.to(device)`, `x.unsqueeze(0)`) still comes from its data.
    if (like?.source !== undefined && !this.a.run) t.source = like.source;
    return t;
  }

  /** Reports a shape error found by a tensor op, at the op's call site. */
  private fail(node: SyntaxNode, code: string, message: string, pytorch: string | undefined, inputs: TensorValue[], related: Array<{ t: TensorValue | undefined }> = []): TensorValue {
    const uncertain = inputs.some((t) => t.uncertain);
    const rel = related.flatMap(({ t }) => (t?.producer ? [{ range: t.producer.argRange ?? t.producer.site, message: `the input comes from ${this.a.producerLabel(t.producer)}` }] : []));
    this.a.report({ code, severity: 'error', range: rangeOf(node), message, pytorchError: pytorch, related: rel }, uncertain);
    if (this.a.run) this.a.run.failed = true;
    return this.make(null, undefined, { uncertain, poisoned: true });
  }

  private quiet(inputs: TensorValue[]): boolean {
    return inputs.some((t) => t.poisoned || !t.shape);
  }

  /** Records a functional op in the run's graph and returns its output. */
  private op(op: string, args: Record<string, unknown>, inputs: TensorValue[], out: TensorValue, node: SyntaxNode): TensorValue {
    this.a.recordOp(op, args, inputs, out, node);
    return out;
  }

  // ---------------------------------------------------------------- creation

  factory(name: string, info: CallInfo): Value {
    const { args, kwargs } = info;
    if (name.endsWith('_like')) {
      const src = args[0];
      if (src?.k !== 'tensor') return this.make(null);
      // A fresh tensor, but its channels are the ones whoever made `src` set.
      const t = this.make(src.shape);
      if (src.producer) t.producer = src.producer;
      return t;
    }
    let shape: Shape | null;
    if (name === 'randint') {
      const size = kwargs.get('size') ?? args[2] ?? args[1];
      shape = size ? this.sizeList([size], info.unknownSplat) : null;
    } else if (name === 'full') {
      const size = kwargs.get('size') ?? args[0];
      shape = size ? this.sizeList([size], info.unknownSplat) : null;
    } else if (name === 'tensor' || name === 'as_tensor' || name === 'from_numpy' || name === 'arange' || name === 'normal') {
      if (name === 'arange' && !info.unknownSplat) {
        const known = this.concrete.arange(args, false);
        const dtype = kwargs.get('dtype');
        if (known && !dtype) return known;
        const ns = args.map(toNumber);
        if (ns.length >= 1 && ns.every((x) => x !== undefined)) {
          const [start, end, step] = ns.length === 1 ? [0, ns[0] ?? 0, 1] : [ns[0] ?? 0, ns[1] ?? 0, ns[2] ?? 1];
          return this.make([Math.max(0, Math.ceil((end - start) / step))]);
        }
      }
      if (name === 'tensor' && args[0]) return this.concrete.fromData(args[0], false, kwargs.get('dtype')) ?? this.make(nestedShape(args[0], this.a));
      return this.make(null);
    } else {
      const size = kwargs.get('size');
      shape = this.sizeList(size ? [size] : args, info.unknownSplat);
    }
    const t = this.make(shape);
    t.rf = { size: [1, 1], jump: [1, 1] };
    // A tensor with a size 0 (torch.empty(0)) has no values to draw: a constant, whatever the factory.
    const fill = factoryFill(name, info) ?? (shape?.some((d) => d === 0) ? { kind: 'constant' as const, value: 0 } : undefined);
    if (fill) t.fill = fill;
    // A constant tensor built in forward (an RNN's zero initial state) is a graph node the engine can run.
    if (fill?.kind === 'constant' && shape && shape.every((d) => typeof d === 'number') && !info.unknownSplat) {
      return this.op('full', { size: [...shape], fill_value: fill.value }, [], t, info.node);
    }
    return t;
  }

  /**
   * The shape a `*size` argument list gives (`randn(2, 3)`, `zeros((2, 3))`, `new_zeros(size)`). An unknown size keeps
   * its place as an unknown dimension ("?"); null when even the rank is unknown (one unknown value may be a tuple).
   */
  sizeList(args: Value[], unknownSplat: boolean): Shape | null {
    if (unknownSplat) return null;
    const first = args[0];
    let dims: Value[] | undefined = args;
    if (args.length === 1 && first) {
      if (first.k === 'tuple' || first.k === 'list') dims = this.a.interp.iterate(first);
      else if (first.k !== 'num' && first.k !== 'sym' && first.k !== 'bool') return null;
    }
    if (!dims || dims.length === 0) return null;
    return dims.map((d) => toDim(d) ?? unknownDim());
  }

  // ---------------------------------------------------------------- attributes and methods

  attr(t: TensorValue, name: string): Value {
    switch (name) {
      case 'shape':
        return this.sizeValue(t);
      case 'ndim':
        return t.shape ? num(t.shape.length, false) : UNKNOWN_VALUE;
      case 'T':
        return t.shape ? this.make([...t.shape].reverse(), t) : this.make(null, t);
      case 'data':
        return t;
      // A complex tensor's parts (a real tensor's .real is itself).
      case 'real':
      case 'imag':
        return this.make(t.shape, t);
      case 'dtype':
      case 'device':
      case 'grad':
      case 'requires_grad':
        return UNKNOWN_VALUE;
      default:
        return { k: 'method', self: t, name };
    }
  }

  private sizeValue(t: TensorValue): Value {
    if (!t.shape) return { k: 'tuple', items: [], uncertain: true, size: true };
    return { k: 'tuple', items: t.shape.map(dimValue), size: true };
  }

  callMethod(t: TensorValue, name: string, info: CallInfo): Value {
    if (!t.values) return this.callMethodOnShape(t, name, info);
    // Known elements: compute them too (the shape path still records the op for the graph).
    const known = this.concrete.method(t, name, info);
    if (known && 'value' in known) return known.value;
    const out = this.callMethodOnShape(t, name, info);
    if (!known || out.k !== 'tensor') return out;
    const r = this.make(known.shape, t);
    r.values = known.values;
    return r;
  }

  private callMethodOnShape(t: TensorValue, name: string, info: CallInfo): Value {
    const { args, kwargs, node } = info;
    const shape = t.shape;
    const intArg = (i: number, kw: string): number | undefined => {
      const v = args[i] ?? kwargs.get(kw);
      return v ? toNumber(v) : undefined;
    };
    switch (name) {
      case 'size': {
        const d = intArg(0, 'dim');
        if (args.length === 0 && !kwargs.has('dim')) return this.sizeValue(t);
        if (!shape || d === undefined) return UNKNOWN_VALUE;
        const i = this.normDim(d, shape.length);
        if (i === undefined) return this.dimError(node, d, shape.length, [t]) && UNKNOWN_VALUE;
        return dimValue(shape[i] ?? unknownDim());
      }
      case 'dim':
      case 'ndimension':
        return shape ? num(shape.length, false) : UNKNOWN_VALUE;
      case 'numel':
      case 'nelement':
        return shape ? dimValue(product(shape)) : UNKNOWN_VALUE;
      case 'view':
      case 'reshape': {
        const target = args.length === 1 && args[0] && (args[0].k === 'tuple' || args[0].k === 'list') ? this.a.interp.iterate(args[0]) : args;
        return this.reshape(t, info.unknownSplat ? [] : target ?? [], node, name);
      }
      case 'new_zeros':
      case 'new_ones':
      case 'new_empty':
      case 'new_full': {
        const size = kwargs.get('size');
        const sizeArgs = size ? [size] : name === 'new_full' ? args.slice(0, 1) : args;
        return this.make(this.sizeList(sizeArgs, info.unknownSplat));
      }
      case 'new_tensor':
        return this.make(args[0] ? nestedShape(args[0], this.a) : null);
      case 'view_as':
      case 'reshape_as':
      case 'expand_as':
        return args[0]?.k === 'tensor' ? this.op(name, {}, [t, args[0]], this.make(args[0].shape, t), node) : this.make(null, t);
      case 'flatten':
        return this.flatten(t, intArg(0, 'start_dim') ?? 0, intArg(1, 'end_dim') ?? -1, node);
      case 'unflatten': {
        const d = intArg(0, 'dim');
        const sizes = args[1] ? this.a.interp.iterate(args[1]) : undefined;
        if (!shape || d === undefined || !sizes) return this.make(null, t);
        const i = this.normDim(d, shape.length);
        if (i === undefined) return this.make(null, t);
        const out = [...shape.slice(0, i), ...sizes.map((s) => toDim(s) ?? unknownDim()), ...shape.slice(i + 1)];
        return this.op('unflatten', { dim: d }, [t], this.make(out, t), node);
      }
      case 'permute': {
        const order = args.length === 1 && args[0] && (args[0].k === 'tuple' || args[0].k === 'list') ? this.a.interp.iterate(args[0]) : args;
        return this.permute(t, (order ?? []).map(toNumber), node);
      }
      case 'transpose':
      case 'swapaxes':
      case 'transpose_': {
        const d0 = intArg(0, 'dim0');
        const d1 = intArg(1, 'dim1');
        return this.transpose(t, d0, d1, node);
      }
      case 't':
        return shape && shape.length <= 2 ? this.op('transpose', { dim0: 0, dim1: -1 }, [t], this.make([...shape].reverse(), t), node) : this.make(null, t);
      case 'unsqueeze':
      case 'unsqueeze_': {
        const d = intArg(0, 'dim');
        if (!shape || d === undefined) return this.make(null, t);
        const i = d < 0 ? d + shape.length + 1 : d;
        if (i < 0 || i > shape.length) return this.dimError(node, d, shape.length + 1, [t]);
        const out = [...shape.slice(0, i), 1, ...shape.slice(i)];
        return this.op('unsqueeze', { dim: d }, [t], this.make(out, t), node);
      }
      case 'squeeze':
      case 'squeeze_': {
        if (!shape) return this.make(null, t);
        const d = intArg(0, 'dim');
        if (d === undefined && args.length === 0) {
          if (shape.some((s) => !isKnown(s))) return this.make(null, t);
          return this.op('squeeze', {}, [t], this.make(shape.filter((s) => s !== 1), t), node);
        }
        if (d === undefined) return this.make(null, t);
        const i = this.normDim(d, shape.length);
        if (i === undefined) return this.dimError(node, d, shape.length, [t]);
        const s = shape[i];
        if (s !== undefined && !isKnown(s)) return this.make(null, t);
        const out = s === 1 ? [...shape.slice(0, i), ...shape.slice(i + 1)] : shape;
        return this.op('squeeze', { dim: d }, [t], this.make(out, t), node);
      }
      case 'mean':
      case 'sum':
      case 'amax':
      case 'amin':
      case 'prod':
      case 'std':
      case 'var':
      case 'norm':
      case 'logsumexp':
      case 'max':
      case 'min':
      case 'argmax':
      case 'argmin':
        return this.reduce(t, name, args[name === 'norm' ? 1 : 0] ?? kwargs.get('dim'), (args[name === 'norm' ? 2 : 1] ?? kwargs.get('keepdim')), node);
      case 'expand': {
        const target = args.length === 1 && args[0] && (args[0].k === 'tuple' || args[0].k === 'list') ? this.a.interp.iterate(args[0]) : args;
        if (!shape || !target) return this.make(null, t);
        const dims = target.map((v) => toDim(v));
        const out = dims.map((d, i) => {
          const src = shape[i - (dims.length - shape.length)];
          return d === -1 ? src ?? unknownDim() : d ?? unknownDim();
        });
        return this.op('expand', { size: out.map(String) }, [t], this.make(out, t), node);
      }
      case 'repeat': {
        const reps = args.length === 1 && args[0] && (args[0].k === 'tuple' || args[0].k === 'list') ? this.a.interp.iterate(args[0]) : args;
        if (!shape || !reps || reps.length < shape.length) return this.make(null, t);
        const padded = [...Array(reps.length - shape.length).fill(1), ...shape] as Dim[];
        const out = padded.map((s, i) => {
          const r = toDim(reps[i] ?? num(1));
          return r === undefined ? unknownDim() : mul(s, r);
        });
        return this.op('repeat', { repeats: reps.map((r) => toNumber(r) ?? null) }, [t], this.make(out, t), node);
      }
      case 'stft':
      case 'istft':
      // A complex tensor as its real and imaginary parts in a trailing dimension of 2, and back.
      case 'view_as_real':
      case 'view_as_complex': {
        let out: Shape | undefined;
        if (shape && name === 'stft') out = stftShape(shape, args, kwargs);
        else if (shape && name === 'istft') out = istftShape(shape, args, kwargs);
        else if (shape && name === 'view_as_real') out = [...shape, 2];
        else if (shape && shape[shape.length - 1] === 2) out = shape.slice(0, -1);
        if (!out) return this.make(null, t);
        // Its sizes are this op's: a channel mismatch downstream says they come from it.
        const r = this.make(out, t);
        r.producer = { site: rangeOf(node), label: `the ${name} here` };
        return this.op(name, {}, [t], r, node);
      }
      case 'repeat_interleave': {
        // An int count repeats each element along `dim` (the whole flattened tensor without one); a tensor of
        // counts gives a size that depends on its values.
        const reps = args[0] ?? kwargs.get('repeats');
        const r = reps && reps.k !== 'tensor' ? toDim(reps) : undefined;
        const dimV = args[1] ?? kwargs.get('dim');
        if (!shape || r === undefined || (dimV && dimV.k !== 'none' && toNumber(dimV) === undefined)) return this.make(null, t);
        const d = dimV && dimV.k !== 'none' ? toNumber(dimV) : undefined;
        if (d === undefined) return this.op('repeat_interleave', { repeats: toNumber(reps ?? num(1)) ?? null }, [t], this.make([mul(product(shape), r)], t), node);
        const i = this.normDim(d, shape.length);
        if (i === undefined) return this.dimError(node, d, shape.length, [t]);
        const out = shape.map((s2, k) => (k === i ? mul(s2, r) : s2));
        return this.op('repeat_interleave', { repeats: toNumber(reps ?? num(1)) ?? null, dim: d }, [t], this.make(out, t), node);
      }
      case 'chunk':
      case 'split':
      case 'unbind':
        return this.split(t, name, args, kwargs, node);
      case 'matmul':
      case 'mm':
      case 'bmm':
        return args[0]?.k === 'tensor' ? this.matmul(t, args[0], node, name) : this.make(null, t);
      case 'item':
      case 'tolist':
      case 'numpy':
        return UNKNOWN_VALUE;
      case 'backward':
        return UNKNOWN_VALUE;
      default: {
        const bin = BINARY_METHODS[name];
        if (bin && args[0]) return this.binary(bin, t, args[0], node);
        if (SAME_SHAPE.has(name)) {
          // Arguments by PyTorch's parameter names (clamp's min/max, pow's exponent, ...), tensor ones as inputs.
          const names = SAME_SHAPE_PARAMS[name] ?? [];
          const recorded: Record<string, unknown> = {};
          const tensors: TensorValue[] = [];
          const put = (key: string, v: Value): void => {
            if (v.k === 'tensor') tensors.push(v);
            else if (graphArg(v) !== undefined) recorded[key] = graphArg(v);
          };
          args.forEach((v, i) => put(names[i] ?? `arg${i}`, v));
          for (const [k, v] of kwargs) put(k, v);
          const out = this.make(shape, t);
          if (name === 'normal_' || name === 'zero_' || name === 'fill_' || name === 'uniform_') {
            // Filled in place: what an nn.Parameter made of it starts as (torch.empty(...).normal_(std=0.02)).
            const fill = inPlaceFill(name, args, kwargs);
            if (fill) t.fill = out.fill = fill;
            else delete t.fill;
          }
          return this.op(name, recorded, [t, ...tensors], out, node);
        }
        return this.make(null, t, { uncertain: true });
      }
    }
  }

  /** torch.* functions that are not in the functional registry. Undefined: not a tensor function we model. */
  torchFunction(name: string, info: CallInfo): Value | undefined {
    const { args, kwargs, node } = info;
    const first = args[0];
    switch (name) {
      case 'cat':
      case 'concat':
      case 'concatenate':
      case 'stack': {
        const items = first ? this.a.interp.iterate(first) : undefined;
        const dimV = args[1] ?? kwargs.get('dim') ?? kwargs.get('axis');
        const dim = dimV ? toNumber(dimV) : 0;
        if (!items || dim === undefined || !items.every((x) => x.k === 'tensor')) return this.make(null, undefined, { uncertain: true });
        return name === 'stack' ? this.stack(items as TensorValue[], dim, node) : this.cat(items as TensorValue[], dim, node);
      }
      case 'add':
      case 'mul':
      case 'sub':
      case 'div':
      case 'divide':
      case 'true_divide':
      case 'multiply':
      case 'subtract':
        return first && args[1] ? this.binary(BINARY_METHODS[name] ?? '+', first, args[1], node) : undefined;
      case 'pow':
      case 'floor_divide': {
        // Only with known elements (configuration arithmetic); on shapes alone these stay as before.
        const t = first?.k === 'tensor' ? first : args[1]?.k === 'tensor' ? args[1] : undefined;
        if (!first || !args[1] || !t?.values) return first?.k === 'tensor' ? this.callMethod(first, name, { ...info, args: args.slice(1) }) : undefined;
        return this.binary(name === 'pow' ? '**' : '//', first, args[1], node);
      }
      case 'matmul':
      case 'mm':
      case 'bmm':
        return first?.k === 'tensor' && args[1]?.k === 'tensor' ? this.matmul(first, args[1], node, name) : undefined;
      case 'einsum':
        return this.einsum(info);
      case 'no_grad':
      case 'manual_seed':
      case 'set_grad_enabled':
      case 'inference_mode':
      case 'device':
      case 'save':
      case 'load':
        return UNKNOWN_VALUE;
      default:
        if (first?.k === 'tensor') return this.callMethod(first, name, { ...info, args: args.slice(1) });
        return undefined;
    }
  }

  // ---------------------------------------------------------------- functional ops with shape rules

  applyFunctional(path: string, spec: LayerSpec, info: CallInfo): Value {
    // The leading tensor arguments (input, and e.g. weight/bias for F.linear) are inputs, not parameters.
    const inputNames = spec.inputNames ?? ['input'];
    const kwargs = new Map(info.kwargs);
    const tensorArgs: Value[] = [];
    let positional = 0;
    for (const name of inputNames) {
      const v = positional < info.args.length ? info.args[positional++] : kwargs.get(name);
      kwargs.delete(name);
      if (v) tensorArgs.push(v);
    }
    let rest = info.args.slice(positional);
    for (const name of spec.laterInputs ?? []) {
      const at = spec.signature.indexOf(name);
      const v = at >= 0 && at < rest.length ? rest[at] : kwargs.get(name);
      if (v?.k !== 'tensor') break;
      tensorArgs.push(v);
      if (at >= 0 && at < rest.length) rest = rest.map((r, i) => (i === at ? NONE : r));
      else kwargs.delete(name);
    }
    const input = tensorArgs[0];
    // A tensor among the other arguments (F.layer_norm's weight, a module's self.weight) is not in the graph: the
    // op is named so that the engine says it cannot run it rather than running it without that tensor.
    const carriesTensor = rest.some((v) => v.k === 'tensor') || [...kwargs.values()].some((v) => v.k === 'tensor');
    const opName = `${path.slice(path.lastIndexOf('.') + 1)}${carriesTensor ? ' with tensor arguments' : ''}`;
    if (!input || input.k !== 'tensor') return input?.k === 'unknown' ? this.make(null) : UNKNOWN_VALUE;
    const others = tensorArgs.slice(1);
    if (others.some((t) => t.k !== 'tensor' || !t.shape)) return this.make(null, input, { uncertain: true });
    const binding = bindArgs(spec, rest, kwargs, info.argNodes.slice(positional), info.kwNodes, info.unknownSplat);
    const bound = binding.args;
    const inputs = [input, ...(others as TensorValue[])];
    // The op's arguments as JSON only when the run records its graph (not in an example call's run).
    const json = (): Record<string, unknown> => (this.a.run?.record ? bound.toJSON() : {});
    if (!input.shape || input.poisoned) return this.op(opName, json(), inputs, this.make(null, input), info.node);
    const issues = [...binding.issues, ...(spec.check?.(bound) ?? [])];
    for (const issue of issues) {
      this.a.report({ code: issue.code, severity: issue.severity, range: rangeOf(info.node), message: issue.message, pytorchError: issue.pytorch }, input.uncertain === true);
    }
    if (issues.some((i) => i.severity === 'error')) return this.make(null, input, { poisoned: true });
    const result = spec.apply(bound, inputs.map((t) => t.shape ?? []));
    if ('error' in result) {
      return this.fail(info.node, result.error.code, messageFrom(result.error.message, producedBy(input.producer)), result.error.pytorch, inputs, [{ t: input }]);
    }
    for (const issue of result.issues ?? []) {
      this.a.report({ code: issue.code, severity: issue.severity, range: rangeOf(info.node), message: issue.message, pytorchError: issue.pytorch }, input.uncertain === true);
    }
    const out = this.make(result.output, input);
    out.rf = this.propagateGeometry(input, spec.geometry?.(bound) ?? null, spec.type);
    this.a.constrainSymbolic(result.output);
    return this.op(opName, json(), inputs, out, info.node);
  }

  /** Receptive field and cumulative stride through a layer with the given geometry. */
  propagateGeometry(input: TensorValue, g: Geometry | null, type: string): TensorValue['rf'] {
    const rf = input.rf;
    if (!rf) return undefined;
    if (!g) {
      // Shape-preserving layers keep the field; anything else that changes geometry loses it.
      return /^(Adaptive|Upsample|Flatten|Linear|PixelShuffle|PixelUnshuffle)/.test(type) ? undefined : rf;
    }
    const n = g.kernel.length;
    const size = [...rf.size];
    const jump = [...rf.jump];
    for (let i = 0; i < n; i++) {
      const j = size.length - n + i;
      if (j < 0) continue;
      const k = g.kernel[i] ?? 1;
      const d = g.dilation[i] ?? 1;
      const s = g.stride[i] ?? 1;
      size[j] = (size[j] ?? 1) + (k - 1) * d * (jump[j] ?? 1);
      jump[j] = (jump[j] ?? 1) * s;
    }
    return { size, jump };
  }

  // ---------------------------------------------------------------- shape ops

  private normDim(d: number, rank: number): number | undefined {
    const i = d < 0 ? d + rank : d;
    return i >= 0 && i < rank ? i : undefined;
  }

  private dimError(node: SyntaxNode, d: number, rank: number, inputs: TensorValue[]): TensorValue {
    if (this.quiet(inputs)) return this.make(null);
    return this.fail(node, 'dim-out-of-range', `dimension ${d} is out of range for a ${rank}-d tensor (valid: ${-rank} to ${rank - 1})`, `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${d})`, inputs);
  }

  reshape(t: TensorValue, target: Value[], node: SyntaxNode, op: string): TensorValue {
    const shape = t.shape;
    const dims = target.map((v) => toDim(v));
    // No sizes, or one unknown value that may be a whole tuple: even the rank is unknown.
    const single = target.length === 1 && target[0]?.k !== 'num' && target[0]?.k !== 'sym' && target[0]?.k !== 'bool';
    if (target.length === 0 || single) return this.op(op, {}, [t], this.make(null, t, { uncertain: true }), node);
    if (!shape || dims.some((d) => d === undefined)) {
      // The rank is the number of sizes; an unknown size (or the -1 beside it) is an unknown dimension, never checked.
      const out = dims.map((d) => (d === undefined || d === -1 ? unknownDim() : d));
      const r = this.make(out, t);
      r.producer = { site: rangeOf(node), label: `the ${op} here` };
      return this.op(op, { shape: out.map((d) => (isKnown(d) ? d : String(d))) }, [t], r, node);
    }
    const want = dims as Dim[];
    const total = product(shape);
    const inferIdx = want.findIndex((d) => d === -1);
    const known = product(want.filter((d, i) => i !== inferIdx));
    const shapeText = `[${want.map(dimToString).join(', ')}]`;
    let out: Dim[];
    if (inferIdx >= 0) {
      const q = divExact(total, known);
      if (q === undefined) {
        if (isKnown(total) && isKnown(known) && known !== 0 && !t.poisoned) {
          return this.fail(node, 'view-size', `${op}(${want.join(', ')}) cannot fit a tensor of ${total} elements (shape [${shape.map(dimToString).join(', ')}]): ${total} is not divisible by ${known}; use ${op}(${shape[0] === undefined ? '-1' : dimToString(shape[0])}, -1) or torch.flatten(x, 1)`, `shape '${shapeText}' is invalid for input of size ${total}`, [t], [{ t }]);
        }
        out = want.map((d, i) => (i === inferIdx ? unknownDim() : d));
        if (!isKnown(total)) this.a.constrainEq(total, known, true);
      } else out = want.map((d, i) => (i === inferIdx ? q : d));
    } else {
      const eq = dimEquals(total, known);
      if (eq === false && !t.poisoned) {
        return this.fail(node, 'view-size', `${op}(${want.join(', ')}) needs ${dimToString(known)} elements but the tensor has ${dimToString(total)} (shape [${shape.map(dimToString).join(', ')}])`, isKnown(total) ? `shape '${shapeText}' is invalid for input of size ${total}` : undefined, [t], [{ t }]);
      }
      if (eq === undefined) this.a.constrainEq(total, known, false);
      out = want;
    }
    const r = this.make(out, t);
    r.producer = { site: rangeOf(node), label: `the ${op} here` };
    return this.op(op, { shape: want.map((d) => (isKnown(d) ? d : String(d))) }, [t], r, node);
  }

  flatten(t: TensorValue, start: number, end: number, node: SyntaxNode): TensorValue {
    const shape = t.shape;
    if (!shape) return this.op('flatten', { start_dim: start, end_dim: end }, [t], this.make(null, t), node);
    if (shape.length === 0) return this.op('flatten', { start_dim: start, end_dim: end }, [t], this.make([1], t), node);
    const s = this.normDim(start, shape.length);
    const e = this.normDim(end, shape.length);
    if (s === undefined) return this.dimError(node, start, shape.length, [t]);
    if (e === undefined) return this.dimError(node, end, shape.length, [t]);
    const out = s > e ? shape : [...shape.slice(0, s), product(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
    const r = this.make(out, t);
    r.producer = { site: rangeOf(node), label: 'the flatten here' };
    return this.op('flatten', { start_dim: start, end_dim: end }, [t], r, node);
  }

  private permute(t: TensorValue, order: Array<number | undefined>, node: SyntaxNode): TensorValue {
    const shape = t.shape;
    if (!shape || order.some((o) => o === undefined)) return this.make(null, t);
    if (order.length !== shape.length) {
      if (this.quiet([t])) return this.make(null);
      return this.fail(node, 'permute-dims', `permute got ${order.length} dimensions for a ${shape.length}-d tensor: give one index per dimension`, `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${shape.length} is not equal to len(dims) = ${order.length}`, [t]);
    }
    const idx = order.map((o) => this.normDim(o ?? 0, shape.length));
    if (idx.some((i) => i === undefined)) return this.dimError(node, order.find((o, k) => idx[k] === undefined) ?? 0, shape.length, [t]);
    const out = idx.map((i) => shape[i ?? 0] ?? unknownDim());
    return this.op('permute', { dims: order }, [t], this.make(out, t), node);
  }

  private transpose(t: TensorValue, d0: number | undefined, d1: number | undefined, node: SyntaxNode): TensorValue {
    const shape = t.shape;
    if (!shape || d0 === undefined || d1 === undefined) return this.make(null, t);
    const i = this.normDim(d0, shape.length);
    const j = this.normDim(d1, shape.length);
    if (i === undefined) return this.dimError(node, d0, shape.length, [t]);
    if (j === undefined) return this.dimError(node, d1, shape.length, [t]);
    const out = [...shape];
    out[i] = shape[j] ?? unknownDim();
    out[j] = shape[i] ?? unknownDim();
    return this.op('transpose', { dim0: d0, dim1: d1 }, [t], this.make(out, t), node);
  }

  private reduce(t: TensorValue, name: string, dimV: Value | undefined, keepV: Value | undefined, node: SyntaxNode): Value {
    const shape = t.shape;
    const keep = keepV?.k === 'bool' ? keepV.v : false;
    if (!shape) return this.make(null, t);
    if (!dimV || dimV.k === 'none') {
      if (name === 'max' || name === 'min') return this.op(name, {}, [t], this.make([], t), node);
      return this.op(name, {}, [t], this.make([], t), node);
    }
    const dims = dimV.k === 'tuple' || dimV.k === 'list' ? dimV.items.map(toNumber) : [toNumber(dimV)];
    if (dims.some((d) => d === undefined)) return this.make(null, t);
    const idx = dims.map((d) => this.normDim(d ?? 0, shape.length));
    const bad = idx.findIndex((i) => i === undefined);
    if (bad >= 0) return this.dimError(node, dims[bad] ?? 0, shape.length, [t]);
    const out: Dim[] = [];
    shape.forEach((s, i) => {
      if (idx.includes(i)) {
        if (keep) out.push(1);
      } else out.push(s);
    });
    const r = this.op(name, { dim: dims, keepdim: keep }, [t], this.make(out, t), node);
    // max/min over a dim return (values, indices).
    if ((name === 'max' || name === 'min') && !(dimV.k === 'tuple' || dimV.k === 'list')) return tuple([r, this.make(out, t)]);
    return r;
  }

  /** chunk(n, dim), split(size | sizes, dim), unbind(dim): a tuple of tensors when the sizes are known. */
  private split(t: TensorValue, name: string, args: Value[], kwargs: ReadonlyMap<string, Value>, node: SyntaxNode): Value {
    const unknown: Value = { k: 'tuple', items: [], uncertain: true };
    const shape = t.shape;
    const dimV = name === 'unbind' ? args[0] ?? kwargs.get('dim') : args[1] ?? kwargs.get('dim');
    const d = dimV ? toNumber(dimV) : 0;
    if (!shape || d === undefined) return unknown;
    const i = this.normDim(d, shape.length);
    if (i === undefined) return this.dimError(node, d, shape.length, [t]);
    const size = shape[i];
    if (size === undefined || !isKnown(size)) return unknown;
    let parts: number[];
    if (name === 'unbind') parts = Array<number>(size).fill(1);
    else {
      const a0 = args[0] ?? kwargs.get(name === 'chunk' ? 'chunks' : 'split_size_or_sections');
      const list = a0 && (a0.k === 'list' || a0.k === 'tuple') ? a0.items.map(toNumber) : undefined;
      const n = a0 ? toNumber(a0) : undefined;
      if (list) {
        if (list.some((x) => x === undefined)) return unknown;
        parts = list as number[];
      } else if (n !== undefined && n > 0) {
        // chunk(n): pieces of ceil(size / n); split(s): pieces of s, the last one smaller.
        const piece = name === 'chunk' ? Math.ceil(size / n) : n;
        parts = [];
        for (let left = size; left > 0; left -= piece) parts.push(Math.min(piece, left));
      } else return unknown;
    }
    if (parts.length > 1024) return unknown;
    let start = 0;
    const items = parts.map((p) => {
      const out = name === 'unbind' ? [...shape.slice(0, i), ...shape.slice(i + 1)] : shape.map((s2, k) => (k === i ? p : s2));
      // Each piece is its own node: start/length say which slice of `dim` it is (the engine runs it as narrow).
      const piece = this.op(name, { dim: d, start, length: p }, [t], this.make(out, t), node);
      start += p;
      return piece;
    });
    return { k: 'tuple', items };
  }

  /** matmul/@, mm and bmm with PyTorch's rules (rules/matmul.ts); all run as the engine's 'matmul'. */
  private matmul(a: TensorValue, b: TensorValue, node: SyntaxNode, kind: 'matmul' | 'mm' | 'bmm' = 'matmul'): TensorValue {
    if (!a.shape || !b.shape || this.quiet([a, b])) return this.make(null, a, { uncertain: a.uncertain === true || b.uncertain === true });
    const spec = kind === 'mm' ? torchMm : kind === 'bmm' ? torchBmm : torchMatmul;
    const r = spec.apply({ type: spec.type, get: () => null, given: () => false }, [a.shape, b.shape]);
    if ('error' in r) return this.fail(node, r.error.code, r.error.message, r.error.pytorch, [a, b], [{ t: a }, { t: b }]);
    return this.op('matmul', {}, [a, b], this.make(r.output, a), node);
  }

  /** torch.einsum(equation, *operands) or (equation, [operands]). */
  einsum(info: CallInfo): Value {
    const [eq, ...rest] = info.args;
    const ops = rest.length === 1 && rest[0] && (rest[0].k === 'list' || rest[0].k === 'tuple') ? this.a.interp.iterate(rest[0]) : rest;
    if (eq?.k !== 'str' || !ops || !ops.every((t): t is TensorValue => t.k === 'tensor' && t.shape !== null)) return this.make(null, undefined, { uncertain: true });
    if (this.quiet(ops)) return this.make(null, ops[0]);
    const r = einsumShape(eq.v, ops.map((t) => t.shape ?? []));
    if ('error' in r) return this.fail(info.node, r.error.code, r.error.message, r.error.pytorch, ops, ops.map((t) => ({ t })));
    return this.op('einsum', { equation: eq.v }, ops, this.make(r.output, ops[0]), info.node);
  }

  cat(items: TensorValue[], dim: number, node: SyntaxNode): TensorValue {
    const shapes = items.map((t) => t.shape);
    if (items.length === 0 || shapes.some((s) => !s) || this.quiet(items)) return this.make(null, items[0], { uncertain: items.some((t) => t.uncertain) });
    // PyTorch skips 1-D tensors of size 0 (a legacy rule: torch.empty(0) concatenates as nothing); the first other
    // tensor is the reference, and the messages keep the tensors' places in the list.
    const skipped = (s: Shape): boolean => s.length === 1 && s[0] === 0;
    const first = shapes.findIndex((s) => !skipped(s as Shape));
    if (first < 0) return this.make([0], items[0]);
    const ref = shapes[first] as Shape;
    const d = this.normDim(dim, ref.length);
    if (d === undefined) return this.dimError(node, dim, ref.length, items);
    let total: Dim = 0;
    for (let n = first; n < shapes.length; n++) {
      const s = shapes[n] as Shape;
      if (skipped(s)) continue;
      if (s.length !== ref.length) {
        // A 1-D tensor of unknown size may be the empty one PyTorch skips.
        if ((s.length === 1 && typeof s[0] !== 'number') || (ref.length === 1 && typeof ref[0] !== 'number')) return this.make(null, items[first]);
        return this.fail(node, 'cat-mismatch', `torch.cat: tensor ${n} has ${s.length} dimensions but tensor ${first} has ${ref.length}`, `Tensors must have same number of dimensions: got ${ref.length} and ${s.length}`, items);
      }
      for (let i = 0; i < ref.length; i++) {
        if (i === d) continue;
        const eq = dimEquals(ref[i] ?? 0, s[i] ?? 0);
        if (eq === false) {
          return this.fail(node, 'cat-mismatch', `torch.cat along dim ${dim}: tensor ${n} has size ${dimToString(s[i] ?? 0)} in dimension ${i} but tensor ${first} has ${dimToString(ref[i] ?? 0)}; all dimensions except ${dim} must match (crop or pad one of them first)`, `Sizes of tensors must match except in dimension ${d}. Expected size ${dimToString(ref[i] ?? 0)} but got size ${dimToString(s[i] ?? 0)} for tensor number ${n} in the list.`, items, items.map((t) => ({ t })));
        }
        if (eq === undefined) this.a.constrainEq(ref[i] ?? 0, s[i] ?? 0, false);
      }
      total = add(total, s[d] ?? 0);
    }
    const out = [...ref];
    out[d] = total;
    const r = this.make(out, items[0]);
    r.producer = { site: rangeOf(node), label: 'the torch.cat here' };
    if (items.some((t) => t.uncertain)) r.uncertain = true;
    return this.op('cat', { dim }, items.filter((t) => !skipped(t.shape as Shape)), r, node);
  }

  private stack(items: TensorValue[], dim: number, node: SyntaxNode): TensorValue {
    const ref = items[0]?.shape;
    if (!ref || items.some((t) => !t.shape)) return this.make(null, items[0]);
    const i = dim < 0 ? dim + ref.length + 1 : dim;
    const out = [...ref.slice(0, i), items.length, ...ref.slice(i)];
    return this.op('stack', { dim }, items, this.make(out, items[0]), node);
  }

  binary(op: string, a: Value, b: Value, node: SyntaxNode): Value {
    const out = this.binaryOnShape(op, a, b, node);
    if ((a.k === 'tensor' && a.values) || (b.k === 'tensor' && b.values)) {
      const known = this.concrete.binary(op, a, b);
      if (known && out.k === 'tensor' && !out.poisoned) return this.concrete.tensor(known.values, known.shape, out);
    }
    return out;
  }

  private binaryOnShape(op: string, a: Value, b: Value, node: SyntaxNode): Value {
    const ta = a.k === 'tensor' ? a : undefined;
    const tb = b.k === 'tensor' ? b : undefined;
    const opName = op === '+' ? 'add' : op === '-' ? 'sub' : op === '*' ? 'mul' : op === '/' ? 'div' : op === '@' ? 'matmul' : 'binary';
    if (op === '@' && ta && tb) return this.matmul(ta, tb, node);
    if (ta && tb) {
      if (!ta.shape || !tb.shape || this.quiet([ta, tb])) return this.make(null, ta, { uncertain: ta.uncertain === true || tb.uncertain === true });
      const out = this.broadcast(ta, tb, node);
      if (!out) return this.make(null, ta, { poisoned: true });
      const r = this.make(out, ta.shape.length >= tb.shape.length ? ta : tb);
      if (tb.uncertain) r.uncertain = true;
      // Receptive field of a sum: the larger of the two.
      if (ta.rf && tb.rf) r.rf = { size: ta.rf.size.map((s, i) => Math.max(s, tb.rf?.size[i] ?? 0)), jump: ta.rf.jump };
      return this.op(opName, {}, [ta, tb], r, node);
    }
    const t = ta ?? tb;
    if (!t) return UNKNOWN_VALUE;
    const scalar = ta ? b : a;
    const out = this.make(t.shape, t);
    const fill = constantFill(op, t.fill, toNumber(scalar), !ta);
    if (fill !== undefined) out.fill = fill;
    return this.op(opName, { other: toNumber(scalar) ?? null, reverse: !ta }, [t], out, node);
  }

  unary(t: TensorValue, node: SyntaxNode): Value {
    const out = this.op('neg', {}, [t], this.make(t.shape, t), node);
    const known = t.values ? this.concrete.binary('*', t, { k: 'num', v: -1, float: false }) : undefined;
    return known && t.shape ? this.concrete.tensor(known.values, t.shape, out) : out;
  }

  private broadcast(a: TensorValue, b: TensorValue, node: SyntaxNode): Shape | undefined {
    const sa = a.shape as Shape;
    const sb = b.shape as Shape;
    const n = Math.max(sa.length, sb.length);
    const out: Dim[] = new Array<Dim>(n);
    // PyTorch compares from the last dimension backwards and names the first mismatch it meets.
    for (let i = n - 1; i >= 0; i--) {
      const x = sa[sa.length - n + i] ?? 1;
      const y = sb[sb.length - n + i] ?? 1;
      if (x === 1) out[i] = y;
      else if (y === 1) out[i] = x;
      else {
        const eq = dimEquals(x, y);
        if (eq === false) {
          this.fail(node, 'broadcast-mismatch', `shapes [${sa.map(dimToString).join(', ')}] and [${sb.map(dimToString).join(', ')}] cannot be combined: dimension ${i} is ${dimToString(x)} on one side and ${dimToString(y)} on the other (for a residual connection, make both branches produce the same shape, e.g. with a 1x1 conv shortcut)`, `The size of tensor a (${dimToString(x)}) must match the size of tensor b (${dimToString(y)}) at non-singleton dimension ${i}`, [a, b], [{ t: a }, { t: b }]);
          return undefined;
        }
        if (eq === undefined) this.a.constrainEq(x, y, false);
        out[i] = isKnown(x) ? x : y;
      }
    }
    return out;
  }

  index(t: TensorValue, subs: SyntaxNode[], scope: Scope, node: SyntaxNode): Value {
    const shape = t.shape;
    if (!shape) return this.make(null, t);
    const out: Dim[] = [];
    // What each output dimension takes from the input, for the engine (dropped when a size or index is not known).
    let picks: IndexPick[] | null = [];
    let i = 0;
    const items = subs.length === 1 && subs[0]?.type === 'tuple' ? subs[0].children : subs;
    const consumed = items.filter((s) => s.type !== 'none' && s.type !== 'ellipsis').length;
    for (const s of items) {
      if (s.type === 'none') {
        out.push(1);
        picks?.push({ kind: 'new' });
        continue;
      }
      if (s.type === 'ellipsis') {
        const skip = shape.length - consumed;
        for (let k = 0; k < skip; k++) {
          const d = shape[i++] ?? unknownDim();
          out.push(d);
          picks?.push({ kind: 'all' });
        }
        continue;
      }
      const size = shape[i++];
      if (size === undefined) return this.make(null, t);
      if (s.type === 'slice') {
        const [start, stop, step] = this.a.interp.sliceParts(s, scope);
        if (isKnown(size)) {
          const idx = sliceIndices(size, start, stop, step);
          out.push(idx ? idx.length : unknownDim());
          if (idx) picks?.push({ kind: 'slice', indices: idx });
          else picks = null;
        } else {
          const whole = !start && !stop && !step;
          out.push(whole ? size : unknownDim());
          if (whole) picks?.push({ kind: 'all' });
          else picks = null;
        }
        continue;
      }
      const v = this.a.interp.evalExpr(s, scope);
      if (v.k === 'tensor') return this.make(null, t, { uncertain: true });
      if (v.k === 'num' || v.k === 'sym') {
        // An integer index drops the dimension.
        if (v.k === 'num' && isKnown(size) && Number.isInteger(v.v) && v.v >= -size && v.v < size) picks?.push({ kind: 'at', index: v.v < 0 ? v.v + size : v.v });
        else picks = null;
        continue;
      }
      return this.make(null, t, { uncertain: true });
    }
    while (i < shape.length) {
      out.push(shape[i++] ?? unknownDim());
      picks?.push({ kind: 'all' });
    }
    return this.op('index', { index: rangeOf(node).startOffset, ...(picks === null ? {} : { picks }) }, [t], this.make(out, t), node);
  }
}

function nestedShape(v: Value, a: Analyzer): Shape | null {
  const shape: number[] = [];
  let cur: Value | undefined = v;
  while (cur && (cur.k === 'list' || cur.k === 'tuple')) {
    const items = a.interp.iterate(cur);
    if (!items) return null;
    shape.push(items.length);
    cur = items[0];
  }
  return cur && (cur.k === 'num' || cur.k === 'bool') ? shape : shape.length ? shape : null;
}

/** One subscript of `x[...]` as the engine applies it: a new axis, a whole dimension, listed indices, or one index. */
type IndexPick = { kind: 'new' } | { kind: 'all' } | { kind: 'slice'; indices: number[] } | { kind: 'at'; index: number };

/**
 * The fill of an in-place init, method or torch.nn.init function (`t.normal_(std=0.02)`, `nn.init.zeros_(t)`); undefined
 * when the engine has no such init (a mean other than 0, uniform_, xavier_...): the values are then not known.
 */
export function inPlaceFill(name: string, args: readonly Value[], kwargs: ReadonlyMap<string, Value>): TensorValue['fill'] {
  const arg = (i: number, key: string): number | undefined => {
    const v = args[i] ?? kwargs.get(key);
    return v === undefined ? undefined : toNumber(v);
  };
  const given = (i: number, key: string): boolean => args[i] !== undefined || kwargs.has(key);
  if (name === 'zero_' || name === 'zeros_') return { kind: 'constant', value: 0 };
  if (name === 'ones_') return { kind: 'constant', value: 1 };
  if (name === 'fill_' || name === 'constant_') {
    const v = arg(0, name === 'fill_' ? 'value' : 'val');
    return v === undefined ? undefined : { kind: 'constant', value: Math.fround(v) };
  }
  if (name === 'normal_' || name === 'trunc_normal_') {
    const mean = given(0, 'mean') ? arg(0, 'mean') : 0;
    const std = given(1, 'std') ? arg(1, 'std') : 1;
    if (mean !== 0 || std === undefined || !(std > 0)) return undefined;
    if (name === 'normal_') return { kind: 'normal', std };
    // trunc_normal_ cuts at a and b (default -2 and 2), in the tensor's units: at two standard deviations the engine's
    // truncated normal, at six or more a plain normal (what lies beyond is under one value in 500 million).
    const a = given(2, 'a') ? arg(2, 'a') : -2, b = given(3, 'b') ? arg(3, 'b') : 2;
    if (a === undefined || b === undefined || a !== -b) return undefined;
    return b / std === 2 ? { kind: 'normal', std, truncated: true } : b / std >= 6 ? { kind: 'normal', std } : undefined;
  }
  return undefined;
}

/**
 * A constant-filled tensor and a number: the result is constant too (`torch.ones(dim, 1, 1) * layer_scale`, ConvNeXt's
 * nn.Parameter), computed as PyTorch does in float32 (a double result of two float32 operands, rounded once, is the float32 result).
 */
function constantFill(op: string, fill: TensorValue['fill'], v: number | undefined, reverse: boolean): TensorValue['fill'] {
  if (fill?.kind !== 'constant' || v === undefined) return undefined;
  const [x, y] = reverse ? [Math.fround(v), Math.fround(fill.value)] : [Math.fround(fill.value), Math.fround(v)];
  const value = op === '*' ? x * y : op === '/' ? x / y : op === '+' ? x + y : op === '-' ? x - y : undefined;
  return value === undefined ? undefined : { kind: 'constant', value: Math.fround(value) };
}

/** The values torch.zeros/ones/full/randn give, when the call says them plainly. */
function factoryFill(name: string, info: CallInfo): TensorValue['fill'] {
  if (name === 'zeros') return { kind: 'constant', value: 0 };
  if (name === 'ones') return { kind: 'constant', value: 1 };
  if (name === 'randn') return { kind: 'normal' };
  if (name === 'full') {
    const v = info.kwargs.get('fill_value') ?? info.args[1];
    return v?.k === 'num' ? { kind: 'constant', value: v.v } : undefined;
  }
  return undefined;
}
