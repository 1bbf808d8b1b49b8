// The preview's engine worker (webview/worker.ts) in Node, speaking its messages: the graph planned at the shapes
// it runs (ResNet-18 analysed at batch 8, run at batch 1), layer outputs drawn from the engine's memory without
// copies, and pages, channels and reuse after an edit still served from what the last run kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalyzedDocument, initCore } from '../src/core/index';
import type { ModelGraph, ModelReport } from '../src/core/types';
import { Executor } from '../src/engine/executor';
import { nodeKeys } from '../src/engine/node-keys';
import { runtime } from '../src/engine/runtime';
import type { Tensor } from '../src/engine/tensor';
import type { RunRequest, WorkerMessage, WorkerRequest } from '../src/shared/protocol';
import { layerStats, renderGrid } from '../webview/logic/featureMaps';
import { withRunShapes } from '../webview/logic/runShapes';
import { pictureSizes } from '../webview/logic/pictureSizes';
import { graphAxes, outputView, sampleValues } from '../webview/logic/views';

const root = join(__dirname, '..', '..');
const ready = initCore(async (file) => readFileSync(join(root, 'out', 'wasm', file)));
const RESNET = readFileSync(join(root, 'examples', 'resnet18.py'), 'utf8');
const TINY = readFileSync(join(root, 'test', 'goldens', 'engine', 'nets', 'tiny_resnet.py'), 'utf8');

async function model(source: string, name: string, inputs: Record<string, number[]> = {}): Promise<ModelReport> {
  await ready;
  const doc = new AnalyzedDocument('python', source);
  try {
    const m = doc.analyze({ inputs }).models.find((r) => r.name === name);
    assert.ok(m, `the core found ${name}`);
    return m;
  } finally {
    doc.dispose();
  }
}

test('the graph is planned at the shapes the preview runs: ResNet-18 analysed at batch 8 gets the core\'s own batch-1 shapes', async () => {
  const analysed = await model(RESNET, 'ResNet');
  const one = await model(RESNET, 'ResNet', { ResNet: [1, 3, 224, 224] });
  assert.deepEqual(analysed.input[0], [8, 3, 224, 224]);
  const run = withRunShapes(analysed.graph, graphAxes(analysed.graph, [1, 3, 224, 224]), analysed.input[0] ?? [], [1, 3, 224, 224]);
  assert.deepEqual(run.nodes.map((n) => n.shape), one.graph.nodes.map((n) => n.shape));
  // The graph the flow shows keeps the analysed shapes.
  assert.deepEqual(analysed.graph.nodes.at(-1)?.shape, [8, 10]);
});

test('a named batch ("N") becomes the run\'s; other named sizes stay as written, and parameters keep their shapes', async () => {
  const tiny = await model(TINY, 'TinyResNet');
  assert.deepEqual(tiny.input[0], ['N', 3, 'H', 'W']);
  const run = withRunShapes(tiny.graph, graphAxes(tiny.graph, [1, 3, 32, 32]), tiny.input[0] ?? [], [1, 3, 32, 32]);
  assert.deepEqual(run.nodes.at(-1)?.shape, [1, 10]);
  assert.deepEqual(run.nodes[0]?.shape, [1, 8, '(H + 1) // 2', '(W + 1) // 2']);
  const param = { ...tiny.graph, nodes: [{ ...(tiny.graph.nodes[0] as ModelGraph['nodes'][number]), op: 'parameter', shape: ['N', 4] }] };
  assert.deepEqual(withRunShapes(param, new Map(), ['N', 3, 'H', 'W'], [1, 3, 32, 32]).nodes[0]?.shape, ['N', 4]);
});

test('planned at the run\'s shapes, every ResNet-18 layer output stays in the engine memory (at the analysed batch none did), with the same values', async () => {
  const analysed = await model(RESNET, 'ResNet');
  const x: Tensor = { shape: [1, 3, 224, 224], data: Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 97)) };
  const run = withRunShapes(analysed.graph, graphAxes(analysed.graph, x.shape), analysed.input[0] ?? [], x.shape);
  const memory = (): ArrayBufferLike => runtime().k.memory.buffer;
  // Convs, norms, activations, pools and adds: the ops a ResNet spends its time in.
  const resident = (ex: Executor): { keys: string[]; outside: string[]; output: Float32Array } => {
    const r = ex.run(x, { outputs: 'all' });
    const keys = r.keys().filter((k) => !['output', 'flatten', 'avgpool', 'fc'].includes(k));
    return { keys, outside: keys.filter((k) => r.view(k)?.data.buffer !== memory()), output: Float32Array.from((r.get('output') as Tensor).data) };
  };
  const planned = resident(new Executor(run, { seed: 1 }));
  const unplanned = resident(new Executor(analysed.graph, { seed: 1 }));
  assert.equal(planned.keys.length, 66);
  assert.deepEqual(planned.outside, [], 'outputs not placed in the engine memory');
  assert.deepEqual(unplanned.outside, unplanned.keys, 'at the analysed batch, nothing was placed');
  assert.deepEqual([...planned.output], [...unplanned.output]);
});

