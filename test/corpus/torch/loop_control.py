from collections import OrderedDict

import torch
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layer1 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.layer2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.layer3 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(x.mean((2, 3)))


class Features(nn.Module):
    """Keeps the backbone's layers up to `stop`, then adds a head built by a while loop."""

    def __init__(self, stop="layer2"):
        super().__init__()
        layers = OrderedDict()
        for name, m in Backbone().named_children():
            if name.startswith("stem"):
                layers[name] = m
                continue
            layers[name] = m
            if name == stop:
                break
        else:
            raise ValueError(f"{stop} is not a layer of the backbone")
        self.body = nn.Sequential(layers)
        blocks = []
        i = 0
        while True:
            i += 1
            if i > 4:
                break
            if i % 2 == 0:
                continue
            blocks.append(nn.Conv2d(32, 32, 1))
        else:
            blocks.append(nn.Conv2d(32, 99, 1))
        for width in (48, 64):
            if width > 100:
                break
        else:
            blocks.append(nn.Conv2d(32, width, 1))
        self.tail = nn.Sequential(*blocks)

    def forward(self, x):
        return self.tail(self.body(x))


model = Features()
out = model(torch.randn(1, 3, 32, 32))
