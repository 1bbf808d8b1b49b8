// The graph's shapes as the preview runs it. The core analyses the model with the file's example input (ResNet-18's
// example is a batch of 8; a symbolic input has named sizes), while the preview runs the first sample alone, with
// named sizes made concrete (flow.ts's concreteInput). The executor plans its memory from the graph's shapes, and
// an op whose output does not have the planned size is not placed in the engine's memory: it runs through scratch
// copies into fresh JavaScript arrays. With the analysed batch kept, no op of a batch-8 ResNet-18 was placed and
// the whole run went that slow way. A wrong size here is never unsafe (a size that does not match is not placed),
// only slow.
import type { ModelGraph, ShapeJSON } from '../../src/core/types';
import { inputAxes, type Axes } from './views';

/**
 * `graph` with its shapes for a run on `input` where the core analysed `analysed`: a named size of the analysed
 * input ("N", "H") becomes the run's wherever a shape has that name, and the batch dim (where the axes put it, else
 * dim 0 when the input's batch is dim 0) becomes the run's batch where it holds the analysed batch. Parameter nodes
 * keep their shapes (the parameters' own).
 */
export function withRunShapes(graph: ModelGraph, axes: ReadonlyMap<number, Axes>, analysed: ShapeJSON, input: readonly number[]): ModelGraph {
  if (analysed.length !== input.length) return graph;
  const named = new Map<string, number>();
  analysed.forEach((d, i) => {
    if (typeof d === 'string' && d !== '?') named.set(d, input[i] as number);
  });
  const batchDim = inputAxes(graph, input.length).indexOf('batch');
  const from = batchDim < 0 ? undefined : analysed[batchDim];
  const to = batchDim < 0 ? undefined : input[batchDim];
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      if (node.op === 'parameter') return node;
      const tagged = axes.get(node.id)?.indexOf('batch') ?? -1;
      const at = tagged >= 0 ? tagged : batchDim === 0 ? 0 : -1;
      const shape = node.shape.map((d, i) => (i === at && d === from && to !== undefined ? to : typeof d === 'string' ? named.get(d) ?? d : d));
      return shape.every((d, i) => d === node.shape[i]) ? node : { ...node, shape };
    }),
  };
}
