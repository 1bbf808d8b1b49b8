import torch
import torch.nn as nn

STAGES = 4


class Pyramid(nn.Module):
    def __init__(self, in_channels=3, base=8, stages=STAGES):
        super().__init__()
        channels = [in_channels] + [base * 2 ** i for i in range(stages)]
        self.convs = nn.ModuleList(
            [nn.Conv2d(cin, cout, kernel_size=3, stride=2, padding=1) for cin, cout in zip(channels[:-1], channels[1:])]
        )
        self.acts = nn.ModuleList([nn.ReLU() for _ in channels[1:]])
        self.lateral = nn.ModuleList([nn.Conv2d(c, 16, 1) for c in channels[1:]])

    def forward(self, x):
        feats = []
        for conv, act in zip(self.convs, self.acts):
            x = act(conv(x))
            feats.append(x)
        outs = [lat(f) for lat, f in zip(self.lateral, feats)]
        pooled = [o.mean(dim=(-2, -1)) for o in outs]
        return torch.stack(pooled, dim=1)
