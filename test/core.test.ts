// Behaviour of the analyzer that PyTorch goldens cannot express: locations, fixes, warnings, bad input, incremental edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalyzedDocument, type Analysis, type Finding } from '../src/core/index';
import { analyze, ready } from './support/analyze';



function only(a: Analysis, code: string): Finding[] {
  return a.findings.filter((f) => f.code === code);
}

const SEED_001_BUG = `import torch
import torch.nn as nn

class MedicalImageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 2)
        self.conv2 = nn.Conv2d(16, 32, 2)
        self.convo_layer_three = nn.Conv2d(64,32,2)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = torch.relu(self.convo_layer_three(x))
        return x

model = MedicalImageModel()
out = model(torch.randn(1, 1, 32, 32))
`;

test('reports in_channels mismatch on the third conv of seed 001, at the 64, with the producer related', async () => {
  const a = await analyze(SEED_001_BUG);
  const errors = a.findings.filter((f) => f.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(a.findings, null, 1));
  const f = errors[0] as Finding;
  assert.equal(f.code, 'channel-mismatch');
  assert.equal(f.range.start.line, 8);
  assert.equal(SEED_001_BUG.slice(f.range.startOffset, f.range.endOffset), '64');
  assert.equal(f.pytorchError, 'Given groups=1, weight of size [32, 64, 2, 2], expected input[1, 32, 30, 30] to have 64 channels, but got 32 channels instead');
  assert.match(f.message, /32/);
  const related = f.related.find((r) => r.range.start.line === 7);
  assert.ok(related, 'points at conv2, which produces the 32 channels');
  assert.equal(related.message, 'the input comes from conv2 (Conv2d) here', 'the related location names the layer');
  const fix = f.fixes.find((x) => x.preferred);
  assert.ok(fix);
  assert.equal(fix.edits[0]?.newText, '32');
});

test('applying the preferred fix clears the seed 001 error', async () => {
  const a = await analyze(SEED_001_BUG);
  const fix = a.findings[0]?.fixes.find((x) => x.preferred);
  const edit = fix?.edits[0];
  assert.ok(edit);
  const fixed = SEED_001_BUG.slice(0, edit.range.startOffset) + edit.newText + SEED_001_BUG.slice(edit.range.endOffset);
  const b = await analyze(fixed);
  assert.deepEqual(b.findings.filter((f) => f.severity === 'error'), []);
  assert.deepEqual(b.models[0]?.output, [1, 32, 29, 29]);
});

test('incremental reparse after edits gives the same analysis as a fresh parse', async () => {
  await ready;
  const doc = new AnalyzedDocument('python', SEED_001_BUG);
  const at = SEED_001_BUG.indexOf('64,32,2');
  doc.applyEdits([{ rangeOffset: at, rangeLength: 2, text: '3' }]);
  doc.applyEdits([{ rangeOffset: at + 1, rangeLength: 0, text: '2' }]);
  const incremental = doc.analyze();
  doc.dispose();
  const fresh = await analyze(SEED_001_BUG.replace('64,32,2', '32,32,2'));
  assert.deepEqual(incremental.findings, fresh.findings);
  assert.deepEqual(incremental.models, fresh.models);
  assert.equal(incremental.findings.length, 0);
});

test('an edit that joins two lines and adds a character (offsets kept, rows not) moves the findings up a line', async () => {
  await ready;
  // The comment line and the next are joined, and a character is typed: every later statement keeps its offset.
  const text = `# a comment\n${SEED_001_BUG}`;
  const doc = new AnalyzedDocument('python', text);
  const before = doc.analyze().findings.find((f) => f.severity === 'error');
  const at = text.indexOf('\n');
  doc.applyEdits([{ rangeOffset: at, rangeLength: 1, text: 'x' }]);
  const incremental = doc.analyze();
  doc.dispose();
  const fresh = await analyze(text.slice(0, at) + 'x' + text.slice(at + 1));
  assert.ok(before);
  assert.equal(incremental.findings.find((f) => f.severity === 'error')?.range.start.line, before.range.start.line - 1);
  assert.deepEqual(incremental.findings, fresh.findings);
  assert.deepEqual(incremental.models, fresh.models);
});

