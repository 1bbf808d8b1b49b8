// nn.Module values: construction (built-in layers, containers, user classes), attributes, and application.
import { rangeOf, type SyntaxNode } from '../syntax';
import type { Range } from '../types';
import { isKnown, isSym, type Dim } from '../dims';
import { isLayerRef, messageFrom, UNKNOWN, type ArgValue, type LayerSpec, type LayerIssue, type OutputTree } from '../rules/layer-spec';
import { bindArgs as bindRuleArgs, type BoundArgs as RuleBoundArgs } from '../rules/bind-args';
import { layerSpecs } from '../rules/registry';
import { floatSizeIssue } from '../rules/float-size';
import { affineShape } from '../rules/norm';
import { findClassAttr, toNumber } from './interpreter';
import { batchedStates } from './packed-sequence';
import type { Analyzer, CallInfo } from './analyzer';
import {
  boundTo, list, NONE, num, producedBy, str, tuple, UNKNOWN_VALUE,
  type BoundArgs, type ClassValue, type DictValue, type FuncValue, type ModuleValue, type TensorValue, type Value,
} from './values';

/** Converts an interpreter value to a layer argument. */
export function toArg(v: Value): ArgValue {
  switch (v.k) {
    case 'num': return v.v;
    case 'sym': return v.d;
    case 'str': return v.v;
    case 'bool': return v.v;
    case 'none': return null;
    case 'list':
    case 'tuple': return v.uncertain ? UNKNOWN : v.items.map(toArg);
    case 'module': return layerRef(v);
    default: return UNKNOWN;
  }
}

/** A built-in layer as another layer's argument; user modules and containers stay unknown. */
function layerRef(m: ModuleValue): ArgValue {
  if (!m.spec || !m.args || m.broken) return UNKNOWN;
  let params: number | null;
  try {
    params = m.spec.paramCount?.(m.args) ?? 0;
  } catch {
    params = null;
  }
  return { kind: 'layer', type: m.type, args: m.args, params };
}

function argToJSON(a: ArgValue): unknown {
  if (a === UNKNOWN) return null;
  // A layer argument (TransformerEncoder's encoder_layer, its norm) with its own arguments, so the engine can build it.
  if (isLayerRef(a)) return { type: a.type, ...('toJSON' in a.args && typeof a.args.toJSON === 'function' ? { args: (a.args.toJSON as () => unknown)() } : {}) };
  if (Array.isArray(a)) return a.map(argToJSON);
  if (isSym(a)) return String(a);
  return a;
}

/** Binds a call's arguments to a layer's signature (Python's rules, rules/bind-args.ts) and remembers where each was written. */
export function bindArgs(spec: LayerSpec, args: Value[], kwargs: ReadonlyMap<string, Value>, argNodes: SyntaxNode[], kwNodes: ReadonlyMap<string, SyntaxNode>, unknownSplat: boolean): { args: BoundArgs; issues: LayerIssue[] } {
  const keywords: Record<string, ArgValue> = {};
  for (const [name, v] of kwargs) keywords[name] = toArg(v);
  const positional: ArgValue[] = [];
  for (const v of args) positional.push(toArg(v));
  const bound = bindRuleArgs(spec, positional, keywords, { unknownTail: unknownSplat });
  return { args: new LayerCallArgs(spec, bound.args, unknownSplat, argNodes, kwNodes), issues: bound.issues };
}

/** A layer's bound constructor arguments and where each was written (one per layer built: a class, not closures). */
class LayerCallArgs implements BoundArgs {
  readonly type: string;
  private ranges: Map<string, Range> | undefined;

  constructor(
    private readonly spec: LayerSpec,
    private readonly inner: RuleBoundArgs,
    /** With an unknown *args/**kwargs any parameter may have been given: only what is written is known. */
    readonly open: boolean,
    private readonly argNodes: SyntaxNode[],
    private readonly kwNodes: ReadonlyMap<string, SyntaxNode>,
  ) {
    this.type = spec.type;
  }

  get(name: string): ArgValue {
    return this.open && !this.inner.given(name) ? UNKNOWN : this.inner.get(name);
  }

  given(name: string): boolean {
    return this.inner.given(name);
  }

  rangeOf(name: string): Range | undefined {
    // Only findings and fixes ask: made on first use.
    if (!this.ranges) {
      const ranges = new Map<string, Range>();
      this.spec.signature.forEach((n, i) => {
        const node = this.argNodes[i];
        if (node && node.type !== 'list_splat') ranges.set(n, rangeOf(node));
      });
      for (const [n, node] of this.kwNodes) if (node.type !== 'dictionary_splat') ranges.set(n, rangeOf(node));
      this.ranges = ranges;
    }
    return this.ranges.get(name);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of this.spec.signature) out[name] = argToJSON(this.get(name));
    return out;
  }
}

