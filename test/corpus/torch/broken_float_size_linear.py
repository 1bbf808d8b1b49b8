import torch.nn as nn

hidden = 128

classifier = nn.Sequential(
    nn.Linear(hidden, 64),
    nn.ReLU(),
    nn.Linear(hidden / 2, 10),
)
