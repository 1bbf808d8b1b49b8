# Stage configs the way EfficientNet writes them: a @dataclass base with a @staticmethod that rounds channel widths,
# a subclass whose own __init__ scales widths and depths and then calls the dataclass's generated __init__ through
# super(), functools.partial of that class, copy.copy of a config before changing it per block, and a
# getattr(block, "_is_cn", False) that picks the strided blocks.
import copy
import math
from dataclasses import dataclass
from functools import partial
from typing import Callable, List, Optional

import torch
import torch.nn as nn


def make_divisible(v: float, divisor: int, min_value: Optional[int] = None) -> int:
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


@dataclass
class _BlockConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: Callable[..., nn.Module]

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: Optional[int] = None) -> int:
        return make_divisible(channels * width_mult, 8, min_value)


class BlockConfig(_BlockConfig):
    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, width_mult=1.0, depth_mult=1.0, block=None):
        input_channels = self.adjust_channels(input_channels, width_mult)
        out_channels = self.adjust_channels(out_channels, width_mult)
        num_layers = int(math.ceil(num_layers * depth_mult))
        if block is None:
            block = Block
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block)


class Block(nn.Module):
    def __init__(self, cnf: BlockConfig) -> None:
        super().__init__()
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        hidden = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers: List[nn.Module] = []
        if hidden != cnf.input_channels:
            layers += [nn.Conv2d(cnf.input_channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.SiLU()]
        layers += [
            nn.Conv2d(hidden, hidden, cnf.kernel, cnf.stride, cnf.kernel // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden),
            nn.SiLU(),
            nn.Conv2d(hidden, cnf.out_channels, 1, bias=False),
            nn.BatchNorm2d(cnf.out_channels),
        ]
        self.block = nn.Sequential(*layers)
        self._is_cn = cnf.stride > 1

    def forward(self, x):
        y = self.block(x)
        return y + x if self.use_res_connect else y


class TinyEfficientNet(nn.Module):
    def __init__(self, width_mult=1.0, depth_mult=1.0, num_classes=10):
        super().__init__()
        bneck_conf = partial(BlockConfig, width_mult=width_mult, depth_mult=depth_mult)
        setting = [
            bneck_conf(1, 3, 1, 16, 16, 1),
            bneck_conf(6, 3, 2, 16, 24, 2),
            bneck_conf(6, 5, 2, 24, 40, 2),
            bneck_conf(6, 3, 1, 40, 48, 1),
        ]
        layers: List[nn.Module] = [nn.Sequential(nn.Conv2d(3, setting[0].input_channels, 3, 2, 1, bias=False), nn.SiLU())]
        for cnf in setting:
            stage: List[nn.Module] = []
            for _ in range(cnf.num_layers):
                # A shallow copy: the stage's config is not changed for its other blocks.
                block_cnf = copy.copy(cnf)
                if stage:
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                stage.append(block_cnf.block(block_cnf))
            layers.append(nn.Sequential(*stage))
        self.features = nn.Sequential(*layers)
        strided = [i for i, b in enumerate(self.features.modules()) if getattr(b, "_is_cn", False)]
        self.num_strided = len(strided)
        last = setting[-1].out_channels
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(last * self.num_strided, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x)).flatten(1)
        return self.classifier(x.repeat(1, self.num_strided))


model = TinyEfficientNet(width_mult=1.1, depth_mult=1.2)
out = model(torch.randn(2, 3, 64, 64))