/** Layers whose output channels are set by their own arguments: a channel mismatch downstream is theirs. */
const CHANNEL_PRODUCERS = /^(Conv|ConvTranspose|Linear|Bilinear|Embedding|PixelShuffle|PixelUnshuffle|Flatten|Unflatten|LazyConv|LSTM|GRU|RNN)/;

export class ModuleOps {
  /** The call that built each instance of a built-in layer's subclass, by module id (see withCallerNodes). */
  private readonly userCalls = new Map<number, CallInfo>();

  constructor(private readonly a: Analyzer) {}

  private newModule(type: string, node: SyntaxNode): ModuleValue {
    return {
      k: 'module', id: this.a.nextModuleId++, type, children: new Map(), attrs: new Map(), site: rangeOf(node),
      uncertain: this.a.uncertain, broken: false, builtBy: this.helperCallSite(),
      builtFrom: node.file !== undefined ? this.a.callSiteInDocument() : undefined,
    };
  }

  /** When a layer is built inside a helper (`conv3x3(...)`, `_make_layer`), the call in the caller that built it. */
  private helperCallSite(): Range | undefined {
    const frame = this.a.interp.currentFrame;
    if (!frame?.func || frame.func.name === '__init__') return undefined;
    return frame.callSite;
  }

  constructBuiltin(spec: LayerSpec, info: CallInfo): ModuleValue {
    const m = this.newModule(spec.type, info.node);
    if (info.syntaxError) m.syntaxError = true;
    this.initLayer(m, spec, info);
    return m;
  }

  /** Binds and checks a built-in layer's arguments: its own constructor call, or a subclass's super().__init__(...). */
  private initLayer(m: ModuleValue, spec: LayerSpec, info: CallInfo): void {
    m.spec = spec;
    const bound = bindArgs(spec, info.args, info.kwargs, info.argNodes, info.kwNodes, info.unknownSplat);
    m.args = bound.args;
    const issues = [...bound.issues, ...(bound.issues.some((i) => i.severity === 'error') ? [] : spec.check?.(m.args) ?? [])];
    for (const issue of issues) {
      this.reportIssue(issue, m, undefined, info.node);
      if (issue.severity === 'error') m.broken = true;
    }
    if (!m.broken) this.checkFloatSizes(spec, m, info);
  }

  /** A subclass of a built-in layer: the layer its super().__init__ builds, when the rules know it. */
  private initLayerBase(m: ModuleValue, info: CallInfo): void {
    const spec = m.cls?.layer !== undefined ? layerSpecs.get(m.cls.layer) : undefined;
    if (spec && !m.spec) this.initLayer(m, spec, this.withCallerNodes(m, info));
  }

  /**
   * `super().__init__(cin, cout, 3)` in `class MyConv(nn.Conv2d)`: an argument that is just a parameter of the
   * subclass's __init__ was written by the call that built the instance (`MyConv(32, 8)`), so a finding about it
   * points there, the text to edit. Only for the __init__ that call entered; other arguments keep their place.
   */
  private withCallerNodes(m: ModuleValue, info: CallInfo): CallInfo {
    const caller = this.userCalls.get(m.id);
    const frame = this.a.interp.currentFrame;
    const init = frame?.func;
    if (!caller || !init || init.name !== '__init__' || frame.callSite?.startOffset !== rangeOf(caller.node).startOffset) return info;
    const positional = init.params.slice(1).filter((p) => p.kind === 'plain').map((p) => p.name);
    const nodeFor = (name: string): SyntaxNode | undefined => {
      const kw = caller.kwNodes.get(name);
      if (kw) return kw;
      const i = positional.indexOf(name);
      const n = i >= 0 ? caller.argNodes[i] : undefined;
      // After a *splat, which value lands on which parameter is not known.
      return n && !caller.argNodes.slice(0, i + 1).some((a) => a.type === 'list_splat') ? n : undefined;
    };
    const remap = (n: SyntaxNode): SyntaxNode => (n.type === 'identifier' && init.params.some((p) => p.name === n.text) ? nodeFor(n.text) ?? n : n);
    const kwNodes = new Map<string, SyntaxNode>();
    for (const [k, n] of info.kwNodes) kwNodes.set(k, remap(n));
    return { ...info, argNodes: info.argNodes.map(remap), kwNodes };
  }

