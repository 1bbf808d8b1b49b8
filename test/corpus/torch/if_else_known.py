import torch
import torch.nn as nn


class ConfigurableNet(nn.Module):
    def __init__(self, use_bn=True, pool="max", activation="relu", num_classes=10, in_channels=3):
        super().__init__()
        layers = [nn.Conv2d(in_channels, 32, 3, padding=1, bias=not use_bn)]
        if use_bn:
            layers.append(nn.BatchNorm2d(32))
        if activation == "relu":
            layers.append(nn.ReLU())
        elif activation == "gelu":
            layers.append(nn.GELU())
        else:
            layers.append(nn.Tanh())
        if pool == "max":
            layers.append(nn.MaxPool2d(2))
        elif pool == "avg":
            layers.append(nn.AvgPool2d(2))
        else:
            layers.append(nn.Conv2d(32, 32, 3, stride=1, padding=1))
        self.body = nn.Sequential(*layers)
        out_size = 16 if pool in ("max", "avg") else 32
        self.head = nn.Linear(32 * out_size * out_size, num_classes) if num_classes > 0 else nn.Identity()

    def forward(self, x):
        x = self.body(x)
        x = torch.flatten(x, start_dim=1)
        return self.head(x)
