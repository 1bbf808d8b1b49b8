import torch
import torch.nn as nn


class TwoPath(nn.Module):
    """Helpers declared @staticmethod / @classmethod, called through self and through the class."""

    def __init__(self, width=16):
        super().__init__()
        self.left = self._branch(3, width)
        self.right = TwoPath._branch(3, width)
        self.merge = self.from_width(2 * width)
        self.head = nn.Conv2d(self.out_channels, 10, 1)

    @staticmethod
    def _branch(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())

    @classmethod
    def from_width(cls, w):
        return cls._branch(w, w)

    @property
    def out_channels(self):
        return 32

    def forward(self, x):
        x = torch.cat([self.left(x), self.right(x)], 1)
        return self.head(self.merge(x))


model = TwoPath()
out = model(torch.randn(1, 3, 16, 16))
