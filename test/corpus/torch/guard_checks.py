from collections.abc import Sequence

import torch
import torch.nn as nn


class MultiHead(nn.Module):
    """Library-style argument checks before the layers are built."""

    def __init__(self, in_ch=16, widths=(8, 8, 16), return_layers=("b",)):
        super().__init__()
        if not (isinstance(widths, Sequence) and all(isinstance(w, int) for w in widths)):
            raise TypeError("widths should be a sequence of ints")
        if not set(return_layers).issubset({"a", "b"}):
            raise ValueError("return_layers are not present in model")
        try:
            if len(widths) > 8:
                raise ValueError("too many heads")
            depth = len(widths)
        except ValueError:
            depth = 8
        self.stem = nn.Conv2d(3, in_ch, 3, padding=1)
        self.heads = nn.ModuleList([nn.Conv2d(in_ch, w, 1) for w in widths[:depth]])

    def forward(self, x):
        x = self.stem(x)
        return torch.cat([h(x) for h in self.heads], 1)


model = MultiHead()
out = model(torch.randn(1, 3, 12, 12))
