// How the preview draws outputs that are not [N, C, H, W] maps: volumes as depth slices, sequences as one
// time x feature heatmap, attention weights as a map per head. Axes come from real analyses; pictures from
// real engine runs where the engine runs the layer (Conv3d, Conv1d, Linear on 3-D, permute).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from './support/analyze';
import type { ModelGraph } from '../src/core/types';
import { nodeKeys } from '../src/engine/node-keys';
import { runGraph } from '../src/engine/run-graph';
import type { Picture } from '../src/shared/protocol';
import { VIRIDIS, colourIndex } from '../webview/logic/colormap';
import { isDrawn, layerStats, renderChannel, renderGrid } from '../webview/logic/featureMaps';
import { buildFlow, concreteInput, runnableGraph } from '../webview/logic/flow';
import { describeSequenceInput, syntheticImage, toModelInput } from '../webview/logic/inputs';
import { attentionWeightsAxes, depthText, graphAxes, inputAxes, inputBatchDim, middleDepth, outputView, sampleValues, type Axes } from '../webview/logic/views';

function fixture(name: string): string {
  return readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', name), 'utf8');
}

async function graphOf(text: string): Promise<ModelGraph> {
  const model = (await analyze(text)).models[0];
  assert.ok(model, 'the file has a model');
  return model.graph;
}

/** Axes of every node by its engine key, as "conv1: batch,channels,time". */
function axesByKey(graph: ModelGraph, inputShape: number[]): Record<string, string> {
  const axes = graphAxes(graph, inputShape);
  const keys = nodeKeys(graph);
  return Object.fromEntries(graph.nodes.map((n, i) => [keys[i] as string, (axes.get(n.id) ?? []).map((a) => a ?? '?').join(',')]));
}

function pixel(picture: Picture, x: number, y: number): string {
  const p = (y * picture.width + x) * 4;
  return [...picture.rgba.subarray(p, p + 3)].join(',');
}

function colourOf(v: number, lo: number, hi: number): string {
  const k = colourIndex(v, lo, hi) * 3;
  return [...VIRIDIS.subarray(k, k + 3)].join(',');
}

test('a Conv1d front end reads as channels x time, stays time x features through permute and Linear, and is drawn time across', async () => {
  const graph = await graphOf(fixture('sequence_conv1d.py'));
  assert.deepEqual(axesByKey(graph, [1, 1, 64]), {
    conv1: 'batch,channels,time', relu: 'batch,channels,time', conv2: 'batch,channels,time', 'relu#1': 'batch,channels,time',
    pool: 'batch,channels,time', permute: 'batch,time,channels', proj: 'batch,time,features',
  });
  const conv = outputView([1, 16, 32], ['batch', 'channels', 'time']);
  assert.deepEqual(conv.view, { kind: 'sequence', rows: { name: 'channels', size: 16 }, columns: { name: 'time', size: 32 }, sample: '' });
  const proj = outputView([1, 32, 12], ['batch', 'time', 'features']);
  assert.deepEqual(proj.view, { kind: 'sequence', rows: { name: 'features', size: 12 }, columns: { name: 'time', size: 32 }, sample: '' }, 'time across even when it is dim 1');
  // Without the graph's word the dims are named by number, in tensor order.
  assert.deepEqual(outputView([1, 32, 12]).view, { kind: 'sequence', rows: { name: 'dim 1', size: 32 }, columns: { name: 'dim 2', size: 12 }, sample: '' });
});

