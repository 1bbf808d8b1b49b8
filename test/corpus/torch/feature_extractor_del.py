# A feature extractor that keeps a backbone's children up to the last layer it returns, the way
# torchvision's IntermediateLayerGetter does: `del` empties the dict of wanted layers, and the loop stops.
from collections import OrderedDict

import torch
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.layer1 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)


class FeatureExtractor(nn.ModuleDict):
    def __init__(self, model, return_layers):
        wanted = {str(k): str(v) for k, v in return_layers.items()}
        layers = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            if name in wanted:
                del wanted[name]
            if not wanted:
                break
        super().__init__(layers)

    def forward(self, x):
        for module in self.values():
            x = module(x)
        return x


model = FeatureExtractor(Backbone(), {"layer2": "out"})
features = model(torch.randn(1, 3, 32, 32))
