import torch
import torch.nn as nn
import torch.nn.functional as F


class ActivationTour(nn.Module):
    def __init__(self, in_ch=3, hidden=16, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.conv3 = nn.Conv2d(hidden, hidden * 2, 3, stride=2, padding=1)
        self.act1 = nn.GELU()
        self.act2 = nn.SiLU()
        self.act3 = nn.LeakyReLU(0.1)
        self.act4 = nn.ELU()
        self.act5 = nn.Hardswish()
        self.act6 = nn.PReLU()
        self.fc = nn.Linear(hidden * 2, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = torch.relu(x)
        x = x.relu()
        x = self.act1(self.conv2(x))
        x = self.act2(x)
        x = self.act3(x)
        x = torch.sigmoid(x) * x
        x = torch.tanh(x)
        x = F.gelu(x)
        x = F.silu(self.conv3(x))
        x = self.act4(x)
        x = self.act5(x)
        x = self.act6(x)
        x = F.leaky_relu(x, 0.2)
        x = x.mean(dim=[2, 3])
        x = self.fc(x)
        x = F.log_softmax(x, dim=-1)
        return self.softmax(x)
