import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(64, 32, kernel_size=3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=1, output_padding=2)
        self.out = nn.Conv2d(16, 3, kernel_size=1)

    def forward(self, z):
        return torch.sigmoid(self.out(torch.relu(self.up2(torch.relu(self.up1(z))))))
