import torch
import torch.nn as nn
from netlib import *
import netlib.layers.ops as ops


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.inc = DoubleConv(1, 16)
        self.down1 = Down(16, 32)
        self.down2 = ops.DownBlock(32, 64)
        self.down3 = build(64)

    def forward(self, x):
        x = self.inc(x)
        x = self.down1(x)
        x = self.down2(x)
        return self.down3(x)


model = Encoder()
features = model(torch.randn(1, 1, 64, 64))