  /** `nn.Conv2d(c, planes / 4, 1)`: a float size fails in the layer's __init__; the fix turns the `/` into `//`. */
  private checkFloatSizes(spec: LayerSpec, m: ModuleValue, info: CallInfo): void {
    if (!m.args || info.unknownSplat) return;
    const valueOf = (name: string): Value | undefined => {
      const i = spec.signature.indexOf(name);
      return info.kwargs.get(name) ?? (i >= 0 ? info.args[i] : undefined);
    };
    const floats = (name: string): boolean[] | undefined => {
      const v = valueOf(name);
      if (v === undefined) return [false];
      if (v.k === 'num') return [v.float];
      if (v.k === 'bool' || v.k === 'sym') return [false];
      if ((v.k === 'tuple' || v.k === 'list') && !v.uncertain) return v.items.map((x) => x.k === 'num' && x.float);
      return undefined;
    };
    const issue = floatSizeIssue(m.args, floats);
    if (!issue?.arg) return;
    m.broken = true;
    const v = valueOf(issue.arg);
    const divAt = v?.k === 'num' ? v.divAt : undefined;
    const fixes = divAt ? [{ title: 'Use // (integer division)', edits: [{ range: divAt, newText: '//' }], preferred: true }] : [];
    const related = divAt ? [{ range: divAt, message: 'the float comes from this division' }] : [];
    if (m.builtBy) related.push({ range: m.builtBy, message: `${m.type} is built by this call` });
    this.a.report({
      code: issue.code, severity: issue.severity, range: m.args.rangeOf(issue.arg) ?? m.site, message: issue.message,
      pytorchError: issue.pytorch, related, fixes,
    }, m.uncertain);
  }

  /** A torch.nn class the rules do not know: it can be applied, but its output is unknown. */
  constructOpaque(type: string, info: CallInfo): ModuleValue {
    const m = this.newModule(type, info.node);
    if (info.syntaxError) m.syntaxError = true;
    return m;
  }

  constructContainer(kind: 'Sequential' | 'ModuleList' | 'ModuleDict', info: CallInfo): ModuleValue {
    const m = this.newModule(kind, info.node);
    m.container = kind;
    this.initContainer(m, info);
    return m;
  }

  private initContainer(m: ModuleValue, info: CallInfo): void {
    const kind = m.container;
    if (info.unknownSplat) m.uncertain = true;
    if (kind === 'Sequential') {
      const first = info.args[0];
      if (info.args.length === 1 && first?.k === 'dict') {
        if (first.uncertain) m.uncertain = true;
        first.keys.forEach((k, i) => {
          const v = first.vals[i];
          if (k.k === 'str' && v?.k === 'module') this.addChild(m, k.v, v);
        });
      } else {
        info.args.forEach((v, i) => {
          if (v.k === 'module') this.addChild(m, String(i), v);
          else m.uncertain = true;
        });
      }
    } else if (kind === 'ModuleList') {
      const first = info.args[0] ?? info.kwargs.get('modules');
      if (first) {
        const items = this.a.interp.iterate(first);
        if (!items) m.uncertain = true;
        (items ?? []).forEach((v, i) => {
          if (v.k === 'module') this.addChild(m, String(i), v);
        });
        if ((first.k === 'list' || first.k === 'tuple') && first.uncertain) m.uncertain = true;
      }
    } else if (kind === 'ModuleDict') {
      const first = info.args[0] ?? info.kwargs.get('modules');
      if (first?.k === 'dict') {
        if (first.uncertain) m.uncertain = true;
        first.keys.forEach((k, i) => {
          const v = first.vals[i];
          if (k.k === 'str' && v?.k === 'module') this.addChild(m, k.v, v);
        });
      } else if (first) {
        const items = this.a.interp.iterate(first);
        if (!items) m.uncertain = true;
        for (const it of items ?? []) {
          const pair = this.a.interp.iterate(it);
          if (pair?.[0]?.k === 'str' && pair[1]?.k === 'module') this.addChild(m, pair[0].v, pair[1]);
        }
      }
    }
  }

  constructUser(cls: ClassValue, info: CallInfo): ModuleValue {
    const m = this.newModule(cls.name, info.node);
    m.cls = cls;
    this.a.instanceNodes.set(m.id, info.node);
    if (cls.layer !== undefined) this.userCalls.set(m.id, info);
    // Built from values the analysis does not know (argparse, a config file): a poor choice of instance to report.
    if (info.unknownSplat || [...info.args, ...info.kwargs.values()].some((v) => !isValueKnown(v))) m.uncertain = true;
    if (cls.container) m.container = cls.container;
    this.a.instanceCreated(m);
    const init = findClassAttr(cls, '__init__');
    if (init?.k === 'func') {
      this.a.interp.callFunction(boundTo(init, m), info.args, info.kwargs, rangeOf(info.node));
    } else if (cls.container) {
      this.initContainer(m, info);
    } else if (cls.layer !== undefined) {
      this.initLayerBase(m, info);
    }
    return m;
  }

  addChild(parent: ModuleValue, name: string, childModule: ModuleValue): void {
    parent.children.set(name, childModule);
    parent.attrs.delete(name);
    if (this.a.uncertain) parent.uncertain = true;
    this.a.childAdded(parent, childModule);
  }

  setAttr(m: ModuleValue, name: string, value: Value): void {
    if (value.k === 'module') this.addChild(m, name, value);
    else {
      if (m.children.has(name) && value.k !== 'none') m.children.delete(name);
      if (value.k === 'none') m.children.delete(name);
      m.attrs.set(name, value);
    }
  }

