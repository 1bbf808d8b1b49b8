import torch
import torch.nn as nn
import torch.nn.functional as F


class PatchMixer(nn.Module):
    """Patch embedding then token mixing: view/reshape/permute/transpose/flatten with sizes read from the tensor."""

    def __init__(self, in_channels=3, dim=64, patch=4, num_classes=10):
        super().__init__()
        self.patch_embed = nn.Conv2d(in_channels, dim, kernel_size=patch, stride=patch)
        self.norm = nn.LayerNorm(dim)
        self.token_fc = nn.Linear(64, 64)
        self.channel_fc = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)                 # B, C, H, W
        b, c, h, w = x.shape
        x = x.reshape(b, c, h * w)              # B, C, T
        x = x.transpose(1, 2)                   # B, T, C
        x = self.norm(x)
        y = x.permute(0, 2, 1)                  # B, C, T
        y = self.token_fc(y).permute(0, 2, 1)
        x = x + y
        x = x + self.channel_fc(x)
        x = x.view(b, h, w, c).permute(0, 3, 1, 2).contiguous()
        x = F.avg_pool2d(x, x.size()[2:])
        x = x.flatten(1)
        x = x.view(x.size(0), -1, 16).sum(dim=-1, keepdim=False).repeat(1, 16)
        x = x.unsqueeze(1).squeeze(1)
        return self.head(x)
