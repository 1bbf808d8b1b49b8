import torch
import torch.nn as nn


class SharedLayers(nn.Module):
    """One ReLU, one pool and one whole block, each applied more than once."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.shared = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16))
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.relu(self.shared(x))
        x = self.relu(self.shared(x))
        x = self.pool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)
