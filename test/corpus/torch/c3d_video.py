# A C3D-style video classifier: 16 RGB frames of 112x112, [N, 3, T, H, W].
import torch
import torch.nn as nn


class C3D(nn.Module):
    def __init__(self, num_classes=101):
        super(C3D, self).__init__()
        self.conv1 = nn.Conv3d(3, 64, kernel_size=(3, 3, 3), padding=(1, 1, 1))
        self.pool1 = nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2))
        self.conv2 = nn.Conv3d(64, 128, kernel_size=(3, 3, 3), padding=(1, 1, 1))
        self.pool2 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2))
        self.conv3a = nn.Conv3d(128, 256, kernel_size=(3, 3, 3), padding=(1, 1, 1))
        self.conv3b = nn.Conv3d(256, 256, kernel_size=(3, 3, 3), padding=(1, 1, 1))
        self.pool3 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2))
        self.conv4 = nn.Conv3d(256, 256, kernel_size=(3, 3, 3), padding=(1, 1, 1))
        self.pool4 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 1, 1))
        self.fc6 = nn.Linear(256 * 2 * 4 * 4, 512)
        self.fc7 = nn.Linear(512, num_classes)
        self.dropout = nn.Dropout(p=0.5)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool1(self.relu(self.conv1(x)))
        x = self.pool2(self.relu(self.conv2(x)))
        x = self.relu(self.conv3a(x))
        x = self.pool3(self.relu(self.conv3b(x)))
        x = self.pool4(self.relu(self.conv4(x)))
        x = x.view(-1, 256 * 2 * 4 * 4)
        x = self.dropout(self.relu(self.fc6(x)))
        return self.fc7(x)


model = C3D()
logits = model(torch.randn(1, 3, 16, 56, 56))
