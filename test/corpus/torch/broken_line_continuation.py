# A backslash-continued Conv2d whose in_channels (24) does not match the 16 channels before it.
import torch
import torch.nn as nn


class ContinuedNet(nn.Module):
    def __init__(self, num_classes=10):
        super(ContinuedNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, \
                               kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(16, \
            eps=1e-3, momentum=0.01)
        self.conv2 = nn.Conv2d(24, 32, kernel_size=3, \
                               stride=2, \
                               padding=1, bias=False)
        self.pool = nn.MaxPool2d(kernel_size=2, \
                                 stride=2)
        self.fc = nn.Linear(32 * 8 * 8, \
                            num_classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = x.view(x.size(0), \
                   -1)
        return self.fc(x)


if __name__ == "__main__":
    model = ContinuedNet()
    out = model(torch.randn(2, 3, 32, 32))
