// The preview webview's pure logic in Node: the flow built from real analyses, inputs, colour maps,
// feature-map grids from real engine runs, the message protocol and the page's CSP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, ready } from './support/analyze';
import { AnalyzedDocument, Program } from '../src/core/index';
import { nodeHost } from '../src/cli/node-host';
import type { Analysis } from '../src/core/types';
import { nodeKeys } from '../src/engine/node-keys';
import { GraphError, graphParameters, runGraph } from '../src/engine/run-graph';
import { readWeightsFile } from '../src/engine/weights/state-dict';
import { RequestClient, answerRequest, asBytes, type PreviewModel, type RequestMessage, type ResponseMessage } from '../src/shared/protocol';
import { VIRIDIS, colourIndex } from '../webview/logic/colormap';
import { isDrawn, layerStats, planesOf, renderChannel, renderGrid, renderKernel } from '../webview/logic/featureMaps';
import { gridLayout } from '../webview/logic/gridLayout';
import { buildFlow, concreteInput, itemAtOffset, runnableGraph, type FlowGroup } from '../webview/logic/flow';
import { nodeSignatures, reuseRoot } from '../webview/logic/reuse';
import { explainFailure, planRun, withKnownParameters } from '../webview/logic/runPlan';
import { ArgError } from '../src/engine/args';
import { describeWeights } from '../webview/logic/weights';
import { PATTERNS, resizeImage, rgbaToImage, syntheticImage, toChannelsLastInput, toModelInput } from '../webview/logic/inputs';
import { graphAxes, inputAxes, outputView } from '../webview/logic/views';
import { permute } from '../src/engine/ops/shape';
import { SAMPLES } from '../webview/samples/samples';
import * as jpeg from 'jpeg-js';
import { contentSecurityPolicy, makeNonce, previewHtml } from '../src/extension/preview/html';
import { guardFocus, type Subscription } from '../src/extension/preview/focusGuard';

function read(...parts: string[]): string {
  return readFileSync(join(__dirname, '..', '..', ...parts), 'utf8');
}

function previewOf(analysis: Analysis, index = 0): PreviewModel {
  const model = analysis.models[index];
  assert.ok(model, 'the file has a model');
  const errors = analysis.findings
    .filter((f) => f.severity === 'error' && f.range.startOffset >= model.range.startOffset && f.range.startOffset <= model.range.endOffset)
    .map((f) => ({ message: f.message, range: f.range }));
  return { uri: 'file:///m.py', fileName: 'm.py', version: 1, language: analysis.language, model, errors };
}

test('viridis runs from dark purple to yellow with rising lightness', () => {
  const near = (got: Uint8Array, want: number[]): boolean => want.every((w, i) => Math.abs((got[i] as number) - w) <= 4);
  assert.ok(near(VIRIDIS.subarray(0, 3), [68, 1, 84]), `viridis(0) is matplotlib's #440154, got ${VIRIDIS.subarray(0, 3).join(',')}`);
  assert.ok(near(VIRIDIS.subarray(765, 768), [253, 231, 37]), `viridis(1) is matplotlib's #fde725, got ${VIRIDIS.subarray(765, 768).join(',')}`);
  const luma = (k: number): number => 0.299 * (VIRIDIS[k * 3] as number) + 0.587 * (VIRIDIS[k * 3 + 1] as number) + 0.114 * (VIRIDIS[k * 3 + 2] as number);
  for (let k = 8; k < 256; k += 8) assert.ok(luma(k) > luma(k - 8), `lightness rises at ${k}`);
  assert.equal(colourIndex(5, 5, 5), 128, 'a flat range maps to the middle');
  assert.equal(colourIndex(-1, 0, 1), 0);
  assert.equal(colourIndex(2, 0, 1), 255);
});

test('the flow of seed 000 lists every layer application with its engine key and output shape', async () => {
  const text = read('test', 'fixtures', 'seed000_convnet_example_input.py');
  const flow = buildFlow(previewOf(await analyze(text)));
  assert.deepEqual(flow.items.map((i) => `${i.key} ${JSON.stringify(i.shape)}`), [
    'conv1 [1,16,32,32]', 'relu [1,16,32,32]', 'pool [1,16,16,16]', 'conv2 [1,32,16,16]', 'relu#1 [1,32,16,16]', 'pool#1 [1,32,8,8]', 'view [1,2048]', 'fc [1,10]',
  ]);
  assert.equal(flow.error, null);
  const conv1 = flow.items[0];
  assert.equal(conv1?.params, 448);
  assert.equal(conv1?.line, 7, 'a click on conv1 goes to its construction line');
  assert.equal(flow.items[4]?.params, null, 'a module applied again does not count its parameters twice');
  assert.equal(conv1?.macs, 16 * 32 * 32 * 27);
});

