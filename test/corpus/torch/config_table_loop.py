import torch
import torch.nn as nn

# (out_channels, kernel_size, stride, padding)
BACKBONE = [
    (32, 3, 1, 1),
    (64, 3, 2, 1),
    (64, 1, 1, 0),
    (128, 3, 2, 1),
    (128, 5, 1, 2),
]

HEADS = {"box": 4, "cls": 20, "obj": 1}


class Detector(nn.Module):
    def __init__(self, in_channels=3, config=BACKBONE, heads=HEADS):
        super().__init__()
        layers = []
        channels = in_channels
        for out_channels, k, s, p in config:
            layers += [nn.Conv2d(channels, out_channels, k, s, p), nn.BatchNorm2d(out_channels), nn.LeakyReLU(0.1)]
            channels = out_channels
        self.backbone = nn.Sequential(*layers)
        self.heads = nn.ModuleDict()
        for name, n in heads.items():
            self.heads[name] = nn.Conv2d(channels, n, kernel_size=1)

    def forward(self, x):
        x = self.backbone(x)
        outputs = [self.heads[name](x) for name in self.heads]
        return torch.cat(outputs, dim=1)
