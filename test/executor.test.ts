// The compiled model (src/engine/executor.ts) on the real core's graph of tiny_resnet.py, against the same
// net in PyTorch 1.13 (test/goldens/engine/nets): exact per-node outputs on request, fused output otherwise,
// parameters and packings kept across runs and edits, and an activation arena that never overwrites a value
// still to be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCore, AnalyzedDocument } from '../src/core/index';
import type { ModelGraph } from '../src/core/types';
import { Executor } from '../src/engine/executor';
import { nodeKeys } from '../src/engine/node-keys';
import { planConflicts, planMemory, type PlannedValue } from '../src/engine/memory-plan';
import { runtime } from '../src/engine/runtime';
import { readSafetensors } from '../src/engine/weights/safetensors';
import { initParameter, rng, SeededTensor } from '../src/engine/weights/init';
import { packConv2d } from '../src/engine/ops/conv';
import { linearGemm } from '../src/engine/ops/matmul';
import { packedGemmAFloats, roundUp } from '../src/engine/packing';
import { numel, type Tensor } from '../src/engine/tensor';

const root = join(__dirname, '..', '..');
const NETS = join(root, 'test', 'goldens', 'engine', 'nets');
const ready = initCore(async (file) => readFileSync(join(root, 'out', 'wasm', file)));

const golden = readSafetensors(readFileSync(join(NETS, 'tiny_resnet.safetensors'))).tensors;
const input = golden.get('input') as Tensor;
const weights = new Map([...golden].filter(([k]) => k !== 'input' && !k.startsWith('out/')));
/** Keys the core's graph and the golden share (the golden names the blocks' functional relus differently). */
const SHARED = ['conv1', 'bn1', 'maxpool', 'layer1.0.conv1', 'layer1.0.bn2', 'layer2.0.conv1', 'layer2.0.downsample.0', 'layer2.0.downsample.1', 'avgpool', 'fc', 'output'];

async function analyze(source: string): Promise<ModelGraph> {
  await ready;
  const doc = new AnalyzedDocument('python', source);
  try {
    const m = doc.analyze({ inputs: { TinyResNet: [...input.shape] } }).models.find((r) => r.name === 'TinyResNet');
    assert.ok(m, 'the core found TinyResNet');
    return m.graph;
  } finally {
    doc.dispose();
  }
}
const source = readFileSync(join(NETS, 'tiny_resnet.py'), 'utf8');

function maxRelError(a: Tensor, e: Tensor): number {
  assert.deepEqual([...a.shape], [...e.shape]);
  let err = 0, m = 0;
  for (let i = 0; i < e.data.length; i++) {
    m = Math.max(m, Math.abs(e.data[i] as number));
    err = Math.max(err, Math.abs((a.data[i] as number) - (e.data[i] as number)));
  }
  return err / Math.max(1, m);
}

test('every node output on request is exact and matches PyTorch; the fused run gives the same output', async () => {
  const ex = new Executor(await analyze(source), { weights });
  const all = ex.run(input, { outputs: 'all' });
  for (const k of SHARED) assert.ok(maxRelError(all.get(k) as Tensor, golden.get(`out/${k}`) as Tensor) <= 1e-4, k);
  assert.ok(all.timings.every((t) => !t.type.includes('+')), 'nothing fused when every output is asked for');
  const fused = ex.run(input);
  assert.deepEqual(fused.keys(), ['output']);
  assert.ok(maxRelError(fused.get('output') as Tensor, golden.get('out/output') as Tensor) <= 1e-4);
  assert.ok(fused.timings.some((t) => t.type === 'Conv2d+BatchNorm2d+ReLU' && t.label === 'conv1+bn1+relu'), fused.timings.map((t) => t.type).join(' '));
  assert.ok(fused.timings.length < all.timings.length);
});

test('a requested intermediate keeps its chain unfused and exact', async () => {
  const ex = new Executor(await analyze(source), { weights });
  const r = ex.run(input, { outputs: ['bn1', 'output'] });
  assert.deepEqual(r.keys().sort(), ['bn1', 'output']);
  assert.ok(maxRelError(r.get('bn1') as Tensor, golden.get('out/bn1') as Tensor) <= 1e-4);
  assert.ok(r.timings.some((t) => t.key === 'bn1' && t.type === 'BatchNorm2d'), 'bn1 ran on its own');
  assert.ok(r.timings.some((t) => t.type === 'Conv2d+BatchNorm2d+ReLU'), 'the other chains still fuse');
  // A page of bn1's channels, without copying the rest.
  const page = r.read('bn1', 2 * 16 * 16, 16 * 16) as Float32Array;
  assert.deepEqual([...page], [...(r.get('bn1') as Tensor).data.subarray(2 * 16 * 16, 3 * 16 * 16)]);
  assert.throws(() => ex.run(input, { outputs: ['no.such.layer'] }), /no output named no\.such\.layer/);
});