test('the flow keys match the engine output keys (ResNet-18 with its repeated relu and add)', async () => {
  const text = read('examples', 'resnet18.py');
  const analysis = await analyze(text);
  const model = analysis.models.find((m) => m.name === 'ResNet') ?? analysis.models[0];
  assert.ok(model);
  const flow = buildFlow({ uri: 'file:///r.py', fileName: 'r.py', version: 1, language: 'python', model, errors: [] });
  // Every node of a whole flow is an item, in order, under the engine's key (layer1.0.relu#1, add#7 for the repeats).
  assert.deepEqual(flow.items.map((i) => i.key), nodeKeys(model.graph));
  assert.ok(flow.items.some((i) => i.key === 'layer1.0.relu#1') && flow.items.some((i) => i.key === 'add#7'));
  const layer1 = flow.root.children.find((c): c is FlowGroup => c.kind === 'group' && c.path === 'layer1');
  assert.ok(layer1, 'layer1 is a collapsible group');
  assert.deepEqual(layer1.children.map((c) => (c.kind === 'group' ? c.path : c.key)), ['layer1.0', 'layer1.1']);
  const block = layer1.children[0] as FlowGroup;
  assert.ok(block.children.some((c) => c.kind === 'item' && c.key.startsWith('add')), 'the residual add stays inside its block');
  assert.deepEqual(flow.items.at(-1)?.shape, [8, 10]);
  const stage = (path: string): FlowGroup[] => (flow.root.children.find((c): c is FlowGroup => c.kind === 'group' && c.path === path)?.children ?? []) as FlowGroup[];
  assert.deepEqual(stage('layer1').map((g) => g.sameAs), [null, 'layer1.0'], 'the two identical blocks of layer1: the second is folded');
  assert.deepEqual(stage('layer2').map((g) => g.sameAs), [null, null], 'layer2.0 downsamples, layer2.1 does not: both shown');
});

test('the flow of seed 001 stops at the third conv with the diagnostic message', async () => {
  const text = read('test', 'fixtures', 'seed001_third_conv_in_channels.py');
  const analysis = await analyze(text);
  const flow = buildFlow(previewOf(analysis));
  assert.ok(flow.error);
  assert.equal(flow.error.label, 'convo_layer_three');
  assert.match(flow.error.error ?? '', /expects 64 input channels but receives 32/);
  assert.equal(flow.items.at(-1), flow.error, 'nothing is shown after the error');
  const graph = runnableGraph(analysis.models[0]?.graph ?? { input: 0, nodes: [], output: null }, flow);
  assert.ok(graph.nodes.every((n) => n.module?.name !== 'convo_layer_three'), 'the engine runs only the layers before the error');
  assert.equal(graph.output, null);
});

test('the cursor in a forward call or a constructor selects its layer', async () => {
  const text = read('test', 'fixtures', 'seed000_convnet_example_input.py');
  const flow = buildFlow(previewOf(await analyze(text)));
  assert.equal(itemAtOffset(flow, text.indexOf('self.conv2(x)') + 6)?.key, 'conv2');
  assert.equal(itemAtOffset(flow, text.indexOf('nn.Linear(') + 3)?.key, 'fc');
  assert.equal(itemAtOffset(flow, text.indexOf('import torch')), undefined);
});

test('a symbolic input runs at batch 1 with sizes filled in, and says so', () => {
  assert.deepEqual(concreteInput(['N', 1, 'H', 'W']), { shape: [1, 1, 32, 32], note: 'batch 1 (the first sample); symbolic sizes set to 32' });
  assert.deepEqual(concreteInput([1, 3, 224, 224]), { shape: [1, 3, 224, 224], note: '' });
});