test('half-typed code never throws and still reports the layers that parse', async () => {
  const text = SEED_001_BUG;
  for (let cut = 0; cut <= text.length; cut += 7) {
    const a = await analyze(text.slice(0, cut));
    assert.ok(Array.isArray(a.findings));
  }
  const partial = await analyze(text.replace('self.conv2 = nn.Conv2d(16, 32, 2)', 'self.conv2 = nn.Conv2d(16, 32,'));
  assert.ok(partial.models.length >= 0);
});

test('a layer defined in __init__ but never used in forward is a warning marked unnecessary', async () => {
  const a = await analyze(`import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.extra = nn.Linear(10, 10)
    def forward(self, x):
        return self.conv(x)
`);
  const unused = only(a, 'unused-layer');
  assert.equal(unused.length, 1);
  assert.equal(unused[0]?.range.start.line, 5);
  assert.equal(unused[0]?.unnecessary, true);
  assert.equal(unused[0]?.severity, 'warning');
});

test('a stale shape comment is a warning with a fix that writes the inferred shape', async () => {
  const text = `import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
    def forward(self, x):  # x: [1, 3, 32, 32]
        x = self.conv(x)  # -> [1, 8, 32, 32]
        return x
`;
  const a = await analyze(text);
  const stale = only(a, 'stale-shape-comment');
  assert.equal(stale.length, 1);
  const edit = stale[0]?.fixes[0]?.edits[0];
  assert.ok(edit);
  assert.equal(edit.newText, '[1, 8, 30, 30]');
  const fixed = text.slice(0, edit.range.startOffset) + edit.newText + text.slice(edit.range.endOffset);
  assert.equal(only(await analyze(fixed), 'stale-shape-comment').length, 0);
});

test('the input shape comment on the forward line sets the model input', async () => {
  const a = await analyze(`import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
    # x: [B, 3, 64, 48]
    def forward(self, x):
        return self.conv(x)
`);
  assert.equal(a.models[0]?.inputSource, 'comment');
  assert.deepEqual(a.models[0]?.output, ['B', 8, 64, 48]);
});

test('with no input in the file the model is symbolic and says the smallest input it accepts', async () => {
  const a = await analyze(`import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 5)
        self.p = nn.MaxPool2d(2)
        self.c2 = nn.Conv2d(8, 8, 3)
    def forward(self, x):
        return self.c2(self.p(self.c1(x)))
`);
  const m = a.models[0];
  assert.equal(m?.inputSource, 'symbolic');
  assert.deepEqual(m?.input, [['N', 3, 'H', 'W']]);
  assert.deepEqual(m?.accepts, ['H >= 10, W >= 10']);
  assert.equal(a.findings.filter((f) => f.severity === 'error').length, 0);
});

test('a Linear after a flatten forces the input size of a symbolic model', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
import torch.nn.functional as F
class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc = nn.Linear(32 * 8 * 8, 10)
    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 2)
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        return self.fc(x)
`);
  assert.deepEqual(a.models[0]?.accepts, ['square inputs from 32x32 to 35x35']);
  assert.equal(a.findings.filter((f) => f.severity === 'error').length, 0);
});

test('deeply nested and recursive code ends with a note, never a hang or a crash', async () => {
  const deep = `x = ${'('.repeat(3000)}1${')'.repeat(3000)}\n`;
  const a = await analyze(deep);
  assert.ok(Array.isArray(a.notes));
  const rec = await analyze(`import torch.nn as nn
def build(n):
    return build(n + 1)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = build(0)
    def forward(self, x):
        while True:
            x = x + 1
        return x
`);
  assert.ok(rec.notes.length > 0 || rec.models.length >= 0);
});

test('TensorFlow.js sequential model: NHWC shapes with same/valid padding', async () => {
  const a = await analyze(`import * as tf from '@tensorflow/tfjs';