  getAttr(m: ModuleValue, name: string): Value {
    const c = m.children.get(name);
    if (c) {
      this.a.run?.used.add(c.id);
      return c;
    }
    if (name === '_modules') {
      // Read as a dict of the children; `self._modules[name] = layer` registers a child like setattr.
      const d: DictValue = { k: 'dict', keys: [...m.children.keys()].map(str), vals: [...m.children.values()], childrenOf: m };
      if (m.uncertain) d.uncertain = true;
      return d;
    }
    const v = m.attrs.get(name);
    if (v !== undefined) return v;
    if (m.args && m.spec && (m.spec.signature.includes(name) || name in m.spec.defaults)) {
      return storedAttr(m.spec.type, name, fromArg(m.args.get(name)));
    }
    if (m.spec && (name === 'weight' || name === 'bias')) return this.ownParameter(m, name) ?? this.a.tensors.make(null);
    // model.forward(x) outside any forward is an example call, as model(x) is.
    if (name === 'forward' && m.cls && forwardOf(m.cls)) return { k: 'method', self: m, name };
    if (m.cls) {
      const attr = findClassAttr(m.cls, name);
      if (attr?.k === 'func') return this.a.interp.bindMethod(attr, m);
      if (attr !== undefined) return attr;
    }
    if (name === 'training') return { k: 'bool', v: false };
    return { k: 'method', self: m, name };
  }

  /** A norm layer's weight or bias, a parameter of known shape and PyTorch's init, so that the graph reads it by name. */
  private ownParameter(m: ModuleValue, name: 'weight' | 'bias'): TensorValue | undefined {
    const held = m.ownParams?.get(name);
    if (held) return held;
    const shape = m.args && !m.uncertain ? affineShape(m.args) : undefined;
    if (!shape) return undefined;
    const t = this.a.tensors.make(shape);
    t.parameter = true;
    t.fill = { kind: 'constant', value: name === 'weight' ? 1 : 0 };
    (m.ownParams ??= new Map()).set(name, t);
    return t;
  }

  /** hasattr(m, name): its children, attributes, layer arguments and class attributes, and nn.Module's own. */
  hasAttr(m: ModuleValue, name: string): boolean {
    if (m.children.has(name) || m.attrs.has(name) || NN_MODULE_ATTRS.has(name)) return true;
    if (m.spec && (m.spec.signature.includes(name) || name in m.spec.defaults || name === 'weight' || name === 'bias')) return true;
    return m.cls ? findClassAttr(m.cls, name) !== undefined : false;
  }

  callMethod(m: ModuleValue, name: string, info: CallInfo): Value {
    const { args } = info;
    const a0 = args[0];
    switch (name) {
      case '<container_init>':
        if (m.container) this.initContainer(m, info);
        else if (m.cls?.layer !== undefined) this.initLayerBase(m, info);
        return NONE;
      case LAYER_FORWARD: {
        // super().forward(x) in a layer subclass: the built-in layer's own forward.
        const input = args[0];
        if (!m.spec || input?.k !== 'tensor') return input?.k === 'unknown' ? this.a.tensors.make(null) : UNKNOWN_VALUE;
        return this.applyLeaf(m, input, args.slice(1), info.kwargs, info.node);
      }
      case '__init__':
        return NONE;
      case '__setattr__':
        if (a0?.k === 'str' && args[1]) this.setAttr(m, a0.v, args[1]);
        else if (args[1]?.k === 'module') m.uncertain = true;
        return NONE;
      case '__getattr__':
        return a0?.k === 'str' ? this.getAttr(m, a0.v) : UNKNOWN_VALUE;
      case 'get_submodule': {
        if (a0?.k !== 'str') return UNKNOWN_VALUE;
        let cur: ModuleValue | undefined = m;
        for (const part of a0.v ? a0.v.split('.') : []) cur = cur?.children.get(part);
        return cur ?? UNKNOWN_VALUE;
      }
      case 'add_module':
      case 'register_module':
        if (a0?.k === 'str' && args[1]?.k === 'module') this.addChild(m, a0.v, args[1]);
        else if (a0?.k !== 'str' && args[1]?.k === 'module') m.uncertain = true;
        return NONE;
      case 'append':
        if (a0?.k === 'module') this.addChild(m, String(m.children.size), a0);
        else m.uncertain = true;
        return m;
      case 'extend': {
        const items = a0 ? this.a.interp.iterate(a0) : undefined;
        if (!items) m.uncertain = true;
        for (const it of items ?? []) if (it.k === 'module') this.addChild(m, String(m.children.size), it);
        return m;
      }
      case 'insert': {
        // PyTorch shifts the entries from `index` on by one and puts the module at `index` (Demucs builds its
        // decoders with insert(0, ...)); Sequential also takes an index counted from the end.
        const n = m.children.size;
        let at = a0 ? toNumber(a0) : undefined;
        if (at !== undefined && at < 0 && m.container === 'Sequential' && at >= -n) at += n;
        const numbered = [...m.children.keys()].every((k, i) => k === String(i));
        if (at === undefined || !Number.isInteger(at) || at < 0 || at > n || !numbered || args[1]?.k !== 'module' || (m.container !== 'ModuleList' && m.container !== 'Sequential')) {
          m.uncertain = true;
          return NONE;
        }
        const items = [...m.children.values()];
        items.splice(at, 0, args[1]);
        m.children.clear();
        items.forEach((c, i) => this.addChild(m, String(i), c));
        return m.container === 'Sequential' ? m : NONE;
      }
      case 'modules':
      case 'children':
      case 'named_modules':
      case 'named_children': {
        const all: Array<[string, ModuleValue]> = [];
        if (name === 'modules' || name === 'named_modules') collect(m, '', all, new Set());
        else for (const [k, c] of m.children) all.push([k, c]);
        return list(all.map(([k, c]) => (name.startsWith('named') ? tuple([str(k), c]) : c)));
      }
      case 'keys':
        return list([...m.children.keys()].map(str));
      case 'values':
        return list([...m.children.values()]);
      case 'items':
        return list([...m.children].map(([k, c]) => tuple([str(k), c])));
      case 'apply': {
        if (a0) {
          const all: Array<[string, ModuleValue]> = [];
          collect(m, '', all, new Set());
          for (const [, c] of all.reverse()) this.a.call(a0, { ...info, args: [c], kwargs: new Map() });
        }
        return m;
      }
      case 'to':
      case 'cuda':
      case 'cpu':
      case 'eval':
      case 'train':
      case 'float':
      case 'double':
      case 'half':
      case 'requires_grad_':
      case 'zero_grad':
        return m;
      case 'forward':
      case '__call__':
        // model.forward(x) runs what model(x) runs (only the model's own hooks are skipped).
        return this.a.callModule(m, info);
      case 'register_buffer':
        if (a0?.k === 'str' && args[1]) m.attrs.set(a0.v, args[1]);
        return NONE;
      case 'parameters':
      case 'named_parameters':
      case 'buffers':
      case 'state_dict':
        return { k: 'list', items: [], uncertain: true };
      default:
        return UNKNOWN_VALUE;
    }
  }