test('synthetic inputs are drawn patterns, converted to the model channels and normalised', () => {
  for (const pattern of PATTERNS) {
    const img = syntheticImage(pattern, 16, 12, 3);
    const { min, max } = layerStats(img.data);
    assert.ok(min >= 0 && max <= 1 && max - min > 0.5, `${pattern} spans [0, 1]`);
  }
  const grey = toModelInput(syntheticImage('gradient', 8, 8), [1, 1, 4, 4], 'none');
  assert.equal(grey.length, 16);
  const rgb = rgbaToImage([255, 0, 0, 255], 1, 1);
  const net = toModelInput(rgb, [2, 3, 1, 1], 'imagenet');
  assert.deepEqual([...net].map((v) => v.toFixed(3)), [(0.515 / 0.229), -0.456 / 0.224, -0.406 / 0.225, 0.515 / 0.229, -0.456 / 0.224, -0.406 / 0.225].map((v) => v.toFixed(3)));
  const four = toModelInput(rgb, [1, 4, 1, 1], 'symmetric');
  assert.ok([...four].every((v) => Math.abs(v - (0.299 * 2 - 1)) < 1e-6), 'other channel counts repeat the grey value');
});

test('bilinear resizing keeps a constant image constant and interpolates like align_corners=False', () => {
  const flat = resizeImage({ width: 3, height: 3, data: new Float32Array(27).fill(0.25) }, 7, 5);
  assert.ok([...flat.data].every((v) => Math.abs(v - 0.25) < 1e-6));
  // torch: F.interpolate([[0, 1]], size=4, mode='linear') -> [0, 0.25, 0.75, 1]
  const row = resizeImage({ width: 2, height: 1, data: new Float32Array([0, 1, 0, 1, 0, 1]) }, 4, 1);
  assert.deepEqual([...row.data.subarray(0, 4)], [0, 0.25, 0.75, 1]);
});

test('grids lay channels out in tiles and only drawn maps count as drawn', () => {
  assert.deepEqual(planesOf([1, 16, 32, 32]), { channels: 16, height: 32, width: 32 });
  assert.deepEqual(planesOf([1, 10]), { channels: 1, height: 1, width: 10 });
  const layout = gridLayout({ channels: 64, height: 8, width: 8 }, 32);
  assert.equal(layout.shown, 32);
  assert.equal(layout.tileWidth, 48);
  assert.equal(layout.width, layout.columns * 50 - 2);
  const flat = renderGrid(new Float32Array(4 * 4 * 2).fill(1), [1, 2, 4, 4], 'layer', 32);
  assert.equal(isDrawn(flat.picture), false, 'a constant map is one colour');
  const ramp = renderGrid(Float32Array.from({ length: 32 }, (_, i) => i), [1, 2, 4, 4], 'channel', 32);
  assert.equal(isDrawn(ramp.picture), true);
  const big = renderChannel(Float32Array.from({ length: 32 }, (_, i) => i), [1, 2, 4, 4], 1);
  assert.deepEqual([big.min, big.max, big.picture.width], [16, 31, 256]);
  const kernel = renderKernel(Float32Array.from({ length: 2 * 3 * 9 }, (_, i) => i - 27), [2, 3, 3, 3], 1);
  assert.ok(isDrawn(kernel));
});

test('channels beyond the first page are drawn page by page, on the layer\'s one colour scale', () => {
  // 40 channels of 2x2, channel c constant at value c: per-layer colours make every tile a different colour.
  const data = Float32Array.from({ length: 40 * 4 }, (_, i) => Math.floor(i / 4));
  const shape = [1, 40, 2, 2];
  const first = renderGrid(data, shape, 'layer', 32);
  const second = renderGrid(data, shape, 'layer', 32, 32);
  assert.deepEqual([first.layout.first, first.layout.shown, second.layout.first, second.layout.shown], [0, 32, 32, 8]);
  const tileColour = (grid: ReturnType<typeof renderGrid>, t: number): string => {
    const { layout, picture } = grid;
    const x = (t % layout.columns) * (layout.tileWidth + layout.gap), y = Math.floor(t / layout.columns) * (layout.tileHeight + layout.gap);
    const p = (y * picture.width + x) * 4;
    return [...picture.rgba.subarray(p, p + 3)].join(',');
  };
  const colourOf = (v: number): string => [...VIRIDIS.subarray(colourIndex(v, 0, 39) * 3, colourIndex(v, 0, 39) * 3 + 3)].join(',');
  assert.equal(tileColour(second, 0), colourOf(32), 'the second page starts at channel 32');
  assert.equal(tileColour(second, 7), colourOf(39));
  assert.equal(tileColour(first, 31), colourOf(31));
  // A page past the end (the layer lost channels in an edit) is its last page, never an empty one.
  const past = gridLayout(planesOf(shape), 32, 96);
  assert.deepEqual([past.first, past.shown], [32, 8]);
});

