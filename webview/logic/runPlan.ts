// Which layers of the previewed model the engine can run, and, for each one it cannot, why in the user's
// terms: which layer, which argument or which missing code, and what to write. Decided before the run, so
// a model that cannot run whole still shows maps for the layers that do not depend on the gap. Pure.
import type { GraphNode, ModelGraph } from '../../src/core/types';
import { ArgError } from '../../src/engine/args';
import { functionalOp } from '../../src/engine/functional';
import { layerDef, layers } from '../../src/engine/layers';
import { nodeKeys } from '../../src/engine/node-keys';
import { GraphError } from '../../src/engine/run-graph';

export interface RunPlan {
  /** The nodes that can run, in order; its output only when that node runs. */
  graph: ModelGraph;
  /** Why a layer shows no maps, by its key. */
  blocked: Map<string, string>;
  /** The first reason, for the status line; null when everything runs. */
  reason: string | null;
}

/** A node as the user knows it: `conv2 (Conv2d, line 10)`, `relu (line 14)`. */
export function describeLayer(node: GraphNode): string {
  const line = `line ${node.range.start.line + 1}`;
  if (node.op === 'module' && node.module !== undefined) {
    return node.module.name === '' ? `${node.module.type} (${line})` : `${node.module.name} (${node.module.type}, ${line})`;
  }
  return `${node.op} (${line})`;
}

function shortName(node: GraphNode): string {
  return node.module !== undefined && node.module.name !== '' ? node.module.name : (node.module?.type ?? node.op);
}

/**
 * An argument the engine could not use, in words; null when the error is about something else. `unbuilt`: the model is
 * a class nothing in the file builds, whose constructor needs arguments (they are unknown, not the user's to write).
 */
function explainArgument(node: GraphNode, error: ArgError, unbuilt: string | null): string | null {
  if (error.arg === undefined) return null;
  const name = shortName(node);
  if (error.missing && unbuilt !== null) {
    return `Conv Lens does not know the ${error.arg} of ${describeLayer(node)}: nothing in the file builds ${unbuilt}, so the arguments `
      + `of its constructor are unknown. Build it in the file (model = ${unbuilt}(...), or a builder's call) to preview ${name} and the layers after it.`;
  }
  if (error.missing) {
    return `Conv Lens does not know the ${error.arg} of ${describeLayer(node)}: its value comes from something it cannot evaluate, `
      + `such as an imported constant or a value computed at run time. Write ${error.arg} as a number to preview ${name} and the layers after it.`;
  }
  return `The preview cannot use the ${error.arg} of ${describeLayer(node)}: ${error.message.replace(/^argument \w+ /, `${error.arg} `)}.`;
}

/** Why the engine cannot run this node at all (an unsupported layer or op, an argument it cannot use), or null. */
function cannotRun(node: GraphNode, unbuilt: string | null): string | null {
  try {
    if (node.op === 'module') {
      const type = node.module?.type ?? '';
      if (layers[type] === undefined) return `The preview cannot run ${type} layers yet, so ${describeLayer(node)} and the layers after it show no maps.`;
      layerDef(type).params(node.module?.args ?? {});
    } else {
      functionalOp(node.op);
    }
    return null;
  } catch (error) {
    if (error instanceof ArgError) {
      return explainArgument(node, error, unbuilt) ?? `The preview cannot run ${describeLayer(node)} yet (${error.message.replace(/ \(supported:.*\)$/, '')}), so it and the layers after it show no maps.`;
    }
    return `The preview cannot run ${describeLayer(node)}: ${error instanceof Error ? error.message : String(error)}.`;
  }
}

/**
 * The graph's nodes whose parameters are known (a layer with an argument Conv Lens could not evaluate has none):
 * the weights report covers every layer of the model, also those that cannot run for another reason.
 */
export function withKnownParameters(graph: ModelGraph): ModelGraph {
  const known = (node: GraphNode): boolean => {
    if (node.op !== 'module') return true;
    try {
      layerDef(node.module?.type ?? '').params(node.module?.args ?? {});
      return true;
    } catch {
      return false;
    }
  };
  return { ...graph, nodes: graph.nodes.filter(known) };
}

/**
 * The nodes that can run (in order) and why the others cannot; `failed`: nodes a run already saw fail, with why;
 * `unbuilt`: the model's class when nothing in the file builds it and its constructor needs arguments.
 */
export function planRun(graph: ModelGraph, failed: ReadonlyMap<number, string> = new Map(), unbuilt: string | null = null): RunPlan {
  const keys = nodeKeys(graph);
  const producer = new Map(graph.nodes.map((n) => [n.id, n]));
  const produced = new Set<number>([graph.input]);
  const blockedBy = new Map<number, GraphNode>();
  const blocked = new Map<string, string>();
  const nodes: GraphNode[] = [];
  let reason: string | null = null;
  /** The node that ran last before tensor `id` was made: where the code Conv Lens could not follow starts. */
  const before = (id: number): GraphNode | undefined => graph.nodes.filter((n) => n.id < id && produced.has(n.id)).at(-1);
  graph.nodes.forEach((node, i) => {
    const key = keys[i] as string;
    let why: string | null = null;
    let root: GraphNode | undefined;
    for (const id of node.inputs) {
      if (produced.has(id)) continue;
      const upstream = blockedBy.get(id);
      if (upstream !== undefined) {
        root = upstream;
        why = `No maps: its input depends on ${shortName(upstream)}, which the preview cannot run (see ${shortName(upstream)}).`;
      } else if (!producer.has(id)) {
        const after = before(id);
        why = `Conv Lens cannot follow the code that computes the input of ${describeLayer(node)}`
          + `${after === undefined ? '' : `, after ${describeLayer(after)}`}: something it cannot see into, such as a block or function imported from another file. `
          + `${shortName(node)} and the layers after it show no maps; define that code in this file (or preview the model it comes from) to see them.`;
      } else {
        why = `No maps: its input comes from ${describeLayer(producer.get(id) as GraphNode)}, which has not run.`;
      }
      break;
    }
    why ??= failed.get(node.id) ?? cannotRun(node, unbuilt);
    if (why === null) {
      produced.add(node.id);
      nodes.push(node);
      return;
    }
    blockedBy.set(node.id, root ?? node);
    blocked.set(key, why);
    // The first cause is the one to fix; what only waits for it is not news.
    if (reason === null && root === undefined) reason = why;
  });
  return { graph: { ...graph, nodes, output: graph.output !== null && produced.has(graph.output) ? graph.output : null }, blocked, reason };
}

/** An error the engine raised while running, in the user's terms. */
export function explainFailure(error: unknown, unbuilt: string | null = null): { message: string; node: GraphNode | null } {
  if (error instanceof GraphError && error.node !== undefined) {
    const reason = error.reason;
    const argument = reason instanceof ArgError ? explainArgument(error.node, reason, unbuilt) : null;
    const detail = reason instanceof Error ? reason.message : error.message;
    return { message: argument ?? `The preview could not run ${describeLayer(error.node)}: ${detail}.`, node: error.node };
  }
  return { message: `The preview could not run the model: ${error instanceof Error ? error.message : String(error)}.`, node: null };
}
