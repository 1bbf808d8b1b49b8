// How the analyzer treats what it cannot know, and Python that real model files use (issue 15): unknown sizes keep
// their place, guards that raise, loop control, computed names, static helpers, float sizes, CommonJS TF.js.
// Shapes PyTorch can compute are checked against its goldens in the corpus; these tests check what goldens cannot:
// unknown dimensions, locations, fixes, and what is (not) reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis, Finding } from '../src/core/index';
import { analyze } from './support/analyze';

function errors(a: Analysis): Finding[] {
  return a.findings.filter((f) => f.severity === 'error');
}

function textOf(source: string, f: { range: { startOffset: number; endOffset: number } }): string {
  return source.slice(f.range.startOffset, f.range.endOffset);
}

const GENERATOR = `import argparse
import torch
import torch.nn as nn

opt = argparse.ArgumentParser().parse_args()


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(100, 64, 4, 1, 0)
        self.out = nn.ConvTranspose2d(64, 3, 4, 2, 1)

    def forward(self, z):
        x = self.out(self.up(z))
        return x.view(x.size(0), opt.groups, -1)


net = Generator()
noise = torch.randn(16, opt.nz, 1, 1)
y = net(noise)
`;

test('an unknown size in torch.randn keeps its place: the example input is [16, ?, 1, 1], not a 3-d tensor', async () => {
  const a = await analyze(GENERATOR);
  const m = a.models.find((x) => x.name === 'Generator');
  assert.ok(m);
  assert.equal(m.inputSource, 'example');
  assert.deepEqual(m.input[0], [16, '?', 1, 1]);
  // The layers after it are computed from the known dims; the unknown channel count is never compared with 100.
  assert.deepEqual(m.layers.map((l) => l.output), [[16, 64, 4, 4], [16, 3, 8, 8]]);
  assert.deepEqual(errors(a), []);
  // view(b, unknown, -1): rank 3, the unknown and the inferred size both unknown.
  assert.deepEqual(m.output, [16, '?', '?']);
});

test('factories, new_* and reshape give the right rank with the unknown dimension in its place', async () => {
  const src = `import torch
import os
k = int(os.environ["K"])
a = torch.zeros(2, k, 8)
b = torch.ones((k, 3))
c = a.new_zeros(k, 5)
d = a.reshape(2, k, 2, -1)
e = torch.empty(k)
f = torch.randn(*os.environ["SHAPE"])
`;
  const a = await analyze(src);
  const shapeAt = (line: number): unknown => a.sites.find((s) => s.range.start.line === line && s.range.start.character === 0)?.shapes[0];
  assert.deepEqual(shapeAt(3), [2, '?', 8]);
  assert.deepEqual(shapeAt(4), ['?', 3]);
  assert.deepEqual(shapeAt(5), ['?', 5]);
  assert.deepEqual(shapeAt(6), [2, '?', 2, '?']);
  // One unknown value may be a whole tuple, and *args of unknown length: the rank is unknown, no shape is claimed.
  assert.equal(shapeAt(7), undefined);
  assert.equal(shapeAt(8), undefined);
  assert.deepEqual(errors(a), []);
});

test('a guard that raises on an unknown condition does not stop __init__: the layers after it are built', async () => {
  const src = `import torch.nn as nn
import config

class Net(nn.Module):
    def __init__(self, sizes=config.SIZES):
        super().__init__()
        if not isinstance(sizes, (list, tuple)):
            raise TypeError("sizes must be a list")
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x)
`;
  const a = await analyze(src);
  const m = a.models.find((x) => x.name === 'Net');
  assert.deepEqual(m?.layers.map((l) => l.name), ['conv']);
  assert.deepEqual(a.findings, []);
});

const PYRAMID = `import torch.nn as nn


class Pyramid(nn.Module):
    def __init__(self, channels, strides):
        super().__init__()
        if len(channels) != len(strides):
            raise ValueError(f"{len(channels)} channels but {len(strides)} strides")
        self.convs = nn.ModuleList([nn.Conv2d(3, c, 3, stride=s) for c, s in zip(channels, strides)])


def build():
    return Pyramid([16, 32], [2])


model = build()
`;

test('a raise reached with certainty is reported on the call the user wrote, with the raise as related location', async () => {
  const a = await analyze(PYRAMID);
  const f = a.findings.find((x) => x.code === 'raises');
  assert.ok(f, JSON.stringify(a.findings));
  assert.equal(f.severity, 'error');
  assert.equal(textOf(PYRAMID, f), 'build()');
  assert.match(f.message, /ValueError: 2 channels but 1 strides/);
  assert.equal(f.pytorchError, undefined, "the file's own check is not a PyTorch error");
  assert.equal(f.related[0]?.range.start.line, 7);
});

test('a raise is not reported inside try/except, in forward, or when Conv Lens builds a class with its defaults', async () => {
  const src = `import torch
import torch.nn as nn


class Strict(nn.Module):
    def __init__(self, mode=None):
        super().__init__()
        if mode is None:
            raise ValueError("mode is required")
        self.conv = nn.Conv2d(3, 8, 3)


class Careful(nn.Module):
    def __init__(self):
        super().__init__()
        try:
            raise KeyError("not configured")
        except KeyError:
            pass
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        if x.dim() == 4:
            raise RuntimeError("expects unbatched input")
        return self.conv(x)


model = Careful()
y = model(torch.randn(1, 3, 8, 8))
`;
  const a = await analyze(src);
  assert.deepEqual(a.findings.filter((f) => f.code === 'raises'), []);
});

