// Orchestrates one analysis of a Python file: runs the module's top level, dispatches calls
// (user functions, classes, torch.nn, torch functions, builtins) and collects findings and shape sites.
import { child, rangeOf, type SyntaxNode } from '../syntax';
import type { Finding, GraphNode, Range, RelatedLocation, Fix } from '../types';
import { isKnown, sub, dimToJSON, type Dim, type Shape } from '../dims';
import { functionalSpecs, layerSpecs } from '../rules/registry';
import type { LayerArgs, LayerSpec } from '../rules/layer-spec';
import {
  dictSet, findClassAttr, formatValue, getItem, Interpreter, toDim, toNumber, valueEquals, dimValue,
} from './interpreter';
import { LAYER_FORWARD, ModuleOps, qualifiedNames } from './modules';
import { ModuleLoader, type ImportContext } from './imports';
import { basename } from '../program/host';
import { RunContext } from './run-context';
import { RECORD_INIT, recordFields, StdlibOps } from './stdlib';
import { inPlaceFill, TensorOps } from './tensors';
import { DataOps } from './data';
import { weightNorm } from './weight-norm';
import { packPaddedSequence, padPackedSequence } from './packed-sequence';
import {
  bool, isOpaqueRef, list, NONE, num, str, truthy, tuple, UNKNOWN_VALUE, Scope,
  type ClassValue, type DictValue, type ModuleValue, type Producer, type RefValue, type TensorValue, type Value,
} from './values';
import type { ShapeJSON } from '../types';

export function shapeJSON(s: Shape | null): ShapeJSON {
  return s ? s.map(dimToJSON) : [];
}

export interface CallInfo {
  args: Value[];
  kwargs: ReadonlyMap<string, Value>;
  argNodes: SyntaxNode[];
  kwNodes: ReadonlyMap<string, SyntaxNode>;
  unknownSplat: boolean;
  /** The argument list does not parse. */
  syntaxError?: boolean;
  node: SyntaxNode;
  scope: Scope;
}

export interface ExampleCall {
  module: ModuleValue;
  inputs: Value[];
  node: SyntaxNode;
}

export interface TopLevelModule {
  name: string;
  node: SyntaxNode;
  module: ModuleValue;
}

const TENSOR_FACTORIES = new Set(['randn', 'rand', 'zeros', 'ones', 'empty', 'full', 'randint', 'normal', 'randn_like', 'rand_like', 'zeros_like', 'ones_like', 'empty_like', 'full_like', 'tensor', 'as_tensor', 'from_numpy', 'arange']);

export class Analyzer {
  readonly interp: Interpreter;
  readonly modules: ModuleOps;
  readonly tensors: TensorOps;
  readonly stdlib: StdlibOps;
  readonly data: DataOps;
  readonly notes: string[] = [];
  readonly classes: ClassValue[] = [];
  readonly exampleCalls: ExampleCall[] = [];
  readonly topLevelModules: TopLevelModule[] = [];
  private readonly findingsByKey = new Map<string, Finding>();
  private readonly sitesByKey = new Map<number | string, Site>();
  /** True while the file's own top-level statements run (not while Conv Lens builds models with default arguments). */
  runningTopLevel = false;
  /** Lines of the parts that do not parse: no finding is reported there. */
  syntaxErrorRows = new Set<number>();
  /** The active forward run, if any. */
  run: RunContext | undefined;
  private lastPrinted: Value | undefined;

  readonly imports: ModuleLoader;

  constructor(readonly source: string, maxSteps: number, importContext?: ImportContext, readonly library = false) {
    this.imports = new ModuleLoader(this, importContext);
    this.interp = new Interpreter(this, maxSteps);
    this.modules = new ModuleOps(this);
    this.tensors = new TensorOps(this);
    this.stdlib = new StdlibOps(this);
    this.data = new DataOps(this);
  }

  /** Ids are per analysis so that the same text always gives the same result. */
  nextTensorId = 1;
  nextModuleId = 1;
  readonly instancesByClass = new Map<ClassValue, ModuleValue[]>();
  /** The call that built each user-class instance. */
  readonly instanceNodes = new Map<number, SyntaxNode>();
  /** First parent of each module that became a child of another. */
  readonly parentOf = new Map<number, ModuleValue>();

  instanceCreated(m: ModuleValue): void {
    if (!m.cls) return;
    const list = this.instancesByClass.get(m.cls) ?? [];
    list.push(m);
    this.instancesByClass.set(m.cls, list);
  }

  childAdded(parent: ModuleValue, c: ModuleValue): void {
    if (!this.parentOf.has(c.id) && parent.id !== c.id) this.parentOf.set(c.id, parent);
  }

  recordApplication(m: ModuleValue, inputs: TensorValue[], out: TensorValue, callRange: Range, output: Shape | null, forward?: Record<string, unknown>): GraphNode | undefined {
    const run = this.run;
    if (!run) return undefined;
    run.used.add(m.id);
    if (!run.traced) return undefined;
    const shapes = inputs.map((t) => t.shape ?? []);
    const spec = m.spec;
    const args = m.args;
    const known = output !== null && inputs.every((t) => t.shape !== null);
    const rf = out.rf;
    // An empty nn.Sequential() (identity shortcut) has no parameters and does no arithmetic.
    const identity = m.container === 'Sequential' && m.children.size === 0;
    // A throwaway run (an example call at the top level, the probe for a symbolic input) reports no layer table or
    // graph: only which layers ran, on what, is read from it.
    const report = run.record;
    run.applications.push({
      module: m,
      inputs: shapes,
      output,
      callRange,
      // Layers without a count (activations, dropout, reshapes) have no parameters and no multiply-accumulates.
      params: !report ? null : identity ? 0 : spec && args ? paramsOf(m, spec, args) : null,
      macs: !report ? null : identity ? 0 : spec && args && known && output ? macsOf(spec, args, shapes, output) : null,
      formula: report && spec && args && known && output ? formulaOf(spec, args, shapes, output) : [],
      receptiveField: rf ? [rf.size[0] ?? 1, rf.size[1] ?? 1] : null,
      cumulativeStride: rf ? [rf.jump[0] ?? 1, rf.jump[1] ?? 1] : null,
    });
    // A layer subclass's own layer (Conv2dSame's super().forward) runs as the built-in layer it is.
    const type = m.cls?.layer !== undefined && spec ? spec.type : m.type;
    const node: GraphNode = {
      id: out.id, op: 'module', args: {}, inputs: inputs.map((t) => t.id), shape: report ? shapeJSON(out.shape) : [], range: callRange,
      module: { name: '', type, args: report ? args?.toJSON() ?? {} : {}, ...(forward === undefined || !report ? {} : { forward }) },
    };
    run.nodes.push(node);
    run.moduleNodes.push({ node, module: m });
    return node;
  }

