# A sequence encoder whose input projection gives 96 features while the TransformerEncoder expects d_model=128.
import torch
import torch.nn as nn


class SeqEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(20, 96)
        layer = nn.TransformerEncoderLayer(d_model=128, nhead=8)
        self.encoder = nn.TransformerEncoder(layer, num_layers=3)
        self.cls = nn.Linear(128, 4)

    def forward(self, x):
        x = self.inp(x)
        x = self.encoder(x)
        return self.cls(x[-1])


model = SeqEncoder()
