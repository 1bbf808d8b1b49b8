"""Issue 13's model families the corpus does not hold, as such code is written (engine goldens only): a VoxNet-style
voxel classifier, a small 3-D ResNet, a HybridSN-style Conv3d -> Conv2d net, a Conv1d audio net on log-mel frames,
a CNN-GRU and a CNN-LSTM that read the recurrent layer's final states, and a patch-embedding CNN + TransformerEncoder
that uses the attention weights."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class VoxNet(nn.Module):
    """Voxel occupancy grid [N, 1, 32, 32, 32] -> classes."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 16, kernel_size=5, stride=2)
        self.conv2 = nn.Conv3d(16, 16, kernel_size=3)
        self.pool = nn.MaxPool3d(2)
        self.drop = nn.Dropout(0.3)
        self.fc1 = nn.Linear(16 * 6 * 6 * 6, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.1)
        x = self.pool(F.leaky_relu(self.conv2(x), 0.1))
        x = self.drop(x.view(x.size(0), -1))
        return self.fc2(F.relu(self.fc1(x)))


class BasicBlock3d(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm3d(cout)
        self.conv2 = nn.Conv3d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv3d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm3d(cout))

    def forward(self, x):
        identity = x if self.down is None else self.down(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


class ResNet3D(nn.Module):
    """An r3d-style video ResNet: [N, 3, T, H, W] clips."""

    def __init__(self, num_classes=7):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 16, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False), nn.BatchNorm3d(16), nn.ReLU(inplace=True))
        self.layer1 = BasicBlock3d(16, 16)
        self.layer2 = BasicBlock3d(16, 32, stride=2)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class HybridSN(nn.Module):
    """Hyperspectral patches [N, 1, bands, 11, 11]: Conv3d over the spectrum, folded into channels for a Conv2d."""

    def __init__(self, bands=16, num_classes=9):
        super().__init__()
        self.conv3d_1 = nn.Conv3d(1, 8, (7, 3, 3))
        self.conv3d_2 = nn.Conv3d(8, 16, (5, 3, 3))
        self.conv3d_3 = nn.Conv3d(16, 32, (3, 3, 3))
        depth = bands - 6 - 4 - 2
        self.conv2d = nn.Conv2d(32 * depth, 64, 3)
        self.fc1 = nn.Linear(64 * 3 * 3, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.relu(self.conv3d_1(x))
        x = F.relu(self.conv3d_2(x))
        x = F.relu(self.conv3d_3(x))
        b, c, d, h, w = x.shape
        x = F.relu(self.conv2d(x.reshape(b, c * d, h, w)))
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class AudioConv1d(nn.Module):
    """Keyword spotting on 40 log-mel bands x 101 frames, the bands as channels."""

    def __init__(self, n_mels=40, num_classes=12):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(n_mels, 64, kernel_size=3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, kernel_size=3, dilation=2, padding=2, groups=4), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(64, 96, kernel_size=5, stride=2), nn.ReLU(), nn.AvgPool1d(2),
            nn.AdaptiveMaxPool1d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(96, num_classes)

    def forward(self, x):
        return self.fc(self.net(x))


class CNNGRU(nn.Module):
    """A CNN per frame, a bidirectional GRU over the frames; the class is read from the final hidden states."""

    def __init__(self, num_classes=6):
        super().__init__()
        self.frame = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2))
        self.gru = nn.GRU(8 * 2 * 2, 24, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(48, num_classes)

    def forward(self, clip):
        b, t, c, h, w = clip.shape
        f = self.frame(clip.view(b * t, c, h, w)).view(b, t, -1)
        out, h_n = self.gru(f)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1)
        return self.fc(last) + out.mean(dim=1).sum(dim=1, keepdim=True)


class CNNLSTM(nn.Module):
    """Lip-reading style: Conv3d front end over [N, 1, T, H, W], an LSTM with projection, then an LSTMCell head."""

    def __init__(self, num_classes=5):
        super().__init__()
        self.front = nn.Sequential(nn.Conv3d(1, 8, (3, 5, 5), stride=(1, 2, 2), padding=(1, 2, 2)), nn.BatchNorm3d(8), nn.ReLU(), nn.MaxPool3d((1, 2, 2)))
        self.lstm = nn.LSTM(8 * 4 * 4, 32, proj_size=16)
        self.cell = nn.LSTMCell(16, 12)
        self.fc = nn.Linear(12 + 32, num_classes)

    def forward(self, x):
        f = self.front(x)                                  # [N, 8, T, 4, 4]
        f = f.permute(2, 0, 1, 3, 4).flatten(2)            # [T, N, 128]
        out, (h, c) = self.lstm(f)
        hx, cx = self.cell(out[-1])
        return self.fc(torch.cat([hx, c[0]], dim=1))


class PatchEncoder(nn.Module):
    """ViT-like: a strided-conv patch embedding, a TransformerEncoder (norm_first, gelu), attention pooling whose
    weights scale the pooled features."""

    def __init__(self, dim=32, heads=4, num_classes=10):
        super().__init__()
        self.embed = nn.Conv2d(3, dim, kernel_size=4, stride=4)
        layer = nn.TransformerEncoderLayer(d_model=dim, nhead=heads, dim_feedforward=64, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(dim))
        self.pool = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)       # [B, 16, dim]
        x = self.encoder(x)
        q = x.mean(dim=1, keepdim=True)
        pooled, weights = self.pool(q, x, x)
        return self.head(pooled[:, 0] * weights.sum(dim=-1))
