"""Tensor methods and torch functions with arguments, as forward code writes them (engine goldens only)."""
import torch
import torch.nn as nn


class TensorMethods(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        x = self.conv(x)
        a = x.clamp(0, 6) + x.clamp(min=-0.5) + torch.clamp(x, max=0.25) + x.clip(-1, 1)
        b = x.abs().pow(0.5) + x.pow(2) + torch.exp(x) + (x.abs() + 1).log() + x.square()
        c = (x.abs() + 0.5).sqrt() + (x.abs() + 0.5).rsqrt() + (x.abs() + 0.5).reciprocal() - x.neg()
        d = x.sign() + (x * 3).floor() + (x * 3).ceil() + (x * 3).round() + x.sin() + x.cos() + torch.erf(x)
        e = x.to("cpu").detach().float().softmax(dim=1) + x.log_softmax(1)
        parts = x.chunk(2, dim=1)
        f = torch.stack([parts[1], parts[0]], dim=2).sum(dim=2)
        g = x.sigmoid().mean(dim=(2, 3), keepdim=True).expand_as(x)
        return torch.cat([a, b, c, d, e, f.repeat(1, 2, 1, 1), g], dim=1)
