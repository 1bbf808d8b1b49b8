// TypeScript/JavaScript model code: TensorFlow.js layers models (tf.sequential, model.add(tf.layers.*))
// and PyTorch-style code written in TS (new nn.Conv2d(3, 16, 3), nn.Sequential(...)).
import { child, rangeOf, type SyntaxNode } from '../syntax';
import type { Analysis, Finding, GraphNode, LayerReport, ModelReport, InputSource, ShapeSite, Range } from '../types';
import { dimToJSON, sym, unknownDim, type Dim, type Shape } from '../dims';
import { parseInputComment } from '../shape-comments';
import { layerSpecs } from '../rules/registry';
import { messageFrom, UNKNOWN, type ArgValue, type LayerArgs, type LayerSpec } from '../rules/layer-spec';
import { bindArgs as bindRuleArgs } from '../rules/bind-args';
import type { AnalyzeOptions } from '../python/models';
import { applyTfLayer, tfMacs, type TfArg, type TfConfig } from './layers';

type V =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'bool'; v: boolean }
  | { k: 'null' }
  | { k: 'arr'; items: V[] }
  | { k: 'obj'; props: Map<string, V>; nodes: Map<string, SyntaxNode> }
  | { k: 'ref'; path: string }
  | { k: 'tflayer'; kind: string; config: TfConfig; node: SyntaxNode }
  | { k: 'tfmodel'; layers: V[]; node: SyntaxNode; name: string | undefined }
  | { k: 'torch'; spec: LayerSpec; args: TsArgs; node: SyntaxNode }
  | { k: 'torchseq'; children: V[]; node: SyntaxNode; name: string | undefined }
  | { k: 'func'; node: SyntaxNode; scope: Scope }
  | { k: 'unknown' };

const UNKNOWN_V: V = { k: 'unknown' };

/** The TensorFlow.js packages that export the `tf` namespace (browser, Node bindings). */
const TFJS_MODULE = /^@tensorflow\/tfjs(-node(-gpu)?)?$/;

/** The [property, local name] pairs an object destructuring pattern binds. */
function patternNames(pattern: SyntaxNode): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const p of pattern.children) {
    if (p.type === 'shorthand_property_identifier_pattern') out.push([p.text, p.text]);
    else if (p.type === 'pair_pattern') {
      const key = child(p, 'key');
      const value = child(p, 'value');
      if (key && value?.type === 'identifier') out.push([key.type === 'string' ? key.text.slice(1, -1) : key.text, value.text]);
    }
  }
  return out;
}

class Scope {
  readonly vars = new Map<string, V>();
  constructor(readonly parent?: Scope) {}
  get(name: string): V | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }
  set(name: string, v: V): void {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, v);
        return;
      }
    }
    this.vars.set(name, v);
  }
}

interface TsArgs extends LayerArgs {
  rangeOf(name: string): Range | undefined;
}

const MAX_STEPS = 200_000;
const MAX_DEPTH = 40;

class TsEvaluator {
  steps = 0;
  depth = 0;
  readonly models: Array<Extract<V, { k: 'tfmodel' } | { k: 'torchseq' }>> = [];
  readonly called = new Set<SyntaxNode>();
  readonly notes: string[] = [];

  tick(): void {
    if (++this.steps > MAX_STEPS) throw new Error('step limit');
  }

  execBlock(nodes: SyntaxNode[], scope: Scope): V | undefined {
    // Function declarations are hoisted (also exported ones).
    for (const n of nodes) {
      const decl = n.type === 'export_statement' ? child(n, 'declaration') : n;
      if (decl?.type !== 'function_declaration') continue;
      const name = child(decl, 'name')?.text;
      if (name) scope.vars.set(name, { k: 'func', node: decl, scope });
    }
    for (const n of nodes) {
      const r = this.exec(n, scope);
      if (r) return r;
    }
    return undefined;
  }

