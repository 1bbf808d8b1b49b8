// `conv-lens run` through runCommand with an in-memory file system and a stub analyzer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';
import { runCommand, type RunIO } from '../src/cli/run';
import { readSafetensors } from '../src/engine/weights/safetensors';
import { tinyResNetGraph } from './engine-graphs';

const NETS = resolve(__dirname, '../../test/goldens/engine/nets');

function memIO(files: Record<string, Uint8Array>): RunIO & { out: string; err: string; written: Map<string, Uint8Array> } {
  const io = {
    out: '', err: '', written: new Map<string, Uint8Array>(),
    stdout(s: string) { io.out += s; },
    stderr(s: string) { io.err += s; },
    readFile(p: string): Uint8Array { const f = files[p] ?? io.written.get(p); if (f === undefined) throw new Error(`ENOENT: ${p}`); return f; },
    writeFile(p: string, b: Uint8Array) { io.written.set(p, b); },
  };
  return io;
}

const analyze = (_path: string, _text: string, inputs: Record<string, number[]>) => ({
  models: [{ name: 'TinyResNet', graph: tinyResNetGraph(), input: [inputs['TinyResNet'] ?? inputs['*'] ?? [1, 3, 'H', 'W']] }],
});
const src = new TextEncoder().encode('class TinyResNet(nn.Module): ...');

test('run --weights .pt --input-tensor --out writes every layer output and matches torch', async () => {
  const golden = readFileSync(resolve(NETS, 'tiny_resnet.safetensors'));
  const io = memIO({ 'net.py': src, 'w.pt': readFileSync(resolve(NETS, 'tiny_resnet.pt')), 'x.safetensors': golden });
  const code = await runCommand(['run', 'net.py', '--weights', 'w.pt', '--input-tensor', 'x.safetensors', '--out', 'o.safetensors'], io, analyze);
  assert.equal(code, 0, io.err);
  const out = readSafetensors(io.written.get('o.safetensors') as Uint8Array).tensors;
  const expected = readSafetensors(golden).tensors;
  for (const key of ['conv1', 'layer2.0.downsample.0', 'relu#4', 'add#1', 'fc', 'output']) {
    const a = out.get(key), e = expected.get(`out/${key}`);
    assert.ok(a && e, key);
    let err = 0;
    for (let i = 0; i < e.data.length; i++) err = Math.max(err, Math.abs((a.data[i] as number) - (e.data[i] as number)));
    assert.ok(err < 1e-4, `${key}: ${err}`);
  }
  assert.match(io.out, /wrote 24 tensors to o\.safetensors/);
});

test('run --time --json reports per-layer median ms and GFLOP/s', async () => {
  const io = memIO({ 'net.py': src });
  const code = await runCommand(['net.py', '--input', '1,3,32,32', '--time', '--repeat', '3', '--json'], io, analyze);
  assert.equal(code, 0, io.err);
  const r = JSON.parse(io.out) as { layers: Array<{ name: string; type: string; ms: number; gflops: number | null }>; total_ms: number };
  assert.equal(r.layers.length, 23);
  assert.deepEqual(r.layers[0] && [r.layers[0].name, r.layers[0].type], ['conv1', 'Conv2d']);
  assert.ok(r.layers.every((l) => l.ms >= 0) && r.total_ms > 0);
  assert.ok((r.layers[0]?.gflops ?? 0) > 0);
});

test('run --time prints a table; a symbolic input without --input is a clear error', async () => {
  const io = memIO({ 'net.py': src });
  assert.equal(await runCommand(['net.py', '--input', '1x3x32x32', '--time', '--repeat', '2'], io, analyze), 0);
  assert.match(io.out, /layer\s+type\s+ms\s+GFLOP\/s/);
  assert.match(io.out, /total [\d.]+ ms \(median of 2 runs\)/);
  const io2 = memIO({ 'net.py': src });
  assert.equal(await runCommand(['net.py'], io2, analyze), 1);
  assert.match(io2.err, /pass a concrete one with --input/);
});

test('run --image decodes a PNG to [1, 3, H, W] and resizes it to the model input', async () => {
  const png = new PNG({ width: 40, height: 30 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
  const io = memIO({ 'net.py': src, 'cat.png': PNG.sync.write(png) });
  const code = await runCommand(['net.py', '--input', '1,3,32,32', '--image', 'cat.png', '--json'], io, analyze);
  assert.equal(code, 0, io.err);
  assert.deepEqual((JSON.parse(io.out) as { input: number[] }).input, [1, 3, 32, 32]);
});

test('run rejects unknown flags, a bad shape and a file that is not an image', async () => {
  const io = memIO({ 'net.py': src, 'x.png': new Uint8Array([1, 2, 3]) });
  assert.equal(await runCommand(['net.py', '--frobnicate'], io, analyze), 2);
  assert.match(io.err, /unknown option --frobnicate/);
  assert.equal(await runCommand(['net.py', '--input', '1,0,3'], io, analyze), 2);
  assert.equal(await runCommand(['net.py', '--input', '1,3,32,32', '--image', 'x.png'], io, analyze), 1);
  assert.match(io.err, /not a PNG or JPEG/);
});