test('outputs of a run cannot be read after the next run overwrote them', async () => {
  const ex = new Executor(await analyze(source), { weights });
  const a = ex.run(input);
  ex.run(input);
  assert.throws(() => a.get('output'), /overwritten by a later run/);
});

test('a run taken step by step gives each output as it is made; a conv is packed when it first runs; a later run cancels one under way', async () => {
  const rt = runtime();
  const graph = await analyze(source);
  const whole = new Executor(graph, { seed: 4 }).run(input, { outputs: 'all' });
  const expected = new Map(whole.keys().map((k) => [k, Float32Array.from((whole.get(k) as Tensor).data)]));
  const ex = new Executor(graph, { seed: 4 });
  const keys = nodeKeys(graph);
  const packs = rt.packCount;
  const running = ex.start(input, { outputs: 'all' });
  // Planned, nothing run: no conv is packed yet (the model's first layers run before its last are packed).
  assert.equal(rt.packCount, packs);
  assert.equal(running.step(), true);
  assert.equal(rt.packCount, packs + 1, 'conv1 packed as it ran');
  const conv1 = running.view(graph.nodes[0]?.id as number);
  assert.equal(keys[0], 'conv1');
  assert.deepEqual([...(conv1?.data ?? [])], [...(expected.get('conv1') ?? [])]);
  assert.equal(running.view(graph.nodes[3]?.id as number), undefined, 'not made yet');
  // Another run cancels this one: it takes no more steps, and cannot finish.
  const other = ex.run(input);
  assert.equal(running.step(), false);
  assert.throws(() => running.finish(), /cancelled/);
  // The fused run (BatchNorm folded into the convs): equal up to rounding.
  assert.ok(maxRelError(other.get('output') as Tensor, whole.get('output') as Tensor) < 1e-5, 'the fused run');
  // Stepped to the end, every output is the whole run's.
  const again = ex.start(input, { outputs: 'all' });
  while (again.step());
  const done = again.finish();
  for (const k of ['conv1', 'layer1.0.conv1', 'layer2.0.downsample.1', 'fc', 'output']) assert.deepEqual([...(done.get(k) as Tensor).data], [...(expected.get(k) ?? [])], k);
});

test('an edit re-initialises and re-packs only the layers whose parameters changed', async () => {
  const rt = runtime();
  const ex = new Executor(await analyze(source), { seed: 3 });
  ex.run(input).get('output');
  const before = new Map(ex.params);
  // fc gets another width: only fc's parameters are new; no conv is packed again.
  let packs = rt.packCount;
  ex.update(await analyze(source.replace('nn.Linear(16, 10)', 'nn.Linear(16, 12)')), { seed: 3 });
  assert.deepEqual((ex.run(input).get('output') as Tensor).shape, [1, 12]);
  assert.equal(rt.packCount, packs, 'no conv re-packed');
  const changed = [...ex.params].filter(([k, t]) => before.get(k)?.data !== t.data).map(([k]) => k).sort();
  assert.deepEqual(changed, ['fc.bias', 'fc.weight']);
  // conv1 gets a 5x5 kernel (same output shape): exactly one packing, conv1's.
  packs = rt.packCount;
  ex.update(await analyze(source.replace('nn.Conv2d(3, 8, 7, 2, 3, bias=False)', 'nn.Conv2d(3, 8, 5, 2, 2, bias=False)')), { seed: 3 });
  ex.run(input).get('output');
  assert.equal(rt.packCount, packs + 1);
  assert.deepEqual(ex.params.get('conv1.weight')?.shape, [8, 3, 5, 5]);
  assert.equal(ex.params.get('layer1.0.conv1.weight')?.data, before.get('layer1.0.conv1.weight')?.data, 'kept, not re-initialised');
  // A new weight array for one conv (a weights edit): that conv alone is packed again.
  const w = ex.params.get('layer2.0.conv2.weight') as Tensor;
  const edited = new Map(ex.params);
  edited.set('layer2.0.conv2.weight', { shape: w.shape, data: w.data.map((v) => v * 2) });
  packs = rt.packCount;
  ex.update(await analyze(source.replace('nn.Conv2d(3, 8, 7, 2, 3, bias=False)', 'nn.Conv2d(3, 8, 5, 2, 2, bias=False)')), { weights: edited });
  ex.run(input).get('output');
  assert.equal(rt.packCount, packs + 1);
});