test('the Conv1d net runs on a picture read as a signal and every layer is one drawn heatmap; permute draws the same picture', async () => {
  const graph = await graphOf(fixture('sequence_conv1d.py'));
  const input = { shape: [1, 1, 64], data: toModelInput(syntheticImage('edges', 64, 32, 1), [1, 1, 64], 'none', inputAxes(graph, 3)) };
  assert.ok(layerStats(input.data).max - layerStats(input.data).min > 0.2, 'the input signal varies along time');
  assert.equal(describeSequenceInput([1, 1, 64], inputAxes(graph, 3)), 'read as a grey 1 x 64 picture (channels down, time across)');
  const { outputs } = runGraph(graph, input, { seed: 3 });
  const axes = graphAxes(graph, input.shape);
  const keys = nodeKeys(graph);
  const grids = new Map<string, ReturnType<typeof renderGrid>>();
  graph.nodes.forEach((node, i) => {
    const key = keys[i] as string;
    const y = outputs.get(key);
    assert.ok(y, key);
    const grid = renderGrid(y.data, y.shape, 'layer', 32, 0, outputView(y.shape, axes.get(node.id)));
    assert.equal(grid.layout.shown, 1, `${key} is one heatmap`);
    assert.ok(grid.picture.width <= 420 && grid.picture.height <= 240 && grid.picture.width >= 128, `${key} fills the width: ${grid.picture.width}x${grid.picture.height}`);
    assert.ok(isDrawn(grid.picture), `${key} is drawn`);
    grids.set(key, grid);
  });
  const pool = grids.get('pool')?.picture, permuted = grids.get('permute')?.picture;
  assert.ok(pool && permuted);
  assert.deepEqual([permuted.width, permuted.height], [pool.width, pool.height]);
  assert.ok(pool.rgba.every((v, i) => v === permuted.rgba[i]), 'channels x time and time x channels are drawn alike');
  // proj [1, 32, 12]: the cell of time t and feature f is the value at [0, t, f].
  const y = outputs.get('proj');
  assert.ok(y);
  const { picture, layout } = grids.get('proj') ?? assert.fail();
  const cell = layout.tileWidth / 32;
  const { min, max } = layerStats(y.data);
  for (const [t, f] of [[0, 0], [5, 11], [31, 3]] as const) {
    const x = Math.floor((t + 0.5) * cell), yy = Math.floor((f + 0.5) * (layout.tileHeight / 12));
    assert.equal(pixel(picture, x, yy), colourOf(y.data[t * 12 + f] as number, min, max), `time ${t}, feature ${f}`);
  }
});

test('an LSTM without batch_first is time x batch x features: its input keeps every time step, the sample is taken from dim 1', async () => {
  const graph = await graphOf([
    'import torch', 'import torch.nn as nn', '',
    'class Tagger(nn.Module):',
    '    def __init__(self):', '        super().__init__()',
    '        self.rnn = nn.LSTM(8, 16)', '        self.out = nn.Linear(16, 5)', '',
    '    def forward(self, x):', '        y, _ = self.rnn(x)', '        return self.out(torch.relu(y))', '',
    'model = Tagger()', 'out = model(torch.randn(20, 2, 8))', '',
  ].join('\n'));
  assert.equal(inputBatchDim(graph, 3), 1);
  assert.deepEqual(concreteInput([20, 2, 8], 32, 1), { shape: [20, 1, 8], note: 'batch 1 (the first sample, dim 1)' });
  assert.deepEqual(axesByKey(graph, [20, 1, 8]), { rnn: 'time,batch,features', relu: 'time,batch,features', out: 'time,batch,features' });
  // Two samples, value 100 t + 10 n + f: the drawn sample is n = 0, time across, features down.
  const shape = [4, 2, 3];
  const data = Float32Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 6) + 10 * (Math.floor(i / 3) % 2) + (i % 3));
  const v = outputView(shape, ['time', 'batch', 'features']);
  assert.deepEqual(v.view, { kind: 'sequence', rows: { name: 'features', size: 3 }, columns: { name: 'time', size: 4 }, sample: 'sample 0 of dim 1 (batch)' });
  assert.deepEqual([...sampleValues(data, v)], [0, 100, 200, 300, 1, 101, 201, 301, 2, 102, 202, 302]);
  // The input is the picture in grey as features x time, so time steps differ.
  const input = toModelInput(syntheticImage('gradient', 20, 8), [20, 1, 8], 'none', inputAxes(graph, 3));
  assert.notEqual(input[0], input[8 * 19], 'the first and last time steps differ');
});

