# A Conv3d fed a 2-D image batch [N, C, H, W]: PyTorch reads the 4-D tensor as one unbatched volume
# [C, D, H, W] with C = 1, so the 3 input channels are missing.
import torch
import torch.nn as nn


class VolumeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(3, 16, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(x.flatten(1))


model = VolumeNet()