test('the default init is the same in wasm as in a JavaScript loop over the stream, bit for bit', () => {
  for (const n of [1, 63, 64, 65, 1000, 65536 + 5, 300_001]) {
    const ours = initParameter([n], { kind: 'kaiming_uniform', fanIn: 27 }, 7, `p${n}`);
    const r = rng(7, `p${n}`);
    const bound = 1 / Math.sqrt(27);
    for (let i = 0; i < n; i++) {
      // The draw's top 23 bits, centred, times float32(bound / 2^22), rounded once to float32.
      const top = Math.floor(r() * 2 ** 23) - 2 ** 22;
      const want = Math.fround(top * Math.fround(bound / 2 ** 22));
      if (!(want >= -bound && want < bound)) assert.fail(`value ${i} = ${want} is outside [-bound, bound)`);
      if (ours[i] !== want) assert.fail(`n=${n}: value ${i} is ${ours[i]}, the JavaScript loop gives ${want}`);
    }
  }
});

test('the memory plan shares bytes only between values never live at once', async () => {
  // Hand-made lifetimes: v0 read by step 1, v1 by step 2, v2 by step 3; v0 and v2 may share, v1 may not.
  const values: PlannedValue[] = [{ def: 0, lastUse: 1, bytes: 1000 }, { def: 1, lastUse: 2, bytes: 1000 }, { def: 2, lastUse: 3, bytes: 1000 }, { def: 3, lastUse: Infinity, bytes: 500 }];
  const plan = planMemory(values);
  assert.deepEqual(planConflicts(values, plan), []);
  assert.equal(plan.offsets[0], plan.offsets[2], 'v2 reuses v0\'s bytes');
  assert.notEqual(plan.offsets[0], plan.offsets[1]);
  assert.ok(plan.bytes < 3500);
  // The checker itself finds an aliasing plan.
  assert.deepEqual(planConflicts(values, { offsets: [0, 0, 2048, 4096], bytes: 8192 }), [[0, 1]]);

  // The executor's plans for the real graph: the fused one reuses memory, neither aliases a live value.
  const graph = await analyze(source);
  const ex = new Executor(graph, { weights });
  for (const outputs of [undefined, 'all' as const, ['layer1.0.bn1', 'output']]) {
    ex.run(input, outputs === undefined ? {} : { outputs });
    const last = ex.lastPlan;
    assert.ok(last);
    assert.deepEqual(planConflicts(last.values, last.memory), [], `plan for ${JSON.stringify(outputs)}`);
  }
  ex.run(input);
  const fusedPlan = ex.lastPlan;
  assert.ok(fusedPlan);
  const total = fusedPlan.values.reduce((s, v) => s + v.bytes, 0);
  assert.ok(fusedPlan.memory.bytes < 0.7 * total, `arena ${fusedPlan.memory.bytes} B for ${total} B of activations`);
  // The residual adds read a block's input after two convs wrote their outputs: were the input's bytes
  // given to one of them, the output would be wrong.
  assert.ok(maxRelError(ex.run(input).get('output') as Tensor, golden.get('out/output') as Tensor) <= 1e-4);
});

test('activations stay in the engine memory between ops: only the requested output is a JavaScript copy', async () => {
  const ex = new Executor(await analyze(source), { weights });
  const r = ex.run(input);
  const out = r.get('output') as Tensor;
  assert.notEqual(out.data.buffer, runtime().k.memory.buffer, 'the output was copied out');
  assert.equal(out.data.length, numel(out.shape));
  assert.ok(ex.arenaBytes > 0);
});

test('a seeded conv weight drawn straight into its packing equals packing its drawn values, bit for bit', () => {
  const rt = runtime();
  const cases: Array<[number, number, number, number, boolean]> = [[6, 3, 3, 1, false], [10, 4, 1, 2, true], [64, 32, 3, 1, true], [7, 5, 5, 1, false]];
  for (const [cout, cg, k, G, scaled] of cases) {
    const shape = [cout, cg, k, k], init = { kind: 'kaiming_uniform' as const, fanIn: cg * k * k }, name = `w${cout}x${cg}`;
    const scale = scaled ? Float32Array.from({ length: cout }, (_, i) => 0.5 + i / 7) : null;
    const direct = packConv2d(rt, new SeededTensor(shape, init, 5, name), null, G, scale);
    const viaArray = packConv2d(rt, { shape, data: initParameter(shape, init, 5, name) }, null, G, scale);
    const Mg = cout / G, n = G * packedGemmAFloats(Mg, cg * k * k) + G * roundUp(Mg, 4);
    const a = rt.view(direct.wp, n), b = rt.view(viaArray.wp, n);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) assert.fail(`${name}: packed value ${i} is ${a[i]}, packing the drawn array gives ${b[i]}`);
  }
});