  recordOp(op: string, args: Record<string, unknown>, inputs: TensorValue[], out: TensorValue, node: SyntaxNode): void {
    if (this.run && !this.run.record) return;
    this.run?.nodes.push({ id: out.id, op, args, inputs: inputs.map((t) => t.id), shape: shapeJSON(out.shape), range: rangeOf(node) });
  }

  /** With a symbolic input every computed size must stay >= 1: remembered to say which inputs work. */
  constrainSymbolic(shape: Shape): void {
    if (!this.run?.traced) return;
    for (const d of shape) if (!isKnown(d)) this.run.constraints.push({ dim: d, kind: 'min1' });
  }

  constrainEq(x: Dim, y: Dim, divisible: boolean): void {
    if (!this.run?.traced) return;
    if (divisible) return;
    this.run.constraints.push({ dim: sub(x, y), kind: 'eq0' });
  }

  note(message: string): void {
    if (this.notes.length < 50 && !this.notes.includes(message)) this.notes.push(message);
  }

  get uncertain(): boolean {
    return this.interp.uncertainDepth > 0;
  }

  /** Records a finding unless the current path is uncertain or a throwaway run. */
  report(f: { code: string; severity: Finding['severity']; range: Range; message: string; pytorchError?: string | undefined; related?: RelatedLocation[]; fixes?: Fix[]; unnecessary?: boolean; anchor?: { range: Range | undefined; label: string } }, uncertain = false): void {
    if (uncertain || this.uncertain) {
      if (this.run) this.run.uncertain = true;
      return;
    }
    if (this.run && !this.run.record) return;
    if (this.library && f.severity !== 'error') return;
    // A statement of this file that does not parse: Python's SyntaxError is the message, not anything about its arguments.
    if (f.range.file === undefined && this.syntaxErrorRows.has(f.range.start.line)) return;
    // Warnings and hints about code in another file (an installed package, a module of the project) are not this
    // file's to act on: that file's own analysis reports them. Errors are, as PyTorch raises them on this file's call.
    if (f.range.file !== undefined && f.severity !== 'error') return;
    if (f.range.file !== undefined) {
      // A warning or hint about another file's own code belongs to that file (shown when it is opened), and never
      // to an installed package's code.
      if (f.severity !== 'error') return;
      // Code of another file went wrong because of how this file uses it: report it on this file's call.
      const anchor = f.anchor?.range ?? this.callSiteInDocument();
      if (!anchor) return;
      const what = f.anchor?.label ?? 'the code that fails';
      f = { ...f, range: anchor, related: [{ range: f.range, message: `${what} is here, in ${basename(f.range.file)}` }, ...(f.related ?? [])], fixes: [] };
    }
    const key = `${f.code}@${f.range.startOffset}:${f.range.endOffset}`;
    if (this.findingsByKey.has(key)) return;
    const finding: Finding = { code: f.code, severity: f.severity, range: f.range, message: f.message, related: f.related ?? [], fixes: f.fixes ?? [] };
    if (f.pytorchError !== undefined) finding.pytorchError = f.pytorchError;
    if (f.unnecessary) finding.unnecessary = true;
    this.findingsByKey.set(key, finding);
  }

  /** The innermost call in the analysed document that led to the code running now. */
  callSiteInDocument(): Range | undefined {
    const frames = this.interp.frames;
    for (let i = frames.length - 1; i >= 0; i--) {
      const site = frames[i]?.callSite;
      if (site && site.file === undefined) return site;
    }
    return undefined;
  }

  /** The text a range points into: this document's or an imported module's. */
  textOf(range: Range): string {
    const text = range.file === undefined ? this.source : this.imports.textOf(range.file) ?? '';
    return text.slice(range.startOffset, range.endOffset);
  }

  get findings(): Finding[] {
    return [...this.findingsByKey.values()];
  }

  /** The shape sites in the order they were first reached (read once the analysis is done). */
  get sites(): Site[] {
    return [...this.sitesByKey.values()];
  }

  /** A producer as a related location says it: the layer by its name in the model (`conv1 (Conv2d) here`) when known. */
  producerLabel(producer: Producer): string {
    const root = this.run?.root;
    const name = producer.module && root ? qualifiedNames(root).get(producer.module.id) : undefined;
    if (name === undefined || name === '' || producer.module === undefined) return producer.label;
    return `${name} (${producer.module.type}) here`;
  }

  addSite(range: Range, shape: Shape, hint: boolean, uncertain: boolean): void {
    if (uncertain || this.uncertain || (this.run && !this.run.record) || range.file !== undefined) return;
    const { startOffset: start, endOffset: end } = range;
    // A number for every offset a document can have (this runs for every statement and layer of every forward).
    const key = start < 0x2000000 && end < 0x2000000 ? start * 0x2000000 + end : `${start}:${end}`;
    let site = this.sitesByKey.get(key);
    if (!site) {
      site = { range, shapes: [], byModel: new Map(), hint };
      this.sitesByKey.set(key, site);
    }
    site.hint ||= hint;
    keepShape(site.shapes, shape);
    const model = this.run?.model;
    if (model !== undefined) {
      let seen = site.byModel.get(model);
      if (!seen) site.byModel.set(model, (seen = []));
      keepShape(seen, shape);
    }
  }