  // ---------------------------------------------------------------- application

  apply(m: ModuleValue, args: Value[], kwargs: ReadonlyMap<string, Value>, node: SyntaxNode): Value {
    const out = this.applyUnmarked(m, args, kwargs, node);
    // A module built on an uncertain path gives an uncertain result: nothing downstream of it is reported.
    if (m.uncertain && out.k === 'tensor' && !out.uncertain) return { ...out, uncertain: true };
    return out;
  }

  private applyUnmarked(m: ModuleValue, args: Value[], kwargs: ReadonlyMap<string, Value>, node: SyntaxNode): Value {
    const run = this.a.run;
    run?.used.add(m.id);
    if (m.uncertain && run) run.uncertain = true;
    if (m.cls) {
      const forward = forwardOf(m.cls);
      if (forward) {
        run?.forwardRan.add(m.id);
        return this.a.interp.callFunction(boundTo(forward, m), args, kwargs, rangeOf(node));
      }
      if (m.container === 'Sequential') return this.applySequential(m, args, node);
      if (!m.spec) return UNKNOWN_VALUE;
    }
    // An empty nn.Sequential() (an identity shortcut) has no children: PyTorch's hooks see it as a leaf.
    if (m.container === 'Sequential' && m.children.size === 0 && !m.uncertain && args[0]?.k === 'tensor') return this.applyEmptySequential(m, args[0], node);
    if (m.container === 'Sequential') return this.applySequential(m, args, node);
    if (m.container) return UNKNOWN_VALUE;
    // The first input given by its name (`self.attn(query=x, key=x, value=x)`, `conv(input=x)`).
    const first = m.spec?.inputNames?.[0] ?? 'input';
    const byName = args.length === 0 ? kwargs.get(first) : undefined;
    const input = byName ?? args[0];
    if (!input || input.k !== 'tensor') {
      return input?.k === 'unknown' ? this.a.tensors.make(null) : UNKNOWN_VALUE;
    }
    if (byName) {
      const rest = new Map(kwargs);
      rest.delete(first);
      return this.applyLeaf(m, input, [], rest, node);
    }
    return this.applyLeaf(m, input, args.slice(1), kwargs, node);
  }

  private applySequential(m: ModuleValue, args: Value[], node: SyntaxNode): Value {
    let x: Value = args[0] ?? UNKNOWN_VALUE;
    for (const c of m.children.values()) {
      this.a.run?.used.add(c.id);
      x = this.apply(c, [x], new Map(), node);
      // A Sequential child's own construction site gets the inlay hint.
      if (x.k === 'tensor' && x.shape) this.a.addSite(c.site, x.shape, true, x.uncertain === true || m.uncertain);
    }
    if (m.uncertain && x.k === 'tensor') x = { ...x, uncertain: true };
    return x;
  }