test('every layer of seed 000 run with seeded weights on each pattern gives a drawn, non-blank grid', async () => {
  const text = read('test', 'fixtures', 'seed000_convnet_example_input.py');
  const preview = previewOf(await analyze(text));
  const flow = buildFlow(preview);
  const input = concreteInput(preview.model.input[0]);
  for (const pattern of PATTERNS) {
    const data = toModelInput(syntheticImage(pattern, 32, 32, 1), input.shape, 'imagenet');
    const { outputs } = runGraph(runnableGraph(preview.model.graph, flow), { shape: input.shape, data }, { seed: 1 });
    for (const item of flow.items) {
      const y = outputs.get(item.key);
      assert.ok(y, `${item.key} has an output`);
      assert.ok(isDrawn(renderGrid(y.data, y.shape, 'layer', 32).picture), `${pattern}: ${item.key} is drawn`);
    }
    const relu = layerStats(outputs.get('relu')?.data ?? new Float32Array());
    assert.ok(relu.min === 0 && relu.zeros > 0 && relu.zeros < 1, `${pattern}: ReLU zeroes some activations (${relu.zeros})`);
  }
});

test('seed 000 with the PyTorch .pt state_dict on the gradient input gives PyTorch\'s statistics for every layer', async () => {
  // The same file and the same comparison as the e2e, without the workbench: engine, .pt reader, input and statistics.
  const golden = JSON.parse(read('test', 'goldens', 'preview', 'seed000_convnet_gradient.json')) as { layers: Record<string, { min: number; max: number; mean: number; zeros: number }> };
  const preview = previewOf(await analyze(read('test', 'fixtures', 'seed000_convnet_example_input.py')));
  const flow = buildFlow(preview);
  const weights = readWeightsFile(readFileSync(join(__dirname, '..', '..', 'test', 'goldens', 'preview', 'seed000_convnet.pt')), 'seed000_convnet.pt');
  const data = toModelInput(syntheticImage('gradient', 32, 32), [1, 3, 32, 32], 'none');
  const { outputs, weights: report } = runGraph(runnableGraph(preview.model.graph, flow), { shape: [1, 3, 32, 32], data }, { weights });
  assert.deepEqual([report.missing, report.unexpected, report.mismatched], [[], [], []]);
  assert.deepEqual(Object.keys(golden.layers), flow.items.map((i) => i.key));
  for (const [key, want] of Object.entries(golden.layers)) {
    const y = outputs.get(key);
    assert.ok(y, key);
    const got = layerStats(y.data);
    for (const k of ['min', 'max', 'mean', 'zeros'] as const) {
      assert.ok(Math.abs(got[k] - want[k]) <= 1e-5 + 1e-4 * Math.abs(want[k]), `${key} ${k}: ${got[k]} vs PyTorch ${want[k]}`);
    }
  }
});

test('requests get exactly their own response, errors included', async () => {
  const sent: RequestMessage[] = [];
  const client = new RequestClient((m) => sent.push(m));
  const picked = client.request('pick', { kind: 'weights' });
  const failed = client.request('reopen', { kind: 'image', uri: 'file:///w/gone.png' });
  const responses: ResponseMessage[] = [];
  for (const message of sent) {
    await answerRequest(message, {
      pick: ({ kind }) => Promise.resolve({ name: `w.${kind}`, uri: 'file:///w/w.safetensors', bytes: new Uint8Array([1, 2]) }),
      reopen: () => Promise.reject(new Error('no image in the workspace')),
    }, (r) => responses.push(r));
  }
  for (const r of responses.reverse()) assert.equal(client.settle(r), true);
  assert.equal((await picked)?.name, 'w.weights');
  await assert.rejects(failed, /no image in the workspace/);
  assert.equal(client.settle({ type: 'response', id: 99, ok: true, result: null }), false);
});

test('the page denies everything by default and runs only its nonce script', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  const csp = contentSecurityPolicy('vscode-webview-resource:', nonce);
  assert.ok(csp.startsWith("default-src 'none'"));
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`));
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|https?:/);
  const html = previewHtml({ cspSource: 'vscode-resource:', nonce, scriptUri: 'vscode-resource:/p.js', styleUri: 'vscode-resource:/p.css' });
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="vscode-resource:/p.js">`));
});

