import torch
import torch.nn as nn


class StyleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 32, kernel_size=9, padding=4, padding_mode='reflect')
        self.conv_mid = nn.Conv2d(32, 32, kernel_size=3, padding=1, padding_mode='mirror')
        self.conv_out = nn.Conv2d(32, 3, kernel_size=9, padding=4, padding_mode='reflect')

    def forward(self, x):
        x = torch.relu(self.conv_in(x))
        x = torch.relu(self.conv_mid(x))
        return self.conv_out(x)