  /** A statement's value: tensor sites for hovers (and shape-comment checks). */
  recordSite(stmt: SyntaxNode, value: Value, hint: boolean): void {
    if (!this.sitesWanted(stmt)) {
      this.lastPrinted = undefined;
      return;
    }
    let v = value;
    const call = stmt.children[0];
    if (call?.type === 'call' && child(call, 'function')?.text === 'print' && this.lastPrinted) v = this.lastPrinted;
    this.lastPrinted = undefined;
    if (v.k === 'tensor' && v.shape) this.addSite(rangeOf(stmt), v.shape, hint, v.uncertain === true);
    else if ((v.k === 'tuple' || v.k === 'list') && v.size) {
      const dims = v.items.map(toDim);
      if (dims.every((d) => d !== undefined)) this.addSite(rangeOf(stmt), dims as Shape, false, v.uncertain === true);
    }
  }

  /** Whether shape sites of this document's code are kept now (not on an uncertain path or in a throwaway run). */
  private sitesWanted(node: SyntaxNode): boolean {
    return node.file === undefined && !this.uncertain && !(this.run && !this.run.record);
  }

  recordAssignment(node: SyntaxNode, left: SyntaxNode, value: Value): void {
    const inFunction = this.interp.frames.length > 0;
    if (this.sitesWanted(node)) this.assignmentSites(node, left, value, inFunction);
    if (value.k === 'data' && left.type === 'identifier') this.data.named(value, left.text);
    if (!inFunction && value.k === 'module' && left.type === 'identifier' && !this.run && node.file === undefined) {
      this.topLevelModules.push({ name: left.text, node, module: value });
    }
  }

  private assignmentSites(node: SyntaxNode, left: SyntaxNode, value: Value, inFunction: boolean): void {
    if (value.k === 'tensor' && value.shape) {
      this.addSite(rangeOf(node), value.shape, inFunction, value.uncertain === true);
      if (left.type === 'identifier') this.addSite(rangeOf(left), value.shape, false, value.uncertain === true);
    } else if (value.k === 'tuple' && left.type === 'pattern_list') {
      left.children.forEach((t, i) => {
        const item = value.items[i];
        if (item?.k === 'tensor' && item.shape) this.addSite(rangeOf(t), item.shape, false, item.uncertain === true);
      });
    }
  }

  classDefined(cls: ClassValue, scope: Scope): void {
    if (cls.isModule && scope.isModule && cls.node.file === undefined) this.classes.push(cls);
  }

  // ---------------------------------------------------------------- calls

  call(fn: Value, info: CallInfo): Value {
    switch (fn.k) {
      case 'func':
        return this.interp.callFunction(fn, info.args, info.kwargs, rangeOf(info.node));
      case 'class':
        if (fn.isModule) return this.modules.constructUser(fn, info);
        return this.constructObject(fn, info);
      case 'module':
        return this.callModule(fn, info);
      case 'ref':
        return this.callRef(fn, info);
      case 'method':
        return this.callMethod(fn.self, fn.name, info);
      case 'obj': {
        const r = this.stdlib.callObject(fn, info);
        if (r) return r;
        // An instance of a class that defines __call__.
        const call = findClassAttr(fn.cls, '__call__');
        return call?.k === 'func' ? this.interp.callFunction({ ...call, self: fn }, info.args, info.kwargs, rangeOf(info.node)) : UNKNOWN_VALUE;
      }
      default:
        return UNKNOWN_VALUE;
    }
  }

  callModule(m: ModuleValue, info: CallInfo): Value {
    if (this.run) return this.modules.apply(m, info.args, info.kwargs, info.node);
    // A call outside any forward (the file's top level, a main() or a test function) is an example call: it tells the model's input.
    if (info.node.file === undefined) this.exampleCalls.push({ module: m, inputs: info.args, node: info.node });
    const saved = this.run;
    this.run = new RunContext(false, undefined, undefined, false);
    try {
      return this.modules.apply(m, info.args, info.kwargs, info.node);
    } finally {
      this.run = saved;
    }
  }

  /**
   * `summary(model, (3, 32, 32))` is an example call: torchsummary's size leaves out the batch (it runs a batch of 2;
   * Conv Lens uses 1), torchinfo's includes it.
   */
  private summaryCall(path: string, info: CallInfo): Value {
    const model = info.args[0] ?? info.kwargs.get('model');
    const size = info.args[1] ?? info.kwargs.get('input_size');
    const dims = size ? this.interp.iterate(size)?.map(toDim) : undefined;
    if (model?.k !== 'module' || !dims || dims.length === 0 || dims.some((d) => d === undefined)) return NONE;
    const shape = (path.startsWith('torchinfo') ? dims : [1, ...dims]) as Dim[];
    const input = this.tensors.make(shape);
    input.rf = { size: [1, 1], jump: [1, 1] };
    this.callModule(model, { ...info, args: [input], kwargs: new Map() });
    return NONE;
  }

  private constructObject(cls: ClassValue, info: CallInfo): Value {
    const record = this.stdlib.constructRecord(cls, info);
    if (record) return record;
    if (cls.native) return UNKNOWN_VALUE;
    const obj: Value = { k: 'obj', cls, attrs: new Map() };
    const init = findClassAttr(cls, '__init__');
    if (init?.k === 'func') this.interp.callFunction({ ...init, self: obj }, info.args, info.kwargs, rangeOf(info.node));
    return obj;
  }

  superAttr(sup: RefValue, name: string): Value {
    const self = sup.self;
    const frame = this.interp.currentFrame;
    const owner = frame?.func?.owner;
    if (!self || !owner) return UNKNOWN_VALUE;
    for (const base of owner.bases) {
      if (base.k === 'class') {
        const m = findClassAttr(base, name);
        if (m?.k === 'func') return this.interp.bindMethod(m, self);
        if (m !== undefined) return m;
        // A dataclass base's __init__ is the one @dataclass generates from its fields.
        if (name === '__init__' && self.k === 'obj' && !base.tupleLike && recordFields(base)) return { k: 'method', self, name: RECORD_INIT };
      }
    }
    // The base is torch.nn.Module or a torch container: its __init__ is modelled by ModuleOps.
    if (name === '__init__' && self.k === 'module') return { k: 'method', self, name: '<container_init>' };
    if (name === 'forward' && self.k === 'module' && self.cls?.layer !== undefined) return { k: 'method', self, name: LAYER_FORWARD };
    return { k: 'method', self, name };
  }

