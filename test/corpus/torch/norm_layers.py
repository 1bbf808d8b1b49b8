import torch
import torch.nn as nn


class NormZoo(nn.Module):
    def __init__(self, channels=32, groups=8, image_size=16):
        super().__init__()
        self.conv1 = nn.Conv2d(3, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.gn = nn.GroupNorm(groups, channels)
        self.conv3 = nn.Conv2d(channels, channels, 3, stride=2, padding=1)
        self.inorm = nn.InstanceNorm2d(channels, affine=True)
        self.ln = nn.LayerNorm([channels, image_size // 2, image_size // 2])
        self.fc = nn.Linear(channels * (image_size // 2) ** 2, 64)
        self.bn1d = nn.BatchNorm1d(64)
        self.ln_last = nn.LayerNorm(64, eps=1e-6)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv1(x)))
        x = torch.relu(self.gn(self.conv2(x)))
        x = self.ln(self.inorm(self.conv3(x)))
        x = x.flatten(1)
        x = self.bn1d(self.fc(x))
        x = self.ln_last(x)
        return self.head(x)
