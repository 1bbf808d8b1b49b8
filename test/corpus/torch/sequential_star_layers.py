import torch
import torch.nn as nn


class ConvStack(nn.Module):
    def __init__(self, in_channels=3, widths=(32, 64, 128), num_classes=100):
        super().__init__()
        layers = []
        c = in_channels
        for w in widths:
            layers.append(nn.Conv2d(c, w, kernel_size=3, padding=1))
            layers.append(nn.BatchNorm2d(w))
            layers.append(nn.ReLU(inplace=True))
            layers.extend([nn.Conv2d(w, w, kernel_size=3, padding=1), nn.ReLU(inplace=True)])
            layers.append(nn.MaxPool2d(2))
            c = w
        self.features = nn.Sequential(*layers)
        head = [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        head += [nn.Linear(c, num_classes)]
        self.head = nn.Sequential(*head)

    def forward(self, x):
        return self.head(self.features(x))
