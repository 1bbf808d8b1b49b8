import torch
import torch.nn as nn

LATENT = 32


class BottleneckAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * 7 * 7, LATENT),
        )
        self.decoder = nn.Sequential(
            nn.Linear(LATENT, 16 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (16, 7, 7)),
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1),
            nn.Flatten(start_dim=2),
        )

    def forward(self, x):
        z = self.encoder(x)
        out = self.decoder(z)
        return out.reshape(-1, 1, 28, 28)
