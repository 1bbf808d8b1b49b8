import torch
import torch.nn as nn


class MultiHeadNet(nn.Module):
    def __init__(self, num_blocks=3, channels=16, tasks=None):
        super().__init__()
        if tasks is None:
            tasks = {"digits": 10, "parity": 2}
        self.stem = nn.Conv2d(1, channels, 3, padding=1)
        self.blocks = nn.ModuleList()
        for i in range(num_blocks):
            self.blocks.append(nn.Conv2d(channels, channels, 3, padding=1))
        self.norms = nn.ModuleList([nn.BatchNorm2d(channels) for _ in range(num_blocks)])
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.heads = nn.ModuleDict({name: nn.Linear(channels, n) for name, n in tasks.items()})
        self.act = nn.ModuleDict({
            'relu': nn.ReLU(),
            'prelu': nn.PReLU(),
        })

    def forward(self, x, task="digits"):
        x = self.act['relu'](self.stem(x))
        for block, norm in zip(self.blocks, self.norms):
            x = self.act['prelu'](norm(block(x)))
        x = self.pool(x).view(x.size(0), -1)
        return self.heads[task](x)
