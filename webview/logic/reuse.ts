// What an edit leaves unchanged: a signature per graph node from its op, module, arguments and the
// signatures of its inputs, rooted in the input and the weights. A node whose signature was computed by
// the previous run has the same output, so the worker reuses it instead of running the node again. Pure.
import type { ModelGraph } from '../../src/core/types';

/** cyrb53: a fast 53-bit string hash, as 14 hex digits. */
export function hash53(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed, h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/** Signature of every node's output by node id; `root` describes the input tensor and the weights. */
export function nodeSignatures(graph: ModelGraph, root: string): Map<number, string> {
  const sigs = new Map<number, string>([[graph.input, hash53(`input|${root}`)]]);
  for (const n of graph.nodes) {
    const description = JSON.stringify([n.op, n.module?.type, n.module?.name, n.module?.args, n.args, n.shape, n.inputs.map((id) => sigs.get(id) ?? `?${id}`)]);
    sigs.set(n.id, hash53(description));
  }
  return sigs;
}

/**
 * The root of a run's signatures: the model (file and class), then what describes the input and the weights.
 * Two models never share a signature, so a run reuses outputs only from an earlier run of the same model.
 */
export function reuseRoot(model: { uri: string; name: string }, inputAndWeights: readonly unknown[]): string {
  return JSON.stringify([model.uri, model.name, ...inputAndWeights]);
}
