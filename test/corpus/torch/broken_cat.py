import torch
import torch.nn as nn


class SkipNet(nn.Module):
    """A U-Net level without the padding step: the upsampled map is one pixel short of the skip."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 16, 3, padding=1)
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(16, 32, 3, padding=1)
        self.up = nn.ConvTranspose2d(32, 16, kernel_size=2, stride=2)
        self.dec = nn.Conv2d(32, 16, 3, padding=1)

    def forward(self, x):
        skip = self.enc(x)
        x = self.mid(self.down(skip))
        x = self.up(x)
        x = torch.cat([skip, x], dim=1)
        return self.dec(x)
