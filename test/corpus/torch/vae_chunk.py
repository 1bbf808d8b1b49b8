import torch
import torch.nn as nn
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten())
        self.fc = nn.Linear(64 * 7 * 7, 2 * 16)
        self.dec_fc = nn.Linear(16, 64 * 7 * 7)
        self.dec = nn.Sequential(nn.Unflatten(1, (64, 7, 7)), nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Sigmoid())
    def forward(self, x):
        h = self.fc(self.enc(x))
        mu, logvar = h.chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(self.dec_fc(z)), mu, logvar
vae = VAE()
out, mu, logvar = vae(torch.randn(4, 1, 28, 28))
