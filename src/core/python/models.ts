// Finds the models in a Python file, chooses each one's input shape, runs its forward and reports.
import { child, rangeOf, type SyntaxNode } from '../syntax';
import type { Analysis, GraphNode, LayerReport, ModelReport, InputSource, ShapeJSON, ShapeSite } from '../types';
import { dimToJSON, dimToString, evalDim, isKnown, product, sym, symbolsOf, type Dim, type Shape } from '../dims';
import { findCommentShape, parseInputComment } from '../shape-comments';
import { Analyzer, shapeJSON, type ExampleCall, type Site } from './analyzer';
import { StepLimitError, findClassAttr } from './interpreter';
import { collect, forwardOf } from './modules';
import { LayerReach } from './reachable-layers';
import { RunContext, type Constraint } from './run-context';
import type { ImportContext } from './imports';
import { UNKNOWN as UNKNOWN_ARG } from '../rules/layer-spec';
import { layerSpecs } from '../rules/registry';
import { UNKNOWN_VALUE, type ClassValue, type ModuleValue, type TensorValue, type Value } from './values';

export interface AnalyzeOptions {
  /** Input shapes by model name (class or variable); key "*" applies to every model. */
  inputs?: Record<string, Dim[]>;
  /** Used when nothing in the file says the input (instead of a symbolic one). */
  defaultInput?: Dim[];
  maxSteps?: number;
  /** How to build a model whose class needs constructor arguments: model name -> Python expression, e.g. "ResNet(BasicBlock, [2, 2, 2, 2])". */
  construct?: Record<string, string>;
  /** The program the document belongs to: how its imports are found and read (none: imports stay unknown). */
  imports?: ImportContext;
  /**
   * The file is library code read from installed packages (site-packages): its author's choices are not the user's
   * to change, so only errors (what PyTorch would raise) are reported, never warnings or hints.
   */
  library?: boolean;
}

interface Candidate {
  name: string;
  defNode: SyntaxNode;
  module: ModuleValue;
  cls?: ClassValue;
  /** The file builds it (see ModelReport.instantiated). */
  instantiated: boolean;
  /** A second or later instance of a class, reported at the call that builds it. */
  extraInstance?: boolean;
}

const DEFAULT_MAX_STEPS = 400_000;

export function analyzePython(root: SyntaxNode, text: string, comments: SyntaxNode[], options: AnalyzeOptions = {}, constructions: Record<string, SyntaxNode> = {}): Analysis {
  const a = new Analyzer(text, options.maxSteps ?? DEFAULT_MAX_STEPS, options.imports, options.library === true);
  const commentByLine = new Map<number, SyntaxNode>();
  for (const c of comments) commentByLine.set(c.startRow, c);
  if (root.hasError) a.syntaxErrorRows = errorRows(root);

  // Each top-level statement gets its own step budget, so one runaway statement does not hide the models after it.
  let spent = 0;
  a.runningTopLevel = true;
  for (const stmt of root.children) {
    if (spent > TOP_LEVEL_BUDGET) {
      a.note('the file needs more analysis steps than Conv Lens spends on one file: statements near the end are skipped');
      break;
    }
    guarded(a, () => a.interp.execStatement(stmt, a.interp.globals), (steps) => (spent += steps));
  }
  a.runningTopLevel = false;
  if (root.hasError) a.note('the file has syntax errors: the parts that parse are analysed');

  const candidates = findCandidates(a);
  for (const [name, expr] of Object.entries(constructions)) {
    const built = guarded(a, () => a.interp.evalExpr(expr, a.interp.globals));
    if (built?.k !== 'module') {
      a.note(`--construct ${name}: the expression does not build a module here`);
      continue;
    }
    const at = candidates.findIndex((c) => c.name === name);
    if (at >= 0) candidates.splice(at, 1);
    candidates.push({ name, defNode: built.cls?.name === name ? built.cls.node : (candidates[at]?.defNode ?? root), module: built, ...(built.cls ? { cls: built.cls } : {}), instantiated: true });
  }
  const models: ModelReport[] = [];
  for (const c of candidates) {
    const report = guarded(a, () => analyzeModel(a, c, commentByLine, options));
    // A further instance that runs exactly as the class's first one adds nothing.
    if (report && !(c.extraInstance && models.some((m) => sameRun(m, report)))) models.push(report);
  }
  models.sort((x, y) => x.range.startOffset - y.range.startOffset);
  checkShapeComments(a, commentByLine);
  const sites: ShapeSite[] = a.sites.map(siteJSON);
  const findings = a.findings.sort((x, y) => x.range.startOffset - y.range.startOffset);
  const loader = a.imports;
  if (options.imports) {
    options.imports.outcome = { used: loader.used, pending: loader.pending, starLookups: loader.starLookups };
    if (!loader.pending && loader.unresolved.size > 0) {
      const names = [...loader.unresolved.keys()];
      a.note(`not found, so what comes from them is unknown: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ` and ${names.length - 8} more` : ''}`);
    }
  }
  return { language: 'python', models, findings, sites, notes: a.notes };
}

