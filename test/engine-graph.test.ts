// The graph executor on hand-built ModelGraphs whose expected outputs come from the same nets in torch
// (test/goldens/engine/nets.py): every node's output, keyed like the executor keys them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ModelGraph } from '../src/core/types';
import { GraphBuilder, conv, tinyResNetGraph } from './engine-graphs';
import { nodeKeys } from '../src/engine/node-keys';
import { runGraph, graphParameters } from '../src/engine/run-graph';
import { readSafetensors } from '../src/engine/weights/safetensors';
import { readTorchStateDict } from '../src/engine/weights/torch-pickle';
import { MemoryLimitError } from '../src/engine/runtime';
import { StateDictError } from '../src/engine/weights/state-dict';
import type { Tensor } from '../src/engine/tensor';

const NETS = resolve(__dirname, '../../test/goldens/engine/nets');
function mixedGraph(): ModelGraph {
  const g = new GraphBuilder();
  const act = (x: number): number => g.module('act', 'SiLU', { inplace: false }, x);
  const x = act(g.module('stem', 'Conv2d', conv(3, 8, 3, 1, 1, true), g.input));
  let y = g.module('pw', 'Conv2d', conv(8, 16, 1, 1, 0, true), g.module('dw', 'Conv2d', conv(8, 8, 3, 1, 1, true, { groups: 8 }), x));
  y = act(g.module('gn', 'GroupNorm', { num_groups: 4, num_channels: 16, eps: 1e-5, affine: true }, y));
  const down = g.module('down', 'Conv2d', conv(16, 16, 3, 2, 1, true, { padding_mode: 'reflect' }), y);
  const z = g.module('up', 'Upsample', { size: null, scale_factor: 2, mode: 'bilinear', align_corners: false, recompute_scale_factor: null }, down);
  const c = g.fn('cat', { dim: 1 }, [y, z]);
  const f = g.module('shuffle', 'PixelShuffle', { upscale_factor: 2 }, g.module('fuse', 'Conv2d', conv(32, 12, 3, 1, 'same', true), c));
  const v = g.fn('view', { shape: [2, -1] }, [f]);
  return g.graph(g.module('head', 'Linear', { in_features: 3072, out_features: 4, bias: true }, v));
}

function load(name: string): { input: Tensor; weights: Map<string, Tensor>; outputs: Map<string, Tensor> } {
  const st = readSafetensors(readFileSync(resolve(NETS, `${name}.safetensors`)));
  const weights = new Map<string, Tensor>(), outputs = new Map<string, Tensor>();
  for (const [k, v] of st.tensors) {
    if (k.startsWith('out/')) outputs.set(k.slice(4), v);
    else if (k !== 'input') weights.set(k, v);
  }
  return { input: st.tensors.get('input') as Tensor, weights, outputs };
}

function compareAll(actual: Map<string, Tensor>, expected: Map<string, Tensor>): number {
  let worst = 0;
  for (const [k, e] of expected) {
    const a = actual.get(k);
    assert.ok(a, `no output for ${k} (have ${[...actual.keys()].join(', ')})`);
    assert.deepEqual([...a.shape], [...e.shape], `shape of ${k}`);
    let m = 0, err = 0;
    for (let i = 0; i < e.data.length; i++) {
      m = Math.max(m, Math.abs(e.data[i] as number));
      err = Math.max(err, Math.abs((e.data[i] as number) - (a.data[i] as number)));
    }
    const tol = 1e-4 * Math.max(1, m);
    assert.ok(err <= tol, `${k}: max |ours - torch| = ${err} > ${tol}`);
    worst = Math.max(worst, err / Math.max(1, m));
  }
  assert.equal(actual.size, expected.size, `outputs: ${[...actual.keys()].join(', ')}`);
  return worst;
}

test('tiny ResNet graph: every node output matches torch, repeats keyed relu#k', () => {
  const { input, weights, outputs } = load('tiny_resnet');
  const graph = tinyResNetGraph();
  assert.ok(nodeKeys(graph).includes('relu#4'));
  const r = runGraph(graph, input, { weights });
  compareAll(r.outputs, outputs);
  assert.deepEqual(r.weights.unexpected, []);
});