  exec(node: SyntaxNode, scope: Scope): V | undefined {
    this.tick();
    switch (node.type) {
      case 'lexical_declaration':
      case 'variable_declaration':
        for (const d of node.children) if (d.type === 'variable_declarator') {
          const nameNode = child(d, 'name');
          const valueNode = child(d, 'value');
          const v = valueNode ? this.eval(valueNode, scope) : UNKNOWN_V;
          if (nameNode?.type === 'identifier') {
            scope.vars.set(nameNode.text, v);
            if ((v.k === 'tfmodel' || v.k === 'torchseq') && !v.name) v.name = nameNode.text;
          } else if (nameNode?.type === 'object_pattern') {
            // const { sequential, layers: L } = require('@tensorflow/tfjs')
            for (const [key, local] of patternNames(nameNode)) {
              scope.vars.set(local, v.k === 'ref' ? { k: 'ref', path: `${v.path}.${key}` } : v.k === 'obj' ? v.props.get(key) ?? UNKNOWN_V : UNKNOWN_V);
            }
          }
        }
        return undefined;
      case 'import_statement':
        this.importTfjs(node, scope);
        return undefined;
      case 'expression_statement':
        for (const c of node.children) this.eval(c, scope);
        return undefined;
      case 'return_statement':
        return node.children[0] ? this.eval(node.children[0], scope) : UNKNOWN_V;
      case 'statement_block':
        return this.execBlock(node.children, new Scope(scope));
      case 'export_statement': {
        const decl = child(node, 'declaration') ?? child(node, 'value');
        if (decl) return decl.type.endsWith('declaration') ? this.exec(decl, scope) : (this.eval(decl, scope), undefined);
        return undefined;
      }
      case 'function_declaration':
        return undefined;
      case 'if_statement': {
        const cond = this.eval(child(node, 'condition') ?? node, scope);
        const t = cond.k === 'bool' ? cond.v : cond.k === 'num' ? cond.v !== 0 : undefined;
        const cons = child(node, 'consequence');
        const alt = child(node, 'alternative');
        if (t === false) return alt?.children[0] ? this.exec(alt.children[0], scope) : undefined;
        if (t === undefined) return undefined;
        return cons ? this.exec(cons, scope) : undefined;
      }
      case 'for_statement': {
        const inner = new Scope(scope);
        const init = child(node, 'initializer');
        if (init) this.exec(init, inner);
        const cond = child(node, 'condition');
        const inc = child(node, 'increment');
        const body = child(node, 'body');
        for (let i = 0; i < 1000; i++) {
          if (cond) {
            const c = this.eval(cond.type === 'expression_statement' ? cond.children[0] ?? cond : cond, inner);
            if (c.k !== 'bool' || !c.v) break;
          }
          if (body) {
            const r = this.exec(body, inner);
            if (r) return r;
          }
          if (inc) this.eval(inc, inner);
        }
        return undefined;
      }
      case 'for_in_statement': {
        const right = this.eval(child(node, 'right') ?? node, scope);
        const left = child(node, 'left');
        const body = child(node, 'body');
        if (right.k !== 'arr' || !left || !body) return undefined;
        for (const item of right.items) {
          const inner = new Scope(scope);
          inner.vars.set(left.text, item);
          const r = this.exec(body, inner);
          if (r) return r;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  eval(node: SyntaxNode, scope: Scope): V {
    this.tick();
    switch (node.type) {
      case 'number':
        return { k: 'num', v: Number(node.text.replace(/_/g, '')) };
      case 'string':
        return { k: 'str', v: node.text.slice(1, -1) };
      case 'true':
        return { k: 'bool', v: true };
      case 'false':
        return { k: 'bool', v: false };
      case 'null':
      case 'undefined':
        return { k: 'null' };
      case 'identifier':
        return scope.get(node.text) ?? (node.text === 'tf' || node.text === 'nn' || node.text === 'torch' ? { k: 'ref', path: node.text } : UNKNOWN_V);
      case 'parenthesized_expression':
      case 'as_expression':
      case 'satisfies_expression':
      case 'non_null_expression':
      case 'await_expression':
        return node.children[0] ? this.eval(node.children[0], scope) : UNKNOWN_V;
      case 'array':
        return { k: 'arr', items: node.children.filter((c) => c.type !== 'comment').flatMap((c) => {
          if (c.type === 'spread_element') {
            const v = this.eval(c.children[0] ?? c, scope);
            return v.k === 'arr' ? v.items : [UNKNOWN_V];
          }
          return [this.eval(c, scope)];
        }) };
      case 'object': {
        const props = new Map<string, V>();
        const nodes = new Map<string, SyntaxNode>();
        for (const p of node.children) {
          if (p.type === 'pair') {
            const key = child(p, 'key');
            const value = child(p, 'value');
            if (!key || !value) continue;
            const k = key.type === 'string' ? key.text.slice(1, -1) : key.text;
            props.set(k, this.eval(value, scope));
            nodes.set(k, value);
          } else if (p.type === 'shorthand_property_identifier') {
            props.set(p.text, scope.get(p.text) ?? UNKNOWN_V);
            nodes.set(p.text, p);
          }
        }
        return { k: 'obj', props, nodes };
      }
      case 'member_expression': {
        const obj = this.eval(child(node, 'object') ?? node, scope);
        const prop = child(node, 'property')?.text ?? '';
        if (obj.k === 'ref') return { k: 'ref', path: `${obj.path}.${prop}` };
        if (obj.k === 'obj') return obj.props.get(prop) ?? UNKNOWN_V;
        if (obj.k === 'arr' && prop === 'length') return { k: 'num', v: obj.items.length };
        if (obj.k === 'tfmodel' || obj.k === 'arr') return { k: 'ref', path: `<method>.${prop}` };
        return UNKNOWN_V;
      }
      case 'subscript_expression': {
        const obj = this.eval(child(node, 'object') ?? node, scope);
        const idx = this.eval(child(node, 'index') ?? node, scope);
        if (obj.k === 'arr' && idx.k === 'num') return obj.items[idx.v] ?? UNKNOWN_V;
        if (obj.k === 'obj' && idx.k === 'str') return obj.props.get(idx.v) ?? UNKNOWN_V;
        return UNKNOWN_V;
      }
      case 'binary_expression': {
        const op = child(node, 'operator')?.text ?? '';
        const l = this.eval(child(node, 'left') ?? node, scope);
        const r = this.eval(child(node, 'right') ?? node, scope);
        if (l.k === 'num' && r.k === 'num') {
          switch (op) {
            case '+': return { k: 'num', v: l.v + r.v };
            case '-': return { k: 'num', v: l.v - r.v };
            case '*': return { k: 'num', v: l.v * r.v };
            case '/': return { k: 'num', v: l.v / r.v };
            case '%': return { k: 'num', v: l.v % r.v };
            case '**': return { k: 'num', v: l.v ** r.v };
            case '<': return { k: 'bool', v: l.v < r.v };
            case '<=': return { k: 'bool', v: l.v <= r.v };
            case '>': return { k: 'bool', v: l.v > r.v };
            case '>=': return { k: 'bool', v: l.v >= r.v };
            case '===':
            case '==': return { k: 'bool', v: l.v === r.v };
            case '!==':
            case '!=': return { k: 'bool', v: l.v !== r.v };
            default: return UNKNOWN_V;
          }
        }
        if (l.k === 'str' && r.k === 'str' && (op === '===' || op === '==')) return { k: 'bool', v: l.v === r.v };
        return UNKNOWN_V;
      }
      case 'unary_expression': {
        const v = this.eval(child(node, 'argument') ?? node, scope);
        const op = child(node, 'operator')?.text;
        if (op === '-' && v.k === 'num') return { k: 'num', v: -v.v };
        if (op === '!' && v.k === 'bool') return { k: 'bool', v: !v.v };
        return UNKNOWN_V;
      }
      case 'update_expression': {
        const arg = child(node, 'argument');
        const v = arg ? this.eval(arg, scope) : UNKNOWN_V;
        const op = child(node, 'operator')?.text ?? node.text.replace(arg?.text ?? '', '');
        if (arg?.type === 'identifier' && v.k === 'num') scope.set(arg.text, { k: 'num', v: op.includes('+') ? v.v + 1 : v.v - 1 });
        return v;
      }
      case 'assignment_expression': {
        const left = child(node, 'left');
        const v = this.eval(child(node, 'right') ?? node, scope);
        if (left?.type === 'identifier') scope.set(left.text, v);
        return v;
      }
      case 'augmented_assignment_expression': {
        const left = child(node, 'left');
        const cur = left ? this.eval(left, scope) : UNKNOWN_V;
        const r = this.eval(child(node, 'right') ?? node, scope);
        if (left?.type === 'identifier' && cur.k === 'num' && r.k === 'num') {
          const op = child(node, 'operator')?.text ?? '+=';
          const v = op === '+=' ? cur.v + r.v : op === '-=' ? cur.v - r.v : op === '*=' ? cur.v * r.v : cur.v / r.v;
          scope.set(left.text, { k: 'num', v });
        }
        return UNKNOWN_V;
      }
      case 'arrow_function':
      case 'function_expression':
      case 'function':
        return { k: 'func', node, scope };
      case 'call_expression':
        return this.call(node, scope, false);
      case 'new_expression':
        return this.call(node, scope, true);
      default:
        return UNKNOWN_V;
    }
  }

  private call(node: SyntaxNode, scope: Scope, isNew: boolean): V {
    const fnNode = child(node, isNew ? 'constructor' : 'function');
    const argsNode = child(node, 'arguments');
    const argNodes = (argsNode?.children ?? []).filter((c) => c.type !== 'comment');
    const args = argNodes.map((a) => this.eval(a, scope));
    if (!fnNode) return UNKNOWN_V;
    // CommonJS: `const tf = require('@tensorflow/tfjs')` is the same namespace as `import * as tf from ...`.
    if (!isNew && fnNode.type === 'identifier' && fnNode.text === 'require' && !scope.get('require')) {
      const mod = args[0];
      return mod?.k === 'str' && TFJS_MODULE.test(mod.v) ? { k: 'ref', path: 'tf' } : UNKNOWN_V;
    }
    // model.add(layer): a method call on a model value.
    if (fnNode.type === 'member_expression') {
      const target = this.eval(child(fnNode, 'object') ?? fnNode, scope);
      const method = child(fnNode, 'property')?.text;
      if (target.k === 'tfmodel' && method === 'add') {
        if (args[0]) target.layers.push(args[0]);
        return UNKNOWN_V;
      }
      if (target.k === 'arr' && method === 'push') {
        target.items.push(...args);
        return { k: 'num', v: target.items.length };
      }
    }
    const fn = this.eval(fnNode, scope);
    if (fn.k === 'func') return this.callFunction(fn, args);
    if (fn.k !== 'ref') return UNKNOWN_V;
    const path = fn.path;
    if (path === 'tf.sequential') {
      const known = this.models.find((m) => m.node === node);
      if (known) return known;
      const cfg = args[0];
      const layers = cfg?.k === 'obj' ? cfg.props.get('layers') : undefined;
      const model: V = { k: 'tfmodel', layers: layers?.k === 'arr' ? [...layers.items] : [], node, name: undefined };
      this.models.push(model);
      return model;
    }
    if (path.startsWith('tf.layers.')) {
      const kind = path.slice('tf.layers.'.length);
      const cfg = args[0];
      return { k: 'tflayer', kind, config: cfg?.k === 'obj' ? toConfig(cfg) : new Map(), node };
    }
    if (path === 'nn.Sequential' || path === 'torch.nn.Sequential') {
      const known = this.models.find((m) => m.node === node);
      if (known) return known;
      const seq: V = { k: 'torchseq', children: args, node, name: undefined };
      this.models.push(seq);
      return seq;
    }
    const torchName = path.startsWith('nn.') ? path.slice(3) : path.startsWith('torch.nn.') ? path.slice(9) : undefined;
    const spec = torchName ? layerSpecs.get(torchName) : undefined;
    if (spec) return { k: 'torch', spec, args: bindTsArgs(spec, args, argNodes), node };
    return UNKNOWN_V;
  }

  /** `import * as tfjs from`, `import tf from`, `import { sequential, layers as L } from '@tensorflow/tfjs'`. */
  private importTfjs(node: SyntaxNode, scope: Scope): void {
    const source = child(node, 'source');
    if (!source || !TFJS_MODULE.test(source.text.slice(1, -1))) return;
    const clause = node.children.find((c) => c.type === 'import_clause');
    for (const c of clause?.children ?? []) {
      if (c.type === 'identifier') scope.vars.set(c.text, { k: 'ref', path: 'tf' });
      else if (c.type === 'namespace_import') {
        const id = c.children.find((x) => x.type === 'identifier');
        if (id) scope.vars.set(id.text, { k: 'ref', path: 'tf' });
      } else if (c.type === 'named_imports') {
        for (const spec of c.children.filter((x) => x.type === 'import_specifier')) {
          const name = child(spec, 'name')?.text;
          const alias = child(spec, 'alias')?.text ?? name;
          if (name && alias) scope.vars.set(alias, { k: 'ref', path: `tf.${name}` });
        }
      }
    }
  }

  callFunction(fn: Extract<V, { k: 'func' }>, args: V[]): V {
    if (this.depth > MAX_DEPTH) return UNKNOWN_V;
    this.called.add(fn.node);
    const scope = new Scope(fn.scope);
    const params = child(fn.node, 'parameters');
    (params?.children ?? []).forEach((p, i) => {
      const name = p.type === 'identifier' ? p.text : (child(p, 'pattern') ?? p.children[0])?.text;
      if (name) scope.vars.set(name, args[i] ?? UNKNOWN_V);
    });
    const body = child(fn.node, 'body');
    if (!body) return UNKNOWN_V;
    this.depth++;
    try {
      if (body.type !== 'statement_block') return this.eval(body, scope);
      return this.execBlock(body.children, scope) ?? UNKNOWN_V;
    } finally {
      this.depth--;
    }
  }
}

function toTfArg(v: V): TfArg {
  switch (v.k) {
    case 'num': return v.v;
    case 'str': return v.v;
    case 'bool': return v.v;
    case 'null': return null;
    case 'arr': return v.items.map(toTfArg);
    default: return undefined;
  }
}

function toConfig(o: Extract<V, { k: 'obj' }>): TfConfig {
  const m: TfConfig = new Map();
  for (const [k, v] of o.props) m.set(k, toTfArg(v));
  return m;
}

function toArgValue(v: V): ArgValue {
  switch (v.k) {
    case 'num': return v.v;
    case 'str': return v.v;
    case 'bool': return v.v;
    case 'null': return null;
    case 'arr': return v.items.map(toArgValue);
    default: return UNKNOWN;
  }
}

/** Positional arguments, then a trailing object literal as keyword arguments (`new nn.Conv2d(3, 16, 3, {padding: 1})`). */
function bindTsArgs(spec: LayerSpec, args: V[], argNodes: SyntaxNode[]): TsArgs {
  const ranges = new Map<string, Range>();
  const keywords: Record<string, ArgValue> = {};
  let positional = args;
  const last = args[args.length - 1];
  if (last?.k === 'obj') {
    positional = args.slice(0, -1);
    for (const [k, v] of last.props) {
      keywords[k] = toArgValue(v);
      const n = last.nodes.get(k);
      if (n) ranges.set(k, rangeOf(n));
    }
  }
  positional.forEach((_, i) => {
    const name = spec.signature[i];
    const n = argNodes[i];
    if (name && n) ranges.set(name, rangeOf(n));
  });
  // Python's binding rules (rules/bind-args.ts); its issues are about Python calls, so they are not reported here.
  const { args: bound } = bindRuleArgs(spec, positional.map(toArgValue), keywords);
  return { type: spec.type, get: (name) => bound.get(name), given: (name) => bound.given(name), rangeOf: (name) => ranges.get(name) };
}

export function analyzeTypeScript(root: SyntaxNode, text: string, comments: SyntaxNode[], options: AnalyzeOptions = {}): Analysis {
  void text;
  const ev = new TsEvaluator();
  const globals = new Scope();
  const notes: string[] = [];
  try {
    ev.execBlock(root.children, globals);
    // Functions that build a model but are never called in the file still describe it.
    for (const fn of collectFunctions(root)) {
      if (ev.called.has(fn)) continue;
      ev.callFunction({ k: 'func', node: fn, scope: globals }, []);
    }
  } catch (e) {
    notes.push(`part of the file was not analysed: ${(e as Error).message}`);
  }
  const commentByLine = new Map<number, SyntaxNode>();
  for (const c of comments) commentByLine.set(c.startRow, c);
  const findings: Finding[] = [];
  const sites: ShapeSite[] = [];
  const models: ModelReport[] = [];
  for (const m of ev.models) {
    try {
      models.push(m.k === 'tfmodel' ? tfModelReport(m, commentByLine, options, findings, sites) : torchSeqReport(m, commentByLine, options, findings, sites));
    } catch (e) {
      notes.push(`a model could not be analysed: ${(e as Error).message}`);
    }
  }
  return { language: 'typescript', models, findings, sites, notes: [...notes, ...ev.notes] };
}

function collectFunctions(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode, depth: number): void => {
    if (depth > 4) return;
    if (n.type === 'function_declaration') out.push(n);
    for (const c of n.children) if (c.type === 'export_statement' || c.type === 'function_declaration' || n.type === 'program') visit(c, depth + 1);
  };
  visit(root, 0);
  return out;
}

function commentInput(node: SyntaxNode, commentByLine: Map<number, SyntaxNode>): Dim[] | undefined {
  for (const line of [node.startRow, node.startRow - 1]) {
    const c = commentByLine.get(line);
    const s = c ? parseInputComment(c.text) : undefined;
    if (s) return s;
  }
  return undefined;
}

function tfModelReport(m: Extract<V, { k: 'tfmodel' }>, commentByLine: Map<number, SyntaxNode>, options: AnalyzeOptions, findings: Finding[], sites: ShapeSite[]): ModelReport {
  const name = m.name ?? 'model';
  // An explicit tf.layers.inputLayer only declares the input; it is not a layer of model.layers' outputs.
  const hasInputLayer = m.layers[0]?.k === 'tflayer' && m.layers[0].kind === 'inputLayer';
  const modelLayers = hasInputLayer ? m.layers.slice(1) : m.layers;
  const first = m.layers[0];
  let input: Shape | undefined;
  let source: InputSource = 'symbolic';
  const explicit = options.inputs?.[name] ?? options.inputs?.['*'];
  const declared = commentInput(m.node, commentByLine);
  if (explicit) [input, source] = [explicit, 'explicit'];
  else if (declared) [input, source] = [declared, 'comment'];
  else if (first?.k === 'tflayer') {
    const inputShape = first.config.get('inputShape');
    const batchShape = first.config.get('batchInputShape');
    if (Array.isArray(batchShape)) [input, source] = [batchShape.map((d) => (typeof d === 'number' ? d : sym('N'))), 'example'];
    else if (Array.isArray(inputShape)) [input, source] = [[sym('N'), ...inputShape.map((d) => (typeof d === 'number' ? d : unknownDim()))], 'example'];
  }
  if (!input) [input, source] = options.defaultInput ? [options.defaultInput, 'default'] : [[sym('N'), sym('H'), sym('W'), sym('C')], 'symbolic'];
  const layers: LayerReport[] = [];
  const nodes: GraphNode[] = [];
  let x: Shape | null = input;
  let totalParams: number | null = 0;
  let totalMacs: number | null = 0;
  modelLayers.forEach((layer, i) => {
    if (layer.k !== 'tflayer' || !x) {
      x = null;
      return;
    }
    const r = applyTfLayer(layer.kind, layer.config, x);
    if (r.error) {
      const tfjsError = r.error.tfjs?.replace(`layer ${layer.kind}:`, `layer ${tfjsLayerName(layer, modelLayers.slice(0, i))}:`);
      findings.push({ code: r.error.code, severity: 'error', range: rangeOf(layer.node), message: r.error.message, related: [], fixes: [], ...(tfjsError ? { tfjsError } : {}) });
      x = null;
      return;
    }
    const out = r.output ?? null;
    const macs = out ? tfMacs(layer.kind, layer.config, x, out) : null;
    totalParams = totalParams === null || r.params === null || r.params === undefined ? null : totalParams + r.params;
    totalMacs = totalMacs === null || macs === null ? null : totalMacs + macs;
    const configName = layer.config.get('name');
    layers.push({
      name: typeof configName === 'string' ? configName : String(i),
      type: layer.kind,
      range: rangeOf(layer.node),
      callRange: rangeOf(layer.node),
      inputs: [x.map(dimToJSON)],
      output: out ? out.map(dimToJSON) : null,
      params: r.params ?? null,
      macs,
      receptiveField: null,
      cumulativeStride: null,
      formula: [],
    });
    if (out) {
      sites.push({ range: rangeOf(layer.node), shapes: [out.map(dimToJSON)], hint: true });
      nodes.push(tfGraphNode(layers[layers.length - 1] as LayerReport, layer.config, x, out, nodes.length + 1));
    }
    x = out;
  });
  const finalShape: Shape | null = x;
  return {
    name, range: rangeOf(m.node), input: [input.map(dimToJSON)], inputSource: source,
    output: finalShape ? (finalShape as Shape).map(dimToJSON) : null, layers, totalParams, totalMacs, accepts: [],
    graph: { input: 0, nodes, output: finalShape && nodes.length === modelLayers.length ? nodes.length : null, channelsLast: true }, instantiated: true,
    ...(finalShape ? {} : { outputUnknown: tfjsUnknownOutput(findings) }),
  };
}

/**
 * One layer of a tf.sequential model as a graph node for the engine (tensor i + 1 is layer i's output): its config
 * as written, plus `batchInputShape`, the shape of the input it gets (TF.js's own name for a shape with the batch),
 * since TF.js layers take their input channels from the input rather than from their arguments.
 */
function tfGraphNode(layer: LayerReport, config: TfConfig, input: Shape, output: Shape, id: number): GraphNode {
  const args: Record<string, unknown> = {};
  for (const [k, v] of config) if (v !== undefined) args[k] = v;
  args['batchInputShape'] = input.map(dimToJSON);
  return { id, op: 'module', module: { name: layer.name, type: layer.type, args }, args: {}, inputs: [id - 1], shape: output.map(dimToJSON), range: layer.range };
}

function torchSeqReport(m: Extract<V, { k: 'torchseq' }>, commentByLine: Map<number, SyntaxNode>, options: AnalyzeOptions, findings: Finding[], sites: ShapeSite[]): ModelReport {
  const name = m.name ?? 'model';
  const firstLayer = m.children[0];
  let input: Shape;
  let source: InputSource;
  const explicit = options.inputs?.[name] ?? options.inputs?.['*'];
  const declared = commentInput(m.node, commentByLine);
  if (explicit) [input, source] = [explicit, 'explicit'];
  else if (declared) [input, source] = [declared, 'comment'];
  else if (options.defaultInput) [input, source] = [options.defaultInput, 'default'];
  else {
    const c = firstLayer?.k === 'torch' ? firstLayer.args.get('in_channels') : undefined;
    input = [sym('N'), typeof c === 'number' ? c : sym('C'), sym('H'), sym('W')];
    source = 'symbolic';
  }
  const layers: LayerReport[] = [];
  let x: Shape | null = input;
  let producer: Extract<V, { k: 'torch' }> | undefined;
  m.children.forEach((layer, i) => {
    if (layer.k !== 'torch' || !x) {
      x = null;
      return;
    }
    const r = layer.spec.apply(layer.args, [x]);
    if ('error' in r) {
      const e = r.error;
      const range = (e.arg && layer.args.rangeOf(e.arg)) || rangeOf(layer.node);
      const related = e.blamesInput && producer ? [{ range: producer.args.rangeOf('out_channels') ?? rangeOf(producer.node), message: `the input comes from ${producer.spec.type} here` }] : [];
      const fixRange = e.fix ? layer.args.rangeOf(e.fix.arg) : undefined;
      // The first layer's input is the model's input, not a previous layer's output.
      findings.push({ code: e.code, severity: 'error', range, message: messageFrom(e.message, i === 0 ? 'the input' : undefined), related, fixes: e.fix && fixRange ? [{ title: e.fix.title, edits: [{ range: fixRange, newText: e.fix.value }], preferred: true }] : [], ...(e.pytorch ? { pytorchError: e.pytorch } : {}) });
      x = null;
      return;
    }
    const out = r.output;
    layers.push({
      name: String(i), type: layer.spec.type, range: rangeOf(layer.node), callRange: rangeOf(m.node),
      inputs: [x.map(dimToJSON)], output: out.map(dimToJSON), params: layer.spec.paramCount?.(layer.args) ?? null,
      macs: layer.spec.macs?.(layer.args, [x], out) ?? null, receptiveField: null, cumulativeStride: null,
      formula: layer.spec.formula?.(layer.args, [x], out) ?? [],
    });
    sites.push({ range: rangeOf(layer.node), shapes: [out.map(dimToJSON)], hint: true });
    if (/^(Conv|Linear|ConvTranspose)/.test(layer.spec.type)) producer = layer;
    x = out;
  });
  const finalShape: Shape | null = x;
  const sum = (f: (l: LayerReport) => number | null): number | null => layers.reduce<number | null>((acc, l) => (acc === null || f(l) === null ? null : acc + (f(l) ?? 0)), 0);
  return {
    name, range: rangeOf(m.node), input: [input.map(dimToJSON)], inputSource: source,
    output: finalShape ? (finalShape as Shape).map(dimToJSON) : null, layers, totalParams: sum((l) => l.params), totalMacs: sum((l) => l.macs), accepts: [],
    graph: { input: 0, nodes: [], output: null }, instantiated: true,
    ...(finalShape ? {} : { outputUnknown: tfjsUnknownOutput(findings) }),
  };
}


/** Why a TF.js model's output is unknown: a reported error, or a layer Conv Lens cannot compute. */
function tfjsUnknownOutput(findings: Finding[]): { error: boolean; reason: string } {
  return findings.some((f) => f.severity === 'error')
    ? { error: true, reason: 'an error stops the flow' }
    : { error: false, reason: 'a layer whose output Conv Lens cannot compute' };
}

/** The TF.js class of a layer factory, where its name is not the factory's with a capital (tf.layers.maxPool2d). */
const TFJS_CLASS: Record<string, string> = { maxPool1d: 'MaxPooling1D', maxPool2d: 'MaxPooling2D', avgPool1d: 'AveragePooling1D', avgPool2d: 'AveragePooling2D', prelu: 'PReLU', elu: 'ELU' };

/**
 * The name TF.js gives a layer, as its errors quote it: the `name` it was given, else TF.js's default, the class
 * name in snake case, '_', the class name and its count (conv2d_Conv2D1). The count is per process; this assumes the
 * model is the first one built, as in a fresh page or script.
 */
function tfjsLayerName(layer: { kind: string; config: TfConfig }, before: readonly V[]): string {
  const given = layer.config.get('name');
  if (typeof given === 'string') return given;
  const cls = (k: string): string => TFJS_CLASS[k] ?? (k.charAt(0).toUpperCase() + k.slice(1)).replace(/(\d)d/g, '$1D');
  const name = cls(layer.kind);
  const count = before.filter((l) => l.k === 'tflayer' && typeof l.config.get('name') !== 'string' && cls(l.kind) === name).length + 1;
  const snake = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return `${snake}_${name}${count}`;
}
