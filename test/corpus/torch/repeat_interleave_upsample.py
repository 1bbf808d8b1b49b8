import torch
import torch.nn as nn


class Stretch(nn.Module):
    """Upsamples a spectrogram's time axis by repeating each frame (repeat_interleave along the last dimension)."""

    def __init__(self, time_scale):
        super().__init__()
        self.time_scale = time_scale

    def forward(self, x):
        return x.repeat_interleave(self.time_scale, -1)


class Upsampler(nn.Module):
    def __init__(self, scales=(2, 3), n_freq=16):
        super().__init__()
        layers = []
        for scale in scales:
            layers.append(Stretch(scale))
            layers.append(nn.Conv2d(1, 1, kernel_size=(1, scale * 2 + 1), padding=(0, scale), bias=False))
        self.layers = nn.Sequential(*layers)
        self.proj = nn.Linear(n_freq, 8)

    def forward(self, spec):
        x = self.layers(spec.unsqueeze(1)).squeeze(1)
        flat = torch.repeat_interleave(x[:, :2, :4], 2)
        return self.proj(x.transpose(1, 2)) + flat.sum()
