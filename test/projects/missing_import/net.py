import torch
import torch.nn as nn
from my_private_layers import FancyBlock


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.fancy = FancyBlock(16, 32)
        self.fc = nn.Linear(32 * 30 * 30, 10)

    def forward(self, x):
        x = self.fancy(self.conv(x))
        return self.fc(x.flatten(1))


model = Net()
y = model(torch.randn(1, 3, 32, 32))
