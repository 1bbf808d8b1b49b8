import math

import numpy as np
import torch
import torch.nn as nn


def torch_widths(depth, w_0, w_a, w_m, quant=8):
    """RegNet's quantized linear widths, computed with torch (float32)."""
    widths_cont = torch.arange(depth) * w_a + w_0
    capacity = torch.round(torch.log(widths_cont / w_0) / math.log(w_m))
    return (torch.round(torch.divide(w_0 * torch.pow(w_m, capacity), quant)) * quant).int().tolist()


def numpy_widths(depth, w_0, w_a, w_m, q=8):
    """The same schedule as pycls computes it with numpy (float64)."""
    ws_cont = np.arange(depth) * w_a + w_0
    ks = np.round(np.log(ws_cont / w_0) / np.log(w_m))
    ws = np.round(np.divide(w_0 * np.power(w_m, ks), q)) * q
    return ws.astype(int).tolist()


class WidthNet(nn.Module):
    def __init__(self, depth=7, w_0=24, w_a=36.44, w_m=2.49):
        super().__init__()
        widths = torch_widths(depth, w_0, w_a, w_m)
        stages = sorted(set(widths))
        depths = np.cumsum([widths.count(w) for w in stages]).tolist()
        layers = []
        prev = 3
        for w in stages:
            layers.append(nn.Conv2d(prev, w, 3, stride=2, padding=1))
            layers.append(nn.ReLU())
            prev = w
        self.features = nn.Sequential(*layers)
        self.mix = nn.Conv2d(prev, numpy_widths(depth, w_0, w_a, w_m)[-1], 1)
        # float32 and float64 disagree here: 45 * 1.4 is 63.0000 in float32 but 62.9999... in float64.
        f32 = int(torch.floor(torch.arange(46) * 1.4).max())
        f64 = int(np.floor(np.arange(46) * 1.4).max())
        self.proj = nn.Linear(self.mix.out_channels, f32)
        self.head = nn.Linear(f32, f64 + int(torch.tensor(depths).max().item()) + len(stages))

    def forward(self, x):
        x = self.mix(self.features(x))
        x = x.mean((2, 3))
        return self.head(self.proj(x))


model = WidthNet()
out = model(torch.randn(1, 3, 64, 64))
