import torch
import torch.nn as nn


class ConformerStyleLayer(nn.Module):
    """Layers called with their inputs by name: attention's query/key/value and a mask, a conv's input."""

    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.self_attn = nn.MultiheadAttention(dim, heads)
        self.conv = nn.Conv1d(dim, 2 * dim, kernel_size=3, padding=1)

    def forward(self, x):
        # x: (T, B, D)
        mask = torch.zeros(x.size(1), x.size(0), dtype=torch.bool)
        y = self.norm(x)
        y, _ = self.self_attn(query=y, key=y, value=y, key_padding_mask=mask, need_weights=False)
        x = x + y
        a, gate = self.conv(input=x.permute(1, 2, 0)).chunk(2, dim=1)
        return (a * torch.sigmoid(gate)).permute(2, 0, 1) + x