const TOP_LEVEL_BUDGET = 2_000_000;

function siteJSON(s: Site): ShapeSite {
  const out: ShapeSite = { range: s.range, shapes: s.shapes.map(shapeJSON), hint: s.hint };
  if (s.byModel.size > 0) {
    const byModel: Record<string, ShapeJSON[]> = {};
    // defineProperty, as Object.fromEntries does: a model named __proto__ is a key like any other.
    for (const [model, shapes] of s.byModel) Object.defineProperty(byModel, model, { value: shapes.map(shapeJSON), enumerable: true, writable: true, configurable: true });
    out.byModel = byModel;
  }
  return out;
}

/** The lines of the innermost nodes that contain a syntax error (an ERROR or a missing token). */
function errorRows(root: SyntaxNode): Set<number> {
  const rows = new Set<number>();
  const stack = [root];
  while (stack.length > 0 && rows.size < 10_000) {
    const n = stack.pop() as SyntaxNode;
    const inner = n.children.filter((c) => c.hasError);
    if (inner.length === 0 || n.isError) {
      for (let r = n.startRow; r <= n.endRow && r - n.startRow < 50; r++) rows.add(r);
    }
    if (!n.isError) stack.push(...inner);
  }
  return rows;
}

function sameRun(x: ModelReport, y: ModelReport): boolean {
  const key = (m: ModelReport): string => JSON.stringify([m.input, m.output, m.totalParams, m.layers.map((l) => [l.name, l.type, l.output])]);
  return key(x) === key(y);
}

function guarded<T>(a: Analyzer, f: () => T, onSteps?: (steps: number) => void): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof StepLimitError) a.note('the analysis step limit was reached: the rest of this part is not analysed');
    else if (e instanceof RangeError) a.note('the code nests too deeply to follow: that part is not analysed');
    else a.note(`internal error, part of the file was skipped: ${(e as Error).message}`);
    return undefined;
  } finally {
    onSteps?.(a.interp.steps);
    a.run = undefined;
    a.interp.uncertainDepth = 0;
    a.interp.frames.length = 0;
    a.interp.steps = 0;
  }
}


