// Every message true, and no noise on correct code (issue 10's core findings, issue 15's several models): floor
// rounding by design says nothing, a statement that does not parse gets no argument findings, "never used" only when
// no code can reach the layer, a thrown-away reshape is flagged on its own line, the same model choice everywhere,
// and an unknown output says why. Fixtures are the corpus files (shapes proven by PyTorch in corpus.test.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from './support/analyze';
import { findHoverTarget, hoverMarkdown, modelAt, modelSummary } from '../src/core/presentation';
import type { Analysis } from '../src/core/index';

type Cli = typeof import('../src/cli/main');

const root = join(__dirname, '..', '..');
const cli = require(join(root, 'out', 'cli.js')) as Cli;
const dir = mkdtempSync(join(tmpdir(), 'conv-lens-trust-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function corpus(name: string): string {
  return readFileSync(join(root, 'test', 'corpus', 'torch', name), 'utf8');
}

function codes(a: Analysis): string[] {
  return a.findings.map((f) => `${f.range.start.line + 1}: ${f.severity} ${f.code}: ${f.message}`);
}

const RESNET = corpus('resnet_downsample_shortcut.py');

// ---------------------------------------------------------------- floor rounding

test('a torchvision-style ResNet-18 and ResNet-50 built as written open with no finding at 224, 225 and 97', async () => {
  for (const size of [224, 225, 97]) {
    const r18 = await analyze(RESNET, 'python', { inputs: { '*': [1, 3, size, size] } });
    assert.deepEqual(codes(r18), [], `resnet18 at ${size}`);
    const r50 = await analyze(RESNET, 'python', { inputs: { '*': [1, 3, size, size] }, construct: { ResNet: 'resnet50()' } });
    assert.deepEqual(codes(r50), [], `resnet50 at ${size}`);
    assert.ok((r50.models.find((m) => m.name === 'ResNet')?.layers.length ?? 0) > 150, 'resnet50 ran every layer');
  }
});

const TRANSITION = `import torch
import torch.nn as nn


class Transition(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 4, 1)
        self.pool = nn.AvgPool2d(2, stride=2)

    def forward(self, x):
        return self.pool(self.conv(x))


model = Transition()
y = model(torch.randn(1, 8, 57, 57))
`;

test('a 2x2 stride-2 pool on an odd map (a DenseNet transition) is an information-level hint, not a warning', async () => {
  const a = await analyze(TRANSITION);
  assert.deepEqual(a.findings.map((f) => [f.code, f.severity, f.range.start.line + 1]), [['floor-rounding', 'info', 9]]);
  assert.match(a.findings[0]?.message ?? '', /H 57 -> 28 under stride 2 drops the last row/);
});

test('code read from installed packages (the library option) gets no warnings or hints, only errors', async () => {
  const a = await analyze(TRANSITION, 'python', { library: true });
  assert.deepEqual(codes(a), []);
  const broken = await analyze(TRANSITION.replace('nn.Conv2d(8, 4, 1)', 'nn.Conv2d(3, 4, 1)'), 'python', { library: true });
  assert.deepEqual(broken.findings.map((f) => [f.code, f.severity]), [['channel-mismatch', 'error']]);
});

async function check(...args: string[]): Promise<{ code: number; json: { files: Array<{ diagnostics: Array<{ code: string; severity: string; line: number }> }> } }> {
  let out = '';
  const code = await cli.main(['check', '--json', ...args], { stdout: (s) => { out += s; }, stderr: () => undefined });
  return { code, json: JSON.parse(out) as { files: Array<{ diagnostics: Array<{ code: string; severity: string; line: number }> }> } };
}

test('a file opened from an installed package (site-packages) gets no hints or warnings; the same file elsewhere does', async () => {
  const installed = join(dir, 'venv', 'lib', 'python3.11', 'site-packages', 'nets');
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(installed, 'transition.py'), TRANSITION);
  writeFileSync(join(dir, 'transition.py'), TRANSITION);
  const library = await check(join(installed, 'transition.py'));
  assert.deepEqual(library.json.files[0]?.diagnostics, []);
  const own = await check(join(dir, 'transition.py'));
  assert.deepEqual(own.json.files[0]?.diagnostics.map((d) => [d.code, d.severity]), [['floor-rounding', 'info']]);
});

test("an imported module's hints and warnings are not reported on the file that imports it", async () => {
  const project = join(dir, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'blocks.py'), TRANSITION.replace(/\nmodel = Transition\(\)\ny = .*\n$/, '\n'));
  writeFileSync(join(project, 'train.py'), 'import torch\nfrom blocks import Transition\n\nmodel = Transition()\ny = model(torch.randn(1, 8, 57, 57))\n');
  const r = await check(join(project, 'train.py'));
  assert.deepEqual(r.json.files[0]?.diagnostics, []);
  // The imported layers did run, dropping a row on the odd map.
  assert.deepEqual((r.json.files[0] as unknown as { models: Array<{ output: unknown }> }).models.map((m) => m.output), [[1, 4, 28, 28]]);
});

