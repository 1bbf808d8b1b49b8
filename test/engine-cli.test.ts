// `conv-lens run` end to end: the shipped CLI bundle (out/cli.js), the real core analysing real model
// source, real files. The bundle is loaded with require() rather than imported: imported into this test
// bundle, main.ts would see itself as the main module and run.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readSafetensors, writeSafetensors } from '../src/engine/weights/safetensors';

type Cli = typeof import('../src/cli/main');

const root = join(__dirname, '..', '..');
const NETS = join(root, 'test', 'goldens', 'engine', 'nets');
const cli = require(join(root, 'out', 'cli.js')) as Cli;

const dir = mkdtempSync(join(tmpdir(), 'conv-lens-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const net = join(dir, 'tiny_resnet.py');
copyFileSync(join(NETS, 'tiny_resnet.py'), net);

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  r.code = await cli.main(['run', ...args], { stdout: (s) => { r.out += s; }, stderr: (s) => { r.err += s; } });
  return r;
}

function maxDiff(a: Float32Array, e: Float32Array): number {
  let err = 0;
  for (let i = 0; i < e.length; i++) err = Math.max(err, Math.abs((a[i] as number) - (e[i] as number)));
  return err;
}

test('run --weights .pt --input-tensor --out: the core graph of tiny_resnet.py matches torch layer by layer', async () => {
  const golden = join(NETS, 'tiny_resnet.safetensors');
  const out = join(dir, 'o.safetensors');
  const r = await run(net, '--weights', join(NETS, 'tiny_resnet.pt'), '--input-tensor', golden, '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const ours = readSafetensors(readFileSync(out)).tensors;
  const expected = readSafetensors(readFileSync(golden)).tensors;
  // The core's keys: qualified module names; each block owns its ReLU (torchvision style), so the golden's
  // shared-ReLU keys are compared only where both name the same tensor.
  const keys = ['conv1', 'bn1', 'maxpool', 'layer1.0.conv1', 'layer1.0.bn2', 'layer2.0.conv1', 'layer2.0.downsample.0', 'layer2.0.downsample.1', 'avgpool', 'fc', 'output'];
  for (const key of keys) {
    const a = ours.get(key), e = expected.get(`out/${key}`);
    assert.ok(a && e, `${key}: ours ${a ? 'present' : 'missing'}, golden ${e ? 'present' : 'missing'}`);
    assert.deepEqual(a.shape, e.shape, key);
    assert.ok(maxDiff(a.data, e.data) < 1e-4, `${key}: ${maxDiff(a.data, e.data)}`);
  }
  for (const key of ['layer1.0.relu', 'layer1.0.relu#1', 'layer2.0.relu#1', 'add', 'add#1', 'flatten']) assert.ok(ours.has(key), `output ${key}`);
  const wrote = /wrote (\d+) tensors to /.exec(r.out);
  assert.equal(Number(wrote?.[1]), ours.size);
});

test('run --time --json reports every step the compiled model runs (conv+bn+relu chains fused), with median ms and GFLOP/s', async () => {
  const r = await run(net, '--input', '1,3,32,32', '--time', '--repeat', '3', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as {
    model: string; input: number[]; output: number[]; layers: Array<{ name: string; type: string; ms: number; gflops: number | null }>;
    total_ms: number; init_ms: number; first_run_ms: number; pack_ms: number; plan_ms: number;
  };
  assert.equal(j.model, 'TinyResNet');
  assert.deepEqual([j.input, j.output], [[1, 3, 32, 32], [1, 10]]);
  // stem chain, maxpool; block 1: two chains, add, relu; block 2: three chains (downsample), add, relu; avgpool flatten fc.
  assert.equal(j.layers.length, 2 + 4 + 5 + 3);
  assert.deepEqual(j.layers.slice(0, 6).map((l) => `${l.name} ${l.type}`), [
    'conv1+bn1+relu Conv2d+BatchNorm2d+ReLU', 'maxpool MaxPool2d', 'layer1.0.conv1+layer1.0.bn1+layer1.0.relu Conv2d+BatchNorm2d+ReLU',
    'layer1.0.conv2+layer1.0.bn2 Conv2d+BatchNorm2d', 'add add', 'layer1.0.relu#1 ReLU',
  ]);
  assert.ok(j.layers.every((l) => l.ms >= 0) && j.total_ms > 0);
  assert.ok(j.init_ms >= 0 && j.first_run_ms > 0 && j.pack_ms > 0 && j.plan_ms > 0 && j.pack_ms + j.plan_ms < j.first_run_ms);
  assert.ok((j.layers[0]?.gflops ?? 0) > 0);
});

test('run --time prints a table; a model with no input shape in the file and no --input is a clear error', async () => {
  const r = await run(net, '--input', '1x3x32x32', '--time', '--repeat', '2');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /layer\s+type\s+ms\s+GFLOP\/s/);
  assert.match(r.out, /layer2\.0\.downsample\.0\+layer2\.0\.downsample\.1\s+Conv2d\+BatchNorm2d/);
  assert.match(r.out, /total [\d.]+ ms \(median of 2 runs\)/);
  assert.match(r.out, /first run [\d.]+ ms \(of which packing weights [\d.]+ ms, seeded weights drawn into their packing, and planning [\d.]+ ms\), after loading the parameters in [\d.]+ ms/);
  const r2 = await run(net);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /pass a concrete one with --input/);
});

test('run takes the input shape from the example call in the file (examples/convnet.py)', async () => {
  const r = await run(join(root, 'examples', 'convnet.py'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { input: number[]; output: number[] };
  assert.equal(j.input.length, 4);
  assert.ok(j.output.length >= 2);
});

test('run refuses a model the core finds an error in, with the finding', async () => {
  const bad = join(dir, 'bad.py');
  writeFileSync(bad, readFileSync(join(root, 'test', 'corpus', 'torch', 'seed001_medical_model_buggy.py')));
  const r = await run(bad, '--input', '1,1,64,64');
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.py:\d+:\d+: error channel-mismatch/);
});

test('run --image decodes a PNG to [1, 3, H, W] and resizes it to the model input', async () => {
  const png = new PNG({ width: 40, height: 30 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
  const img = join(dir, 'cat.png');
  writeFileSync(img, PNG.sync.write(png));
  const r = await run(net, '--input', '1,3,32,32', '--image', img, '--json');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((JSON.parse(r.out) as { input: number[] }).input, [1, 3, 32, 32]);
});

test('run rejects unknown flags, a bad shape and a file that is not an image', async () => {
  const notImage = join(dir, 'x.png');
  writeFileSync(notImage, new Uint8Array([1, 2, 3]));
  let r = await run(net, '--frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option --frobnicate/);
  r = await run(net, '--input', '1,0,3');
  assert.equal(r.code, 2);
  r = await run(net, '--input', '1,3,32,32', '--image', notImage);
  assert.equal(r.code, 1);
  assert.match(r.err, /not a PNG or JPEG/);
});

test('run on a TF.js file: batch 1 for the open batch of inputShape, channels-last layer outputs under the layer names', async () => {
  const r = await run(join(root, 'examples', 'tfjs_mnist.ts'), '--time', '--repeat', '1', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { input: number[]; output: number[]; layers: Array<{ name: string; type: string }> };
  assert.deepEqual(j.input, [1, 28, 28, 1]);
  assert.deepEqual(j.output, [1, 10]);
  assert.deepEqual(j.layers.map((l) => l.type), ['conv2d', 'maxPooling2d', 'conv2d', 'maxPooling2d', 'conv2d', 'flatten', 'dense', 'dense']);
});

test('run --image on a TF.js model gives it the picture channels last: the same outputs as the [1, H, W, 3] tensor of its pixels', async () => {
  const [H, W] = [27, 27];
  const png = new PNG({ width: W, height: H });
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 53) % 256;
  const img = join(dir, 'rgb27.png');
  writeFileSync(img, PNG.sync.write(png));
  // Pixel (y, x), channel c at [0, y, x, c]: written here from the PNG bytes, not by the CLI's code.
  const nhwc = new Float32Array(H * W * 3);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < 3; c++) nhwc[p * 3 + c] = (png.data[p * 4 + c] as number) / 255;
  const tensorFile = join(dir, 'rgb27.safetensors');
  writeFileSync(tensorFile, writeSafetensors({ input: { shape: [1, H, W, 3], data: nhwc } }));
  const model = join(root, 'test', 'corpus', 'tfjs', 'padding_strides.ts');
  const [a, b] = [join(dir, 'image.safetensors'), join(dir, 'tensor.safetensors')];
  const fromImage = await run(model, '--image', img, '--out', a);
  const fromTensor = await run(model, '--input-tensor', tensorFile, '--out', b);
  assert.equal(fromImage.code, 0, fromImage.err);
  assert.equal(fromTensor.code, 0, fromTensor.err);
  const x = readSafetensors(readFileSync(a)).tensors, y = readSafetensors(readFileSync(b)).tensors;
  assert.deepEqual(x.get('0')?.shape, [1, 14, 14, 16]);
  for (const key of ['0', '3', 'output']) {
    const p = x.get(key), q = y.get(key);
    assert.ok(p && q, key);
    assert.deepEqual([...p.data], [...q.data], key);
  }
});

test('run picks the model the file builds among several module classes, as check does', async () => {
  const file = join(root, 'test', 'fixtures', 'several_classes_one_model.py');
  const r = await run(file, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { model: string; input: number[]; output: number[]; layers: Array<{ name: string }> };
  assert.equal(j.model, 'Net');
  assert.deepEqual(j.input, [1, 3, 16, 16], 'the input of the call in the file');
  assert.ok(j.layers.some((l) => l.name.startsWith('head.')) && j.layers.some((l) => l.name.startsWith('stem.')), j.layers.map((l) => l.name).join(' '));
  const named = JSON.parse((await run(file, '--model', 'Net', '--json')).out) as typeof j;
  const what = (x: typeof j): unknown => [x.model, x.input, x.output, x.layers.map((l) => l.name)];
  assert.deepEqual(what(named), what(j), 'the same run as naming Net');
});

test('run names the layer argument or the code the analysis could not follow, and how to give it', async () => {
  const file = join(dir, 'head.py');
  writeFileSync(file, `import torch.nn as nn


class Head(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(features, 10)

    def forward(self, x):
        x = self.pool(self.conv(x)).flatten(1)
        return self.fc(x)
`);
  const r = await run(file, '--input', '1,3,16,16');
  assert.equal(r.code, 1, r.out);
  assert.equal(r.err, "conv-lens run: Conv Lens does not know the in_features of fc (Linear), applied at line 13: its value comes from something it cannot evaluate, "
    + "such as a constructor argument or a value computed at run time. Nothing in the file builds Head, whose constructor needs arguments: pass the expression that builds it with --construct 'Head=EXPR' (a builder function's call, say)\n");
  const built = await run(file, '--input', '1,3,16,16', '--construct', 'Head=Head(8)');
  assert.equal(built.code, 0, built.err);
  assert.match(built.out, /^Head: input \[1, 3, 16, 16\] -> output \[/);
  // A forward pass through code the analysis cannot follow: said as such, not as a tensor no node produced.
  const unfollowed = join(dir, 'unfollowed.py');
  writeFileSync(unfollowed, `import torch
import torch.nn as nn
from somewhere_else import helper


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(helper(self.conv(x)))
`);
  const lost = await run(unfollowed, '--input', '1,3,16,16');
  assert.equal(lost.code, 1, lost.out);
  assert.match(lost.err, /^conv-lens run: Conv Lens cannot run Net: forward uses code Conv Lens cannot follow \(an import or a value computed at run time\)\n$/);
});
