import math

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGE_SIZE = 64
KERNEL = 5
STRIDE = 2
CHANNELS = [3, 12, 24]


def conv_out(size, kernel, stride=1, padding=0):
    return int(math.floor((size + 2 * padding - kernel) / stride)) + 1


class ArithNet(nn.Module):
    def __init__(self, image_size=IMAGE_SIZE):
        super().__init__()
        self.conv1 = nn.Conv2d(CHANNELS[0], CHANNELS[1], KERNEL, stride=STRIDE)
        self.conv2 = nn.Conv2d(CHANNELS[1], CHANNELS[2], KERNEL, stride=STRIDE)
        s = conv_out(image_size, KERNEL, STRIDE)
        s = conv_out(s, KERNEL, STRIDE)
        s = s // 2
        self.flat_features = CHANNELS[-1] * s * s
        self.fc = nn.Linear(self.flat_features, int(math.sqrt(self.flat_features)))
        self.out = nn.Linear(int(math.sqrt(self.flat_features)), 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, kernel_size=2)
        x = x.view(-1, self.flat_features)
        x = F.relu(self.fc(x))
        return self.out(x)