// ---------------------------------------------------------------- syntax errors

const MISSING_COMMA = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 167, 3, padding=1)
        self.conv2 = nn.Conv2d(167 32, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        return self.fc(self.pool(x).flatten(1))


model = Net()
y = model(torch.randn(1, 3, 32, 32))
`;

test('a missing comma in a layer call says nothing about its arguments and never quotes PyTorch', async () => {
  const a = await analyze(MISSING_COMMA);
  assert.deepEqual(codes(a), []);
  assert.ok(a.notes.some((n) => n.startsWith('line 9 has a syntax error')), a.notes.join(' | '));
  const conv2 = a.models[0]?.layers.find((l) => l.name === 'conv2');
  assert.deepEqual(conv2?.output, [1, '?', '?', '?'], 'the layer is still listed, its output unknown');
});

test('a forward that does not parse gets no unused-layer warnings for the layers after the error', async () => {
  const a = await analyze(MISSING_COMMA.replace('167 32', '167, 32').replace('x = self.conv2(x)', 'x = self.conv2(x'));
  assert.deepEqual(a.findings.filter((f) => f.code === 'unused-layer'), []);
});

// ---------------------------------------------------------------- unused layers

test('layers reached on a skipped branch, by getattr, _modules, a stored method, children() or a list are never "unused"', async () => {
  const a = await analyze(corpus('layers_reached_indirectly.py'));
  assert.deepEqual(codes(a), []);
  assert.equal(a.models.length, 7);
});

test('a layer no code names is still reported in a model that also skips a branch', async () => {
  const text = corpus('layers_reached_indirectly.py').replace(
    '        self.head = nn.Linear(16, 10)\n',
    '        self.head = nn.Linear(16, 10)\n        self.spare = nn.Linear(16, 10)\n',
  );
  const a = await analyze(text);
  assert.deepEqual(a.findings.map((f) => [f.code, f.range.start.line + 1]), [['unused-layer', 15]]);
});

// ---------------------------------------------------------------- discarded results

const LENET = `import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


model = LeNet()
out = model(torch.randn(1, 1, 32, 32))
`;

test('x.view(...) whose result is thrown away is flagged on its own line, with the fix that assigns it', async () => {
  const a = await analyze(LENET);
  const discarded = a.findings.filter((f) => f.code === 'discarded-result');
  assert.equal(discarded.length, 1);
  assert.equal(discarded[0]?.range.start.line, 16);
  assert.equal(discarded[0]?.severity, 'warning');
  assert.match(discarded[0]?.message ?? '', /x\.view\(-1, 16 \* 5 \* 5\) returns a new tensor and leaves x unchanged/);
  assert.deepEqual(discarded[0]?.fixes.map((f) => f.edits.map((e) => [e.range.startOffset, e.range.endOffset, e.newText])), [[[LENET.indexOf('x.view(-1'), LENET.indexOf('x.view(-1'), 'x = ']]]);
});

test('the Linear error caused by the thrown-away view offers no in_features fix and points at the view', async () => {
  const a = await analyze(LENET);
  const linear = a.findings.find((f) => f.code === 'linear-in-features');
  assert.ok(linear, codes(a).join('\n'));
  assert.deepEqual(linear.fixes, []);
  assert.doesNotMatch(linear.message, /set in_features/);
  assert.ok(linear.related.some((r) => r.range.start.line === 16), JSON.stringify(linear.related));
  assert.equal(linear.pytorchError, 'mat1 and mat2 shapes cannot be multiplied (80x5 and 400x120)');
});

test('assigned reshapes, in-place calls and functional calls with inplace=True are not flagged', async () => {
  for (const line of ['x = x.view(-1, 16 * 5 * 5)', 'x.relu_()', 'F.relu(x, inplace=True)']) {
    const a = await analyze(LENET.replace('x.view(-1, 16 * 5 * 5)\n        x = F.relu', `${line}\n        x = x.flatten(1)\n        x = F.relu`));
    assert.deepEqual(a.findings.filter((f) => f.code === 'discarded-result'), [], line);
  }
  const flat = await analyze(LENET.replace('x.view(-1, 16 * 5 * 5)', 'torch.flatten(x, 1)'));
  assert.deepEqual(flat.findings.map((f) => f.code).sort(), ['discarded-result', 'linear-in-features']);
});

// ---------------------------------------------------------------- model choice

test('the model the file builds is the model: a block class nothing builds is marked and has no "0 params"', async () => {
  const a = await analyze(RESNET);
  assert.deepEqual(a.models.map((m) => [m.name, m.instantiated]), [['Bottleneck', false], ['ResNet', true]]);
  const block = a.models.find((m) => m.name === 'Bottleneck');
  assert.ok(block);
  assert.equal(block.totalParams, null, 'unknown layer counts never sum to 0');
  const lens = modelSummary(block, true);
  assert.match(lens, /^block \(not built in this file\): input \[N, C, H, W\] -> output /);
  assert.doesNotMatch(lens, /0 params/);
  // The cursor inside the block still shows the model the file builds.
  const inBlock = RESNET.indexOf('class Bottleneck') + 20;
  assert.equal(modelAt(a, inBlock)?.name, 'ResNet');
});

test('a file of blocks that builds nothing lists each class as before, chosen by the cursor', async () => {
  const text = RESNET.replace('model = resnet18()\n', '');
  const a = await analyze(text);
  assert.ok(a.models.length >= 2 && a.models.every((m) => !m.instantiated));
  assert.equal(modelAt(a, text.indexOf('class Bottleneck') + 20)?.name, 'Bottleneck');
  assert.doesNotMatch(modelSummary(a.models[0] ?? assert.fail()), /^block|0 params/);
});

test('conv-lens run on a file of several module classes runs the one it builds (model = resnet18() at the bottom)', async () => {
  const file = join(dir, 'resnet_file.py');
  writeFileSync(file, RESNET);
  const r = { code: 0, out: '', err: '' };
  r.code = await cli.main(['run', file, '--input', '1,3,32,32'], { stdout: (s) => { r.out += s; }, stderr: (s) => { r.err += s; } });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ResNet: input \[1, 3, 32, 32\] -> output \[1, 1000\]/);
});

test('several models built in one file are each analysed with their own input, at their own call', async () => {
  const text = corpus('models_with_own_inputs.py');
  const a = await analyze(text);
  const byName = new Map(a.models.map((m) => [m.name, m]));
  assert.deepEqual([...byName.keys()].sort(), ['Big', 'Small', 'head_test']);
  assert.deepEqual(byName.get('Big')?.input, [[4, 3, 96, 96]]);
  assert.deepEqual(byName.get('head_test')?.input, [[1, 3, 64, 64]]);
  assert.deepEqual(byName.get('Small')?.input, [[2, 1, 28, 28]]);
  // The second instance's code lens sits on the line that builds it, and the cursor there chooses it.
  const at = text.indexOf('head_test = Big()');
  assert.equal(byName.get('head_test')?.range.startOffset, text.indexOf('Big()', at));
  assert.equal(modelAt(a, at + 14)?.name, 'head_test');
});

test('a variable reused for two instances names the second by its class', async () => {
  const text = corpus('models_with_own_inputs.py').replace('    net = Small()\n    print(net(torch.randn(2, 1, 28, 28)).shape)', '    model = Big(classes=3)\n    model(torch.randn(1, 3, 40, 40))');
  const a = await analyze(text);
  const second = a.models.find((m) => m.name === 'Big_2');
  assert.deepEqual(second?.input, [[1, 3, 40, 40]], a.models.map((m) => m.name).join(', '));
});

test('a second instance that runs exactly like the first is not listed twice', async () => {
  const text = corpus('models_with_own_inputs.py').replace('head_test = Big()\nhead_test(torch.randn(1, 3, 64, 64))', 'head_test = Big(classes=7)\nhead_test(torch.randn(4, 3, 96, 96))');
  const a = await analyze(text);
  assert.deepEqual(a.models.map((m) => m.name).sort(), ['Big', 'Small']);
});

// ---------------------------------------------------------------- unknown outputs

test('an unknown output says why, and ✗ (see Problems) only when an error is reported', async () => {
  const imported = `import torch
import torch.nn as nn
from mylib import Mystery


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.loss = nn.CrossEntropyLoss()

    def forward(self, x):
        return self.loss(self.conv(x), Mystery())


model = Net()
y = model(torch.randn(1, 3, 8, 8))
`;
  const a = await analyze(imported);
  assert.equal(a.findings.filter((f) => f.severity === 'error').length, 0);
  const lens = modelSummary(a.models[0] ?? assert.fail());
  assert.doesNotMatch(lens, /✗|Problems/);
  assert.match(lens, /output \? \(Conv Lens does not model CrossEntropyLoss\)/);
  const hover = findHoverTarget(a, imported.indexOf('self.loss(') + 6);
  assert.ok(hover?.kind === 'layers');
  assert.match(hoverMarkdown(hover), /→ `\? \(not known here\)`/);

  const broken = await analyze(LENET.replace('nn.Conv2d(6, 16, 5)', 'nn.Conv2d(8, 16, 5)'));
  assert.ok(broken.findings.some((f) => f.severity === 'error'));
  assert.match(modelSummary(broken.models[0] ?? assert.fail()), /output ✗ \(see Problems\)/);
});
