// The Python of research and library model code (argparse, decorators, validation, calls the analyzer cannot bind):
// behaviour the PyTorch goldens of test/corpus cannot express, namely what is said when a value is not known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis } from '../src/core/index';
import { analyze } from './support/analyze';

function errors(a: Analysis): string[] {
  return a.findings.filter((f) => f.severity === 'error').map((f) => `${f.range.start.line + 1}: ${f.message}`);
}

function layerShapes(a: Analysis, model: string): string[] {
  return (a.models.find((m) => m.name === model)?.layers ?? []).map((l) => `${l.name} ${JSON.stringify(l.output)}`);
}

test('argparse options take their defaults and the notes say so', async () => {
  const a = await analyze(`import argparse
import torch
import torch.nn as nn
parser = argparse.ArgumentParser()
parser.add_argument('--width', type=int, default=8)
opt = parser.parse_args()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, opt.width, 3)
    def forward(self, x):
        return self.conv(x)
net = Net()
net(torch.randn(1, 3, 10, 10))
`);
  assert.deepEqual(layerShapes(a, 'Net'), ['conv [1,8,8,8]']);
  assert.ok(a.notes.some((n) => n.includes('argparse options are read at their default values')), a.notes.join('\n'));
});

test('a required or positional argparse option is unknown: a mismatch that depends on it is not reported', async () => {
  const a = await analyze(`import argparse
import torch
import torch.nn as nn
parser = argparse.ArgumentParser()
parser.add_argument('channels', type=int)
parser.add_argument('--width', type=int, required=True)
opt = parser.parse_args()
model = nn.Sequential(nn.Conv2d(3, opt.width, 3), nn.Conv2d(16, opt.channels, 3))
model(torch.randn(1, 3, 10, 10))
`);
  assert.deepEqual(errors(a), []);
});

test('a decorator from an unresolved import leaves the builder callable as written', async () => {
  const a = await analyze(`import torch.nn as nn
from somewhere_else import register_model, handle_legacy_interface
@register_model()
@handle_legacy_interface(weights=("pretrained", None))
def small(num_classes=10):
    return nn.Sequential(nn.Flatten(), nn.Linear(48, num_classes))
model = small(num_classes=4)
`, 'python', { inputs: { model: [2, 3, 4, 4] } });
  assert.deepEqual(layerShapes(a, 'model'), ['0 [2,48]', '1 [2,4]']);
});

test('a validation raise under a condition that cannot be known does not hide the model or the errors after it', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
import os
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        if os.environ.get("STRICT"):
            raise ValueError("strict mode is not supported")
        self.a = nn.Conv2d(3, 16, 3)
        self.b = nn.Conv2d(8, 4, 3)
    def forward(self, x):
        return self.b(self.a(x))
Net()(torch.randn(1, 3, 16, 16))
`);
  assert.deepEqual(errors(a).map((e) => e.split(':')[0]), ['10']);
});

test('a block whose constructor needs arguments is never built with a missing **kwargs layer argument (no false "needs kernel_size")', async () => {
  // Defined before the block it uses, as GoogLeNet and Inception-v3 are: the block is first built on its own.
  const a = await analyze(`import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = BasicConv2d(3, 8, kernel_size=3)
    def forward(self, x):
        return self.conv(x)
class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
    def forward(self, x):
        return self.conv(x)
`);
  assert.deepEqual(errors(a), []);
});

test('a call whose arguments do not fit the function (a staticmethod reached through self) gives an unknown result, not a misbound layer', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Unit(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dw = self.depthwise(c, c, kernel_size=3, padding=1)
        self.pw = nn.Conv2d(c, c, 1)
    @staticmethod
    def depthwise(i, o, kernel_size, stride=1, padding=0):
        return nn.Conv2d(i, o, kernel_size, stride, padding, groups=i)
    def forward(self, x):
        return torch.cat([self.pw(self.dw(x)), x], 1)
Unit(8)(torch.randn(1, 8, 12, 12))
`);
  assert.deepEqual(errors(a), []);
});

