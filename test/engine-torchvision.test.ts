// torchvision's own models (read from the machine's Python, never copied here) analysed by the real core as a user's
// script builds them, and run through the product path (`conv-lens run` and the preview's call: BatchNorm folded,
// activations fused and resident) on the weights PyTorch ran them with (test/goldens/engine/generate-torchvision.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalyzedDocument, initCore, Program } from '../src/core/index';
import { nodeHost } from '../src/cli/node-host';
import { Executor } from '../src/engine/executor';
import { readSafetensors } from '../src/engine/weights/safetensors';
import type { Tensor } from '../src/engine/tensor';
import { fill, maxError } from './support/engine-goldens';

const root = join(__dirname, '..', '..');
const dir = join(root, 'test', 'goldens', 'engine', 'torchvision');
const SITE = '/usr/lib/python3/dist-packages';
const ready = initCore(async (file) => readFileSync(join(root, 'out', 'wasm', file)));
const work = mkdtempSync(join(tmpdir(), 'conv-lens-tv-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

for (const file of readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()) {
  const golden = readSafetensors(readFileSync(join(dir, file)), file);
  const builder = golden.metadata['builder'] as string;
  test(`torchvision.models.${builder}() through the product path matches PyTorch`, async () => {
    await ready;
    const input = golden.tensors.get('input') as Tensor;
    const expected = golden.tensors.get('output') as Tensor;
    const script = `${work}/use_${builder}.py`;
    const source = `import torch\nfrom torchvision.models import ${builder}\nmodel = ${builder}()\nmodel.eval()\nout = model(torch.randn(${input.shape.join(', ')}))\n`;
    const program = new Program({ host: nodeHost, projectRoots: [work], sitePackages: [SITE] });
    const doc = new AnalyzedDocument('python', source);
    const analysis = await program.analyze(doc, script).finally(() => { doc.dispose(); program.dispose(); });
    assert.deepEqual(analysis.findings.filter((f) => f.severity === 'error').map((f) => f.message), []);
    const report = analysis.models.find((m) => m.name === 'model');
    assert.ok(report, `no model found (${analysis.models.map((m) => m.name).join(', ')})`);

    const weights = new Map<string, Tensor>();
    for (const [name, shape] of JSON.parse(golden.metadata['state_dict'] as string) as Array<[string, number[]]>) weights.set(name, fill(name, shape));
    const executor = new Executor(report.graph, { weights });
    assert.deepEqual(executor.report.missing, [], 'every parameter the model runs comes from its state_dict');
    try {
      const ours = executor.run(input).get('output');
      assert.ok(ours);
      assert.deepEqual(ours.shape, expected.shape);
      const { err, scale } = maxError(ours, expected);
      assert.ok(err <= 1e-4 * Math.max(1, scale), `max |ours - torch| = ${err.toExponential(2)}, max |torch| = ${scale.toPrecision(3)}`);
    } finally {
      executor.dispose();
    }
  });
}
