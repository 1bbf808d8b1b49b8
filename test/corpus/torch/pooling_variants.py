import torch
import torch.nn as nn


class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.max_ceil = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)
        self.max_floor = nn.MaxPool2d(kernel_size=3, stride=2)
        self.max_pad = nn.MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1)
        self.avg = nn.AvgPool2d(kernel_size=2, stride=2, padding=1, count_include_pad=False)
        self.avg_ceil = nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.adapt_max = nn.AdaptiveMaxPool2d((4, None))
        self.adapt_avg = nn.AdaptiveAvgPool2d((None, 3))
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.conv(x)
        a = self.max_ceil(x)
        b = self.max_floor(x)
        x = self.max_pad(a)
        x = self.avg(x)
        x = self.avg_ceil(x)
        x = self.adapt_max(x)
        x = self.adapt_avg(x)
        return self.gap(x) + b.mean(dim=(2, 3), keepdim=True)
