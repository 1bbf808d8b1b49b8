# An MNIST training loop written with enumerate: the batch is [64, 1, 28, 28] after ToTensor.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(64 * 5 * 5, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


train_data = datasets.MNIST("data", train=True, download=True,
                            transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
loader = DataLoader(train_data, batch_size=64, shuffle=True, drop_last=True)
net = Net()
opt = torch.optim.Adam(net.parameters())
for i, (x, y) in enumerate(loader):
    out = net(x.float())
    loss = nn.functional.cross_entropy(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if i == 3:
        break