test('file bytes survive any form the postMessage transport gives them', () => {
  const want = [1, 2, 255];
  const backing = new Uint8Array([9, 1, 2, 255, 9]);
  for (const form of [new Uint8Array(want), backing.subarray(1, 4), new Uint8Array(want).buffer, want, { 0: 1, 1: 2, 2: 255 }, { type: 'Buffer', data: want }]) {
    const bytes = asBytes(form);
    assert.deepEqual([...bytes], want);
    assert.equal(bytes.byteOffset, 0);
    assert.equal(bytes.buffer.byteLength, 3, 'a DataView over bytes.buffer sees only the file');
  }
});

test('an edit of fc changes only the signatures from fc on, so the convs before it are reused', async () => {
  const text = read('test', 'fixtures', 'seed000_convnet_example_input.py');
  const before = (await analyze(text)).models[0]?.graph;
  const after = (await analyze(text.replace('nn.Linear(32 * 8 * 8, 10)', 'nn.Linear(32 * 8 * 8, 1)'))).models[0]?.graph;
  assert.ok(before && after);
  const a = nodeSignatures(before, 'seed 0'), b = nodeSignatures(after, 'seed 0');
  const same = after.nodes.filter((n, i) => b.get(n.id) === a.get(before.nodes[i]?.id ?? -1)).map((n) => n.module?.name ?? n.op);
  assert.deepEqual(same, ['conv1', 'relu', 'pool', 'conv2', 'relu', 'pool', 'view']);
  const other = nodeSignatures(before, 'seed 1');
  assert.ok(before.nodes.every((n) => other.get(n.id) !== a.get(n.id)), 'new weights change every output');
});

test('runGraph takes reused outputs instead of running those nodes', async () => {
  const text = read('test', 'fixtures', 'seed000_convnet_example_input.py');
  const graph = (await analyze(text)).models[0]?.graph;
  assert.ok(graph);
  const input = { shape: [1, 3, 32, 32], data: Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i)) };
  const full = runGraph(graph, input, { seed: 0 });
  const keys = nodeKeys(graph);
  const reuse = new Map(graph.nodes.slice(0, 4).map((n, i) => [n.id, full.outputs.get(keys[i] as string) as { shape: number[]; data: Float32Array }]));
  const partial = runGraph(graph, input, { seed: 0, reuse });
  assert.deepEqual(partial.timings.map((t) => t.type === 'reused'), [true, true, true, true, false, false, false, false]);
  assert.deepEqual([...(partial.outputs.get('output')?.data ?? [])], [...(full.outputs.get('output')?.data ?? [])]);
});

test('the bundled sample photos are 160x160 JPEGs with a licence entry each, and are pictures, not flat', () => {
  const notice = read('webview', 'samples', 'NOTICE.md');
  assert.deepEqual(SAMPLES.map((s) => s.name), ['cat', 'coffee', 'astronaut', 'camera']);
  for (const sample of SAMPLES) {
    assert.match(notice, new RegExp(`\\| \`${sample.name}\\.jpg\` \\|.*\\| (CC0|public domain)`), `${sample.name} has a licence line`);
    const image = jpeg.decode(sample.bytes, { useTArray: true, formatAsRGBA: true });
    assert.deepEqual([image.width, image.height], [160, 160], sample.name);
    const rgb = rgbaToImage(image.data, image.width, image.height);
    const input = toModelInput(rgb, [1, 3, 32, 32], 'none');
    const mean = input.reduce((a, b) => a + b, 0) / input.length;
    const spread = Math.sqrt(input.reduce((a, b) => a + (b - mean) ** 2, 0) / input.length);
    assert.ok(spread > 0.1, `${sample.name}: standard deviation ${spread.toFixed(3)} at 32x32`);
  }
});

