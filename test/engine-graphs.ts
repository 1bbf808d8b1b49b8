// Hand-built ModelGraphs shared by the engine tests (the same nets as test/goldens/engine/nets.py).
import type { GraphNode, ModelGraph } from '../src/core/types';

const RANGE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 }, startOffset: 0, endOffset: 0 };

/** Builds a ModelGraph the way the core describes one forward pass. */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  private next = 1;
  readonly input = 0;
  module(name: string, type: string, args: Record<string, unknown>, input: number): number {
    const id = this.next++;
    this.nodes.push({ id, op: 'module', module: { name, type, args }, args: {}, inputs: [input], shape: [], range: RANGE });
    return id;
  }
  fn(op: string, args: Record<string, unknown>, inputs: number[]): number {
    const id = this.next++;
    this.nodes.push({ id, op, args, inputs, shape: [], range: RANGE });
    return id;
  }
  graph(output: number): ModelGraph {
    return { input: this.input, nodes: this.nodes, output };
  }
}

export const conv = (cin: number, cout: number, k: number, stride: number, padding: number | string, bias: boolean, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  in_channels: cin, out_channels: cout, kernel_size: k, stride, padding, dilation: 1, groups: 1, bias, padding_mode: 'zeros', ...extra,
});
export const bn = (c: number): Record<string, unknown> => ({ num_features: c, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true });

export function tinyResNetGraph(): ModelGraph {
  const g = new GraphBuilder();
  const relu = (x: number): number => g.module('relu', 'ReLU', { inplace: true }, x);
  let x = relu(g.module('bn1', 'BatchNorm2d', bn(8), g.module('conv1', 'Conv2d', conv(3, 8, 7, 2, 3, false), g.input)));
  x = g.module('maxpool', 'MaxPool2d', { kernel_size: 3, stride: 2, padding: 1, dilation: 1, return_indices: false, ceil_mode: false }, x);
  for (const [stage, cin, cout, stride] of [['layer1', 8, 8, 1], ['layer2', 8, 16, 2]] as const) {
    const p = `${stage}.0`;
    let y = g.module(`${p}.bn1`, 'BatchNorm2d', bn(cout), g.module(`${p}.conv1`, 'Conv2d', conv(cin, cout, 3, stride, 1, false), x));
    y = relu(y);
    y = g.module(`${p}.bn2`, 'BatchNorm2d', bn(cout), g.module(`${p}.conv2`, 'Conv2d', conv(cout, cout, 3, 1, 1, false), y));
    let idt = x;
    if (stride !== 1 || cin !== cout) {
      idt = g.module(`${p}.downsample.1`, 'BatchNorm2d', bn(cout), g.module(`${p}.downsample.0`, 'Conv2d', conv(cin, cout, 1, stride, 0, false), x));
    }
    x = relu(g.fn('add', {}, [y, idt]));
  }
  x = g.module('avgpool', 'AdaptiveAvgPool2d', { output_size: [1, 1] }, x);
  x = g.fn('flatten', { start_dim: 1, end_dim: -1 }, [x]);
  return g.graph(g.module('fc', 'Linear', { in_features: 16, out_features: 10, bias: true }, x));
}

