# Subclasses of built-in layers, as ConvNeXt and timm write them: the layer comes from super().__init__(...), and a
# subclass's own forward permutes around F.layer_norm, pads before super().forward(x), or scales its result.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW map."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class Conv2dSame(nn.Conv2d):
    """TensorFlow's 'SAME' padding for a strided convolution: pad so that the output is ceil(input / stride)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, 1, 1, bias)

    def forward(self, x):
        ih, iw = x.shape[-2:]
        kh, kw = self.kernel_size
        sh, sw = self.stride
        pad_h = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pad_w = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return super().forward(x)


class ConvNoBias(nn.Conv2d):
    """Only the defaults change; forward is Conv2d's."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, bias=False)


class ScaledLinear(nn.Linear):
    def __init__(self, in_features, out_features, scale=0.5):
        super().__init__(in_features, out_features)
        self.scale = scale

    def forward(self, x):
        return super().forward(x) * self.scale


class TinyConvNeXt(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(Conv2dSame(3, 32, 4, stride=4), LayerNorm2d(32, eps=1e-6))
        self.block = nn.Sequential(
            ConvNoBias(32, 32, 7),
            LayerNorm2d(32),
            nn.Conv2d(32, 64, 1),
            nn.GELU(),
        )
        self.down = nn.Sequential(LayerNorm2d(64), Conv2dSame(64, 96, 2, stride=2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = ScaledLinear(96, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        x = self.down(self.block(self.stem(x)))
        return self.head(torch.flatten(self.pool(x), 1))


model = TinyConvNeXt()
out = model(torch.randn(2, 3, 62, 62))
