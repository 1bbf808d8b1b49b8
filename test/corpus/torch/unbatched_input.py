import torch
import torch.nn as nn


class SingleImageNet(nn.Module):
    """Applied to one image at a time: input is (C, H, W), no batch dimension."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.gap = nn.AdaptiveAvgPool2d((2, 2))
        self.flatten = nn.Flatten(0)
        self.fc = nn.Linear(16 * 2 * 2, 5)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.gap(torch.relu(self.conv2(x)))
        x = self.flatten(x)
        return self.fc(x)


image = torch.randn(3, 30, 30)
net = SingleImageNet()
scores = net(image)