test('a TransformerEncoder, whose batch_first is its layer\'s and not in the graph, says dim 1 x dim 2; its own layer follows batch_first', async () => {
  const graph = await graphOf([
    'import torch', 'import torch.nn as nn', '',
    'class Encoder(nn.Module):',
    '    def __init__(self):', '        super().__init__()',
    '        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, batch_first=True), 2)',
    '        self.last = nn.TransformerEncoderLayer(16, 4)', '',
    '    def forward(self, x):', '        return self.last(self.enc(x))', '',
    'model = Encoder()', 'out = model(torch.randn(1, 10, 16))', '',
  ].join('\n'));
  assert.equal(inputBatchDim(graph, 3), 0, 'nothing says the input is time-major');
  assert.deepEqual(axesByKey(graph, [1, 10, 16]), { enc: '?,?,?', last: 'time,batch,features' });
  assert.deepEqual(outputView([1, 10, 16], graphAxes(graph, [1, 10, 16]).get(graph.nodes[0]?.id ?? -1)).view,
    { kind: 'sequence', rows: { name: 'dim 1', size: 10 }, columns: { name: 'dim 2', size: 16 }, sample: '' });
});

test('attention weights from softmax(q @ k^T) are one queries x keys map per head; a softmax elsewhere is not', async () => {
  const graph = await graphOf([
    'import torch', 'import torch.nn as nn', 'import torch.nn.functional as F', '',
    'class Attention(nn.Module):',
    '    def __init__(self, dim=16, heads=4):', '        super().__init__()', '        self.heads = heads',
    '        self.qkv = nn.Linear(dim, dim * 3)', '        self.head = nn.Linear(dim, 3)', '',
    '    def forward(self, x):', '        B, N, C = x.shape',
    '        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)',
    '        attn = (q @ k.transpose(-2, -1)) * 0.5', '        attn = attn.softmax(dim=-1)',
    '        pooled = F.softmax(torch.bmm(x, x.transpose(1, 2)), dim=-1)',
    '        across = (q @ k.transpose(-2, -1)).softmax(dim=1)',
    '        y = (attn @ v).transpose(1, 2).reshape(B, N, C)', '        return self.head(y).softmax(-1)', '',
    'model = Attention()', 'out = model(torch.randn(1, 10, 16))', '',
  ].join('\n'));
  const axes = graphAxes(graph, [1, 10, 16]);
  const views = Object.fromEntries(graph.nodes.map((n, i) => [nodeKeys(graph)[i] as string, outputView(n.shape as number[], axes.get(n.id)).view]));
  assert.deepEqual(views['softmax'], { kind: 'heads', rows: { name: 'queries', size: 10 }, columns: { name: 'keys', size: 10 } });
  assert.deepEqual(views['softmax#1'], { kind: 'heads', rows: { name: 'queries', size: 10 }, columns: { name: 'keys', size: 10 } }, 'bmm then F.softmax: one map');
  assert.deepEqual(views['softmax#2'], { kind: 'channels' }, 'a softmax over the queries is not attention weights');
  assert.equal(views['softmax#3']?.kind, 'sequence', 'a softmax over a Linear is not attention weights');
  // Four heads of 3x3, head h constant at h: one tile per head, on the layer's scale.
  const data = Float32Array.from({ length: 36 }, (_, i) => Math.floor(i / 9));
  const heads = outputView([1, 4, 3, 3], ['batch', 'heads', 'queries', 'keys']);
  const grid = renderGrid(data, [1, 4, 3, 3], 'layer', 32, 0, heads);
  assert.equal(grid.layout.shown, 4);
  const tile = (t: number): string => pixel(grid.picture, t * (grid.layout.tileWidth + grid.layout.gap), 0);
  assert.deepEqual([0, 1, 2, 3].map(tile), [0, 1, 2, 3].map((h) => colourOf(h, 0, 3)));
});

