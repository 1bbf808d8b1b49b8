import torch
import torch.nn as nn


class Pyramid(nn.Module):
    """Layers registered under computed names, read back by name in forward."""

    def __init__(self, channels=(8, 16, 32)):
        super().__init__()
        self.levels = len(channels)
        prev = 3
        for i, c in enumerate(channels):
            setattr(self, "level_%d" % i, nn.Conv2d(prev, c, 3, stride=2, padding=1))
            self.__setattr__(f"norm{i}", nn.BatchNorm2d(c))
            self.add_module("act{}".format(i), nn.ReLU())
            prev = c
        self._modules["head"] = nn.Conv2d(prev, 4, 1)

    def forward(self, x):
        for i in range(self.levels):
            x = getattr(self, "level_%d" % i)(x)
            x = self.__getattr__(f"norm{i}")(x)
            x = self._modules["act{}".format(i)](x)
        return self._modules["head"](x)


model = Pyramid()
out = model(torch.randn(1, 3, 32, 32))