test('a seeded Linear weight drawn straight into its transposed packing gives the products of its drawn values, bit for bit', () => {
  // O = 10: columns past O within the 8-column padding; O = 64: rows spread a cache line; O = 1000: ResNet's fc.
  for (const [O, I, rows] of [[10, 7, 5], [64, 32, 3], [1000, 512, 1], [3, 130, 9]] as const) {
    const init = { kind: 'kaiming_uniform' as const, fanIn: I }, name = `fc${O}x${I}`;
    const x: Tensor = { shape: [rows, I], data: Float32Array.from({ length: rows * I }, (_, i) => Math.sin(i) * 2) };
    const seeded = new SeededTensor([O, I], init, 3, name);
    const direct = linearGemm(x, seeded, null);
    assert.equal(seeded.drawn, false, 'packed straight from the generator');
    const viaArray = linearGemm(x, { shape: [O, I], data: initParameter([O, I], init, 3, name) }, null);
    assert.deepEqual(direct.shape, [rows, O]);
    for (let i = 0; i < rows * O; i++) if (direct.data[i] !== viaArray.data[i]) assert.fail(`${name}: output ${i} is ${direct.data[i]}, with the drawn array ${viaArray.data[i]}`);
  }
});

test('a model opened without weights never draws its conv weights as JavaScript arrays, also when the caller passes the seeded parameters', async () => {
  const graph = await analyze(source);
  const seeded = new Executor(graph, { seed: 4 });
  seeded.run(input).get('output');
  const conv = seeded.params.get('layer1.0.conv1.weight');
  assert.ok(conv instanceof SeededTensor);
  assert.equal(conv.drawn, false, 'packed straight from the generator');
  // The preview passes its own seeded parameters as the weights.
  const fresh = new Map([...seeded.params].map(([k, t]) => [k, t instanceof SeededTensor ? new SeededTensor(t.shape, t.init, 4, t.name) : t]));
  const passed = new Executor(graph, { weights: fresh });
  const out = passed.run(input).get('output') as Tensor;
  assert.equal((fresh.get('layer2.0.conv2.weight') as SeededTensor).drawn, false);
  assert.deepEqual([...out.data], [...(seeded.run(input).get('output') as Tensor).data]);
});

test('an edit\'s run reuses the last run\'s outputs where they are in the engine memory, copying none; where the plan moved them, their nodes run again', async () => {
  const rt = runtime();
  const before = await analyze(source);
  const after = await analyze(source.replace('nn.Linear(16, 10)', 'nn.Linear(16, 12)'));
  const ex = new Executor(before, { seed: 6 });
  const first = ex.run(input, { outputs: 'all' });
  const keys = nodeKeys(after);
  const idOf = new Map(after.nodes.map((n, i) => [keys[i] as string, n.id]));
  const views = new Map<number, Tensor>();
  const at = new Map<string, number>();
  for (const key of first.keys()) {
    const id = idOf.get(key);
    const v = first.view(key) as Tensor;
    if (id === undefined || key === 'fc' || key === 'output') continue;
    views.set(id, v);
    if (v.data.buffer === rt.k.memory.buffer) at.set(key, v.data.byteOffset);
  }
  assert.ok(at.size >= 10, `${at.size} outputs in the engine memory`);
  ex.update(after, { seed: 6 });
  const second = ex.run(input, { outputs: 'all', reuse: views });
  const reused = second.timings.filter((t) => t.type === 'reused').map((t) => t.key);
  for (const key of at.keys()) assert.ok(reused.includes(key), `${key} reused`);
  for (const [key, offset] of at) assert.equal(second.view(key)?.data.byteOffset, offset, `${key} read where it was`);
  const fresh = new Executor(after, { seed: 6 }).run(input, { outputs: 'all' });
  for (const key of [...at.keys(), 'fc', 'output']) assert.deepEqual([...(second.get(key) as Tensor).data], [...(fresh.get(key) as Tensor).data], key);
  // With only the output kept, the plan shares bytes between values: the views are not where this plan puts
  // those nodes, so they run again, and the output is still exact.
  const again = new Executor(before, { seed: 6 });
  const all = again.run(input, { outputs: 'all' });
  const known = new Map([...views.keys()].map((id) => [id, all.view(keys[after.nodes.findIndex((n) => n.id === id)] as string) as Tensor]));
  again.update(after, { seed: 6 });
  const fused = again.run(input, { fuse: false, reuse: known });
  assert.ok(fused.timings.filter((t) => t.type === 'reused').length < known.size, 'some nodes ran again');
  assert.deepEqual([...(fused.get('output') as Tensor).data], [...(fresh.get('output') as Tensor).data]);
});