  private applyEmptySequential(m: ModuleValue, input: TensorValue, node: SyntaxNode): Value {
    const out = this.a.tensors.make(input.shape, input);
    this.a.recordApplication(m, [input], out, rangeOf(node), input.poisoned ? null : input.shape);
    return out;
  }

  /**
   * Splits a forward call's arguments: tensors for the spec's tensor parameters (a tuple of tensors, an LSTM's
   * (h_0, c_0), gives consecutive inputs; None leaves the optional ones out), the rest bound to its
   * forwardSignature. `unknown`: a tensor argument the analysis could not evaluate.
   */
  private forwardArgs(spec: LayerSpec, input: TensorValue, extra: Value[], kwargs: ReadonlyMap<string, Value>): { inputs: TensorValue[]; forward: BoundArgs; unknown: boolean } {
    // The common call, `layer(x)`: the forward defaults bound once per layer kind.
    if (extra.length === 0 && kwargs.size === 0) {
      let forward = plainForward.get(spec);
      if (!forward) plainForward.set(spec, (forward = this.bindForward(spec, [], {})));
      return { inputs: [input], forward, unknown: false };
    }
    const names = spec.inputNames ?? ['input'];
    const slots = new Map<string, Value>([[names[0] ?? 'input', input]]);
    const positional: ArgValue[] = [];
    extra.forEach((v, i) => {
      const name = names[i + 1];
      if (name !== undefined) slots.set(name, v);
      else positional.push(toArg(v));
    });
    const keywords: Record<string, ArgValue> = {};
    for (const [k, v] of kwargs) {
      if (names.includes(k)) slots.set(k, v);
      else keywords[k] = toArg(v);
    }
    const inputs: TensorValue[] = [];
    let unknown = false;
    const take = (v: Value): void => {
      if (v.k === 'tensor') inputs.push(v);
      else if ((v.k === 'tuple' || v.k === 'list') && !v.uncertain) v.items.forEach(take);
      else if (v.k !== 'none') unknown = true;
    };
    for (const name of names) {
      const v = slots.get(name);
      if (v !== undefined) take(v);
    }
    return { inputs, forward: this.bindForward(spec, positional, keywords), unknown };
  }

  private bindForward(spec: LayerSpec, positional: ArgValue[], keywords: Record<string, ArgValue>): BoundArgs {
    const fwdSpec = { type: `${spec.type}.forward`, signature: spec.forwardSignature ?? [], defaults: spec.forwardDefaults ?? {} };
    const inner = bindRuleArgs(fwdSpec, positional, keywords, { unknownTail: true }).args;
    return {
      type: inner.type, get: (name) => inner.get(name), given: (name) => inner.given(name),
      rangeOf: () => undefined, toJSON: () => ({ ...inner.values }),
    };
  }

  private applyLeaf(m: ModuleValue, input: TensorValue, extra: Value[], kwargs: ReadonlyMap<string, Value>, node: SyntaxNode): Value {
    const tensors = this.a.tensors;
    const spec = m.spec;
    const split = spec ? this.forwardArgs(spec, input, extra, kwargs) : undefined;
    const inputs: TensorValue[] = split?.inputs ?? [input, ...extra.filter((e): e is TensorValue => e.k === 'tensor')];
    const uncertain = inputs.some((t) => t.uncertain) || m.uncertain;
    const callRange = rangeOf(node);
    if (!spec || !m.args || !split || m.broken || split.unknown || inputs.some((t) => !t.shape || t.poisoned)) {
      const poisoned = inputs.some((t) => t.poisoned) || m.broken;
      const out = tensors.make(null, input, { uncertain: uncertain || split?.unknown === true, poisoned });
      this.a.recordApplication(m, inputs, out, callRange, null);
      return out;
    }
    const shapes = inputs.map((t) => t.shape ?? []);
    // With a symbolic input, a Linear after a flatten forces the input size: remember the equation.
    const last = input.shape?.[input.shape.length - 1];
    const inFeatures = spec.type === 'Linear' ? m.args.get('in_features') : undefined;
    if (last !== undefined && !isKnown(last) && typeof inFeatures === 'number') this.a.constrainEq(last, inFeatures, false);
    let result: ReturnType<LayerSpec['apply']>;
    try {
      result = spec.apply(m.args, shapes, split.forward);
    } catch (e) {
      this.a.note(`could not compute ${spec.type}: ${(e as Error).message}`);
      const out = tensors.make(null, input, { uncertain: true });
      this.a.recordApplication(m, inputs, out, callRange, null);
      return out;
    }
    if ('error' in result) {
      this.reportIssue(result.error, m, input, node, uncertain);
      if (this.a.run) this.a.run.failed = true;
      const out = tensors.make(null, input, { uncertain, poisoned: true });
      this.a.recordApplication(m, inputs, out, callRange, null);
      return out;
    }
    for (const issue of result.issues ?? []) this.reportIssue(issue, m, input, node, uncertain);
    const out = tensors.make(result.output, input, { uncertain });
    // An RNN over a PackedSequence gives a PackedSequence.
    if (input.packed && /^(RNN|LSTM|GRU)$/.test(spec.type)) out.packed = input.packed;
    if (CHANNEL_PRODUCERS.test(spec.type)) {
      const argRange = m.args.rangeOf('out_channels') ?? m.args.rangeOf('out_features') ?? m.args.rangeOf('hidden_size');
      out.producer = { site: m.site, label: `${spec.type} here`, module: m, ...(argRange ? { argRange } : {}) };
    }
    out.rf = tensors.propagateGeometry(input, spec.geometry?.(m.args) ?? null, spec.type);
    this.a.constrainSymbolic(result.output);
    const recorded = this.a.recordApplication(m, inputs, out, callRange, result.output, forwardJSON(spec, split.forward));
    if (!result.outputs) return out;
    // A tuple result (an LSTM's (output, (h_n, c_n))): its first tensor is the recorded output.
    let first = true;
    const build = (t: OutputTree): Value => {
      if (t === null) return NONE;
      if (!Array.isArray(t)) return tuple(t.items.map(build));
      if (first) {
        first = false;
        return out;
      }
      const o = tensors.make(t, input, { uncertain });
      if (out.producer) o.producer = out.producer;
      // Over a PackedSequence the final states are batched (the packed data reads as unbatched).
      if (input.packed) o.shape = batchedStates(o, input.packed);
      return o;
    };
    const value = tuple(result.outputs.map(build));
    // Every tensor of the tuple, flattened, so that the engine can hand h_n or the attention weights to later nodes.
    if (recorded) {
      const ids: Array<number | null> = [];
      const flat = (v: Value): void => {
        if (v.k === 'tensor') ids.push(v.id);
        else if (v.k === 'none') ids.push(null);
        else if (v.k === 'tuple') v.items.forEach(flat);
      };
      flat(value);
      recorded.outputs = ids;
    }
    return value;
  }