/** Sends the worker a request; resolves with what it posted once it has handled it (a run: at its `done` or `error`). */
type Send = (request: WorkerRequest) => Promise<WorkerMessage[]>;

/** The worker module, loaded once with a worker's two functions on globalThis (one worker for every test, as in a panel). */
let loaded: Promise<{ send: Send; post: (request: WorkerRequest) => void; sink: () => WorkerMessage[] }> | null = null;
async function worker(): Promise<Send> {
  loaded ??= load();
  return (await loaded).send;
}

async function load(): Promise<{ send: Send; post: (request: WorkerRequest) => void; sink: () => WorkerMessage[] }> {
  let listener: ((event: { data: WorkerRequest }) => void) | null = null;
  let sink: WorkerMessage[] = [];
  let settle: (() => void) | null = null;
  const scope = globalThis as unknown as Record<string, unknown>;
  scope['postMessage'] = (m: WorkerMessage): void => {
    sink.push(m);
    if (m.type === 'done' || m.type === 'error') settle?.();
  };
  scope['addEventListener'] = (_: string, l: (event: { data: WorkerRequest }) => void): void => { listener = l; };
  await import('../webview/worker');
  const post = (request: WorkerRequest): void => {
    assert.ok(listener);
    (listener as (event: { data: WorkerRequest }) => void)({ data: request });
  };
  const send: Send = (request) => new Promise((resolve) => {
    sink = [];
    const got = sink;
    settle = () => resolve(got);
    post(request);
    // A page or channel is answered at once (when the worker is idle), or not at all.
    if (request.type !== 'run') resolve(got);
  });
  return { send, post, sink: () => sink };
}