  private callRef(fn: RefValue, info: CallInfo): Value {
    const path = canonicalPath(fn.path);
    const { args, kwargs } = info;
    if (path.startsWith('builtins.')) return this.callBuiltin(path.slice(9), info);
    const std = this.stdlib.call(path, info);
    if (std) return std;
    if (path.startsWith('torch.nn.') && !path.startsWith('torch.nn.functional.') && !path.startsWith('torch.nn.init.') && !path.startsWith('torch.nn.utils.')) {
      const name = path.slice('torch.nn.'.length);
      if (name === 'Sequential' || name === 'ModuleList' || name === 'ModuleDict') return this.modules.constructContainer(name, info);
      const spec = layerSpecs.get(name);
      if (spec) return this.modules.constructBuiltin(spec, info);
      if (name === 'Module') return UNKNOWN_VALUE;
      if (name === 'Parameter') {
        // A learnable tensor: same shape as its data, counted in the model's parameters.
        const data = args[0] ?? kwargs.get('data');
        const t = data?.k === 'tensor' ? { ...data, id: this.nextTensorId++ } : this.tensors.make(null);
        t.parameter = true;
        return t;
      }
      this.note(`torch.nn.${name} is not modelled: shapes after it are unknown`);
      return this.modules.constructOpaque(name, info);
    }
    if (path.startsWith('torchvision.datasets.') || path.startsWith('torchvision.transforms.') || path.startsWith('torch.utils.data.')) {
      const v = this.data.call(path, info);
      if (v) return v;
    }
    // Matrix products and einsum have their rules in the registry but take their operands their own way.
    if (path === 'torch.matmul' || path === 'torch.mm' || path === 'torch.bmm' || path === 'torch.einsum') return this.tensors.torchFunction(path.slice(6), info) ?? UNKNOWN_VALUE;
    const functional = functionalSpecs.get(path);
    if (functional) return this.tensors.applyFunctional(path, functional, info);
    // einops' layers (Rearrange, Reduce) are nn.Modules with shape rules like torch.nn's.
    const einopsLayer = path.startsWith('einops.layers.torch.') ? layerSpecs.get(path.slice('einops.layers.torch.'.length)) : undefined;
    if (einopsLayer) return this.modules.constructBuiltin(einopsLayer, info);
    if (path === 'torch.nn.utils.weight_norm' || path === 'torch.nn.utils.weight_norm.weight_norm') return weightNorm(this.tensors, info);
    if (path === 'torch.nn.utils.rnn.pack_padded_sequence') return packPaddedSequence(this.tensors, info);
    if (path === 'torch.nn.utils.rnn.pad_packed_sequence') return padPackedSequence(this.tensors, info);
    // spectral_norm keeps the weight's size (weight_orig) and adds buffers, not parameters.
    if (path === 'torch.nn.utils.spectral_norm' || path === 'torch.nn.utils.parametrizations.spectral_norm') return args[0]?.k === 'module' ? args[0] : UNKNOWN_VALUE;
    if (path.startsWith('torch.nn.init.')) {
      // In place on the tensor, which it returns: what an nn.Parameter starts as (nn.init.normal_(self.cls_token, std=0.02)).
      const t = args[0] ?? kwargs.get('tensor');
      if (t?.k === 'tensor') {
        const fill = inPlaceFill(path.slice('torch.nn.init.'.length), args.slice(1), kwargs);
        if (fill) t.fill = fill;
        else delete t.fill;
      }
      return t ?? UNKNOWN_VALUE;
    }
    if (path.startsWith('torch.')) {
      const name = path.slice(6);
      if (TENSOR_FACTORIES.has(name)) return this.tensors.factory(name, info);
      const r = this.tensors.torchFunction(name, info);
      if (r) return r;
      return UNKNOWN_VALUE;
    }
    if (path.startsWith('math.')) return mathCall(path.slice(5), args);
    if (/^(torchsummary|torchinfo)(\.torchsummary|\.torchinfo)?\.summary$/.test(path)) return this.summaryCall(path, info);
    if (path === 'collections.OrderedDict') {
      const d: DictValue = { k: 'dict', keys: [], vals: [] };
      const items = args[0] ? this.interp.iterate(args[0]) ?? (args[0].k === 'dict' ? undefined : undefined) : [];
      if (args[0]?.k === 'dict') return { ...args[0], keys: [...args[0].keys], vals: [...args[0].vals] };
      if (!items) {
        d.uncertain = true;
        return d;
      }
      for (const it of items) {
        const pair = this.interp.iterate(it);
        if (pair && pair.length === 2 && pair[0] && pair[1]) dictSet(d, pair[0], pair[1]);
        else d.uncertain = true;
      }
      for (const [k, v] of kwargs) dictSet(d, str(k), v);
      return d;
    }
    if (path === 'numpy.prod' && args[0]) {
      const items = this.interp.iterate(args[0]);
      return items ? items.reduce<Value>((acc, x) => this.interp.binaryOp('*', acc, x, info.node), num(1)) : UNKNOWN_VALUE;
    }
    if (path.startsWith('numpy.')) return this.tensors.concrete.numpy(path.slice('numpy.'.length), info) ?? UNKNOWN_VALUE;
    if (path === 'functools.reduce') return UNKNOWN_VALUE;
    return UNKNOWN_VALUE;
  }

