# One model's output fed to another: a backbone returns a namedtuple (scores, attention, features), a
# segmentation-style head takes the features and returns a dict, as torchvision's segmentation models do.
from collections import OrderedDict, namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F

BackboneOutput = namedtuple("BackboneOutput", "scores attention features")


class Backbone(nn.Module):
    def __init__(self, width=16, num_classes=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.stage = nn.Sequential(nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU())
        self.shortcut = nn.Sequential()
        self.attn = nn.Conv2d(2 * width, 1, 1)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        features = self.stage(self.stem(x))
        features = features + self.shortcut(features)
        attention = torch.sigmoid(self.attn(features))
        scores = self.fc(torch.flatten(F.adaptive_avg_pool2d(features * attention, 1), 1))
        return BackboneOutput(scores, attention, features)


class SegHead(nn.Module):
    def __init__(self, in_channels=32, num_classes=3):
        super().__init__()
        self.classifier = nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, num_classes, 1))
        self.aux = nn.Conv2d(in_channels, num_classes, 1)

    def forward(self, features):
        result = OrderedDict()
        x = self.classifier(features)
        result["out"] = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        result["aux"] = self.aux(features)
        return result


backbone = Backbone()
head = SegHead()
images = torch.randn(2, 3, 64, 64)
scores, _, features = backbone(images)
masks = head(features)["out"]
