// Inputs from data code: each training script of test/corpus/data/ goes through the built CLI, and the shape each
// model is fed (and its output, or the error) must be what real PyTorch produced. test/goldens/generate-data.py ran
// the scripts with stand-ins for torchvision's datasets (items of the real mode and size, never downloaded), the real
// transforms and the real DataLoader. Each script is checked alone and with torchvision's sources read from the
// machine's Python (--python-path), where torchvision.datasets and torchvision.transforms must stay modelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from './support/analyze';
import { layerTableMarkdown, modelSummary } from '../src/core/presentation';

interface Golden {
  calls: Array<{ model: string; input: number[] | null; output: number[] | null }>;
  error: { message: string; line: number | null } | null;
}

interface CliModel { name: string; input: unknown; inputSource: string; inputFrom?: string; output: unknown }
interface CliFile { models: CliModel[]; diagnostics: Array<{ severity: string; line: number; pytorchError?: string }> }

const root = join(__dirname, '..', '..');
const corpus = join(root, 'test', 'corpus', 'data');
const goldens = join(root, 'test', 'goldens', 'data');
const SITE = '/usr/lib/python3/dist-packages';

function check(file: string, site: boolean): CliFile {
  const args = [join(root, 'out', 'cli.js'), 'check', '--json', ...(site ? ['--python-path', SITE] : []), file];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  const f = (JSON.parse(run.stdout) as { files: CliFile[] }).files[0];
  assert.ok(f, run.stderr);
  return f;
}

for (const name of readdirSync(goldens).filter((f) => f.endsWith('.json')).sort()) {
  const stem = name.slice(0, -5);
  const golden = JSON.parse(readFileSync(join(goldens, name), 'utf8')) as Golden;
  for (const site of [false, true]) {
    if (site && !existsSync(join(SITE, 'torchvision', 'datasets'))) continue;
    test(`data/${stem}: each model gets the batch PyTorch's DataLoader gave it${site ? ' (torchvision read from site-packages)' : ''}`, () => {
      const f = check(join(corpus, `${stem}.py`), site);
      assert.ok(golden.calls.length > 0);
      golden.calls.forEach((call, i) => {
        const m = f.models.find((x) => x.name === call.model);
        assert.ok(m, `model ${call.model} is reported`);
        assert.deepEqual(m.input, call.input, `${call.model}'s input`);
        // The first model is fed by the data; a later one may be fed by the first one's output.
        if (i === 0) {
          assert.equal(m.inputSource, 'data');
          assert.match(m.inputFrom ?? '', /^\w+ \(/);
        }
        if (!golden.error) assert.deepEqual(m.output, call.output, `${call.model}'s output`);
      });
      const errors = f.diagnostics.filter((d) => d.severity === 'error');
      if (golden.error) {
        const at = errors.find((d) => d.line === golden.error?.line);
        assert.ok(at, `an error on line ${golden.error.line}: ${golden.error.message}`);
        if (at.pytorchError !== undefined) assert.equal(at.pytorchError, golden.error.message);
      } else assert.deepEqual(errors, []);
    });
  }
}

test('the description names the loader, the dataset, the shape-changing transforms and the batch size', () => {
  const f = check(join(corpus, 'cifar_linear_for_mnist.py'), false);
  const m = f.models.find((x) => x.name === 'SmallNet');
  assert.equal(m?.inputFrom, 'train_loader (CIFAR10, RandomCrop(32, padding=4), batch_size=128)');
  const plain = spawnSync(process.execPath, [join(root, 'out', 'cli.js'), 'check', join(corpus, 'cifar_linear_for_mnist.py')], { encoding: 'utf8' });
  assert.match(plain.stdout, /SmallNet {2}input \[[^\]]*\] \(from train_loader \(CIFAR10, RandomCrop\(32, padding=4\), batch_size=128\)\)/);
});

test('an ImageFolder without Resize fixes the batch and the channels; height and width stay symbolic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conv-lens-data-'));
  const script = join(dir, 'folder.py');
  writeFileSync(script, [
    'import torch.nn as nn',
    'from torch.utils.data import DataLoader',
    'from torchvision import datasets, transforms',
    'net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())',
    'ds = datasets.ImageFolder("photos", transform=transforms.ToTensor())',
    'for x, _ in DataLoader(ds, batch_size=8):',
    '    net(x)',
    '',
  ].join('\n'));
  const m = check(script, false).models.find((x) => x.name === 'net');
  assert.equal(m?.inputSource, 'data');
  const input = m?.input as Array<number | string>;
  assert.deepEqual(input.slice(0, 2), [8, 3]);
  assert.ok(input.slice(2).every((d) => typeof d === 'string'), `symbolic H, W: ${JSON.stringify(input)}`);
});

test('a transform Conv Lens does not know makes the input unknown rather than wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conv-lens-data-'));
  const script = join(dir, 'lambda.py');
  writeFileSync(script, [
    'import torch.nn as nn',
    'from torch.utils.data import DataLoader',
    'from torchvision import datasets, transforms',
    'net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())',
    'ds = datasets.CIFAR10("d", transform=transforms.Compose([transforms.Lambda(lambda im: im), transforms.ToTensor()]))',
    'images, labels = next(iter(DataLoader(ds, batch_size=4)))',
    'net(images)',
    '',
  ].join('\n'));
  const m = check(script, false).models.find((x) => x.name === 'net');
  assert.notEqual(m?.inputSource, 'data');
});

test('the code lens and the layer table say which loader the input came from', async () => {
  const a = await analyze(readFileSync(join(corpus, 'mnist_enumerate.py'), 'utf8'));
  const m = a.models.find((x) => x.name === 'Net');
  assert.ok(m);
  assert.match(modelSummary(m, true), /^input \[[^\]]*\] from loader \(MNIST, batch_size=64\) -> output /);
  assert.match(layerTableMarkdown(m, 'mnist_enumerate.py'), /Input: `[^`]*` \(from loader \(MNIST, batch_size=64\)\)/);
});
