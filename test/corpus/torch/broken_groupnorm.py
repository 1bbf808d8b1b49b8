import torch
import torch.nn as nn


class GNBlock(nn.Module):
    def __init__(self, in_ch, out_ch, groups=32):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm = nn.GroupNorm(groups, out_ch)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class GNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = GNBlock(3, 64)
        self.block2 = GNBlock(64, 48)

    def forward(self, x):
        return self.block2(self.block1(x))
