# embed_dim 100 with 8 heads: MultiheadAttention needs embed_dim divisible by num_heads.
import torch
import torch.nn as nn


class Attend(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(40, 100)
        self.attn = nn.MultiheadAttention(100, 8)

    def forward(self, x):
        x = self.proj(x)
        y, _ = self.attn(x, x, x)
        return y


model = Attend()
