import torch.nn as nn


class Bottleneck(nn.Module):
    """Ported from Python 2, where / between ints was integer division."""

    def __init__(self, in_planes=64, out_planes=256):
        super().__init__()
        mid = out_planes / 4
        self.conv1 = nn.Conv2d(in_planes, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, out_planes, 1, bias=False)

    def forward(self, x):
        return self.conv2(self.bn1(self.conv1(x)))
