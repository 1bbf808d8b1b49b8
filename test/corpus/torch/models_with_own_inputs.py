# Several models built in one file, each called with its own input: the user's model, a second instance of the
# same class with other arguments and input, and a __main__ test of another class. Each is its own model.
import torch
import torch.nn as nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(8 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))


class Big(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


model = Big(classes=7)
y = model(torch.randn(4, 3, 96, 96))

head_test = Big()
head_test(torch.randn(1, 3, 64, 64))

if __name__ == "__main__":
    net = Small()
    print(net(torch.randn(2, 1, 28, 28)).shape)
