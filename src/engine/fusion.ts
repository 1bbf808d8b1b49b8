// Inference fusion: eval-mode BatchNorm folded into the conv before it, ReLU/ReLU6 fused into the conv's
// store, SiLU applied in place to its output. A chain fuses only where no one needs the outputs it skips.
import type { GraphNode, ModelGraph } from '../core/types';
import type { Tensor } from './tensor';
import { SeededTensor } from './weights/init';

export interface FusedChain {
  bn: GraphNode | null;
  act: GraphNode | null;
  clamp: [number, number] | undefined;
  /** The activation is SiLU: applied in place to the conv's output right after it (EfficientNet's blocks). */
  silu: boolean;
}

/**
 * Conv2d -> BatchNorm2d (running stats) -> ReLU/ReLU6/SiLU chains, by conv node id, whose intermediates have
 * no other reader and that include no node of `keep` (node ids whose exact outputs the caller wants).
 */
export function findChains(graph: ModelGraph, keep: ReadonlySet<number> = new Set()): Map<number, FusedChain> {
  const readers = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) for (const id of n.inputs) readers.set(id, [...(readers.get(id) ?? []), n]);
  const only = (id: number): GraphNode | null => {
    const r = readers.get(id);
    return r !== undefined && r.length === 1 && graph.output !== id && !keep.has(id) ? (r[0] as GraphNode) : null;
  };
  const chains = new Map<number, FusedChain>();
  for (const n of graph.nodes) {
    if (n.op !== 'module' || n.module?.type !== 'Conv2d' || keep.has(n.id)) continue;
    let bn = only(n.id);
    if (bn !== null && !(bn.op === 'module' && bn.module?.type === 'BatchNorm2d' && bn.module.args['track_running_stats'] !== false && bn.inputs.length === 1)) bn = null;
    const tail = bn === null ? only(n.id) : only(bn.id);
    const act = tail !== null && tail.op === 'module' && (tail.module?.type === 'ReLU' || tail.module?.type === 'ReLU6' || tail.module?.type === 'SiLU') ? tail
      : tail !== null && (tail.op === 'relu' || tail.op === 'relu6' || tail.op === 'silu') ? tail : null;
    if (bn === null && act === null) continue;
    // A requested output is computed exactly: no chain includes it, not even as its last node.
    if ((bn !== null && keep.has(bn.id)) || (act !== null && keep.has(act.id))) continue;
    const six = act !== null && (act.module?.type === 'ReLU6' || act.op === 'relu6');
    const silu = act !== null && (act.module?.type === 'SiLU' || act.op === 'silu');
    chains.set(n.id, { bn, act, clamp: act === null || silu ? undefined : [0, six ? 6 : Infinity], silu });
  }
  return chains;
}

/** By the conv's weight array, or by the weight itself while it is a seeded parameter not drawn yet. */
const folded = new WeakMap<object, { key: Float32Array[]; scale: Float32Array; bias: Tensor; weight: Tensor | null }>();

/**
 * An eval-mode BatchNorm after a conv as a per-output-channel scale of the conv's weight and a new bias
 * (cached per conv weight). Packing multiplies the scale in (ops/conv.ts packConv2d), so no folded copy
 * of the weight is made on the product path.
 */
export function foldScale(w: Tensor, b: Tensor | null, mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number): { scale: Float32Array; bias: Tensor } {
  return folding(w, b, mean, variance, gamma, beta, eps);
}

function folding(w: Tensor, b: Tensor | null, mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number): { key: Float32Array[]; scale: Float32Array; bias: Tensor; weight: Tensor | null } {
  const key = [mean.data, variance.data, ...(gamma === null ? [] : [gamma.data]), ...(beta === null ? [] : [beta.data]), ...(b === null ? [] : [b.data])];
  const id: object = w instanceof SeededTensor ? w : w.data;
  const hit = folded.get(id);
  if (hit !== undefined && hit.key.length === key.length && hit.key.every((k, i) => k === key[i])) return hit;
  const Co = w.shape[0] as number;
  // The scale in float32, as PyTorch's batch norm computes it for float32 tensors: a weight times it is then one
  // float32 product, which the seeded init's kernel draws into the packing four at a time (uniform_pack).
  const scale = new Float32Array(Co), bd = new Float32Array(Co);
  for (let c = 0; c < Co; c++) {
    scale[c] = (gamma?.data[c] ?? 1) / Math.sqrt((variance.data[c] as number) + eps);
    bd[c] = ((b?.data[c] ?? 0) - (mean.data[c] as number)) * (scale[c] as number) + (beta?.data[c] ?? 0);
  }
  const r = { key, scale, bias: { shape: [Co], data: bd }, weight: null };
  folded.set(id, r);
  return r;
}

/** Conv weight and bias with an eval-mode BatchNorm folded in (a folded copy of the weight, cached per conv weight). */
export function foldBatchNorm(w: Tensor, b: Tensor | null, mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number): { weight: Tensor; bias: Tensor } {
  const f = folding(w, b, mean, variance, gamma, beta, eps);
  if (f.weight === null) {
    const Co = w.shape[0] as number, per = w.data.length / Co;
    const wd = new Float32Array(w.data.length), src = w.data;
    for (let c = 0; c < Co; c++) {
      const sc = f.scale[c] as number;
      for (let i = c * per, e = i + per; i < e; i++) wd[i] = (src[i] as number) * sc;
    }
    f.weight = { shape: w.shape, data: wd };
  }
  return { weight: f.weight, bias: f.bias };
}
