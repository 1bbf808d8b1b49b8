import torch
import torch.nn as nn
import torch.nn.functional as F


class SegHead(nn.Module):
    """FCN-style decoder: upsample in three different ways back to the input size."""

    def __init__(self, in_channels=3, num_classes=21):
        super().__init__()
        self.enc1 = nn.Conv2d(in_channels, 32, 3, stride=2, padding=1)
        self.enc2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.enc3 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.up_bilinear = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.dec1 = nn.Conv2d(128, 64, 3, padding=1)
        self.dec2 = nn.Conv2d(64, 32, 3, padding=1)
        self.classifier = nn.Conv2d(32, num_classes, 1)

    def forward(self, x):
        input_size = x.shape[-2:]
        x = F.relu(self.enc1(x))
        x = F.relu(self.enc2(x))
        x = F.relu(self.enc3(x))
        x = self.up(x)
        x = F.relu(self.dec1(x))
        x = self.up_bilinear(x)
        x = F.relu(self.dec2(x))
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        x = self.classifier(x)
        x = F.interpolate(x, size=input_size, mode='bilinear', align_corners=False)
        return x
