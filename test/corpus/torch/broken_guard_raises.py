import torch.nn as nn


class Pyramid(nn.Module):
    def __init__(self, channels, strides):
        super().__init__()
        if len(channels) != len(strides):
            raise ValueError(f"channels and strides differ in length: {len(channels)} vs {len(strides)}")
        layers = []
        prev = 3
        for c, s in zip(channels, strides):
            layers.append(nn.Conv2d(prev, c, 3, stride=s, padding=1))
            prev = c
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


model = Pyramid([16, 32, 64], [2, 2])