function findCandidates(a: Analyzer): Candidate[] {
  // An instance built from values the analysis does not know (argparse, a config file) or on an uncertain path says
  // little: classes without a certain instance are also built with their defaults, outermost first (usually defined
  // last), so that blocks built inside them are seen as children rather than models of their own.
  const certain = (m: ModuleValue): boolean => !m.uncertain && !hasUncertainChild(m, 0);
  const builtByDefault = new Set<number>();
  for (const cls of [...a.classes].reverse()) {
    const instances = a.instancesByClass.get(cls) ?? [];
    const needsDefault = instances.length === 0 || (!instances.some(certain) && constructibleWithDefaults(cls));
    if (!needsDefault) continue;
    // A layer subclass that needs the layer's arguments is built with arguments unknown, not reported as missing them.
    const unknownSplat = cls.layer !== undefined && !constructibleWithDefaults(cls);
    const first = a.nextModuleId;
    guarded(a, () => a.modules.constructUser(cls, { args: [], kwargs: new Map(), argNodes: [], kwNodes: new Map(), unknownSplat, node: child(cls.node, 'name') ?? cls.node, scope: a.interp.globals }));
    // Every module this default build made is ours, not the file's: a block it built but could not attach (appended
    // to a list of unknown length, say) is no more built by the file than the class itself.
    for (let id = first; id < a.nextModuleId; id++) builtByDefault.add(id);
  }
  const out: Candidate[] = [];
  const hasExample = (m: ModuleValue): boolean => a.exampleCalls.some((e) => e.module.id === m.id);
  for (const cls of a.classes) {
    const all = (a.instancesByClass.get(cls) ?? []).filter((m) => !a.parentOf.has(m.id));
    const chosen = all.find((m) => certain(m) && hasExample(m)) ?? all.find(certain) ?? all.find(hasExample) ?? all[0];
    // A block only ever built inside other modules is not a model of its own.
    if (!chosen || (!certain(chosen) && (a.instancesByClass.get(cls) ?? []).some((m) => a.parentOf.has(m.id)))) continue;
    const instantiated = all.some((m) => !builtByDefault.has(m.id));
    out.push({ name: cls.name, defNode: cls.node, module: chosen, cls, instantiated });
    // Each further instance the file builds and calls with its own input (a `__main__` test beside the user's call)
    // is a model of its own, reported at the call that builds it.
    for (const m of all) {
      const node = a.instanceNodes.get(m.id);
      if (m === chosen || !node || node.file !== undefined || builtByDefault.has(m.id) || !certain(m) || !hasExample(m)) continue;
      out.push({ name: instanceName(a, m, cls, out), defNode: node, module: m, cls, instantiated: true, extraInstance: true });
    }
  }
  for (const t of a.topLevelModules) {
    // Instances of this file's classes are listed by class above; a model built from imported code, by its variable.
    if ((t.module.cls && t.module.cls.node.file === undefined) || a.parentOf.has(t.module.id) || t.module.uncertain || isBuiltInLoss(t.module)) continue;
    out.push({ name: t.name, defNode: t.node, module: t.module, instantiated: true });
  }
  return out;
}

/** `criterion = nn.CrossEntropyLoss()`: every torch.nn loss class ends in `Loss`; it scores a model, it is not one. */
function isBuiltInLoss(m: ModuleValue): boolean {
  return m.cls === undefined && m.container === undefined && m.type.endsWith('Loss');
}

/** A further instance of a class is named by the variable it is stored in, or numbered ("Net_2"). */
function instanceName(a: Analyzer, m: ModuleValue, cls: ClassValue, taken: Candidate[]): string {
  const free = (n: string): boolean => !taken.some((c) => c.name === n) && !a.classes.some((k) => k.name === n);
  const variable = a.topLevelModules.find((t) => t.module.id === m.id)?.name;
  const reused = a.topLevelModules.some((t) => t.name === variable && t.module.id !== m.id);
  if (variable !== undefined && !reused && free(variable)) return variable;
  for (let i = 2; ; i++) if (free(`${cls.name}_${i}`)) return `${cls.name}_${i}`;
}

function hasUncertainChild(m: ModuleValue, depth: number): boolean {
  if (depth > 50) return false;
  for (const c of m.children.values()) if (c.uncertain || hasUncertainChild(c, depth + 1)) return true;
  return false;
}

function constructibleWithDefaults(cls: ClassValue): boolean {
  const init = findClassAttr(cls, '__init__');
  if (init?.k !== 'func' && cls.layer !== undefined) {
    // `class LayerNorm2d(nn.LayerNorm)` without its own __init__ takes the layer's arguments.
    const spec = layerSpecs.get(cls.layer);
    return spec !== undefined && spec.signature.every((name) => name in spec.defaults);
  }
  if (init?.k !== 'func') return true;
  return init.params.slice(1).every((p) => p.kind !== 'plain' || p.default !== undefined);
}

function forwardParams(m: ModuleValue): { names: string[]; node: SyntaxNode | undefined } {
  const fwd = m.cls ? forwardOf(m.cls) : undefined;
  if (!fwd) return { names: ['input'], node: undefined };
  const names = fwd.params.filter((p) => p.kind === 'plain' && p.default === undefined).map((p) => p.name).slice(1);
  return { names, node: fwd.node };
}