test('MultiheadAttention\'s weights beside its output are batch first: a map per head, or one averaged map; unbatched ones are not drawn', async () => {
  const graph = await graphOf([
    'import torch', 'import torch.nn as nn', '',
    'class Attend(nn.Module):',
    '    def __init__(self):', '        super().__init__()', '        self.attn = nn.MultiheadAttention(16, 4)', '',
    '    def forward(self, x, y):', '        a, _ = self.attn(x, x, x)', '        b, _ = self.attn(y, y, y)', '        return a, b', '',
    'model = Attend()', 'out = model(torch.randn(10, 2, 16), torch.randn(10, 16))', '',
  ].join('\n'));
  const [batched, unbatched] = graph.nodes.filter((n) => n.module?.type === 'MultiheadAttention');
  assert.ok(batched && unbatched);
  assert.deepEqual(axesByKey(graph, [10, 1, 16])['attn'], 'time,batch,features', 'the output follows batch_first=False');
  assert.deepEqual(attentionWeightsAxes(batched, 4), ['batch', 'heads', 'queries', 'keys']);
  assert.deepEqual(attentionWeightsAxes(batched, 3), ['batch', 'queries', 'keys']);
  assert.equal(attentionWeightsAxes(unbatched, 3), null);
  assert.equal(attentionWeightsAxes(graph.nodes.find((n) => n.op !== 'module') ?? batched, 5), null);
});

test('a volume shows one depth slice, the middle one by default, on a colour scale that spans every slice', () => {
  assert.equal(middleDepth(16), 7);
  assert.equal(depthText(middleDepth(16), 16), 'depth 8 / 16');
  assert.equal(depthText(middleDepth(3), 3), 'depth 2 / 3');
  const shape = [1, 2, 16, 4, 4];
  assert.deepEqual(outputView(shape).view, { kind: 'volume', depth: 7, depths: 16 });
  assert.deepEqual(outputView(shape, [], 3).view, { kind: 'volume', depth: 3, depths: 16 }, 'a chosen depth is kept');
  assert.deepEqual(outputView(shape, [], 16).view, { kind: 'volume', depth: 7, depths: 16 }, 'a depth the output no longer has falls back to the middle');
  // Channel c at depth d holds 10 c + d: every slice is flat, and its colour says which slice it is.
  const data = Float32Array.from({ length: 2 * 16 * 16 }, (_, i) => 10 * Math.floor(i / 256) + Math.floor(i / 16) % 16);
  const at = (depth: number, scale: 'layer' | 'channel'): ReturnType<typeof renderGrid> => renderGrid(data, shape, scale, 32, 0, outputView(shape, [], depth));
  const layer0 = at(0, 'layer'), layer9 = at(9, 'layer');
  assert.equal(pixel(layer0.picture, 0, 0), colourOf(0, 0, 25));
  assert.equal(pixel(layer9.picture, 0, 0), colourOf(9, 0, 25));
  assert.equal(pixel(layer9.picture, layer9.layout.tileWidth + layer9.layout.gap, 0), colourOf(19, 0, 25), 'channel 1 at depth 9');
  assert.equal(pixel(at(15, 'channel').picture, 0, 0), colourOf(15, 0, 15), 'per-channel colours span the channel\'s every slice');
  const enlarged = renderChannel(data, shape, 1, 256, outputView(shape, [], 4));
  assert.deepEqual([enlarged.min, enlarged.max], [14, 14], 'the enlarged channel is of the chosen slice');
});