  private callBuiltin(name: string, info: CallInfo): Value {
    const { args, kwargs } = info;
    const a0 = args[0];
    switch (name) {
      case 'range': {
        const ns = args.map(toNumber);
        if (ns.some((x) => x === undefined) || ns.length === 0) return { k: 'list', items: [], uncertain: true };
        const [start, stop, step] = ns.length === 1 ? [0, ns[0] ?? 0, 1] : [ns[0] ?? 0, ns[1] ?? 0, ns[2] ?? 1];
        if (step === 0) return UNKNOWN_VALUE;
        const items: Value[] = [];
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
          items.push(num(i, false));
          if (items.length > 10_000) break;
        }
        return { k: 'tuple', items };
      }
      case 'len': {
        if (!a0) return UNKNOWN_VALUE;
        if (a0.k === 'module' && a0.container) return num(a0.children.size, false);
        if (a0.k === 'tensor') return a0.shape?.[0] !== undefined ? dimValue(a0.shape[0]) : UNKNOWN_VALUE;
        const items = this.interp.iterate(a0);
        return items ? num(items.length, false) : UNKNOWN_VALUE;
      }
      case 'int': {
        if (!a0) return num(0, false);
        if (a0.k === 'str') {
          const n = Number(a0.v);
          return Number.isFinite(n) ? num(Math.trunc(n), false) : UNKNOWN_VALUE;
        }
        if (a0.k === 'sym') return a0;
        const x = a0.k === 'tensor' ? this.tensors.concrete.scalar(a0) : toNumber(a0);
        return x === undefined ? UNKNOWN_VALUE : num(Math.trunc(x), false);
      }
      case 'float': {
        // float('inf'), float('-inf'), float('nan'): Python's spellings, any case, with optional sign and spaces.
        const special = a0?.k === 'str' ? /^\s*([+-]?)(inf|infinity|nan)\s*$/i.exec(a0.v) : null;
        if (special) return num(special[2]?.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity, true);
        const x = a0?.k === 'tensor' ? this.tensors.concrete.scalar(a0) : a0 ? toNumber(a0) : 0;
        return x === undefined ? UNKNOWN_VALUE : num(x, true);
      }
      case 'bool':
        return a0 ? (truthy(a0) === undefined ? UNKNOWN_VALUE : bool(truthy(a0) === true)) : bool(false);
      case 'str': {
        const text = a0 ? formatValue(a0) : '';
        return text === undefined ? UNKNOWN_VALUE : str(text);
      }
      case 'abs': {
        const x = a0 ? toNumber(a0) : undefined;
        return x === undefined ? UNKNOWN_VALUE : num(Math.abs(x), a0?.k === 'num' && a0.float);
      }
      case 'round': {
        const x = a0?.k === 'tensor' ? this.tensors.concrete.scalar(a0) : a0 ? toNumber(a0) : undefined;
        if (x === undefined) return UNKNOWN_VALUE;
        const nd = args[1] ? toNumber(args[1]) : undefined;
        if (nd !== undefined) return num(Math.round(x * 10 ** nd) / 10 ** nd, true);
        // Python rounds halves to even.
        const r = Math.round(x);
        return num(Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r, false);
      }
      case 'min':
      case 'max': {
        const items = args.length === 1 && a0 ? this.interp.iterate(a0) : args;
        if (!items || items.length === 0) return UNKNOWN_VALUE;
        const ns = items.map(toNumber);
        if (ns.some((x) => x === undefined)) return UNKNOWN_VALUE;
        const r = name === 'min' ? Math.min(...(ns as number[])) : Math.max(...(ns as number[]));
        return items[ns.indexOf(r)] ?? UNKNOWN_VALUE;
      }
      case 'sum': {
        const items = a0 ? this.interp.iterate(a0) : undefined;
        if (!items) return UNKNOWN_VALUE;
        return items.reduce<Value>((acc, x) => this.interp.binaryOp('+', acc, x, info.node), args[1] ?? num(0, false));
      }
      case 'list':
      case 'tuple':
      case 'set': {
        if (!a0) return { k: name === 'tuple' ? 'tuple' : 'list', items: [] };
        const items = this.interp.iterate(a0);
        if (!items) return { k: 'list', items: [], uncertain: true };
        if (name !== 'set') return { k: name === 'tuple' ? 'tuple' : 'list', items: [...items] };
        // A set is a list of distinct items here; when equality is unknown, so is the set's size.
        const distinct: Value[] = [];
        for (const x of items) {
          const eqs = distinct.map((y) => valueEquals(x, y));
          if (eqs.includes(true)) continue;
          if (eqs.includes(undefined)) return { k: 'list', items: [], uncertain: true };
          distinct.push(x);
        }
        return list(distinct);
      }
      case 'dict': {
        const d: DictValue = { k: 'dict', keys: [], vals: [] };
        if (a0?.k === 'dict') a0.keys.forEach((k, i) => dictSet(d, k, a0.vals[i] ?? UNKNOWN_VALUE));
        else if (a0) {
          const items = this.interp.iterate(a0);
          if (!items) d.uncertain = true;
          for (const it of items ?? []) {
            const pair = this.interp.iterate(it);
            if (pair?.[0] && pair[1]) dictSet(d, pair[0], pair[1]);
          }
        }
        for (const [k, v] of kwargs) dictSet(d, str(k), v);
        return d;
      }
      case 'enumerate': {
        const items = a0 ? this.interp.iterate(a0) : undefined;
        const start = args[1] ? toNumber(args[1]) ?? 0 : toNumber(kwargs.get('start') ?? num(0)) ?? 0;
        return items ? list(items.map((x, i) => tuple([num(i + start, false), x]))) : { k: 'list', items: [], uncertain: true };
      }
      case 'zip': {
        const lists = args.map((a) => this.interp.iterate(a));
        if (lists.some((l) => !l)) return { k: 'list', items: [], uncertain: true };
        const n = Math.min(...lists.map((l) => l?.length ?? 0));
        return list(Array.from({ length: n }, (_, i) => tuple(lists.map((l) => l?.[i] ?? UNKNOWN_VALUE))));
      }
      case 'reversed':
      case 'sorted': {
        const items = a0 ? this.interp.iterate(a0) : undefined;
        if (!items) return { k: 'list', items: [], uncertain: true };
        if (name === 'reversed') return list([...items].reverse());
        const ns = items.map(toNumber);
        if (ns.some((x) => x === undefined)) return { k: 'list', items: [], uncertain: true };
        return list([...items].sort((x, y) => (toNumber(x) ?? 0) - (toNumber(y) ?? 0)));
      }
      case 'any':
      case 'all': {
        const items = a0 ? this.interp.iterate(a0) : undefined;
        if (!items) return UNKNOWN_VALUE;
        const ts = items.map(truthy);
        if (ts.some((t) => t === undefined)) return UNKNOWN_VALUE;
        return bool(name === 'any' ? ts.some(Boolean) : ts.every(Boolean));
      }
      case 'map': {
        const items = args[1] ? this.interp.iterate(args[1]) : undefined;
        if (!items || !a0) return { k: 'list', items: [], uncertain: true };
        return list(items.map((x) => this.call(a0, { ...info, args: [x], kwargs: new Map() })));
      }
      case 'isinstance':
        return isInstance(a0, args[1]);
      case 'hasattr': {
        const n = args[1];
        if (!a0 || n?.k !== 'str') return UNKNOWN_VALUE;
        if (a0.k === 'module') return a0.uncertain ? UNKNOWN_VALUE : bool(this.modules.hasAttr(a0, n.v));
        if (a0.k === 'class') return bool(findClassAttr(a0, n.v) !== undefined);
        return UNKNOWN_VALUE;
      }
      case 'getattr': {
        const n = args[1];
        if (!a0 || n?.k !== 'str') return args[2] ?? UNKNOWN_VALUE;
        // getattr(block, "_is_cn", False): a module without the attribute gives the default.
        if (a0.k === 'module' && args[2] && !a0.uncertain && !this.modules.hasAttr(a0, n.v)) return args[2];
        const v = this.interp.getAttr(a0, n.v);
        return v.k === 'unknown' && args[2] ? args[2] : v;
      }
      case 'setattr': {
        const n = args[1];
        if (a0 && n?.k === 'str' && args[2]) this.interp.setAttr(a0, n.v, args[2]);
        // A layer registered under a name the analysis cannot compute: the module's children are not all known.
        else if (a0?.k === 'module' && args[2]?.k === 'module') a0.uncertain = true;
        return NONE;
      }
      case 'super': {
        const frame = this.interp.currentFrame;
        const self = args[1] ?? frame?.func?.self;
        const r: RefValue = { k: 'ref', path: '<super>' };
        if (self) r.self = self;
        return r;
      }
      case 'print':
        this.lastPrinted = a0;
        return NONE;
      case 'divmod': {
        const x = a0 ? toNumber(a0) : undefined;
        const y = args[1] ? toNumber(args[1]) : undefined;
        if (x === undefined || y === undefined || y === 0) return UNKNOWN_VALUE;
        return tuple([num(Math.floor(x / y), false), num(x - Math.floor(x / y) * y, false)]);
      }
      case 'pow': {
        const x = a0 ? toNumber(a0) : undefined;
        const y = args[1] ? toNumber(args[1]) : undefined;
        return x === undefined || y === undefined ? UNKNOWN_VALUE : num(x ** y);
      }
      case 'type':
        return args.length === 1 && a0 ? typeOf(a0) : UNKNOWN_VALUE;
      case 'iter':
        return a0 ?? UNKNOWN_VALUE;
      case 'next': {
        const items = a0 ? this.interp.iterate(a0) : undefined;
        return items?.[0] ?? UNKNOWN_VALUE;
      }
      default:
        return UNKNOWN_VALUE;
    }
  }

  callMethod(self: Value, name: string, info: CallInfo): Value {
    const { args } = info;
    const a0 = args[0];
    if (self.k === 'module') return this.modules.callMethod(self, name, info);
    if (self.k === 'tensor') return this.tensors.callMethod(self, name, info);
    if (self.k === 'obj') return this.stdlib.callMethod(self, name, info);
    if (self.k === 'list') {
      const mark = (): void => {
        if (this.uncertain) self.uncertain = true;
      };
      switch (name) {
        case 'append':
          if (a0 && self.items.length < 100_000) self.items.push(a0);
          else self.uncertain = true;
          mark();
          return NONE;
        case 'extend': {
          const items = a0 ? this.interp.iterate(a0) : undefined;
          if (items && self.items.length + items.length <= 100_000) self.items.push(...items);
          else self.uncertain = true;
          if (a0 && (a0.k === 'list' || a0.k === 'tuple') && a0.uncertain) self.uncertain = true;
          mark();
          return NONE;
        }
        case 'insert': {
          const i = a0 ? toNumber(a0) : undefined;
          if (i === undefined || !args[1]) self.uncertain = true;
          else self.items.splice(i < 0 ? self.items.length + i : i, 0, args[1]);
          mark();
          return NONE;
        }
        case 'pop': {
          const i = a0 ? toNumber(a0) : -1;
          if (i === undefined || self.items.length === 0) return UNKNOWN_VALUE;
          const idx = i < 0 ? self.items.length + i : i;
          const [v] = self.items.splice(idx, 1);
          mark();
          return v ?? UNKNOWN_VALUE;
        }
        case 'index': {
          const i = self.items.findIndex((x) => a0 && valueEquals(x, a0) === true);
          return i >= 0 ? num(i, false) : UNKNOWN_VALUE;
        }
        case 'count':
          return num(self.items.filter((x) => a0 && valueEquals(x, a0) === true).length, false);
        case 'copy':
          return { k: 'list', items: [...self.items] };
        case 'issubset':
        case 'issuperset': {
          // set(...) is a list here: membership is all these need.
          const other = a0 ? this.interp.iterate(a0) : undefined;
          if (!other || self.uncertain) return UNKNOWN_VALUE;
          const [small, big] = name === 'issubset' ? [self.items, other] : [other, self.items];
          let result: boolean | undefined = true;
          for (const x of small) {
            const eqs = big.map((y) => valueEquals(x, y));
            if (eqs.includes(true)) continue;
            if (eqs.includes(undefined)) result = undefined;
            else return bool(false);
          }
          return result === undefined ? UNKNOWN_VALUE : bool(result);
        }
        case 'reverse':
          self.items.reverse();
          return NONE;
        case 'clear':
          self.items.length = 0;
          return NONE;
        default:
          return UNKNOWN_VALUE;
      }
    }
    if (self.k === 'tuple') {
      if (name === 'index') {
        const i = self.items.findIndex((x) => a0 && valueEquals(x, a0) === true);
        return i >= 0 ? num(i, false) : UNKNOWN_VALUE;
      }
      if (name === 'numel' && self.size) return self.items.reduce<Value>((acc, x) => this.interp.binaryOp('*', acc, x, info.node), num(1, false));
      return UNKNOWN_VALUE;
    }
    if (self.k === 'dict') {
      switch (name) {
        case 'items':
          return { k: 'list', items: self.keys.map((k, i) => tuple([k, self.vals[i] ?? UNKNOWN_VALUE])), ...(self.uncertain ? { uncertain: true } : {}) };
        case 'keys':
          return { k: 'list', items: [...self.keys], ...(self.uncertain ? { uncertain: true } : {}) };
        case 'values':
          return { k: 'list', items: [...self.vals], ...(self.uncertain ? { uncertain: true } : {}) };
        case 'get': {
          const v = a0 ? getItem(self, a0) : UNKNOWN_VALUE;
          if (v.k !== 'unknown') return v;
          if (self.uncertain) return UNKNOWN_VALUE;
          return args[1] ?? NONE;
        }
        case 'update':
          if (a0?.k === 'dict') a0.keys.forEach((k, i) => dictSet(self, k, a0.vals[i] ?? UNKNOWN_VALUE));
          for (const [k, v] of info.kwargs) dictSet(self, str(k), v);
          return NONE;
        case 'setdefault': {
          const v = a0 ? getItem(self, a0) : UNKNOWN_VALUE;
          if (v.k !== 'unknown') return v;
          if (a0) dictSet(self, a0, args[1] ?? NONE);
          return args[1] ?? NONE;
        }
        case 'pop': {
          const i = self.keys.findIndex((k) => a0 && valueEquals(k, a0) === true);
          if (i < 0) return args[1] ?? UNKNOWN_VALUE;
          const v = self.vals[i] ?? UNKNOWN_VALUE;
          self.keys.splice(i, 1);
          self.vals.splice(i, 1);
          return v;
        }
        case 'copy':
          return { k: 'dict', keys: [...self.keys], vals: [...self.vals] };
        default:
          return UNKNOWN_VALUE;
      }
    }
    if (self.k === 'str') {
      switch (name) {
        case 'format': {
          let i = 0;
          let failed = false;
          const out = self.v.replace(/\{([^{}:]*)(?::([^{}]*))?\}/g, (_, key: string, spec: string | undefined) => {
            const v = key === '' ? args[i++] : /^\d+$/.test(key) ? args[Number(key)] : info.kwargs.get(key);
            const text = v ? formatValue(v, spec ?? '') : undefined;
            if (text === undefined) failed = true;
            return text ?? '';
          });
          return failed ? UNKNOWN_VALUE : str(out);
        }
        case 'join': {
          const items = a0 ? this.interp.iterate(a0) : undefined;
          const parts = items?.map((x) => formatValue(x));
          return parts && parts.every((p) => p !== undefined) ? str(parts.join(self.v)) : UNKNOWN_VALUE;
        }
        case 'lower':
          return str(self.v.toLowerCase());
        case 'upper':
          return str(self.v.toUpperCase());
        case 'startswith':
          return a0?.k === 'str' ? bool(self.v.startsWith(a0.v)) : UNKNOWN_VALUE;
        case 'endswith':
          return a0?.k === 'str' ? bool(self.v.endsWith(a0.v)) : UNKNOWN_VALUE;
        case 'split':
          return a0?.k === 'str' ? list(self.v.split(a0.v).map(str)) : list(self.v.split(/\s+/).filter(Boolean).map(str));
        case 'strip':
          return str(self.v.trim());
        default:
          return UNKNOWN_VALUE;
      }
    }
    return UNKNOWN_VALUE;
  }
}