/** `unsure`: a symbolic guess whose rank nothing confirms; shapes follow from it but no finding does. */
function chooseInput(a: Analyzer, c: Candidate, commentByLine: Map<number, SyntaxNode>, options: AnalyzeOptions): { shapes: Array<Shape | null>; source: InputSource; example?: ExampleCall; from?: string; unsure?: boolean } {
  const explicit = options.inputs?.[c.name] ?? options.inputs?.['*'];
  if (explicit) return { shapes: [explicit], source: 'explicit' };
  const { node: fwdNode } = forwardParams(c.module);
  const anchor = fwdNode ?? c.defNode;
  // The forward line's own comment, or the line above (skipping decorators).
  const lines = [anchor.startRow, anchor.startRow - 1];
  for (const line of lines) {
    const comment = commentByLine.get(line);
    const shape = comment ? parseInputComment(comment.text) : undefined;
    if (shape) return { shapes: [shape], source: 'comment' };
  }
  // The example call on this instance, or on another instance of the same class (e.g. under `if __name__ == "__main__":`).
  const concrete = (e: ExampleCall): boolean => e.inputs[0]?.k === 'tensor' && (e.inputs[0].shape?.every((d) => isKnown(d)) ?? false);
  const example = a.exampleCalls.find((e) => e.module.id === c.module.id && e.inputs[0]?.k === 'tensor')
    ?? (c.cls ? a.exampleCalls.find((e) => e.module.cls === c.cls && concrete(e)) : undefined);
  if (example) {
    const shapes = example.inputs.map((v) => (v.k === 'tensor' ? v.shape : null));
    const first = example.inputs[0];
    if (first?.k === 'tensor' && first.source !== undefined) return { shapes, source: 'data', example, from: first.source };
    return { shapes, source: 'example', example };
  }
  if (options.defaultInput) return { shapes: [options.defaultInput], source: 'default' };
  const guess = symbolicInput(a, c);
  return { shapes: [guess.shape], source: 'symbolic', ...(guess.trusted ? {} : { unsure: true }) };
}

/** The input a model's first layer implies: [N, C, H, W] with C from the layer when it says. */
function symbolicInput(a: Analyzer, c: Candidate): { shape: Shape; trusted: boolean } {
  const probe = new RunContext(false);
  a.run = probe;
  const input = a.tensors.make(null);
  try {
    a.modules.apply(c.module, [input], new Map(), c.defNode);
  } catch (e) {
    if (!(e instanceof StepLimitError)) throw e;
  } finally {
    a.run = undefined;
    a.interp.frames.length = 0;
    a.interp.uncertainDepth = 0;
  }
  // The guess is only as good as the layer it comes from: when code ran on the input before that layer
  // (a pad, a reshape, indexing), the input's rank is not what the guess says, and nothing is reported on it.
  const guess = guessFromFirstLayer(probe);
  return { shape: guess.shape, trusted: guess.fixesRank && probe.moduleNodes[0]?.node.inputs[0] === input.id };
}

