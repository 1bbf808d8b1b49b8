// Executes one forward pass described by the core's ModelGraph and returns every node's output.
// Keys: a module application by its qualified name ("layer1.0.conv1"), a functional op by its op name
// ("relu", "add"); the k-th repeat of either gets "#k" ("relu#1"); the graph's result is also "output".
import type { GraphNode, ModelGraph } from '../core/types';
import { functionalOp } from './functional';
import { layerDef, type ParamSpec } from './layers';
import { nodeKeys } from './node-keys';
import { runtime, MemoryLimitError, DEFAULT_MEMORY_LIMIT } from './runtime';
import { numel, restOf, shapeString, type Tensor } from './tensor';
import { initParameter } from './weights/init';
import { matchStateDict, StateDictError, type StateDictReport } from './weights/state-dict';

export interface RunGraphOptions {
  /** Loaded weights by qualified name; without them every parameter gets PyTorch's default init. */
  weights?: ReadonlyMap<string, Tensor>;
  /** Seed of the default init. */
  seed?: number;
  /** Refuse to run when outputs and weights would need more bytes than this (default 1 GiB). */
  memoryLimit?: number;
  /** Also refuse weights the model does not use (torch's strict=True). */
  strict?: boolean;
  /**
   * Fold eval-mode BatchNorm into the preceding conv and fuse a following ReLU/ReLU6 into its store, as
   * inference runtimes do. The folded nodes then have no output of their own: the chain's result is
   * reported under the last node's key. Off by default (every node's output is then exact and present).
   */
  fuse?: boolean;
  /** Called after each node with its wall time. */
  onNode?: (info: NodeTiming) => void;
  /**
   * Outputs already known for some nodes (by node id), e.g. from the previous run of an edited model:
   * those nodes are not executed. Ignored for nodes that start a fused chain.
   */
  reuse?: ReadonlyMap<number, Tensor>;
}

export interface NodeTiming {
  key: string;
  type: string;
  ms: number;
  /** Multiply-accumulates, when the layer kind defines them. */
  macs: number | null;
}

export interface RunGraphResult {
  outputs: Map<string, Tensor>;
  /** Weight matching report (empty lists when initialised from the seed). */
  weights: StateDictReport;
  timings: NodeTiming[];
}

export class GraphError extends Error {
  constructor(
    message: string,
    /** The node that failed, when one did. */
    readonly node?: GraphNode,
    /** What the layer or op itself threw (an ArgError names the argument). */
    readonly reason?: unknown,
  ) {
    super(message);
  }
}

interface FusedChain {
  bn: GraphNode | null;
  act: GraphNode | null;
  clamp: [number, number] | undefined;
}

/** Conv2d -> BatchNorm2d (running stats) -> ReLU/ReLU6 chains whose intermediates have no other reader. */
function findChains(graph: ModelGraph): Map<number, FusedChain> {
  const readers = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) for (const id of n.inputs) readers.set(id, [...(readers.get(id) ?? []), n]);
  const only = (id: number): GraphNode | null => {
    const r = readers.get(id);
    return r !== undefined && r.length === 1 && graph.output !== id ? (r[0] as GraphNode) : null;
  };
  const chains = new Map<number, FusedChain>();
  for (const n of graph.nodes) {
    if (n.op !== 'module' || n.module?.type !== 'Conv2d') continue;
    let bn = only(n.id);
    if (bn !== null && !(bn.op === 'module' && bn.module?.type === 'BatchNorm2d' && bn.module.args['track_running_stats'] !== false && bn.inputs.length === 1)) bn = null;
    const tail = only((bn ?? n).id);
    const act = tail !== null && tail.op === 'module' && (tail.module?.type === 'ReLU' || tail.module?.type === 'ReLU6') ? tail
      : tail !== null && (tail.op === 'relu' || tail.op === 'relu6') ? tail : null;
    if (bn === null && act === null) continue;
    const six = act !== null && (act.module?.type === 'ReLU6' || act.op === 'relu6');
    chains.set(n.id, { bn, act, clamp: act === null ? undefined : [0, six ? 6 : Infinity] });
  }
  return chains;
}

const folded = new WeakMap<Float32Array, { key: Float32Array[]; weight: Tensor; bias: Tensor }>();