/** Aliases that name the same torch object. */
/** Every call of a reference goes through here: the answers are kept (a file has few distinct paths). */
const canonicalPaths = new Map<string, string>();

function canonicalPath(path: string): string {
  let out = canonicalPaths.get(path);
  if (out === undefined) {
    out = path.replace(/^torch\.nn\.modules\.[a-z_]+\./, 'torch.nn.').replace(/^torch\.functional\./, 'torch.');
    if (canonicalPaths.size > 10_000) canonicalPaths.clear();
    canonicalPaths.set(path, out);
  }
  return out;
}

function isInstance(obj: Value | undefined, cls: Value | undefined): Value {
  if (!obj || !cls) return UNKNOWN_VALUE;
  if (cls.k === 'tuple' || cls.k === 'list') {
    let result: Value = bool(false);
    for (const c of cls.items) {
      const r = isInstance(obj, c);
      if (r.k === 'bool' && r.v) return r;
      if (r.k === 'unknown') result = r;
    }
    return result;
  }
  if (obj.k === 'unknown' || isOpaqueRef(obj) || isOpaqueRef(cls)) return UNKNOWN_VALUE;
  if (cls.k === 'ref') {
    const p = canonicalPath(cls.path);
    if (obj.k === 'module') {
      if (p === 'torch.nn.Module') return bool(true);
      if (p.startsWith('torch.nn.')) {
        const name = p.slice(9);
        if (obj.cls && obj.cls.layer === undefined) return bool(obj.container === name);
        const type = obj.cls?.layer ?? obj.type;
        return bool(type === name || (name === 'modules.conv._ConvNd' && type.startsWith('Conv')) || (name.startsWith('_BatchNorm') && type.startsWith('BatchNorm')));
      }
      return bool(false);
    }
    if (p === 'builtins.int') return bool(obj.k === 'num' ? !obj.float : obj.k === 'sym');
    if (p === 'builtins.float') return bool(obj.k === 'num' && obj.float);
    if (p === 'builtins.str') return bool(obj.k === 'str');
    if (p === 'builtins.bool') return bool(obj.k === 'bool');
    if (p === 'builtins.list') return bool(obj.k === 'list');
    if (p === 'builtins.tuple') return bool(obj.k === 'tuple' || (obj.k === 'obj' && obj.cls.tupleLike === true));
    if (p === 'builtins.dict') return bool(obj.k === 'dict');
    if (p === 'torch.Tensor') return bool(obj.k === 'tensor');
    if (/^(typing|collections\.abc)\.Sequence$/.test(p)) return bool(obj.k === 'list' || obj.k === 'tuple' || obj.k === 'str' || (obj.k === 'obj' && obj.cls.tupleLike === true));
    if (/^(typing|collections\.abc)\.Mapping$/.test(p)) return bool(obj.k === 'dict');
    return UNKNOWN_VALUE;
  }
  if (cls.k === 'class') {
    const c = obj.k === 'module' ? obj.cls : obj.k === 'obj' ? obj.cls : undefined;
    if (!c) return bool(false);
    const seen = new Set<ClassValue>();
    const derives = (x: ClassValue): boolean => {
      if (x === cls) return true;
      if (seen.has(x)) return false;
      seen.add(x);
      return x.bases.some((b) => b.k === 'class' && derives(b));
    };
    return bool(derives(c));
  }
  return UNKNOWN_VALUE;
}