/** The input a model's first layer implies, and whether that layer fixes the input's rank (a Conv2d does; a Linear or LayerNorm takes any). */
function guessFromFirstLayer(probe: RunContext): { shape: Shape; fixesRank: boolean } {
  const first = probe.applications[0]?.module;
  // A layer subclass (`class Conv3DSimple(nn.Conv3d)`) implies what its layer does.
  const type = first?.spec?.type ?? first?.type ?? '';
  const arg = (name: string): Dim => {
    const v = first?.args?.get(name);
    return typeof v === 'number' ? v : sym('C');
  };
  const N = sym('N');
  const fixed = (shape: Shape) => ({ shape, fixesRank: true });
  if (/^(Conv1d|ConvTranspose1d|BatchNorm1d|InstanceNorm1d|MaxPool1d|AvgPool1d)$/.test(type)) {
    return fixed([N, arg(type.startsWith('Conv') ? 'in_channels' : 'num_features'), sym('L')]);
  }
  if (/^(Conv3d|ConvTranspose3d|BatchNorm3d|InstanceNorm3d)$/.test(type)) {
    return fixed([N, arg(type.startsWith('Conv') ? 'in_channels' : 'num_features'), sym('D'), sym('H'), sym('W')]);
  }
  if (/^(MaxPool3d|AvgPool3d|AdaptiveAvgPool3d|AdaptiveMaxPool3d)$/.test(type)) return fixed([N, sym('C'), sym('D'), sym('H'), sym('W')]);
  if (type === 'Linear') return fixed([N, arg('in_features')]);
  if (type === 'Embedding') return fixed([N, sym('L')]);
  if (/^(BatchNorm2d|InstanceNorm2d)$/.test(type)) return fixed([N, arg('num_features'), sym('H'), sym('W')]);
  if (type === 'GroupNorm') return fixed([N, arg('num_channels'), sym('H'), sym('W')]);
  if (/^(Conv2d|ConvTranspose2d)$/.test(type)) return fixed([N, arg('in_channels'), sym('H'), sym('W')]);
  if (/^(MaxPool2d|AvgPool2d|AdaptiveAvgPool2d|AdaptiveMaxPool2d|Upsample|UpsamplingNearest2d|UpsamplingBilinear2d|PixelShuffle|ZeroPad2d|ReflectionPad2d|ReplicationPad2d)$/.test(type)) {
    return fixed([N, sym('C'), sym('H'), sym('W')]);
  }
  return { shape: [N, sym('C'), sym('H'), sym('W')], fixesRank: false };
}

function analyzeModel(a: Analyzer, c: Candidate, commentByLine: Map<number, SyntaxNode>, options: AnalyzeOptions): ModelReport {
  const input = chooseInput(a, c, commentByLine, options);
  const run = new RunContext(true, c.module, c.name);
  a.run = run;
  const { names } = forwardParams(c.module);
  const tensors: Value[] = [];
  const count = Math.max(1, names.length, input.shapes.length);
  for (let i = 0; i < count; i++) {
    const shape = input.shapes[i] ?? null;
    const t = a.tensors.make(shape);
    t.rf = { size: [1, 1], jump: [1, 1] };
    if (input.unsure) t.uncertain = true;
    // A small tensor the example call spells out (`torch.tensor([12, 10])`, sequence lengths) keeps its elements.
    const given = input.example?.inputs[i];
    if (given?.k === 'tensor' && given.values && shape && JSON.stringify(given.shape) === JSON.stringify(shape)) t.values = given.values;
    tensors.push(t);
  }
  const callNode = input.example?.node ?? c.defNode;
  let output: Value = UNKNOWN_VALUE;
  try {
    output = a.modules.apply(c.module, tensors, new Map(), callNode);
  } catch (e) {
    if (e instanceof StepLimitError) a.note(`the analysis step limit was reached in ${c.name}: layers after that point are not shown`);
    else throw e;
  }
  a.run = undefined;

  // The model's modules in named_modules() order, read by the names, the unused-layer check and the totals.
  const all: Array<[string, ModuleValue]> = [];
  collect(c.module, '', all, new Set());
  const names2 = new Map(all.map(([name, m]) => [m.id, name]));
  for (const { node, module } of run.moduleNodes) {
    if (node.module) node.module.name = names2.get(module.id) ?? '';
  }
  const layers: LayerReport[] = [];
  let totalMacs: number | null = 0;
  for (const app of run.applications) {
    const name = names2.get(app.module.id);
    // A layer subclass (LayerNorm2d) is not a torch.nn layer to PyTorch's hooks, so not listed; its work still counts.
    if (name !== undefined && app.module.cls?.layer !== undefined && app.module.spec) {
      totalMacs = app.macs === null || totalMacs === null ? null : totalMacs + app.macs;
      continue;
    }
    if (name === undefined || app.module.cls || (app.module.container && app.module.children.size > 0)) continue;
    layers.push({
      name,
      type: app.module.type,
      range: app.module.site,
      callRange: app.callRange,
      inputs: app.inputs.map(shapeJSON),
      output: app.output ? shapeJSON(app.output) : null,
      params: app.params,
      macs: app.macs,
      receptiveField: app.receptiveField,
      cumulativeStride: app.cumulativeStride,
      formula: app.formula,
      ...(app.module.spec?.composite ? { composite: true } : {}),
    });
    if (app.macs === null || totalMacs === null) totalMacs = null;
    else totalMacs += app.macs;
  }
  const outTensor = firstTensor(output);
  reportUnusedLayers(a, c.module, run, all);
  const unknown = outTensor?.shape ? undefined : whyOutputUnknown(a, run, outTensor, names2);
  const accepts = input.source === 'symbolic' || input.shapes.some((s) => s?.some((d) => !isKnown(d))) ? describeAccepted(input.shapes[0] ?? [], run.constraints) : [];
  return {
    name: c.name,
    range: rangeOf(c.defNode),
    input: input.shapes.map((s) => (s ? s.map(dimToJSON) : [])),
    inputSource: input.source,
    ...(input.from !== undefined ? { inputFrom: input.from } : {}),
    output: outTensor?.shape ? shapeJSON(outTensor.shape) : null,
    layers,
    totalParams: totalParams(all),
    totalMacs,
    accepts,
    graph: { input: (tensors[0] as TensorValue | undefined)?.id ?? 0, nodes: withParameterNodes(all, run.nodes, (tensors[0] as TensorValue | undefined)?.id ?? 0), output: outTensor?.id ?? null },
    instantiated: c.instantiated,
    ...(!c.instantiated && c.cls && !constructibleWithDefaults(c.cls) ? { needsArguments: true as const } : {}),
    ...(unknown ? { outputUnknown: unknown } : {}),
  };
}

