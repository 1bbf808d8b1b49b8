# Methods stored in attributes, a module that defines __call__ instead of forward, model.forward(x) called directly,
# and a torch.tensor literal as the example input.
import torch
import torch.nn as nn


class Scale(nn.Module):
    """Calls its layer from __call__ (no forward): PyTorch runs __call__, the layer's hooks still fire."""

    def __init__(self, features):
        super().__init__()
        self.linear = nn.Linear(features, features)

    def __call__(self, x):
        return self.linear(x) * 0.5


class Regressor(nn.Module):
    def __init__(self, hidden=8, merge="concat"):
        super().__init__()
        self.fc1 = nn.Linear(1, hidden)
        self.fc2 = nn.Linear(1, hidden)
        self.scale = Scale(hidden)
        # The merge strategy is chosen once and kept as a bound method.
        self._combine = self._concat if merge == "concat" else self._add
        self.head = nn.Linear(2 * hidden if merge == "concat" else hidden, 1)

    def _concat(self, a, b):
        return torch.cat([a, b], dim=1)

    def _add(self, a, b):
        return a + b

    def forward(self, x):
        a = torch.relu(self.fc1(x))
        b = self.scale(torch.tanh(self.fc2(x)))
        return self.head(self._combine(a, b))


model = Regressor()
x = torch.tensor([[3.0], [1.0], [0.5]])
pred = model.forward(x)