const model = tf.sequential();
model.add(tf.layers.conv2d({inputShape: [28, 28, 1], kernelSize: 3, filters: 8, strides: 2, padding: 'same'}));
model.add(tf.layers.maxPooling2d({poolSize: 2}));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({units: 10}));
`, 'typescript');
  const m = a.models[0];
  assert.ok(m);
  assert.deepEqual(m.layers.map((l) => l.output), [['N', 14, 14, 8], ['N', 7, 7, 8], ['N', 392], ['N', 10]]);
});

test('summary(model, (3, 32, 32)) from torchsummary is an example call with a batch of 1', async () => {
  const a = await analyze(`import torch.nn as nn
from torchsummary import summary
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
    def forward(self, x):
        return self.conv(x)
model = Net()
summary(model, (3, 32, 32))
`);
  assert.equal(a.models[0]?.inputSource, 'example');
  assert.deepEqual(a.models[0]?.input, [[1, 3, 32, 32]]);
});

test('a mismatch in a layer built by a helper points at the helper call and offers no fix that would break other callers', async () => {
  const text = `import torch
import torch.nn as nn
def conv3x3(cin, cout):
    return nn.Conv2d(cin, cout, 3, padding=1)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = conv3x3(3, 16)
        self.b = conv3x3(32, 16)
    def forward(self, x):
        return self.b(self.a(x))
net = Net()
net(torch.randn(1, 3, 8, 8))
`;
  const a = await analyze(text);
  const f = only(a, 'channel-mismatch')[0];
  assert.ok(f);
  assert.equal(text.slice(f.range.startOffset, f.range.endOffset), 'cin');
  assert.deepEqual(f.fixes, []);
  assert.ok(f.related.some((r) => r.range.start.line === 8 && r.message.includes('built by')), JSON.stringify(f.related));
});

test('a channel mismatch says where the channels come from: the input for a first layer, the op or the previous layer otherwise', async () => {
  const text = `import torch
import torch.nn as nn

probe = nn.Sequential(nn.Conv2d(3, 8, 3))
probe(torch.randn(1, 1, 28, 28))

pair = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(8, 8, 3))
pair(torch.randn(1, 1, 28, 28))

class Viewed(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 64)
        self.conv = nn.Conv2d(8, 8, 3)

    def forward(self, x):
        x = self.fc(x)
        x = x.view(-1, 4, 4, 4)
        return self.conv(x)

Viewed()(torch.randn(2, 10))

norm = nn.Sequential(nn.BatchNorm2d(3))
norm(torch.randn(2, 1, 8, 8))
`;
  const a = await analyze(text);
  const clause = (line: number): string | undefined => a.findings.find((f) => f.severity === 'error' && f.range.start.line === line)?.message.match(/\(from [^)]*\)/)?.[0];
  const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));
  assert.equal(clause(lineOf('probe = ')), '(from the input)', JSON.stringify(a.findings.map((f) => f.message)));
  assert.equal(clause(lineOf('pair = ')), '(from the previous layer)');
  assert.equal(clause(lineOf('self.conv = ')), '(from the view)');
  assert.equal(clause(lineOf('norm = ')), '(from the input)');
});

test('in a TypeScript nn.Sequential, a first layer\'s channel mismatch comes from the declared input', async () => {
  const text = `import * as torch from 'js-pytorch';
const nn = torch.nn;
// input: [1, 1, 28, 28]
const probe = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.Conv2d(8, 4, 3));
const pair = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.Conv2d(8, 4, 3));
`;
  const a = await analyze(text, 'typescript');
  const messages = a.findings.filter((f) => f.code === 'channel-mismatch').map((f) => [f.range.start.line, f.message.match(/\(from [^)]*\)/)?.[0]]);
  assert.deepEqual(messages, [[3, '(from the input)'], [4, '(from the previous layer)']]);
});