/** Why a model's output is unknown, in the user's terms: a reported error, or the first layer whose output is unknown and why. */
function whyOutputUnknown(a: Analyzer, run: RunContext, out: TensorValue | undefined, qualified: Map<number, string>): { error: boolean; reason: string } {
  if ((run.failed || out?.poisoned === true || run.applications.some((x) => x.module.broken)) && a.findings.some((f) => f.severity === 'error')) {
    return { error: true, reason: 'an error stops the flow' };
  }
  const app = run.applications.find((x) => x.output === null);
  if (app) {
    const m = app.module;
    const name = qualified.get(m.id);
    const label = name ? `${name} (${m.type})` : `${m.type} on line ${m.site.start.line + 1}`;
    if (app.inputs.some((s) => s.length === 0)) return { error: false, reason: `the input of ${label} comes from code Conv Lens cannot follow` };
    if (m.syntaxError) return { error: false, reason: `line ${m.site.start.line + 1} does not parse` };
    if (!m.spec && !m.cls && !m.container) return { error: false, reason: `Conv Lens does not model ${m.type}` };
    const unknownArgs = m.spec && m.args ? m.spec.signature.filter((n) => m.args?.get(n) === UNKNOWN_ARG) : [];
    if (unknownArgs.length > 0) return { error: false, reason: `${label} has ${unknownArgs.slice(0, 2).join(', ')} that Conv Lens cannot evaluate` };
    return { error: false, reason: `the output of ${label} is not known` };
  }
  if (!out) return { error: false, reason: 'forward returns something other than a tensor Conv Lens can follow' };
  return { error: false, reason: 'forward uses code Conv Lens cannot follow (an import or a value computed at run time)' };
}

function firstTensor(v: Value): TensorValue | undefined {
  if (v.k === 'tensor') return v;
  if (v.k === 'tuple' || v.k === 'list') for (const x of v.items) if (x.k === 'tensor') return x;
  if (v.k === 'dict') for (const x of v.vals) if (x.k === 'tensor') return x;
  // A namedtuple output (GoogLeNet's logits and aux logits): its first tensor, as for a tuple.
  if (v.k === 'obj' && v.cls.tupleLike) for (const x of v.attrs.values()) if (x.k === 'tensor') return x;
  return undefined;
}

/**
 * The nn.Parameter tensors forward reads directly (a class token, a position embedding), as 'parameter' nodes first:
 * the engine loads them by qualified name like any layer's weights.
 */