test('the Conv3d net runs on a panned picture: its slices differ, and another depth repaints a different picture', async () => {
  const text = fixture('volume_conv3d.py');
  const analysis = await analyze(text);
  const model = analysis.models[0];
  assert.ok(model);
  const flow = buildFlow({ uri: 'file:///v.py', fileName: 'v.py', version: 1, language: 'python', model, errors: [] });
  const shape = concreteInput(model.input[0]).shape;
  assert.deepEqual(shape, [1, 1, 16, 32, 32]);
  const data = toModelInput(syntheticImage('edges', 32, 32, 1), shape, 'none');
  assert.equal(data.length, 16 * 32 * 32);
  const slice = (d: number): number[] => [...data.subarray(d * 1024, (d + 1) * 1024)];
  assert.notDeepEqual(slice(0), slice(15), 'the first and last slices are different views of the picture');
  const { outputs } = runGraph(runnableGraph(model.graph, flow), { shape, data }, { seed: 2 });
  const conv1 = outputs.get('conv1');
  assert.ok(conv1);
  assert.deepEqual(conv1.shape, [1, 4, 16, 32, 32]);
  const axes = graphAxes(model.graph, shape);
  const node = model.graph.nodes[0];
  assert.ok(node);
  const middle = renderGrid(conv1.data, conv1.shape, 'layer', 32, 0, outputView(conv1.shape, axes.get(node.id)));
  const first = renderGrid(conv1.data, conv1.shape, 'layer', 32, 0, outputView(conv1.shape, axes.get(node.id), 0));
  assert.equal(middle.layout.shown, 4);
  assert.ok(isDrawn(middle.picture) && isDrawn(first.picture));
  assert.ok(middle.picture.rgba.some((v, i) => v !== first.picture.rgba[i]), 'depth 1 and depth 8 are different pictures');
  const gap = outputs.get('gap');
  assert.ok(gap);
  assert.deepEqual(outputView(gap.shape).view, { kind: 'volume', depth: 0, depths: 1 });
});

test('2-D outputs stay one row, as before; other ranks one strip of all values', () => {
  const row = outputView([1, 10]);
  assert.deepEqual([row.view.kind, row.tiles, row.rows, row.columns], ['channels', 1, 1, 10]);
  const seq = outputView([7, 5], ['time', 'features'] as Axes);
  assert.deepEqual(seq.view, { kind: 'sequence', rows: { name: 'features', size: 5 }, columns: { name: 'time', size: 7 }, sample: '' }, 'an unbatched sequence');
  const flat = outputView([2, 3, 4, 5, 6, 7]);
  assert.deepEqual([flat.tiles, flat.rows, flat.columns], [1, 1, 2 * 3 * 4 * 5 * 6 * 7]);
});

test('a real MultiheadAttention run: its weights [1, 4, 12, 12] are four maps whose rows each sum to 1, drawn cell by cell', async () => {
  const graph = await graphOf(fixture('attention_heads.py'));
  const input = { shape: [1, 1, 48], data: toModelInput(syntheticImage('edges', 48, 16, 1), [1, 1, 48], 'none', inputAxes(graph, 3)) };
  const { outputs } = runGraph(graph, input, { seed: 4 });
  const node = graph.nodes.find((n) => n.module?.type === 'MultiheadAttention');
  const y = outputs.get('attn');
  assert.ok(node && y);
  assert.deepEqual(axesByKey(graph, [1, 1, 48])['attn'], 'batch,time,features', 'the output of a batch_first attention');
  const weights = (y as typeof y & { rest?: ReadonlyArray<{ shape: number[]; data: Float32Array } | null> }).rest?.[0];
  assert.ok(weights, 'the engine returns the weights beside the output');
  assert.deepEqual(weights.shape, [1, 4, 12, 12]);
  const view = outputView(weights.shape, attentionWeightsAxes(node, weights.shape.length) ?? []);
  assert.deepEqual(view.view, { kind: 'heads', rows: { name: 'queries', size: 12 }, columns: { name: 'keys', size: 12 } });
  for (let row = 0; row < 4 * 12; row++) {
    const sum = weights.data.subarray(row * 12, row * 12 + 12).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} of the softmax sums to ${sum}`);
  }
  const { picture, layout } = renderGrid(weights.data, weights.shape, 'layer', 32, 0, view);
  assert.equal(layout.shown, 4);
  assert.ok(isDrawn(picture));
  const { min, max } = layerStats(weights.data);
  const cell = layout.tileWidth / 12;
  for (const [head, q, k] of [[0, 0, 0], [1, 5, 7], [3, 11, 2]] as const) {
    const x = head * (layout.tileWidth + layout.gap) + Math.floor((k + 0.5) * cell), yy = Math.floor((q + 0.5) * cell);
    assert.equal(pixel(picture, x, yy), colourOf(weights.data[head * 144 + q * 12 + k] as number, min, max), `head ${head}, query ${q}, key ${k}`);
  }
});
