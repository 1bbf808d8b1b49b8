import torch
import torch.nn as nn
from blocks import ConvBlock
import blocks as B


class SmallNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = ConvBlock(3, 32)
        self.down = B.ConvBlock(32, 64, stride=2)
        self.head = B.head(64, classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.down(x)
        return self.head(x)


model = SmallNet()
logits = model(torch.randn(2, 3, 32, 32))