  /** Turns a rule's issue into a finding at the right place: the argument it names, or the constructor. */
  reportIssue(issue: LayerIssue, m: ModuleValue, input: TensorValue | undefined, callNode: SyntaxNode, uncertain = false): void {
    const argRange = issue.arg ? m.args?.rangeOf(issue.arg) : undefined;
    const range = argRange ?? m.site;
    const related = [];
    if (issue.blamesInput && input?.producer) {
      related.push({ range: input.producer.argRange ?? input.producer.site, message: `the input comes from ${this.a.producerLabel(input.producer)}` });
    }
    if (input && rangeOf(callNode).startOffset !== m.site.startOffset) {
      related.push({ range: rangeOf(callNode), message: `${m.type} is applied here` });
    }
    if (m.builtBy) related.push({ range: m.builtBy, message: `${m.type} is built by this call` });
    // A fix rewrites a literal; an argument computed from variables (a helper's parameter) is used by other calls too.
    const literal = (r: Range | undefined): r is Range => r !== undefined && /^\s*-?\d+\s*$|^\s*'[a-z]*'\s*$|^\s*"[a-z]*"\s*$/.test(this.a.textOf(r));
    const fixes = [];
    if (issue.fix) {
      const fixRange = m.args?.rangeOf(issue.fix.arg);
      if (literal(fixRange)) fixes.push({ title: issue.fix.title, edits: [{ range: fixRange, newText: issue.fix.value }], preferred: true });
    }
    // Also offer to change the producer's out_channels when the mismatch is about channels.
    if (issue.code === 'channel-mismatch' && literal(input?.producer?.argRange) && m.args) {
      const want = m.args.get('in_channels');
      const at = input?.producer?.argRange;
      if (typeof want === 'number' && at) fixes.push({ title: `Change the previous layer's out_channels to ${want}`, edits: [{ range: at, newText: String(want) }], preferred: false });
    }
    // The input is a tensor whose reshape was thrown away (`x.view(...)` alone on a line): the fix is to assign that
    // result, not to change this layer to fit the unreshaped tensor.
    const discarded = issue.blamesInput ? input?.discarded : undefined;
    let message = input ? messageFrom(issue.message, producedBy(input.producer)) : issue.message;
    if (discarded) {
      fixes.length = 0;
      message = `${message.replace(/: set \w+ to [^:]*$/, '')}; it gets the tensor from before \`${discarded.text}\` on line ${discarded.range.start.line + 1}, whose result is thrown away`;
      related.push({ range: discarded.range, message: `the result of ${discarded.text} is thrown away here` });
    }
    this.a.report({
      code: issue.code, severity: issue.severity, range, message, pytorchError: issue.pytorch,
      related, fixes, anchor: { range: m.builtFrom, label: `the ${m.type} layer` },
    }, uncertain || m.uncertain);
  }
}