test('the weights line cuts long name lists and keeps every name in the full text', () => {
  const missing = Array.from({ length: 120 }, (_, i) => `layer${i}.weight`);
  const report = { source: 'head.safetensors', matched: 2, missing, unexpected: ['extra.bias'], mismatched: [] };
  const { text, full, warn } = describeWeights(report, true);
  assert.equal(text, 'Weights: head.safetensors — 2 tensor(s) matched by name; missing (seeded instead): layer0.weight, layer1.weight, layer2.weight, layer3.weight, layer4.weight, layer5.weight, … and 114 more; not used by the model: extra.bias');
  assert.ok(full.includes('layer119.weight') && !full.includes('more'));
  assert.equal(warn, true);
  const whole = describeWeights({ source: 'w.pt', matched: 6, missing: [], unexpected: [], mismatched: [] }, true);
  assert.deepEqual([whole.text, whole.warn], ['Weights: w.pt — 6 tensor(s) matched by name, all of the model\'s parameters', false]);
  assert.equal(describeWeights({ source: 'default init, seed 3', matched: 0, missing: [], unexpected: [], mismatched: [] }, false).text, 'Weights: default init, seed 3');
});

/** Engine-internal wording that must never reach the panel: tensor ids, JSON nulls. */
const INTERNAL = /tensor \d|got null|reads tensor|no earlier node/;

test('a model built from an imported block runs up to the block and says, by layer and line, what it cannot follow', async () => {
  const analysis = await analyze(read('test', 'fixtures', 'imported_block_model.py'));
  const model = analysis.models.find((m) => m.name === 'ImportedNet');
  assert.ok(model);
  const plan = planRun(model.graph);
  const keys = nodeKeys(model.graph);
  assert.deepEqual(plan.graph.nodes.map((n) => n.module?.name ?? n.op), ['conv1', 'relu'], 'only the layers before the block run');
  assert.equal(plan.graph.output, null, 'the model output is not produced, so it is not asked for');
  const blocked = keys.filter((k) => plan.blocked.has(k));
  assert.deepEqual(blocked, keys.filter((k) => k !== 'conv1' && k !== 'relu'), 'every other layer is listed as blocked');
  assert.ok(blocked.length > 0);
  assert.match(plan.reason ?? '', /after relu \(ReLU, line 19\)/);
  assert.match(plan.reason ?? '', /imported from another file/);
  for (const why of [plan.reason ?? '', ...plan.blocked.values()]) assert.doesNotMatch(why, INTERNAL);
  // The run the plan allows succeeds: no engine error reaches the panel.
  const run = runGraph(plan.graph, { shape: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(0.5) }, { seed: 0 });
  assert.deepEqual([...run.outputs.keys()], ['conv1', 'relu']);
});

test('an in_channels Conv Lens cannot evaluate is named with its layer and what to write, and the layers before it run', async () => {
  const analysis = await analyze(read('test', 'fixtures', 'unknown_in_channels.py'));
  const model = analysis.models[0];
  assert.ok(model);
  const plan = planRun(model.graph);
  assert.deepEqual(plan.graph.nodes.map((n) => n.module?.name), ['conv1', 'relu']);
  const why = plan.blocked.get('conv2') ?? '';
  assert.match(why, /does not know the in_channels of conv2 \(Conv2d, line 17\)/);
  assert.match(why, /Write in_channels as a number/);
  assert.doesNotMatch(why, INTERNAL);
  assert.equal(plan.reason, why);
  // The weights report covers the layers with known arguments, not only those that run.
  assert.deepEqual([...graphParameters(withKnownParameters(model.graph)).keys()], ['conv1.weight', 'conv1.bias']);
});

test('a class nothing in the file builds, whose constructor needs arguments: the preview says so instead of asking to write a number', async () => {
  const analysis = await analyze(`import torch.nn as nn


class Head(nn.Module):
    def __init__(self, features, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(features, classes)

    def forward(self, x):
        return self.fc(self.pool(self.conv(x)).flatten(1))
`);
  const model = analysis.models.find((m) => m.name === 'Head');
  assert.ok(model);
  assert.equal(model.needsArguments, true);
  const plan = planRun(model.graph, new Map(), model.name);
  const why = plan.blocked.get('fc') ?? '';
  assert.match(why, /^Conv Lens does not know the in_features of fc \(Linear, line 12\): nothing in the file builds Head, so the arguments of its constructor are unknown\. Build it in the file/);
  assert.doesNotMatch(why, /Write in_features as a number/);
  assert.doesNotMatch(why, INTERNAL);
  assert.deepEqual(plan.graph.nodes.map((n) => n.module?.name ?? n.op), ['conv', 'pool', 'flatten']);
});

