import torch
import torch.nn as nn


class Downsampler(nn.Module):
    def __init__(self, channels=16):
        super().__init__()
        self.conv1 = nn.Conv2d(3, channels, 3, padding='same')
        self.down = nn.Conv2d(channels, channels * 2, 3, stride=2, padding='same')

    def forward(self, x):
        return self.down(torch.relu(self.conv1(x)))
