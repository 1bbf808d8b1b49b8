"""Goldens for the preview e2e (test/e2e/preview.ts): seed 000's ConvNet with torch's own default init
(manual_seed 0) saved as a .pt state_dict, and every layer's output statistics in PyTorch for the panel's
'gradient' input at 32x32 without normalisation. The panel loads the .pt from the workspace and must show
the same min/max/mean/zeros per layer.

    /usr/bin/python3 test/goldens/preview/generate.py
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..', '..')


def load_convnet():
    source = open(os.path.join(ROOT, 'test', 'fixtures', 'seed000_convnet_example_input.py')).read()
    scope = {'__name__': 'seed000'}
    exec(compile(source, 'seed000_convnet_example_input.py', 'exec'), scope)
    return scope['ConvNet']


def gradient(h, w):
    """webview/logic/inputs.ts syntheticImage('gradient'): r = u, g = v, b = 1 - (u + v) / 2."""
    v = torch.linspace(0, 1, h).view(h, 1).expand(h, w)
    u = torch.linspace(0, 1, w).view(1, w).expand(h, w)
    return torch.stack([u, v, 1 - (u + v) / 2]).unsqueeze(0).float()


def stats(t):
    t = t[0].flatten().double()
    return {'min': t.min().item(), 'max': t.max().item(), 'mean': t.mean().item(), 'zeros': (t == 0).double().mean().item()}


def main():
    ConvNet = load_convnet()
    torch.manual_seed(0)
    model = ConvNet().eval()
    torch.save(model.state_dict(), os.path.join(HERE, 'seed000_convnet.pt'))
    x = gradient(32, 32)
    out = {}
    with torch.no_grad():
        # The engine's keys: module names, '#k' for the k-th repeat, op names for tensor methods.
        x = model.conv1(x); out['conv1'] = stats(x)
        x = model.relu(x); out['relu'] = stats(x)
        x = model.pool(x); out['pool'] = stats(x)
        x = model.conv2(x); out['conv2'] = stats(x)
        x = model.relu(x); out['relu#1'] = stats(x)
        x = model.pool(x); out['pool#1'] = stats(x)
        x = x.view(-1, 32 * 8 * 8); out['view'] = stats(x)
        x = model.fc(x); out['fc'] = stats(x)
    with open(os.path.join(HERE, 'seed000_convnet_gradient.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'input': 'gradient 32x32, no normalisation', 'layers': out}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