function withParameterNodes(all: ReadonlyArray<[string, ModuleValue]>, nodes: GraphNode[], input: number): GraphNode[] {
  const produced = new Set<number>([input]);
  for (const n of nodes) {
    produced.add(n.id);
    for (const id of n.outputs ?? []) if (id !== null) produced.add(id);
  }
  const wanted = new Set<number>();
  for (const n of nodes) for (const id of n.inputs) if (!produced.has(id)) wanted.add(id);
  if (wanted.size === 0) return nodes;
  const params: GraphNode[] = [];
  for (const [prefix, m] of all) {
    for (const [k, v] of [...m.attrs, ...(m.ownParams ?? [])]) {
      if (v.k !== 'tensor' || !v.parameter || !wanted.has(v.id) || !v.shape) continue;
      wanted.delete(v.id);
      params.push({ id: v.id, op: 'parameter', args: { name: prefix ? `${prefix}.${k}` : k, ...(v.fill ? { init: v.fill } : {}) }, inputs: [], shape: shapeJSON(v.shape), range: m.site });
    }
  }
  return params.length === 0 ? nodes : [...params, ...nodes];
}

function totalParams(all: ReadonlyArray<[string, ModuleValue]>): number | null {
  let total = 0;
  for (const [, m] of all) {
    for (const v of m.attrs.values()) {
      // An attribute the analysis could not evaluate may be a module (a torchvision backbone): the total is unknown.
      if (v.k === 'unknown') return null;
      if (v.k !== 'tensor' || !v.parameter) continue;
      const n = v.shape ? product(v.shape) : undefined;
      if (n === undefined || !isKnown(n)) return null;
      total += n;
    }
    if (!m.spec || !m.args) {
      // A subclass of a layer the rules do not know has that layer's parameters, unknown here.
      if ((!m.cls && !m.container) || m.cls?.layer !== undefined) return null;
      continue;
    }
    let p: number | null;
    try {
      // A layer without a count has no parameters; a count of null means its arguments are not known.
      p = m.spec.paramCount ? m.spec.paramCount(m.args) : 0;
    } catch {
      p = null;
    }
    if (p === null) return null;
    total += p;
  }
  return total;
}

/** Layers assigned in __init__ that forward never uses: only said when the whole forward ran with certainty. */
function reportUnusedLayers(a: Analyzer, root: ModuleValue, run: RunContext, all: ReadonlyArray<[string, ModuleValue]>): void {
  if (run.uncertain || run.failed) return;
  const reach = new LayerReach(a.source);
  const usedDeep = new Set<number>();
  const mark = (m: ModuleValue): boolean => {
    let used = run.used.has(m.id);
    for (const c of m.children.values()) if (mark(c)) used = true;
    if (used) usedDeep.add(m.id);
    return used;
  };
  mark(root);
  for (const [, m] of all) {
    // A class from another file (an import) is that file's to report.
    if (!m.cls || m.cls.node.file !== undefined || !run.forwardRan.has(m.id) || m.uncertain) continue;
    for (const [name, c] of m.children) {
      if (usedDeep.has(c.id) || reach.mayBeUsed(m.cls, name)) continue;
      a.report({
        code: 'unused-layer', severity: 'warning', range: c.site, unnecessary: true,
        message: `self.${name} (${c.type}) is defined in __init__ but forward never uses it: its parameters are trained for nothing. Remove it or apply it in forward.`,
      });
    }
  }
}

