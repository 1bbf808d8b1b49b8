import torch.nn as nn

class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))   # -> (B,16,32,32)
        x = F.max_pool2d(x, 2)      # -> (B,16,16,16)
        x = F.relu(self.conv2(x))   # -> (B,32,16,16)
        x = F.max_pool2d(x, 2)      # -> (B,32,8,8)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x
