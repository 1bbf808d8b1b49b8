// Every correct PyTorch model of the proof corpus (and the engine's own extra models, extra.*), analysed by the
// real core and run by the engine, against the same model run in PyTorch 1.13
// (test/goldens/engine/generate-corpus.py): the output and every leaf output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initCore, AnalyzedDocument } from '../src/core/index';
import { runGraph } from '../src/engine/run-graph';
import { readSafetensors } from '../src/engine/weights/safetensors';
import { fill, maxError } from './support/engine-goldens';
import type { Tensor } from '../src/engine/tensor';

const root = join(__dirname, '..', '..');
const dir = join(root, 'test', 'goldens', 'engine', 'corpus');
const ready = initCore(async (file) => readFileSync(join(root, 'out', 'wasm', file)));

const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
let worst = { rel: 0, where: '' };

test('the corpus goldens are there: one per correct PyTorch entry of the manifest, or a reason in skipped.json', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'test', 'corpus', 'manifest.json'), 'utf8')) as Array<{ file: string; bugLine?: number }>;
  const skipped = JSON.parse(readFileSync(join(dir, 'skipped.json'), 'utf8')) as Array<{ file: string; model: string; reason: string }>;
  assert.ok(skipped.every((s) => s.reason.length > 0));
  const corpusFiles = files.filter((f) => !f.startsWith('extra.'));
  assert.equal(corpusFiles.length + skipped.length, manifest.filter((e) => e.file.startsWith('torch/') && e.bugLine === undefined).length, 'regenerate: npm run goldens:engine-corpus');
});

test('chunk, split and unbind pieces recorded by the core run as the slices they are', async () => {
  await ready;
  const source = `import torch
import torch.nn as nn


class Pieces(nn.Module):
    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        c, d, e = x.split([1, 2, 1], dim=1)
        r0, r1, r2 = x.unbind(2)
        y = torch.cat([b, a, e, d, c], dim=1)
        z = torch.stack([r2, r1, r0], dim=2)
        return torch.cat([y, z], dim=1)


model = Pieces()
out = model(torch.randn(2, 4, 3, 5))
`;
  const doc = new AnalyzedDocument('python', source);
  const analysis = (() => {
    try {
      return doc.analyze({});
    } finally {
      doc.dispose();
    }
  })();
  const report = analysis.models[0];
  assert.ok(report, JSON.stringify(analysis.findings));
  const [N, C, H, W] = [2, 4, 3, 5];
  const x: Tensor = { shape: [N, C, H, W], data: Float32Array.from({ length: N * C * H * W }, (_, i) => i) };
  const y = runGraph(report.graph, x).outputs.get('output');
  assert.ok(y);
  assert.deepEqual(y.shape, [N, 12, H, W]);
  // Output channel k is input channel src[k] (rows flipped for the unbind/stack part).
  const src = [2, 3, 0, 1, 3, 1, 2, 0, 0, 1, 2, 3];
  const expected = new Float32Array(N * 12 * H * W);
  for (let n = 0; n < N; n++) for (let k = 0; k < 12; k++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    const hh = k >= 8 ? H - 1 - h : h;
    expected[((n * 12 + k) * H + h) * W + w] = ((n * C + (src[k] as number)) * H + hh) * W + w;
  }
  assert.deepEqual([...y.data], [...expected]);
});

for (const file of files) {
  const golden = readSafetensors(readFileSync(join(dir, file)), file);
  const meta = golden.metadata;
  const model = meta['model'] as string;
  test(`${file.replace('.safetensors', '')} ${meta['construct'] ?? model}: output and every leaf output match PyTorch`, async () => {
    await ready;
    const source = readFileSync(join(root, meta['file'] as string), 'utf8');
    const input = golden.tensors.get('input') as Tensor;
    const construct = meta['construct'];
    const doc = new AnalyzedDocument('python', source);
    const analysis = (() => {
      try {
        return doc.analyze({ inputs: { [model]: [...input.shape] }, ...(construct !== undefined && construct !== `${model}()` ? { construct: { [model]: construct } } : {}) });
      } finally {
        doc.dispose();
      }
    })();
    const errors = analysis.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => f.message), [], 'the core finds no error in a model PyTorch runs');
    const modelLine = meta['modelLine'] === undefined ? undefined : Number(meta['modelLine']);
    const report = analysis.models.find((m) => m.name === model && (modelLine === undefined || m.range.start.line + 1 === modelLine));
    assert.ok(report, `the core reports no model ${model} (found ${analysis.models.map((m) => m.name).join(', ')})`);

    const weights = new Map<string, Tensor>();
    for (const [name, shape] of JSON.parse(meta['state_dict'] as string) as Array<[string, number[]]>) weights.set(name, fill(name, shape));
    // Not strict: torch's state_dict also holds modules that forward never calls (HelperNet.aux).
    const { outputs, weights: matched } = runGraph(report.graph, input, { weights });
    const ran = new Set(report.graph.nodes.flatMap((n) => (n.module === undefined ? [] : [n.module.name])));
    assert.deepEqual(matched.unexpected.filter((k) => ran.has(k.slice(0, k.lastIndexOf('.')))), [], 'every weight of a module that ran is used');

    const failures: string[] = [];
    let checked = 0;
    for (const [key, expected] of golden.tensors) {
      if (key === 'input') continue;
      const name = key === 'output' ? 'output' : key.slice('out/'.length);
      const full = outputs.get(name);
      // A sampled golden (metadata "sample": a stride) holds every stride-th value of the flattened tensor.
      const stride = meta['sample'] === undefined ? 0 : Number(meta['sample']);
      const ours = full === undefined || stride === 0 ? full : { shape: [Math.ceil(full.data.length / stride)], data: full.data.filter((_, i) => i % stride === 0) };
      if (ours === undefined) {
        failures.push(`${name}: the engine has no output of that name`);
        continue;
      }
      if (ours.shape.join(',') !== expected.shape.join(',')) {
        failures.push(`${name}: shape [${ours.shape.join(', ')}], torch [${expected.shape.join(', ')}]`);
        continue;
      }
      const { err, scale } = maxError(ours, expected);
      const rel = err / Math.max(1, scale);
      if (rel > worst.rel) worst = { rel, where: `${file} ${name}` };
      if (!(err <= 1e-4 * Math.max(1, scale))) failures.push(`${name}: max |ours - torch| = ${err.toExponential(2)}, max |torch| = ${scale.toPrecision(3)}`);
      checked++;
    }
    assert.deepEqual(failures, []);
    assert.ok(checked >= 2, 'at least the output and one leaf');
  });
}

test('worst relative error over the corpus', () => {
  assert.ok(worst.rel <= 1e-4, `${worst.where}: ${worst.rel}`);
  process.stdout.write(`# worst relative error over ${files.length} corpus models: ${worst.rel.toExponential(2)} (${worst.where})\n`);
});
