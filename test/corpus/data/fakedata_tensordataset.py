# FakeData with a given image size and padding, and a TensorDataset of random tensors: a single image
# unsqueezed to a batch of one, and a batch of 16 vectors.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision.datasets import FakeData
from torchvision.transforms import Compose, Pad, PILToTensor, RandomResizedCrop


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.pool(self.conv(x))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, x):
        return self.net(x)


fake = FakeData(size=40, image_size=(1, 50, 70), transform=Compose([Pad((3, 5)), RandomResizedCrop((24, 30)), PILToTensor()]))
image, target = next(iter(fake))
encoder = Encoder()
code = encoder(image.unsqueeze(0).float())

pairs = TensorDataset(torch.randn(100, 20), torch.randint(0, 2, (100,)))
pair_loader = DataLoader(pairs, batch_size=16, drop_last=False)
mlp = MLP()
for xb, yb in pair_loader:
    mlp(xb)
