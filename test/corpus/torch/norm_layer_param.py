import torch
import torch.nn as nn


class ConvNormAct(nn.Module):
    def __init__(self, in_planes, planes, stride=1, norm_layer=nn.BatchNorm2d, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.norm = norm_layer(planes)
        self.act = act_layer(inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class StyleEncoder(nn.Module):
    def __init__(self, in_channels=3, base=16, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.block1 = ConvNormAct(in_channels, base, norm_layer=norm_layer)
        self.block2 = ConvNormAct(base, base * 2, stride=2, norm_layer=norm_layer)
        self.block3 = ConvNormAct(base * 2, base * 4, stride=2, norm_layer=norm_layer, act_layer=nn.LeakyReLU)
        self.proj = nn.Conv2d(base * 4, base * 4, kernel_size=1)

    def forward(self, x):
        x = self.block1(x)
        x = self.block2(x)
        x = self.block3(x)
        return self.proj(x)
