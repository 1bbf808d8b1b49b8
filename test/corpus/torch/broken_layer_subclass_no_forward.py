# layer_subclass_no_forward.py with one bug: the second ConvNoBias is built for 24 input channels but gets 16; PyTorch
# fails in Conv2d's own forward, and the line to edit is the call that built it, not its super().__init__.
import torch
import torch.nn as nn


class ConvNoBias(nn.Conv2d):
    """Only the defaults change; forward is Conv2d's own."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2, bias=False)


class Classifier(nn.Linear):
    def __init__(self, features, classes=10):
        super().__init__(features, classes)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvNoBias(3, 16, stride=2)
        self.body = ConvNoBias(in_channels=24, out_channels=32)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = Classifier(32)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.body(x))
        return self.head(torch.flatten(self.pool(x), 1))