/** Says which input sizes a model with a symbolic input accepts, from the constraints its run recorded. */
function describeAccepted(input: Shape, constraints: Constraint[]): string[] {
  const spatial = input.filter((d) => !isKnown(d)).flatMap((d) => symbolsOf(d)).filter((s) => s !== 'N' && s !== 'B' && s !== 'C');
  const names = [...new Set(spatial)];
  if (names.length === 0 || constraints.length === 0) return [];
  const env = (values: Record<string, number>): Record<string, number> => ({ N: 1, B: 1, C: 1, ...values });
  const holds = (values: Record<string, number>): boolean =>
    constraints.every((c) => {
      const v = evalDim(c.dim, env(values));
      if (v === undefined) return true;
      return c.kind === 'min1' ? v >= 1 : v === 0;
    });
  const LIMIT = 2048;
  const out: string[] = [];
  const eqs = constraints.filter((c) => c.kind === 'eq0');
  if (names.length === 2) {
    const [h, w] = names as [string, string];
    if (eqs.length > 0) {
      const squares: number[] = [];
      for (let s = 1; s <= LIMIT; s++) if (holds({ [h]: s, [w]: s })) squares.push(s);
      const first = squares[0];
      const last = squares[squares.length - 1];
      if (first === undefined || last === undefined) out.push(`no square input up to ${LIMIT}x${LIMIT} fits the layer sizes`);
      else if (first === last) out.push(`${h} = ${w} = ${first}`);
      else if (last - first + 1 === squares.length) out.push(`square inputs from ${first}x${first} to ${last}x${last}`);
      else out.push(`square inputs of size ${squares.slice(0, 4).join(', ')}${squares.length > 4 ? ', ...' : ''}`);
      return out;
    }
    const minH = firstFrom(1, LIMIT, (s) => holds({ [h]: s, [w]: LIMIT }));
    const minW = firstFrom(1, LIMIT, (s) => holds({ [h]: LIMIT, [w]: s }));
    if (minH !== undefined && minW !== undefined && (minH > 1 || minW > 1)) out.push(`${h} >= ${minH}, ${w} >= ${minW}`);
    return out;
  }
  for (const n of names) {
    const others = Object.fromEntries(names.filter((x) => x !== n).map((x) => [x, LIMIT]));
    if (eqs.length > 0) {
      const vals: number[] = [];
      for (let s = 1; s <= LIMIT && vals.length < 4; s++) if (holds({ ...others, [n]: s })) vals.push(s);
      if (vals.length === 1) out.push(`${n} = ${vals[0]}`);
      continue;
    }
    const min = firstFrom(1, LIMIT, (s) => holds({ ...others, [n]: s }));
    if (min !== undefined && min > 1) out.push(`${n} >= ${min}`);
  }
  return out;
}

function firstFrom(lo: number, hi: number, ok: (n: number) => boolean): number | undefined {
  for (let s = lo; s <= hi; s++) if (ok(s)) return s;
  return undefined;
}

/** Warns where a shape written in a trailing comment disagrees with the inferred one, and offers to update it. */
function checkShapeComments(a: Analyzer, commentByLine: Map<number, SyntaxNode>): void {
  for (const site of a.sites) {
    const comment = commentByLine.get(site.range.end.line);
    if (!comment || site.shapes.length !== 1 || comment.startRow !== site.range.end.line) continue;
    if (comment.start < site.range.endOffset) continue;
    if (parseInputComment(comment.text)) continue;
    const written = findCommentShape(comment.text);
    const inferred = site.shapes[0];
    if (!written || !inferred) continue;
    if (!disagrees(written.dims, inferred)) continue;
    const inferredText = inferred.map(dimToString).join(', ');
    const open = comment.text[written.start] ?? '[';
    const close = open === '(' ? ')' : ']';
    const range = rangeOf(comment);
    const fixRange = { ...range, startOffset: comment.start + written.start, endOffset: comment.start + written.end, start: { line: range.start.line, character: range.start.character + written.start }, end: { line: range.start.line, character: range.start.character + written.end } };
    const finding: Parameters<Analyzer['report']>[0] = {
      code: 'stale-shape-comment', severity: 'warning', range: fixRange,
      message: `this comment says ${comment.text.slice(written.start, written.end)} but the shape here is [${inferredText}]: update the comment`,
      fixes: [{ title: `Update the shape comment to ${open}${inferredText}${close}`, edits: [{ range: fixRange, newText: `${open}${inferredText}${close}` }], preferred: true }],
    };
    a.report(finding);
  }
}

function disagrees(written: Array<number | string>, inferred: Shape): boolean {
  if (written.length !== inferred.length) {
    // A comment that leaves out the batch dimension is common: compare it with the trailing dims.
    if (written.length === inferred.length - 1) return disagrees(written, inferred.slice(1));
    return written.every((w) => typeof w === 'number') && inferred.every((d) => isKnown(d));
  }
  return written.some((w, i) => {
    const d = inferred[i];
    return typeof w === 'number' && d !== undefined && isKnown(d) && d !== w;
  });
}