test('the worker draws every layer from the engine memory, and serves pages, channels and an edit\'s reuse from what it kept', async () => {
  const send = await worker();
  const analysed = await model(RESNET, 'ResNet');
  const head = await model(RESNET.replace('num_classes=10)', 'num_classes=3)'), 'ResNet');
  const data = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.cos(i / 101));
  const request = (runId: number, graph: ModelGraph, pages: Record<string, number> = {}): RunRequest => ({
    type: 'run', runId, graph, input: { shape: [1, 3, 224, 224], made: 'cos-101', data: data.slice() }, analysedInput: analysed.input[0] ?? [], inputKey: 'resnet', unbuilt: null,
    weights: { kind: 'seed', seed: 2 }, scale: 'layer', maxChannels: 32, pages, depths: {}, draw: nodeKeys(graph),
  });
  const first = await send(request(1, analysed.graph));
  const error = first.find((m) => m.type === 'error');
  assert.equal(error, undefined, JSON.stringify(error));
  const layers = first.filter((m): m is Extract<WorkerMessage, { type: 'layer' }> => m.type === 'layer');
  assert.equal(layers.length, 69);
  // The same pictures and statistics as drawing a copy of the executor's exact outputs.
  const ex = new Executor(withRunShapes(analysed.graph, graphAxes(analysed.graph, [1, 3, 224, 224]), analysed.input[0] ?? [], [1, 3, 224, 224]), { seed: 2 });
  const exact = ex.run({ shape: [1, 3, 224, 224], data }, { outputs: 'all' });
  for (const key of ['conv1', 'layer1.0.bn2', 'layer3.1.relu#1', 'fc']) {
    const y = exact.get(key) as Tensor;
    const drawn = layers.find((m) => m.key === key);
    assert.ok(drawn, key);
    const view = outputView(y.shape);
    assert.deepEqual(drawn.stats, layerStats(sampleValues(y.data, view)), `${key} statistics`);
    assert.deepEqual([...drawn.grid.rgba], [...renderGrid(y.data, y.shape, 'layer', 32, 0, view).picture.rgba], `${key} picture`);
  }
  const secondPage = async (runId: number): Promise<Extract<WorkerMessage, { type: 'layer' }> | undefined> =>
    (await send({ type: 'page', runId, key: 'layer1.0.conv1', first: 32 })).find((m): m is Extract<WorkerMessage, { type: 'layer' }> => m.type === 'layer');
  const paged = await secondPage(1);
  assert.equal(paged?.first, 32);
  const y = exact.get('layer1.0.conv1') as Tensor;
  assert.deepEqual([...(paged?.grid.rgba ?? [])], [...renderGrid(y.data, y.shape, 'layer', 32, 32, outputView(y.shape)).picture.rgba]);
  const channel = (await send({ type: 'channel', runId: 1, key: 'layer1.0.conv1', channel: 40 })).find((m) => m.type === 'channel');
  assert.ok(channel && channel.type === 'channel' && channel.kernel !== null);

  // A head edit: every other layer is reused (copied out of the last run's memory before this run overwrites it),
  // its picture left on screen, and still pages afterwards.
  // The webview shows layer1.0.conv1's second page now, and says so in the next runs.
  const edited = await send(request(2, head.graph, { 'layer1.0.conv1': 32 }));
  const done = edited.find((m): m is Extract<WorkerMessage, { type: 'done' }> => m.type === 'done');
  assert.equal(done?.reused, 68);
  assert.equal(edited.filter((m) => m.type === 'layerSame').length, 68);
  assert.deepEqual(edited.filter((m) => m.type === 'layer').map((m) => m.type === 'layer' && m.key), ['fc']);
  assert.deepEqual([...((await secondPage(2))?.grid.rgba ?? [])], [...(paged?.grid.rgba ?? [])]);
  // Back again: the reused copies serve the next run as well.
  const back = await send(request(3, analysed.graph, { 'layer1.0.conv1': 32 }));
  assert.equal(back.find((m): m is Extract<WorkerMessage, { type: 'done' }> => m.type === 'done')?.reused, 68);
  assert.deepEqual([...((await secondPage(3))?.grid.rgba ?? [])], [...(paged?.grid.rgba ?? [])]);
});

test('the picture sizes the panel gives empty boxes before a run are those the worker then draws and sizes', async () => {
  const send = await worker();
  const analysed = await model(RESNET, 'ResNet');
  const keys = nodeKeys(analysed.graph);
  const pages = { 'layer1.0.conv1': 32, 'layer4.1.conv2': 480 };
  const expected = pictureSizes(analysed.graph, [1, 3, 224, 224], analysed.input[0] ?? [], 32, pages, {});
  assert.equal(expected.size, keys.length, 'every layer of ResNet-18 at 224x224 has a known size');
  // Half the boxes on screen (drawn), half off (their statistics and the size of their page).
  const messages = await send({
    type: 'run', runId: 50, graph: analysed.graph, input: { shape: [1, 3, 224, 224], made: 'sizes', data: Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 89)) },
    analysedInput: analysed.input[0] ?? [], inputKey: 'resnet-sizes', unbuilt: null, weights: { kind: 'seed', seed: 5 }, scale: 'layer', maxChannels: 32, pages, depths: {},
    draw: keys.filter((_, i) => i % 2 === 0),
  });
  const sized = messages.flatMap((m) => m.type === 'layer' ? [[m.key, { width: m.grid.width, height: m.grid.height }] as const]
    : m.type === 'layerStats' ? [[m.key, { width: m.width, height: m.height }] as const] : []);
  assert.equal(sized.length, keys.length);
  for (const [key, size] of sized) assert.deepEqual(expected.get(key), size, key);
});

type Layer = Extract<WorkerMessage, { type: 'layer' }>;
const isLayer = (m: WorkerMessage): m is Layer => m.type === 'layer';

