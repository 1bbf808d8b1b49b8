# A CNN over 64x64 frames whose features are reshaped into a [T, B, F] sequence for a GRU: 64 x 16 x 16
# values per frame cannot be viewed as 10 steps of 1024.
import torch
import torch.nn as nn


class FrameEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 64, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.gru = nn.GRU(1024, 128)

    def forward(self, x):
        f = self.cnn(x)
        seq = f.view(10, x.size(0), 1024)
        out, h = self.gru(seq)
        return h[-1]


model = FrameEncoder()
