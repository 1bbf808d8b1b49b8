import torch
import torch.nn as nn


class TinyDemucs(nn.Module):
    """Demucs-style: each level appends an encoder and inserts its decoder at the front, so the decoders run from
    the deepest level back up; a Sequential gets its activation inserted from the end."""

    def __init__(self, channels=2, hidden=8, depth=3):
        super().__init__()
        self.encoder = nn.ModuleList()
        self.decoder = nn.ModuleList()
        chin = channels
        for index in range(depth):
            self.encoder.append(nn.Conv2d(chin, hidden, kernel_size=4, stride=2, padding=1))
            self.decoder.insert(0, nn.ConvTranspose2d(hidden, chin, kernel_size=4, stride=2, padding=1))
            chin = hidden
            hidden *= 2
        self.head = nn.Sequential(nn.Conv2d(channels, 4, 1), nn.Conv2d(4, 4, 1))
        self.head.insert(-1, nn.ReLU())

    def forward(self, x):
        skips = []
        for encode in self.encoder:
            x = torch.relu(encode(x))
            skips.append(x)
        for decode in self.decoder:
            x = decode(x + skips.pop(-1))
        return self.head(x)
