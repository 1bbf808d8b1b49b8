// The engine's output key of each graph node: the module's qualified name, or the op's name for functional
// ops and tensor methods, with "#k" for the k-th repeated application. The preview names layers by the same keys.
import type { ModelGraph } from '../core/types';

/** Output keys of the nodes in order, with "#k" for repeated applications. */
export function nodeKeys(graph: ModelGraph): string[] {
  const count = new Map<string, number>();
  return graph.nodes.map((n) => {
    const base = n.op === 'module' && n.module !== undefined ? n.module.name : n.op;
    const k = count.get(base) ?? 0;
    count.set(base, k + 1);
    return k === 0 ? base : `${base}#${k}`;
  });
}
