import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


class PositionalConv(nn.Module):
    """wav2vec2-style positional convolution and a WaveNet-style head, their weights reparametrized by weight_norm:
    the layers keep their shapes, the weight becomes weight_v and a per-index (or single) norm weight_g."""

    def __init__(self, dim=32, kernel_size=8, groups=4):
        super().__init__()
        self.conv = nn.Conv1d(dim, dim, kernel_size=kernel_size, padding=kernel_size // 2, groups=groups)
        self.conv = nn.utils.weight_norm(self.conv, name="weight", dim=2)
        self.num_remove = 1 if kernel_size % 2 == 0 else 0
        self.proj = weight_norm(nn.Linear(dim, 16))
        self.out = torch.nn.utils.weight_norm(nn.Conv1d(16, 4, 1), dim=None)

    def forward(self, x):
        # x: (batch, frames, features)
        y = self.conv(x.transpose(-2, -1))
        if self.num_remove > 0:
            y = y[..., : -self.num_remove]
        y = torch.nn.functional.gelu(y).transpose(-2, -1)
        y = self.proj(x + y)
        return self.out(y.transpose(1, 2))
