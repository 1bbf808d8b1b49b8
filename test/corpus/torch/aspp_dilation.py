import torch
import torch.nn as nn
import torch.nn.functional as F


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling (DeepLabV3) with dilation rates 6/12/18 and an image-pooling branch."""

    def __init__(self, in_channels=64, out_channels=32, rates=(6, 12, 18)):
        super().__init__()
        self.branch0 = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())
        self.atrous = nn.ModuleList()
        for rate in rates:
            self.atrous.append(nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 3, padding=rate, dilation=rate, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(),
            ))
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.ReLU(),
        )
        self.project = nn.Sequential(
            nn.Conv2d(out_channels * (2 + len(rates)), out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Dropout(0.5),
        )

    def forward(self, x):
        size = x.shape[-2:]
        res = [self.branch0(x)]
        for branch in self.atrous:
            res.append(branch(x))
        pooled = self.image_pool(x)
        res.append(F.interpolate(pooled, size=size, mode="bilinear", align_corners=False))
        return self.project(torch.cat(res, dim=1))