test('the weights of a layer that cannot run for want of its input are still the model\'s own', async () => {
  const model = (await analyze(read('test', 'fixtures', 'imported_block_model.py'))).models.find((m) => m.name === 'ImportedNet');
  assert.ok(model);
  const names = [...graphParameters(withKnownParameters(model.graph)).keys()];
  assert.ok(names.includes('fc.weight') && names.includes('conv1.weight'), names.join(', '));
  assert.ok(!planRun(model.graph).graph.nodes.some((n) => n.module?.name === 'fc'), 'fc does not run');
});

test('a layer that fails at run time is explained by name and argument, and the plan leaves it and its readers out', async () => {
  const graph = (await analyze(read('test', 'fixtures', 'seed000_convnet_example_input.py'))).models[0]?.graph;
  assert.ok(graph);
  const conv2 = graph.nodes.find((n) => n.module?.name === 'conv2');
  assert.ok(conv2);
  const failure = explainFailure(new GraphError('conv2 (Conv2d) on input [1, 16, 16, 16] failed', conv2, new ArgError('argument stride should be a number, got null', 'stride', true)));
  assert.equal(failure.node, conv2);
  assert.match(failure.message, /Conv Lens does not know the stride of conv2 \(Conv2d, line \d+\)/);
  assert.doesNotMatch(failure.message, INTERNAL);
  const plan = planRun(graph, new Map([[conv2.id, failure.message]]));
  assert.deepEqual(plan.graph.nodes.map((n) => n.module?.name ?? n.op), ['conv1', 'relu', 'pool']);
  assert.equal(plan.reason, failure.message);
  assert.match(plan.blocked.get('fc') ?? '', /depends on conv2/);
});

test('two models with the same layers in different files share no output signature', async () => {
  const graph = (await analyze(read('test', 'fixtures', 'seed000_convnet_example_input.py'))).models[0]?.graph;
  assert.ok(graph);
  const input = [[1, 3, 32, 32], 'sample:cat', 'none', 0, 'seed:0'];
  const a = nodeSignatures(graph, reuseRoot({ uri: 'file:///a.py', name: 'ConvNet' }, input));
  const b = nodeSignatures(graph, reuseRoot({ uri: 'file:///b.py', name: 'ConvNet' }, input));
  const c = nodeSignatures(graph, reuseRoot({ uri: 'file:///a.py', name: 'Other' }, input));
  const again = nodeSignatures(graph, reuseRoot({ uri: 'file:///a.py', name: 'ConvNet' }, input));
  assert.ok(graph.nodes.every((n) => a.get(n.id) !== b.get(n.id) && a.get(n.id) !== c.get(n.id)), 'another file or model: nothing reused');
  assert.ok(graph.nodes.every((n) => a.get(n.id) === again.get(n.id)), 'the same model, file and input: everything reusable');
});

test('a TF.js model lists its layers with their channels-last shapes, and every one of them runs', async () => {
  const analysis = await analyze(read('examples', 'tfjs_mnist.ts'), 'typescript');
  const preview = previewOf(analysis);
  assert.equal(preview.language, 'typescript');
  const flow = buildFlow(preview);
  assert.deepEqual(flow.items.map((i) => i.key), preview.model.layers.map((l) => l.name));
  assert.ok(flow.items.length > 0);
  assert.deepEqual(flow.items[0]?.shape, ['N', 26, 26, 16], 'the first conv2d, channels last as TF.js gives them');
  const graph = preview.model.graph;
  assert.equal(graph.channelsLast, true);
  const plan = planRun(runnableGraph(graph, flow));
  assert.equal(plan.reason, null);
  assert.equal(plan.graph.nodes.length, flow.items.length);
  const input = concreteInput(preview.model.input[0]);
  assert.deepEqual(input.shape, [1, 28, 28, 1]);
  const out = runGraph(plan.graph, { shape: input.shape, data: toChannelsLastInput(syntheticImage('edges', 28, 28), input.shape, 'none') }).outputs;
  assert.deepEqual(out.get('0')?.shape, [1, 26, 26, 16]);
  assert.deepEqual(out.get('output')?.shape, [1, 10]);
});

test('a TF.js input is the same picture channels last: pixel (y, x) of channel k at [0, y, x, k]', () => {
  const image = syntheticImage('gradient', 7, 5);
  const planar = toModelInput(image, [1, 3, 5, 7], 'imagenet');
  const last = toChannelsLastInput(image, [1, 5, 7, 3], 'imagenet');
  assert.equal(last.length, planar.length);
  for (let k = 0; k < 3; k++) for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) {
    assert.equal(last[(y * 7 + x) * 3 + k], planar[(k * 5 + y) * 7 + x]);
  }
});

