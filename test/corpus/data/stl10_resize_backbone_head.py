# A backbone and a head as two models: STL10's 96x96 images resized to 64 and made grayscale; the head takes
# the backbone's features, unpacked from the tuple the backbone returns.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets
from torchvision import transforms as T


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 5, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(4))

    def forward(self, x):
        f = self.body(x)
        return f.flatten(1), f


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(256, 10)

    def forward(self, z):
        return self.fc(z)


pipeline = T.Compose([T.Resize(64), T.Grayscale(num_output_channels=3), T.CenterCrop(56), T.ToTensor()])
data = datasets.STL10("data", split="train", download=True, transform=pipeline)
train_part, val_part = random_split(data, [4980, 20])
val_loader = DataLoader(val_part, batch_size=32)
backbone = Backbone()
head = Head()
images, labels = next(iter(val_loader))
features, maps = backbone(images.cuda() if torch.cuda.is_available() else images)
logits = head(features)
