// Layers that return tuples or take more than a tensor in forward, as the interpreter applies them in model code:
// LSTM state unpacking, attention weights, return_indices, ConvTranspose's output_size, einops patterns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis } from '../src/core/index';
import { analyze } from './support/analyze';

function errors(a: Analysis): string[] {
  return a.findings.filter((f) => f.severity === 'error').map((f) => `${f.code}: ${f.message}`);
}

test('an LSTM returns (output, (h_n, c_n)) and h_n[-1] feeds the head', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 4)
    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.fc(h[-1]), out, c
model = Net()
y = model(torch.randn(3, 7, 16))
`);
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.models[0]?.output, [3, 4]);
  const lstm = a.models[0]?.layers.find((l) => l.type === 'LSTM');
  assert.deepEqual(lstm?.output, [3, 7, 64]);
  assert.equal(lstm?.params, 4 * 32 * (16 + 32) * 2 + 4 * 32 * (64 + 32) * 2 + 4 * 4 * 2 * 32);
});

test('an initial state of the wrong size is reported with PyTorch message', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 20, num_layers=2)
    def forward(self, x):
        h0 = torch.zeros(1, x.size(1), 20)
        out, h = self.gru(x, h0)
        return out
model = Net()
y = model(torch.randn(5, 3, 8))
`);
  const f = a.findings.find((x) => x.code === 'rank-mismatch');
  assert.equal(f?.pytorchError, 'Expected hidden size (2, 3, 20), got [1, 3, 20]');
});

test('MultiheadAttention with need_weights=False gives (output, None) and the output is used', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)
        self.fc = nn.Linear(32, 2)
    def forward(self, x):
        y, w = self.attn(x, x, x, need_weights=False)
        return self.fc(y.mean(1))
model = Net()
out = model(torch.randn(2, 9, 32))
`);
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.models[0]?.output, [2, 2]);
  assert.equal(a.models[0]?.layers.find((l) => l.type === 'MultiheadAttention')?.composite, true);
});

test('MaxPool2d(return_indices=True) returns (values, indices) and MaxUnpool-free code unpacks them', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.conv = nn.Conv2d(3, 8, 3)
    def forward(self, x):
        x, idx = self.pool(x)
        return self.conv(x)
model = Net()
out = model(torch.randn(1, 3, 16, 16))
`);
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.models[0]?.output, [1, 8, 6, 6]);
});

test('ConvTranspose2d takes output_size in forward to undo an odd-sized downsampling', async () => {
  const a = await analyze(`import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1)
    def forward(self, x):
        return self.up(self.down(x), output_size=x.size())
model = Net()
out = model(torch.randn(1, 3, 15, 15))
`);
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.models[0]?.output, [1, 3, 15, 15]);
});

const EINOPS = `import torch
import torch.nn as nn
from einops import rearrange, repeat
from einops.layers.torch import Rearrange, Reduce
from config import SIZES
class Stem(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.patches = nn.Sequential(Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=4, p2=4), nn.Linear(48, dim))
        self.pool = Reduce("b n d -> b d", "mean")
    def forward(self, x):
        x = self.patches(x)
        cls = repeat(torch.zeros(1, 1, 64), "1 1 d -> b 1 d", b=x.shape[0])
        x = torch.cat([cls, x], dim=1)
        q = rearrange(x, "b n (h d) -> b h n d", h=4)
        extra = repeat(q, "b h n d -> b h n d k", **SIZES)
        return self.pool(rearrange(q, "b h n d -> b n (h d)"))
model = Stem()
y = model(torch.randn(2, 3, 32, 32))
`;

test('einops patterns and layers give their shapes; a size that may come from **kwargs is not an error', async () => {
  const a = await analyze(EINOPS);
  assert.deepEqual(errors(a), []);
  assert.deepEqual(a.models[0]?.layers.map((l) => `${l.type} ${JSON.stringify(l.output)}`), ['Rearrange [2,64,48]', 'Linear [2,64,64]', 'Reduce [2,64]']);
  assert.deepEqual(a.models[0]?.output, [2, 64]);
});

test('an einops pattern that does not divide the dim is an einops-pattern error at the call', async () => {
  const a = await analyze(EINOPS.replace('h=4', 'h=5'));
  const f = a.findings.find((x) => x.code === 'einops-pattern');
  assert.match(f?.message ?? '', /dim 2 of \[2, 65, 64\] is 64, not divisible by 5/);
  assert.equal(f?.pytorchError, undefined, 'einops is not PyTorch: no message is quoted');
});
