import torch
import torch.nn as nn


def depthwise_separable(in_ch, out_ch, stride=1):
    return nn.Sequential(
        nn.Conv2d(in_ch, in_ch * 2, 3, stride=stride, padding=1, groups=in_ch, bias=False),
        nn.BatchNorm2d(in_ch * 2),
        nn.ReLU(),
        nn.Conv2d(in_ch * 2, out_ch, 1, bias=False),
    )


class DWNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.block1 = depthwise_separable(16, 32)
        self.block2 = nn.Conv2d(32, 48, 3, padding=1, groups=32)

    def forward(self, x):
        return self.block2(self.block1(self.stem(x)))
