import torch
import torch.nn as nn
import torch.nn.functional as F


class Regularized(nn.Module):
    def __init__(self, p=0.3):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.drop2d = nn.Dropout2d(p)
        self.conv2 = nn.Conv2d(16, 16, 3)
        self.drop = nn.Dropout(p=p)
        self.alpha = nn.AlphaDropout(0.1)
        self.fc = nn.Linear(16 * 12 * 12, 10)

    def forward(self, x):
        x = self.drop2d(F.relu(self.conv1(x)))
        x = F.dropout2d(F.relu(self.conv2(x)), p=0.1, training=self.training)
        x = F.max_pool2d(x, 2)
        x = self.drop(torch.flatten(x, 1))
        x = F.dropout(x, 0.5, self.training)
        return self.fc(self.alpha(x))
