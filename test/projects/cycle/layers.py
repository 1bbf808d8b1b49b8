import torch.nn as nn
import registry


def conv(in_channels, out_channels):
    return nn.Conv2d(in_channels, out_channels, 3, padding=1)


def registered():
    # Uses the module that imports this one: fine at call time, after both have run.
    return sorted(registry.BUILDERS)
