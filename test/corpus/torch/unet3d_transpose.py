# A small 3-D U-Net for CT segmentation: ConvTranspose3d upsampling (with output_size on an odd depth),
# skip connections by torch.cat, trilinear upsampling and a 1x1x1 head.
import torch
import torch.nn as nn
import torch.nn.functional as F


def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, padding=1), nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1), nn.BatchNorm3d(cout), nn.ReLU(inplace=True),
    )


class UNet3D(nn.Module):
    def __init__(self, cin=1, classes=3):
        super().__init__()
        self.enc1 = double_conv(cin, 8)
        self.enc2 = double_conv(8, 16)
        self.bottom = double_conv(16, 32)
        self.up2 = nn.ConvTranspose3d(32, 16, kernel_size=2, stride=2)
        self.dec2 = double_conv(32, 16)
        self.up1 = nn.ConvTranspose3d(16, 8, kernel_size=3, stride=2, padding=1)
        self.dec1 = double_conv(16, 8)
        self.head = nn.Conv3d(8, classes, kernel_size=1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool3d(e1, 2))
        b = self.bottom(F.max_pool3d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.up1(d2, output_size=e1.shape[2:])
        d1 = self.dec1(torch.cat([d1, e1], dim=1))
        y = self.head(d1)
        return F.interpolate(y, scale_factor=(1, 2, 2), mode="trilinear", align_corners=False)


model = UNet3D()
seg = model(torch.randn(1, 1, 16, 32, 32))