/** Conv weight and bias with an eval-mode BatchNorm folded in (cached per conv weight). */
function foldBatchNorm(w: Tensor, b: Tensor | null, mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number): { weight: Tensor; bias: Tensor } {
  const key = [mean.data, variance.data, ...(gamma === null ? [] : [gamma.data]), ...(beta === null ? [] : [beta.data]), ...(b === null ? [] : [b.data])];
  const hit = folded.get(w.data);
  if (hit !== undefined && hit.key.length === key.length && hit.key.every((k, i) => k === key[i])) return hit;
  const Co = w.shape[0] as number, per = w.data.length / Co;
  const wd = new Float32Array(w.data.length), bd = new Float32Array(Co);
  for (let c = 0; c < Co; c++) {
    const s = (gamma?.data[c] ?? 1) / Math.sqrt((variance.data[c] as number) + eps);
    for (let i = 0; i < per; i++) wd[c * per + i] = (w.data[c * per + i] as number) * s;
    bd[c] = ((b?.data[c] ?? 0) - (mean.data[c] as number)) * s + (beta?.data[c] ?? 0);
  }
  const r = { key, weight: { shape: w.shape, data: wd }, bias: { shape: [Co], data: bd } };
  folded.set(w.data, r);
  return r;
}

/** An nn.Parameter forward reads itself (the core's 'parameter' node): its name, shape and the init its factory gave. */
function parameterSpec(node: GraphNode): ParamSpec | null {
  if (node.op !== 'parameter' || typeof node.args['name'] !== 'string' || !node.shape.every((d) => typeof d === 'number')) return null;
  const init = node.args['init'] as { kind?: unknown; value?: unknown } | undefined;
  return {
    name: node.args['name'],
    shape: node.shape as number[],
    init: init?.kind === 'constant' && typeof init.value === 'number' ? { kind: 'constant', value: init.value } : init?.kind === 'normal' ? { kind: 'normal' } : { kind: 'unknown' },
  };
}

/** The parameters the graph's modules declare, by qualified name ("features.0.weight"). */
export function graphParameters(graph: ModelGraph): Map<string, ParamSpec & { layer: string; type: string }> {
  const specs = new Map<string, ParamSpec & { layer: string; type: string }>();
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const direct = parameterSpec(node);
    if (direct !== null) specs.set(direct.name, { ...direct, layer: '', type: 'Parameter' });
    if (node.op !== 'module' || node.module === undefined || seen.has(node.module.name)) continue;
    seen.add(node.module.name);
    const def = layerDef(node.module.type);
    for (const p of def.params(node.module.args)) {
      specs.set(node.module.name === '' ? p.name : `${node.module.name}.${p.name}`, { ...p, layer: node.module.name, type: node.module.type });
    }
  }
  return specs;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function describeNode(n: GraphNode): string {
  return n.op === 'module' && n.module !== undefined ? `${n.module.name} (${n.module.type})` : n.op;
}

/** Refuses before allocating anything when weights plus kept outputs would exceed the limit. */
export function checkMemory(graph: ModelGraph, params: ReadonlyMap<string, ParamSpec>, inputBytes: number, limit: number): void {
  let total = inputBytes;
  for (const p of params.values()) total += numel(p.shape) * 4;
  if (total > limit) throw new MemoryLimitError(`the model's weights need ${mib(total)}, over the memory limit of ${mib(limit)}`);
  for (const n of graph.nodes) {
    if (!n.shape.every((d) => typeof d === 'number')) continue;
    const bytes = numel(n.shape as number[]) * 4;
    total += bytes;
    if (total > limit || bytes > limit) {
      throw new MemoryLimitError(
        `refusing to run: at ${describeNode(n)} the output ${shapeString(n.shape as number[])} needs ${mib(bytes)} and the run ${mib(total)} in all, over the memory limit of ${mib(limit)}; use a smaller input or raise the limit`,
      );
    }
  }
}