test('the worker draws only the layers the panel shows; a later page request draws that layer of that run, and never of another', async () => {
  const send = await worker();
  const analysed = await model(RESNET, 'ResNet');
  const stem = await model(RESNET.replace('kernel_size=7, stride=2, padding=3', 'kernel_size=7, stride=2, padding=2'), 'ResNet');
  const data = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 89));
  const request = (runId: number, graph: ModelGraph, draw: string[], pages: Record<string, number> = {}): RunRequest => ({
    type: 'run', runId, graph, input: { shape: [1, 3, 224, 224], made: 'sin-89', data: data.slice() }, analysedInput: analysed.input[0] ?? [], inputKey: 'resnet-shown', unbuilt: null,
    weights: { kind: 'seed', seed: 3 }, scale: 'layer', maxChannels: 32, pages, depths: {}, draw,
  });
  const exactly = (graph: ModelGraph): ((key: string, first?: number) => { stats: unknown; rgba: number[] }) => {
    const ex = new Executor(withRunShapes(graph, graphAxes(graph, [1, 3, 224, 224]), analysed.input[0] ?? [], [1, 3, 224, 224]), { seed: 3 });
    const r = ex.run({ shape: [1, 3, 224, 224], data }, { outputs: 'all' });
    const copies = new Map(r.keys().map((k) => [k, { shape: [...(r.get(k) as Tensor).shape], data: Float32Array.from((r.get(k) as Tensor).data) }]));
    return (key, first = 0) => {
      const y = copies.get(key) as Tensor;
      const view = outputView(y.shape);
      return { stats: layerStats(sampleValues(y.data, view)), rgba: [...renderGrid(y.data, y.shape, 'layer', 32, first, view).picture.rgba] };
    };
  };
  const base = exactly(analysed.graph);

  const first = await send(request(11, analysed.graph, ['conv1', 'layer1.0.conv1']));
  assert.deepEqual(first.filter(isLayer).map((m) => m.key), ['conv1', 'layer1.0.conv1']);
  const facts = first.filter((m): m is Extract<WorkerMessage, { type: 'layerStats' }> => m.type === 'layerStats');
  // Every other layer: its statistics (of its whole output, as when drawn) and its page's size, no picture.
  assert.equal(facts.length, 67);
  assert.equal(first.filter((m) => m.type === 'layerSame').length, 0);
  const deep = facts.find((m) => m.key === 'layer2.0.conv1');
  assert.deepEqual(deep?.stats, base('layer2.0.conv1').stats);
  assert.deepEqual(first.filter(isLayer).map((m) => [...m.grid.rgba]), [base('conv1').rgba, base('layer1.0.conv1').rgba]);

  // The box comes into view: its page is drawn from run 11's outputs, the size the statistics message announced.
  const page = async (runId: number, key: string, at = 0): Promise<Layer | undefined> => (await send({ type: 'page', runId, key, first: at })).find(isLayer);
  const lazy = await page(11, 'layer2.0.conv1');
  assert.equal(lazy?.key, 'layer2.0.conv1');
  assert.deepEqual([lazy?.grid.width, lazy?.grid.height], [deep?.width, deep?.height]);
  assert.deepEqual([...(lazy?.grid.rgba ?? [])], base('layer2.0.conv1').rgba);

  // A stem edit with nothing on screen: every layer changed, none drawn, none said to be on screen already.
  const edited = await send(request(12, stem.graph, []));
  assert.equal(edited.filter(isLayer).length, 0);
  assert.equal(edited.filter((m) => m.type === 'layerSame').length, 0);
  assert.equal(edited.filter((m) => m.type === 'layerStats').length, 69);
  // A page asked for under the old run gets no picture: it would be the other model's.
  assert.equal(await page(11, 'layer2.0.conv1'), undefined);
  const afterEdit = await page(12, 'layer2.0.conv1');
  const edit = exactly(stem.graph);
  assert.deepEqual([...(afterEdit?.grid.rgba ?? [])], edit('layer2.0.conv1').rgba);
  assert.notDeepEqual(edit('layer2.0.conv1').rgba, base('layer2.0.conv1').rgba);

  // The same model again, another box now on screen: it is drawn; every other layer is what the webview holds
  // already (layer2.0.conv1's picture from the page request, the others' statistics).
  const again = await send(request(13, stem.graph, ['layer3.0.conv1']));
  assert.deepEqual(again.filter(isLayer).map((m) => m.key), ['layer3.0.conv1']);
  assert.deepEqual([...(again.filter(isLayer)[0]?.grid.rgba ?? [])], edit('layer3.0.conv1').rgba);
  assert.equal(again.filter((m) => m.type === 'layerSame').length, 68);
  assert.equal(again.filter((m) => m.type === 'layerStats').length, 0);
  // Paged to its second page, the webview no longer holds the first: the next run draws that one again.
  assert.deepEqual([...((await page(13, 'layer2.0.conv1', 32))?.grid.rgba ?? [])], edit('layer2.0.conv1', 32).rgba);
  const back = await send(request(14, stem.graph, ['layer2.0.conv1']));
  assert.equal(back.filter((m) => m.type === 'layerSame').length, 68);
  assert.deepEqual(back.filter(isLayer).map((m) => [m.key, m.first]), [['layer2.0.conv1', 0]]);
  assert.deepEqual([...(back.filter(isLayer)[0]?.grid.rgba ?? [])], edit('layer2.0.conv1').rgba);
  // Paged again, and the run says so (the user's page): that page is the one on screen already.
  assert.ok(await page(14, 'layer2.0.conv1', 32));
  const paged = await send(request(15, stem.graph, [], { 'layer2.0.conv1': 32 }));
  assert.equal(paged.filter((m) => m.type === 'layerSame').length, 69);
});

