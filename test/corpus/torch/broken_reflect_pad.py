import torch
import torch.nn as nn


class Refiner(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 8, 4, stride=4)
        self.pad = nn.ReflectionPad2d(4)
        self.conv = nn.Conv2d(8, 8, 3)

    def forward(self, x):
        return self.conv(self.pad(self.down(x)))
