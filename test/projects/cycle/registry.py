import torch.nn as nn
import layers

BUILDERS = {}


def register(name, fn):
    BUILDERS[name] = fn


def relu_block(channels):
    return nn.Sequential(layers.conv(channels, channels), nn.ReLU())
