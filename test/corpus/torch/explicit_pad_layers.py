import torch
from torch import nn

model = nn.Sequential(
    nn.ReflectionPad2d(3),
    nn.Conv2d(3, 16, kernel_size=7),
    nn.InstanceNorm2d(16),
    nn.ReLU(True),
    nn.ZeroPad2d((1, 2, 0, 3)),
    nn.Conv2d(16, 16, kernel_size=3),
    nn.ReplicationPad2d((2, 2, 1, 1)),
    nn.Conv2d(16, 32, kernel_size=3, stride=2),
    nn.ConstantPad2d(1, 0.5),
    nn.AvgPool2d(2),
)
