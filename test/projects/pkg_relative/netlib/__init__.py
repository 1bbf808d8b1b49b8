from .parts import *
from .layers.ops import DownBlock as Down

__all__ = ["DoubleConv", "Down", "build"]


def build(channels):
    return Down(channels, channels * 2)
