import torch
import torch.nn as nn


class Tokenizer(nn.Module):
    def __init__(self, dim=48, patch=8):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        self.dim = dim

    def forward(self, x):
        x = self.proj(x)
        x = x.reshape(x.shape[0], 64, self.dim)
        return x
