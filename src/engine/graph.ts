// What every execution of a core ModelGraph shares: its parameters, the memory check made before
// anything is allocated, per-node timings, and the error that names the failing node.
import type { GraphNode, ModelGraph } from '../core/types';
import { layerDef, type ParamSpec } from './layers';
import { MemoryLimitError } from './runtime';
import { numel, shapeString } from './tensor';

export interface NodeTiming {
  /** Output key of the node (of the last node for a fused chain). */
  key: string;
  /** The keys of the nodes a fused chain ran as one, joined by "+" ("conv1+bn1+relu"); absent for one node. */
  label?: string;
  type: string;
  ms: number;
  /** Multiply-accumulates, when the layer kind defines them. */
  macs: number | null;
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

/** A node reads a tensor no earlier node made: the analysis could not follow the code that makes it. */
export class IncompleteGraphError extends GraphError {}

export type GraphParameter = ParamSpec & { layer: string; type: string };

/** An nn.Parameter forward reads itself (the core's 'parameter' node): its name, shape and the init its factory gave. */
function parameterSpec(node: GraphNode): ParamSpec | null {
  if (node.op !== 'parameter' || typeof node.args['name'] !== 'string' || !node.shape.every((d) => typeof d === 'number')) return null;
  const init = node.args['init'] as { kind?: unknown; value?: unknown; std?: unknown; truncated?: unknown } | undefined;
  return {
    name: node.args['name'],
    shape: node.shape as number[],
    init: init?.kind === 'constant' && typeof init.value === 'number' ? { kind: 'constant', value: init.value } : init?.kind === 'normal' ? { kind: 'normal', ...(typeof init.std === 'number' ? { std: init.std } : {}), ...(init.truncated === true ? { truncated: true } : {}) } : { kind: 'unknown' },
  };
}

/** The parameters the graph's modules declare, by qualified name ("features.0.weight"). */
export function graphParameters(graph: ModelGraph): Map<string, GraphParameter> {
  const specs = new Map<string, GraphParameter>();
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const direct = parameterSpec(node);
    if (direct !== null) specs.set(direct.name, { ...direct, layer: '', type: 'Parameter' });
    if (node.op !== 'module' || node.module === undefined || seen.has(node.module.name)) continue;
    seen.add(node.module.name);
    let params: ParamSpec[];
    try {
      params = layerDef(node.module.type).params(node.module.args);
    } catch (e) {
      // Which layer, for the CLI and the preview: an ArgError alone names only the argument.
      throw new GraphError(`${describeNode(node)}, applied at line ${node.range.start.line + 1}: ${(e as Error).message}`, node, e);
    }
    for (const p of params) {
      specs.set(node.module.name === '' ? p.name : `${node.module.name}.${p.name}`, { ...p, layer: node.module.name, type: node.module.type });
    }
  }
  return specs;
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function describeNode(n: GraphNode): string {
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
