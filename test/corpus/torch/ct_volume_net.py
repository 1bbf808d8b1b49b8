# A CT-scan classifier: 3-D convolutions over a [N, 1, D, H, W] volume (64 slices of 128x128).
import torch
import torch.nn as nn
import torch.nn.functional as F


class CTVolumeNet(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 16, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm3d(16)
        self.pool1 = nn.MaxPool3d(2)
        self.conv2 = nn.Conv3d(16, 32, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm3d(32)
        self.pool2 = nn.MaxPool3d(kernel_size=(1, 2, 2))
        self.conv3 = nn.Conv3d(32, 64, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=1)
        self.norm3 = nn.InstanceNorm3d(64, affine=True)
        self.avg = nn.AvgPool3d(kernel_size=2, ceil_mode=True)
        self.gap = nn.AdaptiveAvgPool3d(1)
        self.drop = nn.Dropout3d(0.2)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.bn2(self.conv2(x))))
        x = F.relu(self.norm3(self.conv3(x)))
        x = self.avg(x)
        x = self.drop(self.gap(x))
        x = torch.flatten(x, 1)
        return self.fc(x)


model = CTVolumeNet()
out = model(torch.randn(2, 1, 32, 64, 64))