test('tiny ResNet graph runs the same from the torch.save .pt state_dict', () => {
  const { input, outputs } = load('tiny_resnet');
  const weights = readTorchStateDict(readFileSync(resolve(NETS, 'tiny_resnet.pt')), 'tiny_resnet.pt');
  compareAll(runGraph(tinyResNetGraph(), input, { weights }).outputs, outputs);
});

test('mixed graph (depthwise, GroupNorm, SiLU twice, reflect conv, upsample, cat, same conv, pixel shuffle, view) matches torch', () => {
  const { input, weights, outputs } = load('mixed');
  compareAll(runGraph(mixedGraph(), input, { weights }).outputs, outputs);
});

test('fuse: a conv followed by SiLU runs as one step, the SiLU applied in place to its output, with torch\'s results', () => {
  const { input, weights, outputs } = load('mixed');
  const r = runGraph(mixedGraph(), input, { weights, fuse: true });
  assert.equal(r.timings[0]?.type, 'Conv2d+SiLU');
  assert.equal(r.timings[0]?.label, 'stem+act');
  assert.ok(!r.outputs.has('stem'), 'the conv has no output of its own');
  const kept = new Map([...outputs].filter(([k]) => r.outputs.has(k)));
  assert.ok(kept.has('act') && kept.has('output'));
  assert.equal(kept.size, r.outputs.size);
  compareAll(r.outputs, kept);
});

test('a missing, a mis-shaped and an unexpected weight are reported by qualified name', () => {
  const { input, weights } = load('tiny_resnet');
  const bad = new Map(weights);
  bad.delete('layer1.0.bn2.running_var');
  bad.set('fc.weight', { shape: [10, 15], data: new Float32Array(150) });
  bad.set('fc2.weight', { shape: [1], data: new Float32Array(1) });
  assert.throws(() => runGraph(tinyResNetGraph(), input, { weights: bad }), (e: unknown) => {
    assert.ok(e instanceof StateDictError);
    assert.deepEqual(e.report.missing, ['layer1.0.bn2.running_var']);
    assert.deepEqual(e.report.unexpected, ['fc2.weight']);
    assert.deepEqual(e.report.mismatched, [{ name: 'fc.weight', expected: [10, 16], got: [10, 15] }]);
    assert.match(e.message, /fc\.weight is \[10, 15\], the model needs \[10, 16\]/);
    return true;
  });
});

test('seeded default init is reproducible and follows PyTorch bounds', () => {
  const { input } = load('tiny_resnet');
  const a = runGraph(tinyResNetGraph(), input, { seed: 3 }).outputs.get('output') as Tensor;
  const b = runGraph(tinyResNetGraph(), input, { seed: 3 }).outputs.get('output') as Tensor;
  const c = runGraph(tinyResNetGraph(), input, { seed: 4 }).outputs.get('output') as Tensor;
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.equal(graphParameters(tinyResNetGraph()).get('conv1.weight')?.init.kind, 'kaiming_uniform');
});

test('the memory limit refuses a run before allocating, naming the layer and the size', () => {
  const g = tinyResNetGraph();
  const shaped: ModelGraph = { ...g, nodes: g.nodes.map((n) => (n.module?.name === 'conv1' ? { ...n, shape: [64, 8, 512, 512] } : n)) };
  assert.throws(() => runGraph(shaped, { shape: [1, 3, 32, 32], data: new Float32Array(3072) }, { memoryLimit: 64 * 2 ** 20 }),
    (e: unknown) => e instanceof MemoryLimitError && /conv1 \(Conv2d\)/.test(e.message) && /512\.0 MiB/.test(e.message) && /limit of 64\.0 MiB/.test(e.message));
});

test('fuse: BN folded into conv and ReLU fused into its store give torch\'s results for the chain ends', () => {
  const { input, weights, outputs } = load('tiny_resnet');
  const r = runGraph(tinyResNetGraph(), input, { weights, fuse: true });
  assert.ok(!r.outputs.has('bn1') && !r.outputs.has('conv1'), 'folded nodes have no outputs of their own');
  assert.equal(r.timings[0]?.type, 'Conv2d+BatchNorm2d+ReLU');
  const kept = new Map([...outputs].filter(([k]) => r.outputs.has(k)));
  assert.ok(kept.has('relu') && kept.has('layer2.0.downsample.1') && kept.has('output'));
  assert.equal(kept.size, r.outputs.size);
  compareAll(r.outputs, kept);
});
