import torch
import torch.nn as nn


class ZFNetLike(nn.Module):
    def __init__(self, num_classes=10):
        super(ZFNetLike, self).__init__()
        self.features = nn.Sequential()
        self.features.add_module('conv1', nn.Conv2d(3, 48, kernel_size=7, stride=2, padding=1))
        self.features.add_module('relu1', nn.ReLU(inplace=True))
        self.features.add_module('pool1', nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        for i, (cin, cout) in enumerate([(48, 96), (96, 128), (128, 128)], start=2):
            self.features.add_module('conv%d' % i, nn.Conv2d(cin, cout, kernel_size=3, padding=1))
            self.features.add_module('relu%d' % i, nn.ReLU(inplace=True))
        self.features.add_module('pool_final', nn.MaxPool2d(kernel_size=3, stride=2))
        self.add_module('gap', nn.AdaptiveAvgPool2d(1))
        self.add_module('fc', nn.Linear(128, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = self.gap(x)
        x = x.view(-1, 128)
        return self.fc(x)
