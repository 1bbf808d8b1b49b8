# A ViT-like classifier: a strided-conv patch embedding, a class token, then a TransformerEncoder
# (batch_first) and attention pooling with MultiheadAttention.
import torch
import torch.nn as nn


class PatchTransformer(nn.Module):
    def __init__(self, img=32, patch=4, dim=64, depth=2, heads=4, num_classes=10):
        super().__init__()
        self.embed = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        n = (img // patch) ** 2
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, n + 1, dim))
        layer = nn.TransformerEncoderLayer(d_model=dim, nhead=heads, dim_feedforward=2 * dim, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=depth)
        self.pool = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.embed(x)                  # [B, dim, 8, 8]
        x = x.flatten(2).transpose(1, 2)   # [B, 64, dim]
        cls = self.cls.expand(x.size(0), -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos
        x = self.encoder(x)
        q = x[:, :1]
        pooled, weights = self.pool(q, x, x)
        return self.head(self.norm(pooled[:, 0]))


model = PatchTransformer()
y = model(torch.randn(2, 3, 32, 32))