test('the boxes on screen are sent as their layers run, before the run ends; a run the panel has moved on from stops, and the next is exact', async () => {
  await worker();
  const { post, sink } = await (loaded as NonNullable<typeof loaded>);
  const analysed = await model(RESNET, 'ResNet');
  const stem = await model(RESNET.replace('kernel_size=7, stride=2, padding=3', 'kernel_size=7, stride=2, padding=2'), 'ResNet');
  const data = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.cos(i / 71));
  const request = (runId: number, graph: ModelGraph, draw: string[]): RunRequest => ({
    type: 'run', runId, graph, input: { shape: [1, 3, 224, 224], made: 'cos-71', data: data.slice() }, analysedInput: analysed.input[0] ?? [], inputKey: 'resnet-progressive', unbuilt: null,
    weights: { kind: 'seed', seed: 5 }, scale: 'layer', maxChannels: 32, pages: {}, depths: {}, draw,
  });
  const send = await worker();
  const whole = await send(request(21, analysed.graph, ['conv1', 'maxpool']));
  const at = (key: string): number => whole.findIndex((m) => m.type === 'layer' && m.key === key);
  const plan = whole.findIndex((m) => m.type === 'plan');
  // Sent between the progress of the layers after them, before the run's plan and end are posted.
  assert.ok(at('conv1') >= 0 && at('maxpool') > at('conv1') && at('maxpool') < plan, `conv1 at ${at('conv1')}, maxpool at ${at('maxpool')}, plan at ${plan}`);
  assert.ok(whole.slice(at('maxpool') + 1, plan).some((m) => m.type === 'progress'), 'layers ran after the boxes on screen were sent');

  // The stem edit starts; the panel moves on before it ends (the edit undone): it stops at its next pause, posts no
  // `done`, and the run after it gives every layer as a fresh run of that model would.
  post(request(22, stem.graph, ['conv1']));
  const during = sink();
  // Its first slice has run (conv1 sent) and it pauses: the panel moves on now.
  for (let i = 0; i < 500 && !during.some((m) => m.runId === 22 && m.type === 'layer'); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(during.some((m) => m.runId === 22 && m.type === 'layer' && m.key === 'conv1'), 'the stale run sent conv1 before the panel moved on');
  assert.equal(during.some((m) => m.runId === 22 && m.type === 'done'), false, 'the run is under way, pausing, not finished within the call');
  const last = await send(request(23, analysed.graph, ['conv1', 'layer4.1.conv2']));
  assert.equal([...during, ...last].some((m) => m.runId === 22 && m.type === 'done'), false, 'the stale run never finished');
  assert.equal(last.find((m) => m.type === 'error'), undefined);
  const done = last.find((m): m is Extract<WorkerMessage, { type: 'done' }> => m.type === 'done');
  assert.equal(done?.runId, 23);
  const ex = new Executor(withRunShapes(analysed.graph, graphAxes(analysed.graph, [1, 3, 224, 224]), analysed.input[0] ?? [], [1, 3, 224, 224]), { seed: 5 });
  const exact = ex.run({ shape: [1, 3, 224, 224], data }, { outputs: 'all' });
  for (const key of ['conv1', 'layer4.1.conv2']) {
    const y = exact.get(key) as Tensor;
    const drawn = last.find((m): m is Layer => m.type === 'layer' && m.key === key);
    assert.ok(drawn, `${key} drawn again: the stale run may have sent it before it stopped`);
    assert.deepEqual([...drawn.grid.rgba], [...renderGrid(y.data, y.shape, 'layer', 32, 0, outputView(y.shape)).picture.rgba], key);
  }
});

