import torch
import torch.nn as nn


class PaddingModes(nn.Module):
    """Every padding flavour of Conv2d, and a grouped conv, on a 3x30x40 input."""

    def __init__(self):
        super().__init__()
        self.reflect = nn.Conv2d(3, 8, kernel_size=3, padding=1, padding_mode='reflect')
        self.replicate = nn.Conv2d(8, 8, kernel_size=5, padding=2, padding_mode='replicate')
        self.circular = nn.Conv2d(8, 8, kernel_size=3, padding=(1, 2), padding_mode='circular')
        self.same = nn.Conv2d(8, 16, kernel_size=4, padding='same')
        self.same_dilated = nn.Conv2d(16, 16, kernel_size=3, padding='same', dilation=2)
        self.valid = nn.Conv2d(16, 16, kernel_size=(3, 5), padding='valid')
        self.dilated = nn.Conv2d(16, 32, kernel_size=3, dilation=3, stride=2)
        self.rect = nn.Conv2d(32, 32, kernel_size=(1, 3), stride=(1, 2), padding=(0, 1))
        self.grouped = nn.Conv2d(32, 64, kernel_size=3, padding=1, groups=4)

    def forward(self, x):
        x = self.reflect(x)
        x = self.replicate(x)
        x = self.circular(x)
        x = self.same(x)
        x = self.same_dilated(x)
        x = self.valid(x)
        x = self.dilated(x)
        x = self.rect(x)
        x = self.grouped(x)
        return x