test('TF.js outputs are drawn a map per channel from their channels-last data, as the same maps channels first', async () => {
  const analysis = await analyze(read('examples', 'tfjs_mnist.ts'), 'typescript');
  const graph = analysis.models[0]?.graph;
  assert.ok(graph);
  const axes = graphAxes(graph, [1, 28, 28, 1]);
  assert.deepEqual(inputAxes(graph, 4), ['batch', 'height', 'width', 'channels']);
  assert.deepEqual(axes.get(graph.nodes[0]?.id ?? -1), ['batch', 'height', 'width', 'channels']);
  const y = runGraph(graph, { shape: [1, 28, 28, 1], data: toChannelsLastInput(syntheticImage('edges', 28, 28), [1, 28, 28, 1], 'none') }).outputs.get('0');
  assert.ok(y);
  const view = outputView(y.shape, axes.get(graph.nodes[0]?.id ?? -1));
  assert.equal(view.tiles, 16);
  const nchw = permute(y, [0, 3, 1, 2]);
  assert.deepEqual(renderGrid(y.data, y.shape, 'layer', 32, 0, view).picture, renderGrid(nchw.data, nchw.shape, 'layer', 32).picture);
  assert.deepEqual(renderChannel(y.data, y.shape, 5, 256, view), renderChannel(nchw.data, nchw.shape, 5));
  assert.ok(isDrawn(renderGrid(y.data, y.shape, 'layer', 32, 0, view).picture));
});

test('a TF.js 1-d convnet reads as time x channels sequences; its dense layer on a sequence gives features', async () => {
  const analysis = await analyze(read('test', 'corpus', 'tfjs', 'engine_sequence.ts'), 'typescript');
  const graph = analysis.models[0]?.graph;
  assert.ok(graph);
  const axes = graphAxes(graph, [1, 30, 6]);
  assert.deepEqual(axes.get(graph.nodes[0]?.id ?? -1), ['batch', 'time', 'channels']);
  const view = outputView([1, 30, 8], axes.get(graph.nodes[0]?.id ?? -1));
  assert.equal(view.view.kind, 'sequence');
  assert.deepEqual([view.rows, view.columns], [8, 30], 'channels down, time across');
  const dense = graph.nodes.find((n) => n.module?.type === 'dense');
  assert.ok(dense);
  assert.equal(axes.get(dense.id)?.at(-1), 'features');
});

test('a model built from blocks in another file: its boxes go to that file, and the cursor in this file never selects them by offset', async () => {
  await ready;
  const dir = join(__dirname, '..', '..', 'test', 'projects', 'blocks_and_model');
  const path = join(dir, 'model.py');
  const program = new Program({ host: nodeHost, projectRoots: [dir] });
  const doc = new AnalyzedDocument('python', readFileSync(path, 'utf8'));
  const analysis = await program.analyze(doc, path);
  doc.dispose();
  program.dispose();
  const items = buildFlow(previewOf(analysis)).items;
  const conv = items.find((i) => i.label === 'stem.conv');
  assert.ok(conv, items.map((i) => i.label).join(', '));
  assert.equal(conv.file, join(dir, 'blocks.py'));
  assert.equal(conv.line, analysis.models[0]?.layers[0]?.range.start.line);
  // stem.conv is built in blocks.py and applied in blocks.py's forward: no offset of model.py selects it.
  assert.deepEqual(conv.spans, []);
});

test('after a reveal, the panel turning active within the guard gives the editor the focus back once; later, or after the first, it does not', async () => {
  const listeners = new Set<() => void>();
  const onActive = (l: () => void): Subscription => { listeners.add(l); return { dispose: () => listeners.delete(l) }; };
  const fire = (): void => { for (const l of [...listeners]) l(); };
  let refocused = 0;
  guardFocus(onActive, () => refocused++, 50);
  fire();
  fire();
  assert.equal(refocused, 1, 'once, at the first activation');
  assert.equal(listeners.size, 0, 'and it stops listening');
  guardFocus(onActive, () => refocused++, 20);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(listeners.size, 0, 'after the guard ends it listens no more');
  fire();
  assert.equal(refocused, 1, 'a later activation (the user clicking in the panel) is left alone');
});
