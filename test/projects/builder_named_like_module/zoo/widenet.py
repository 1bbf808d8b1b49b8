import torch.nn as nn


def widenet(width=24):
    return nn.Sequential(nn.Conv2d(3, width, 5, stride=2), nn.BatchNorm2d(width), nn.ReLU())