export function runGraph(graph: ModelGraph, input: Tensor, options: RunGraphOptions = {}): RunGraphResult {
  const limit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const specs = graphParameters(graph);
  checkMemory(graph, specs, input.data.length * 4, limit);
  const rt = runtime();
  rt.memoryLimit = limit;

  let report: StateDictReport = { missing: [], unexpected: [], mismatched: [] };
  const params = new Map<string, Tensor>();
  if (options.weights !== undefined) {
    report = matchStateDict(specs, options.weights);
    if (report.missing.length > 0 || report.mismatched.length > 0 || (options.strict === true && report.unexpected.length > 0)) {
      throw new StateDictError(report);
    }
    for (const name of specs.keys()) params.set(name, options.weights.get(name) as Tensor);
  } else {
    const seed = options.seed ?? 0;
    for (const [name, spec] of specs) params.set(name, { shape: spec.shape, data: initParameter(spec.shape, spec.init, seed, name) });
  }

  const values = new Map<number, Tensor>([[graph.input, input]]);
  const outputs = new Map<string, Tensor>();
  const timings: NodeTiming[] = [];
  const keys = nodeKeys(graph);
  const chains = options.fuse === true ? findChains(graph) : new Map<number, FusedChain>();
  const skipped = new Set<GraphNode>();
  const keyOf = new Map(graph.nodes.map((n, i) => [n, keys[i] as string]));
  graph.nodes.forEach((node, i) => {
    if (skipped.has(node)) return;
    const chain = chains.get(node.id);
    const last = chain === undefined ? node : (chain.act ?? chain.bn ?? node);
    const key = keyOf.get(last) ?? (keys[i] as string);
    const known = chain === undefined ? options.reuse?.get(node.id) : undefined;
    if (known !== undefined) {
      values.set(node.id, known);
      outputs.set(key, known);
      const timing = { key, type: 'reused', ms: 0, macs: null };
      timings.push(timing);
      options.onNode?.(timing);
      return;
    }
    const inputs = node.inputs.map((id) => {
      const t = values.get(id);
      if (t === undefined) throw new GraphError(`${describeNode(node)} reads tensor ${id}, which no earlier node produced`, node);
      return t;
    });
    const t0 = performance.now();
    let y: Tensor;
    let type: string;
    let macs: number | null = null;
    try {
      if (node.op === 'module') {
        if (node.module === undefined) throw new GraphError('a module node has no module description');
        const { name, type: ty } = node.module;
        // Forward arguments (need_weights, output_size, masks) reach the layer beside its constructor's.
        const args = node.module.forward === undefined ? node.module.args : { ...node.module.args, ...node.module.forward };
        type = ty;
        const def = layerDef(ty);
        const prefix = name === '' ? '' : `${name}.`;
        let lookup = (p: string): Tensor | null => params.get(prefix + p) ?? null;
        if (chain !== undefined) {
          const bn = chain.bn?.module;
          if (bn !== undefined) {
            const bp = bn.name === '' ? '' : `${bn.name}.`;
            const get = (p: string): Tensor | null => params.get(bp + p) ?? null;
            const mean = get('running_mean'), variance = get('running_var'), w = lookup('weight');
            if (mean === null || variance === null || w === null) throw new GraphError(`cannot fold ${bn.name} into ${name}: missing parameters`);
            const f = foldBatchNorm(w, lookup('bias'), mean, variance, get('weight'), get('bias'), typeof bn.args['eps'] === 'number' ? bn.args['eps'] : 1e-5);
            lookup = (p) => (p === 'weight' ? f.weight : p === 'bias' ? f.bias : null);
          }
          if (chain.bn !== null) skipped.add(chain.bn);
          if (chain.act !== null) skipped.add(chain.act);
          type = chain.act === null ? `${ty}+BatchNorm2d` : `${ty}${chain.bn === null ? '' : '+BatchNorm2d'}+${chain.act.module?.type ?? chain.act.op}`;
        }
        y = def.forward(inputs, args, lookup, chain?.clamp);
        macs = def.macs?.(inputs, y, args) ?? null;
      } else if (node.op === 'parameter') {
        type = 'Parameter';
        const t = params.get(String(node.args['name']));
        if (t === undefined) throw new GraphError(`the parameter ${String(node.args['name'])} has no value`, node);
        y = t;
      } else {
        type = node.op;
        y = functionalOp(node.op)(inputs, node.args);
      }
    } catch (e) {
      if (e instanceof MemoryLimitError) throw new MemoryLimitError(`at ${describeNode(node)}: ${e.message}`);
      const shapes = inputs.map((t) => shapeString(t.shape)).join(', ');
      throw new GraphError(`${describeNode(node)} on input ${shapes} failed: ${(e as Error).message}`, node, e);
    }
    const ms = performance.now() - t0;
    values.set(node.id, y);
    values.set(last.id, y);
    // The other tensors of a tuple result (an LSTM's h_n, c_n), under the ids the core gave them.
    restOf(y).forEach((t, k) => {
      const id = node.outputs?.[k + 1];
      if (t !== null && id !== undefined && id !== null) values.set(id, t);
    });
    outputs.set(key, y);
    const timing = { key, type, ms, macs };
    timings.push(timing);
    options.onNode?.(timing);
  });
  if (graph.output !== null) {
    const out = values.get(graph.output);
    if (out === undefined) throw new GraphError(`the graph's output tensor ${graph.output} was never produced`);
    outputs.set('output', out);
  }
  return { outputs, weights: report, timings };
}