/** type(x) for the values whose class is known: `type(v) == int`, `type(v) is tuple` in config tables. */
function typeOf(v: Value): Value {
  const builtin = (name: string): Value => ({ k: 'ref', path: `builtins.${name}` });
  switch (v.k) {
    case 'num': return builtin(v.float ? 'float' : 'int');
    case 'sym': return builtin('int');
    case 'bool': return builtin('bool');
    case 'str': return builtin('str');
    case 'list':
    case 'tuple': return v.size ? { k: 'ref', path: 'torch.Size' } : builtin(v.k);
    case 'tensor': return { k: 'ref', path: 'torch.Tensor' };
    case 'module': return v.cls ?? { k: 'ref', path: `torch.nn.${v.type}` };
    case 'obj': return v.cls;
    default: return UNKNOWN_VALUE;
  }
}

function mathCall(name: string, args: Value[]): Value {
  const xs = args.map(toNumber);
  const x = xs[0];
  if (name === 'pi') return num(Math.PI, true);
  if (x === undefined) {
    const d = args[0] ? toDim(args[0]) : undefined;
    if ((name === 'floor' || name === 'ceil' || name === 'trunc') && d !== undefined && !isKnown(d)) return dimValue(d);
    return UNKNOWN_VALUE;
  }
  switch (name) {
    case 'floor': return num(Math.floor(x), false);
    case 'ceil': return num(Math.ceil(x), false);
    case 'trunc': return num(Math.trunc(x), false);
    case 'sqrt': return num(Math.sqrt(x), true);
    case 'log': return num(xs[1] !== undefined ? Math.log(x) / Math.log(xs[1]) : Math.log(x), true);
    case 'log2': return num(Math.log2(x), true);
    case 'log10': return num(Math.log10(x), true);
    case 'exp': return num(Math.exp(x), true);
    case 'pow': return xs[1] === undefined ? UNKNOWN_VALUE : num(x ** xs[1], true);
    case 'gcd': return xs[1] === undefined ? UNKNOWN_VALUE : num(gcd(x, xs[1]), false);
    case 'prod': return UNKNOWN_VALUE;
    case 'isqrt': return num(Math.floor(Math.sqrt(x)), false);
    default: return UNKNOWN_VALUE;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** A layer's count plus parameters set on it afterwards (weight_norm's weight_g); null when one is not known. */
function withOwnParameters(m: ModuleValue, count: number | null): number | null {
  if (count === null) return null;
  let total = count;
  for (const v of m.attrs.values()) {
    if (v.k === 'unknown') return null;
    if (v.k !== 'tensor' || !v.parameter) continue;
    if (!v.shape || !v.shape.every((d): d is number => typeof d === 'number')) return null;
    total += v.shape.reduce((x, y) => x * y, 1);
  }
  return total;
}

/** A shape site: the distinct shapes (by their text) a statement or layer had, at most 8, overall and per model. */
export interface Site {
  range: Range;
  shapes: Shape[];
  byModel: Map<string, Shape[]>;
  hint: boolean;
}

/** Adds a shape to a site's list unless one with the same text is there (then the newer one takes its place). */
function keepShape(shapes: Shape[], shape: Shape): void {
  if (shapes.length >= 8) return;
  for (let i = 0; i < shapes.length; i++) {
    if (sameText(shapes[i] as Shape, shape)) {
      shapes[i] = shape;
      return;
    }
  }
  shapes.push(shape);
}

/** Whether two shapes print the same (a dim's text has no comma, so dim by dim). */
function sameText(x: Shape, y: Shape): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as Dim;
    const b = y[i] as Dim;
    if (a === b) continue;
    if (typeof a === 'number' && typeof b === 'number') return false;
    if (String(a) !== String(b)) return false;
  }
  return true;
}

// A rule that throws on arguments it did not expect gives no count rather than stopping the analysis.
function paramsOf(m: ModuleValue, spec: LayerSpec, args: LayerArgs): number | null {
  try {
    return withOwnParameters(m, spec.paramCount ? spec.paramCount(args) : 0);
  } catch {
    return null;
  }
}

function macsOf(spec: LayerSpec, args: LayerArgs, shapes: Shape[], output: Shape): number | null {
  try {
    return spec.macs ? spec.macs(args, shapes, output) : 0;
  } catch {
    return null;
  }
}

function formulaOf(spec: LayerSpec, args: LayerArgs, shapes: Shape[], output: Shape): string[] {
  try {
    return spec.formula?.(args, shapes, output) ?? [];
  } catch {
    return [];
  }
}