test('a picture the webview gives back is drawn into again, cleared first: the next picture of that size uses it, exactly', async () => {
  const send = await worker();
  const { post } = await (loaded as NonNullable<typeof loaded>);
  const analysed = await model(RESNET, 'ResNet');
  const stem = await model(RESNET.replace('kernel_size=7, stride=2, padding=3', 'kernel_size=7, stride=2, padding=2'), 'ResNet');
  const data = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 53));
  const request = (runId: number, graph: ModelGraph): RunRequest => ({
    type: 'run', runId, graph, input: { shape: [1, 3, 224, 224], made: 'sin-53', data: data.slice() }, analysedInput: analysed.input[0] ?? [], inputKey: 'resnet-recycled', unbuilt: null,
    weights: { kind: 'seed', seed: 6 }, scale: 'layer', maxChannels: 32, pages: {}, depths: {}, draw: ['conv1'],
  });
  const first = (await send(request(31, analysed.graph))).find((m): m is Layer => m.type === 'layer' && m.key === 'conv1');
  assert.ok(first);
  // Given back with every byte set (as a picture of another layout of that size leaves it): the gaps must be cleared.
  const given = new Uint8ClampedArray(first.grid.rgba.length).fill(255).buffer;
  // Not a picture's size: never drawn into.
  const odd = new ArrayBuffer(12);
  post({ type: 'recycle', buffers: [odd, given] });
  const edited = (await send(request(32, stem.graph))).find((m): m is Layer => m.type === 'layer' && m.key === 'conv1');
  assert.ok(edited);
  assert.equal(edited.grid.rgba.buffer, given, 'conv1 of the edit is drawn into the buffer given back');
  const ex = new Executor(withRunShapes(stem.graph, graphAxes(stem.graph, [1, 3, 224, 224]), analysed.input[0] ?? [], [1, 3, 224, 224]), { seed: 6 });
  const y = ex.run({ shape: [1, 3, 224, 224], data }, { outputs: 'all' }).get('conv1') as Tensor;
  assert.deepEqual([...edited.grid.rgba], [...renderGrid(y.data, y.shape, 'layer', 32, 0, outputView(y.shape)).picture.rgba], 'the edited picture, every pixel, gaps transparent');
  // The buffer is in use again: the next picture gets a fresh one.
  const again = (await send(request(33, analysed.graph))).find((m): m is Layer => m.type === 'layer' && m.key === 'conv1');
  assert.ok(again);
  assert.notEqual(again.grid.rgba.buffer, given);
  assert.equal(new Uint8Array(odd).length, 12);
});

test('a run whose input the worker kept from an earlier run sends none and gets the same outputs; one it did not keep is refused', async () => {
  const send = await worker();
  const tiny = await model(TINY, 'TinyResNet', { TinyResNet: [1, 3, 32, 32] });
  const data = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i / 13));
  const request = (runId: number, made: string, input: Float32Array | null, seed: number): RunRequest => ({
    type: 'run', runId, graph: tiny.graph, input: { shape: [1, 3, 32, 32], made, data: input }, analysedInput: [1, 3, 32, 32], inputKey: `tiny-held-${seed}`,
    unbuilt: null, weights: { kind: 'seed', seed }, scale: 'layer', maxChannels: 32, pages: {}, depths: {}, draw: nodeKeys(tiny.graph),
  });
  const stats = (messages: WorkerMessage[]): unknown[] => messages.filter((m) => m.type === 'layer').map((m) => [m.key, m.stats]);
  const sent = await send(request(1, 'sin-32', data.slice(), 5));
  assert.equal(sent.find((m) => m.type === 'error'), undefined);
  // Another seed, so nothing is reused from the run before: every layer runs again on the kept input, twice.
  const kept = await send(request(2, 'sin-32', null, 6));
  const again = await send(request(3, 'sin-32', null, 5));
  assert.equal(kept.find((m) => m.type === 'error'), undefined);
  assert.ok(stats(kept).length > 5);
  assert.notDeepEqual(stats(kept), stats(sent), 'the other seed gives other outputs');
  assert.deepEqual(stats(again), stats(sent), 'the kept input was not changed by the runs on it');
  const refused = await send(request(4, 'gradient-32', null, 5));
  assert.match(refused.find((m) => m.type === 'error')?.message ?? '', /input was neither sent nor kept/);
});