/** A layer's forward arguments beyond its tensors (need_weights, output_size), for the engine; none for most layers. */
function forwardJSON(spec: LayerSpec, forward: BoundArgs): Record<string, unknown> | undefined {
  if (!spec.forwardSignature || spec.forwardSignature.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  // A value the analysis cannot write down (a mask tensor) is "unknown", not null: null means it was not given.
  for (const name of spec.forwardSignature) {
    const v = forward.get(name);
    out[name] = v === UNKNOWN ? 'unknown' : argToJSON(v);
  }
  return out;
}

function isValueKnown(v: Value, depth = 0): boolean {
  if (depth > 4) return true;
  switch (v.k) {
    case 'unknown': return false;
    case 'list':
    case 'tuple': return !v.uncertain && v.items.every((x) => isValueKnown(x, depth + 1));
    case 'dict': return !v.uncertain && v.vals.every((x) => isValueKnown(x, depth + 1));
    default: return true;
  }
}

/** A layer argument as the layer stores it: a convolution's sizes as n-tuples (`kh, kw = self.kernel_size`), LayerNorm's shape as a tuple. */
function storedAttr(type: string, name: string, v: Value): Value {
  const conv = /^(?:Lazy)?Conv(?:Transpose)?([123])d$/.exec(type);
  if (conv && v.k === 'num' && ['kernel_size', 'stride', 'padding', 'dilation', 'output_padding'].includes(name)) return tuple(Array.from({ length: Number(conv[1]) }, () => v));
  if (type === 'LayerNorm' && name === 'normalized_shape' && (v.k === 'num' || v.k === 'sym')) return tuple([v]);
  if (type === 'LayerNorm' && name === 'normalized_shape' && v.k === 'list') return tuple(v.items);
  return v;
}

function fromArg(a: ArgValue): Value {
  if (a === UNKNOWN) return UNKNOWN_VALUE;
  if (a === null) return NONE;
  if (typeof a === 'number') return num(a, !Number.isInteger(a));
  if (typeof a === 'string') return str(a);
  if (typeof a === 'boolean') return { k: 'bool', v: a };
  if (Array.isArray(a)) return tuple(a.map(fromArg));
  if (isSym(a)) return { k: 'sym', d: a as Dim };
  return UNKNOWN_VALUE;
}

/** What every nn.Module has (dir(nn.Module()) in PyTorch 1.13, without dunders). */
const NN_MODULE_ATTRS = new Set([
  'T_destination', '_apply', '_backward_hooks', '_buffers', '_call_impl', '_forward_hooks', '_forward_pre_hooks', '_get_backward_hooks',
  '_get_name', '_is_full_backward_hook', '_load_from_state_dict', '_load_state_dict_post_hooks', '_load_state_dict_pre_hooks',
  '_maybe_warn_non_full_backward_hook', '_modules', '_named_members', '_non_persistent_buffers_set', '_parameters',
  '_register_load_state_dict_pre_hook', '_register_state_dict_hook', '_replicate_for_data_parallel', '_save_to_state_dict',
  '_slow_forward', '_state_dict_hooks', '_version', 'add_module', 'apply', 'bfloat16', 'buffers', 'children', 'cpu', 'cuda',
  'double', 'dump_patches', 'eval', 'extra_repr', 'float', 'forward', 'get_buffer', 'get_extra_state', 'get_parameter',
  'get_submodule', 'half', 'ipu', 'load_state_dict', 'modules', 'named_buffers', 'named_children', 'named_modules',
  'named_parameters', 'parameters', 'register_backward_hook', 'register_buffer', 'register_forward_hook',
  'register_forward_pre_hook', 'register_full_backward_hook', 'register_load_state_dict_post_hook', 'register_module',
  'register_parameter', 'requires_grad_', 'set_extra_state', 'share_memory', 'state_dict', 'to', 'to_empty', 'train',
  'training', 'type', 'xpu', 'zero_grad',
]);

/** `super().forward` in a subclass of a built-in layer (not a Python name, so user code cannot reach it). */
export const LAYER_FORWARD = '<layer_forward>';

/** Forward arguments of `layer(x)` with nothing else passed, per layer kind (read-only once bound). */
const plainForward = new WeakMap<LayerSpec, BoundArgs>();

/** named_modules() order: self first, then children depth-first, each module once. */
export function collect(m: ModuleValue, prefix: string, out: Array<[string, ModuleValue]>, seen: Set<number>): void {
  if (seen.has(m.id)) return;
  seen.add(m.id);
  out.push([prefix, m]);
  for (const [k, c] of m.children) collect(c, prefix ? `${prefix}.${k}` : k, out, seen);
}

export function qualifiedNames(root: ModuleValue): Map<number, string> {
  const all: Array<[string, ModuleValue]> = [];
  collect(root, '', all, new Set());
  return new Map(all.map(([name, m]) => [m.id, name]));
}

/** The method PyTorch runs for module(x): forward, or a __call__ the class defines instead. */
export function forwardOf(cls: ClassValue): FuncValue | undefined {
  const forward = findClassAttr(cls, 'forward');
  if (forward?.k === 'func') return forward;
  const call = findClassAttr(cls, '__call__');
  return call?.k === 'func' ? call : undefined;
}
