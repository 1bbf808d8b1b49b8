"""Small nets for the graph executor's goldens, built in torch; test/engine-graph.test.ts builds the same
ModelGraph by hand. Each file holds the input, the state_dict (by qualified name) and every node's
output under "out/<key>" with the executor's keys (module name or op name, "#k" for repeats)."""
import os
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F


class Recorder:
    def __init__(self):
        self.out = {}
        self.count = Counter()

    def __call__(self, key, t):
        k = self.count[key]
        self.count[key] += 1
        self.out[key if k == 0 else f'{key}#{k}'] = t.clone()  # later in-place ops must not change it
        return t


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class TinyResNet(nn.Module):
    """ResNet-18's structure at toy width: conv7x7 s2, maxpool, two stages of basic blocks, pool, fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x, r):
        m = lambda mod, name, t: r(name, mod(t))  # noqa: E731
        x = m(self.relu, 'relu', m(self.bn1, 'bn1', m(self.conv1, 'conv1', x)))
        x = m(self.maxpool, 'maxpool', x)
        for lname in ('layer1', 'layer2'):
            for i, b in enumerate(getattr(self, lname)):
                p = f'{lname}.{i}'
                idt = x
                y = m(b.bn1, p + '.bn1', m(b.conv1, p + '.conv1', x))
                y = m(self.relu, 'relu', y)
                y = m(b.bn2, p + '.bn2', m(b.conv2, p + '.conv2', y))
                if b.downsample is not None:
                    idt = m(b.downsample[1], p + '.downsample.1', m(b.downsample[0], p + '.downsample.0', x))
                y = r('add', y + idt)
                x = m(self.relu, 'relu', y)
        x = m(self.avgpool, 'avgpool', x)
        x = r('flatten', torch.flatten(x, 1))
        return m(self.fc, 'fc', x)


class MixedNet(nn.Module):
    """Depthwise-separable, GroupNorm + SiLU, a module applied twice, cat, upsampling, pixel shuffle, view."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = nn.Conv2d(8, 16, 1)
        self.gn = nn.GroupNorm(4, 16)
        self.act = nn.SiLU()
        self.down = nn.Conv2d(16, 16, 3, stride=2, padding=1, padding_mode='reflect')
        self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.fuse = nn.Conv2d(32, 12, 3, padding='same')
        self.shuffle = nn.PixelShuffle(2)
        self.head = nn.Linear(3 * 32 * 32, 4)

    def forward(self, x, r):
        m = lambda mod, name, t: r(name, mod(t))  # noqa: E731
        x = m(self.stem, 'stem', x)
        x = m(self.act, 'act', x)
        y = m(self.pw, 'pw', m(self.dw, 'dw', x))
        y = m(self.act, 'act', m(self.gn, 'gn', y))
        z = m(self.up, 'up', m(self.down, 'down', y))
        c = r('cat', torch.cat([y, z], dim=1))
        f = m(self.shuffle, 'shuffle', m(self.fuse, 'fuse', c))
        v = r('view', f.view(f.shape[0], -1))
        return m(self.head, 'head', v)


def randomize(net, gen):
    with torch.no_grad():
        for name, b in net.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.2)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)
        for name, p in net.named_parameters():
            if p.dim() == 1 and not name.endswith('bias'):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)


def generate(outdir, write_safetensors, bound_args):
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(7)
    for name, net, shape in [('tiny_resnet', TinyResNet(), (1, 3, 32, 32)), ('mixed', MixedNet(), (2, 3, 16, 16))]:
        gen = torch.Generator().manual_seed(11)
        randomize(net, gen)
        net.eval()
        x = torch.randn(shape, generator=gen)
        r = Recorder()
        with torch.no_grad():
            y = net(x, r)
        tensors = {'input': x}
        sd = net.state_dict()
        for k, v in sd.items():
            if not k.endswith('num_batches_tracked'):
                tensors[k] = v
        for k, v in r.out.items():
            tensors['out/' + k] = v
        tensors['out/output'] = y
        write_safetensors(os.path.join(outdir, name + '.safetensors'), tensors, {'net': name})
        if name == 'tiny_resnet':
            torch.save(sd, os.path.join(outdir, name + '.pt'))
            write_halves(os.path.join(outdir, name), sd)
    print(f'wrote net goldens to {outdir}')


def write_halves(base, sd):
    """The same state_dict as F16 and BF16 safetensors, for the reader's dtype conversions."""
    import json
    import struct
    for dtype, conv in [('F16', lambda t: t.half().numpy().tobytes()), ('BF16', lambda t: t.bfloat16().view(torch.int16).numpy().tobytes())]:
        header, blobs, off = {}, [], 0
        for k, v in sd.items():
            if k.endswith('num_batches_tracked'):
                b = v.numpy().tobytes()
                header[k] = {'dtype': 'I64', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
            else:
                b = conv(v.contiguous())
                header[k] = {'dtype': dtype, 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
            blobs.append(b)
            off += len(b)
        h = json.dumps(header).encode()
        h += b' ' * ((8 - len(h) % 8) % 8)
        with open(f'{base}.{dtype.lower()}.safetensors', 'wb') as f:
            f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
