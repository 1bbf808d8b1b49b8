import torch
import torch.nn as nn

encoder = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding='same'),
    nn.ReLU(),
    nn.Conv2d(8, 8, kernel_size=3, padding='full'),
    nn.ReLU(),
)