test('a break on an unknown condition makes the rest of the loop uncertain instead of cutting it short', async () => {
  const src = `import torch
import torch.nn as nn
import config

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for c in (8, 16, 33):
            layers.append(nn.Conv2d(3 if not layers else layers[-1].out_channels, c, 3, padding=1))
            if c == config.LAST:
                break
        layers.append(nn.Conv2d(32, 10, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)

y = Net()(torch.randn(1, 3, 8, 8))
`;
  const a = await analyze(src);
  // Whether the 33-channel conv is built depends on config.LAST: the 32-channel conv after it is not reported.
  assert.deepEqual(errors(a), []);
});

test('setattr with a name the analysis cannot compute leaves the module uncertain: no unused-layer warning', async () => {
  const src = `import torch
import torch.nn as nn
import config

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        setattr(self, config.NAME, nn.Conv2d(8, 8, 3))

    def forward(self, x):
        return self.stem(x)

y = Net()(torch.randn(1, 3, 8, 8))
`;
  const a = await analyze(src);
  assert.deepEqual(a.findings.filter((f) => f.code === 'unused-layer'), []);
});

const FLOAT_SIZE = `import torch.nn as nn


class Block(nn.Module):
    def __init__(self, planes=64):
        super().__init__()
        mid = planes / 4
        self.conv = nn.Conv2d(planes, mid, 1)
        self.fc = nn.Linear(planes, planes * 0.5)

    def forward(self, x):
        return self.conv(x)
`;

test('float-size is reported on the argument, with a fix that turns the / it came from into //', async () => {
  const a = await analyze(FLOAT_SIZE);
  const found = a.findings.filter((f) => f.code === 'float-size');
  assert.equal(found.length, 2, JSON.stringify(a.findings));
  const conv = found.find((f) => f.range.start.line === 7);
  assert.ok(conv);
  assert.equal(conv.severity, 'error');
  assert.equal(textOf(FLOAT_SIZE, conv), 'mid');
  assert.match(conv.message, /out_channels is 16\.0, a float/);
  const fix = conv.fixes.find((x) => x.preferred);
  assert.ok(fix);
  assert.equal(fix.edits[0]?.newText, '//');
  assert.equal(fix.edits[0]?.range.start.line, 6);
  assert.equal(textOf(FLOAT_SIZE, fix.edits[0] ?? conv), '/');
  // planes * 0.5 has no division to fix: the finding says why, without a quick fix.
  const fc = found.find((f) => f.range.start.line === 8);
  assert.ok(fc);
  assert.equal(textOf(FLOAT_SIZE, fc), 'planes * 0.5');
  assert.deepEqual(fc.fixes, []);
});

test("applying float-size's fix clears the error on that layer", async () => {
  const a = await analyze(FLOAT_SIZE);
  const edit = a.findings.find((f) => f.code === 'float-size' && f.range.start.line === 7)?.fixes[0]?.edits[0];
  assert.ok(edit);
  const fixed = FLOAT_SIZE.slice(0, edit.range.startOffset) + edit.newText + FLOAT_SIZE.slice(edit.range.endOffset);
  const b = await analyze(fixed);
  assert.deepEqual(b.findings.filter((f) => f.code === 'float-size').map((f) => f.range.start.line), [8]);
});

test('a @classmethod read through the class gets the class; a @property is read as its value', async () => {
  const src = `import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = Net.make(3)
        self.head = nn.Conv2d(self.width, 2, 1)

    @classmethod
    def make(cls, cin):
        return cls.layer(cin, cls.WIDTH)

    WIDTH = 12

    @staticmethod
    def layer(cin, cout):
        return nn.Conv2d(cin, cout, 1)

    @property
    def width(self):
        return self.WIDTH

    @width.setter
    def width(self, value):
        pass

    def forward(self, x):
        return self.head(self.conv(x))

y = Net()(torch.randn(1, 3, 4, 4))
`;
  const a = await analyze(src);
  const m = a.models.find((x) => x.name === 'Net');
  assert.deepEqual(m?.layers.map((l) => l.output), [[1, 12, 4, 4], [1, 2, 4, 4]]);
  assert.deepEqual(a.findings, []);
});

test('TF.js: ES named and namespace imports under any name bind the tf namespace; a local require() is not the library', async () => {
  const named = `import * as tfjs from '@tensorflow/tfjs';
import { layers as L } from '@tensorflow/tfjs';

const model = tfjs.sequential();
model.add(L.dense({ inputShape: [20], units: 16 }));
model.add(L.dense({ units: 4 }));
`;
  const a = await analyze(named, 'typescript');
  assert.deepEqual(a.models[0]?.output, ['N', 4]);
  const local = `function require(name: string) { return {}; }
const tf = require('@tensorflow/tfjs');
const model = tf.sequential();
`;
  const b = await analyze(local, 'typescript');
  assert.deepEqual(b.models, []);
});
