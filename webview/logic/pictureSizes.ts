// The size each layer's picture will have in a run, known before the run from the graph's shapes. A box without a
// picture yet takes that size at once: the panel then lays out as it will look, so the boxes it finds on screen are
// the ones that will be (a freshly built ResNet-18 flow of empty boxes put 35 layers "on screen", and its first
// paint waited for all of them), and the flow does not jump as the pictures arrive.
import type { ModelGraph, ShapeJSON } from '../../src/core/types';
import { nodeKeys } from '../../src/engine/node-keys';
import { viewLayout } from './gridLayout';
import { withRunShapes } from './runShapes';
import { graphAxes, outputView } from './views';

/** Width and height in pixels of each layer's picture (by node key), for the nodes whose run shape is known. */
export function pictureSizes(graph: ModelGraph, input: readonly number[], analysed: ShapeJSON, maxChannels: number,
  pages: Readonly<Record<string, number>>, depths: Readonly<Record<string, number>>): Map<string, { width: number; height: number }> {
  const axes = graphAxes(graph, input);
  const shaped = withRunShapes(graph, axes, analysed, input);
  const keys = nodeKeys(shaped);
  const sizes = new Map<string, { width: number; height: number }>();
  shaped.nodes.forEach((node, i) => {
    const key = keys[i] as string;
    const shape = node.shape;
    if (node.op === 'parameter' || !shape.every((d): d is number => typeof d === 'number' && d > 0)) return;
    const layout = viewLayout(outputView(shape, axes.get(node.id) ?? [], depths[key]), maxChannels, pages[key] ?? 0);
    sizes.set(key, { width: layout.width, height: layout.height });
  });
  return sizes;
}