test('type(x) tells the ints, floats, strings, tuples and lists of a config table apart', async () => {
  const a = await analyze(`import torch.nn as nn
cfg = [8, 2.0, "M", (4, 1), [2]]
kinds = [type(v) == int for v in cfg] + [type(v) is float for v in cfg] + [type(v) is str for v in cfg]
kinds += [type(v) == tuple for v in cfg] + [type(v) == list for v in cfg]
model = nn.Linear(3, sum(kinds))
`, 'python', { inputs: { model: [1, 3] } });
  // Each of the five values is of exactly one kind.
  assert.deepEqual(layerShapes(a, 'model'), [' [1,5]']);
});

test('a model whose first layer is 3-D gets a 5-D symbolic input (no false rank-mismatch on a video stem)', async () => {
  const a = await analyze(`import torch.nn as nn
class Stem(nn.Sequential):
    def __init__(self):
        super().__init__(nn.Conv3d(3, 8, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False), nn.BatchNorm3d(8), nn.ReLU())
`);
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.models.find((m) => m.name === 'Stem')?.input, [['N', 3, 'D', 'H', 'W']]);
});

test("ConvNeXt's parameters as forward reads them: a LayerNorm subclass's own weight and bias, and ones(...) * layer_scale", async () => {
  const a = await analyze(`import torch
import torch.nn as nn
import torch.nn.functional as F
class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
class Block(nn.Module):
    def __init__(self, dim, layer_scale=1e-6):
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = LayerNorm2d(dim, eps=1e-6)
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)
    def forward(self, x):
        return x + self.layer_scale * self.norm(self.conv(x))
block = Block(8)
block(torch.randn(1, 8, 14, 14))
`);
  assert.deepEqual(errors(a), []);
  const graph = a.models.find((m) => m.name === 'Block')?.graph;
  assert.ok(graph);
  const params = graph.nodes.filter((n) => n.op === 'parameter').map((n) => [n.args['name'], n.shape, n.args['init']]);
  assert.deepEqual(params.sort(), [
    ['layer_scale', [8, 1, 1], { kind: 'constant', value: Math.fround(1e-6) }],
    ['norm.bias', [8], { kind: 'constant', value: 0 }],
    ['norm.weight', [8], { kind: 'constant', value: 1 }],
  ]);
  // The op reads them as inputs, so the engine runs it (not "layer_norm with tensor arguments").
  const norm = graph.nodes.find((n) => n.op.startsWith('layer_norm'));
  const ids = new Map(graph.nodes.map((n) => [n.id, n.args['name']]));
  assert.equal(norm?.op, 'layer_norm');
  assert.deepEqual(norm.inputs.slice(1).map((id) => ids.get(id)), ['norm.weight', 'norm.bias']);
});

test("a parameter's init as ViT and timm write it: .normal_(std=...), nn.init.normal_/trunc_normal_/zeros_, and an init the engine has not (xavier) left unknown", async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Tokens(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, 4, stride=4)
        self.pos_embedding = nn.Parameter(torch.empty(1, 17, dim).normal_(std=0.02))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        nn.init.normal_(self.cls_token, std=0.02)
        self.dist_token = nn.Parameter(torch.zeros(1, 1, dim))
        nn.init.trunc_normal_(self.dist_token, std=0.02)
        self.scale = nn.Parameter(torch.empty(dim))
        nn.init.trunc_normal_(self.scale)
        self.shift = nn.Parameter(torch.ones(dim))
        nn.init.zeros_(self.shift)
        self.mix = nn.Parameter(torch.zeros(dim, dim))
        nn.init.xavier_uniform_(self.mix)
    def forward(self, x):
        x = self.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), self.dist_token.expand(x.shape[0], -1, -1), x[:, 1:]], dim=1)
        x = x + self.pos_embedding
        return (x @ self.mix) * self.scale + self.shift
model = Tokens()
model(torch.randn(1, 3, 16, 16))
`);
  assert.deepEqual(errors(a), []);
  const graph = a.models.find((m) => m.name === 'Tokens')?.graph;
  assert.ok(graph);
  const init = Object.fromEntries(graph.nodes.filter((n) => n.op === 'parameter').map((n) => [n.args['name'], n.args['init'] ?? null]));
  assert.deepEqual(init, {
    pos_embedding: { kind: 'normal', std: 0.02 },
    cls_token: { kind: 'normal', std: 0.02 },
    dist_token: { kind: 'normal', std: 0.02 },
    scale: { kind: 'normal', std: 1, truncated: true },
    shift: { kind: 'constant', value: 0 },
    mix: null,
  });
});
