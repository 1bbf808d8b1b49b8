import torch
import torch.nn as nn

features = nn.Sequential(
    nn.Conv2d(3, 16, 3),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2, padding=2),
)
